/**
 * A tiny expression language for row-level feature formulas. Every formula in the feature spec is written once in
 * this form and then executed twice: compiled to a polars expression for the batch path, and compiled to plain
 * arithmetic closures for the one-row serving path (pipeline-one-row.ts). Only IEEE-exact operations are allowed (+ - * /, comparisons), so
 * both engines produce bit-identical doubles: no log/exp/pow, whose last bits differ between Rust's libm and V8.
 *
 * Missing values: polars null on the batch side, NaN on the one-row side. Arithmetic propagates them.
 */
import pl from 'nodejs-polars';
import { P, PExpr } from './fast-expr';

export type Expr =
  | { num: string } // a numeric input column (already cleaned)
  | { is: string; values: string[] } // 1 when a text column is one of `values`, else 0 (missing text counts as 0)
  | { lit: number }
  | { op: '+' | '-' | '*' | '/'; a: Expr; b: Expr }
  | { max0: Expr } // max(x, 0); missing stays missing
  | { gt0: Expr } // 1 when x > 0, 0 otherwise; missing stays missing
  | { rowStat: 'mean' | 'min' | 'max' | 'var' | 'sum' | 'count'; of: string[] }; // across columns, ignoring missing

export const num = (name: string): Expr => ({ num: name });
export const is = (name: string, ...values: string[]): Expr => ({ is: name, values });
export const div = (a: Expr | string, b: Expr | string): Expr => ({ op: '/', a: asExpr(a), b: asExpr(b) });
export const sub = (a: Expr | string, b: Expr | string): Expr => ({ op: '-', a: asExpr(a), b: asExpr(b) });
export const add = (a: Expr | string, b: Expr | string): Expr => ({ op: '+', a: asExpr(a), b: asExpr(b) });
export const mul = (a: Expr | string, b: Expr | string): Expr => ({ op: '*', a: asExpr(a), b: asExpr(b) });
export const lit = (value: number): Expr => ({ lit: value });
export const max0 = (a: Expr | string): Expr => ({ max0: asExpr(a) });
export const gt0 = (a: Expr | string): Expr => ({ gt0: asExpr(a) });
export const rowStat = (stat: 'mean' | 'min' | 'max' | 'var' | 'sum' | 'count', of: string[]): Expr => ({
  rowStat: stat,
  of,
});

function asExpr(e: Expr | string): Expr {
  return typeof e === 'string' ? { num: e } : e;
}

/** Input columns an expression reads, split by kind (numeric vs text). */
export function inputsOf(e: Expr, out: { numeric: Set<string>; text: Set<string> }): void {
  if ('num' in e) out.numeric.add(e.num);
  else if ('is' in e) out.text.add(e.is);
  else if ('op' in e) {
    inputsOf(e.a, out);
    inputsOf(e.b, out);
  } else if ('max0' in e) inputsOf(e.max0, out);
  else if ('gt0' in e) inputsOf(e.gt0, out);
  else if ('rowStat' in e) e.of.forEach((c) => out.numeric.add(c));
}

// ---------------------------------------------------------------------------------------------------------------
// Batch side: polars
// ---------------------------------------------------------------------------------------------------------------

const NULL = P.nullF64;

export function toPolars(e: Expr): PExpr {
  if ('num' in e) return P.col(e.num);
  if ('is' in e) return P.col(e.is).isIn(e.values).fillNull(false).cast(pl.Float64);
  if ('lit' in e) return P.lit(e.lit).cast(pl.Float64);
  if ('op' in e) {
    const a = toPolars(e.a);
    const b = toPolars(e.b);
    switch (e.op) {
      case '+':
        return a.add(b);
      case '-':
        return a.sub(b);
      case '*':
        return a.mul(b);
      case '/':
        return a.div(b);
    }
  }
  if ('max0' in e) {
    const a = toPolars(e.max0);
    return P.when(a.gt(0)).then(a).when(a.isNotNull()).then(P.lit(0).cast(pl.Float64)).otherwise(NULL());
  }
  if ('gt0' in e) {
    const a = toPolars(e.gt0);
    return P.when(a.gt(0))
      .then(P.lit(1).cast(pl.Float64))
      .when(a.isNotNull())
      .then(P.lit(0).cast(pl.Float64))
      .otherwise(NULL());
  }
  if ('rowStat' in e) return rowStatPolars(e.rowStat, e.of);
  throw new Error(`unknown feature expression ${JSON.stringify(e)}`);
}

/** Sums are accumulated left to right over the listed columns, skipping missing ones, exactly like rowStatLoop. */
function rowStatPolars(stat: 'mean' | 'min' | 'max' | 'var' | 'sum' | 'count', of: string[]): PExpr {
  const zero = P.lit(0).cast(pl.Float64);
  const present = (c: string) => P.when(P.col(c).isNotNull()).then(P.col(c)).otherwise(zero);
  const count = of.map((c) => P.col(c).isNotNull().cast(pl.Float64)).reduce((a, b) => a.add(b));
  if (stat === 'count') return count;
  if (stat === 'min' || stat === 'max') {
    const picked = stat === 'min' ? P.minHorizontal(of.map((c) => P.col(c))) : P.maxHorizontal(of.map((c) => P.col(c)));
    return picked.cast(pl.Float64);
  }
  const sum = of.map(present).reduce((a, b) => a.add(b));
  const whenAny = (x: PExpr) => P.when(count.gt(0)).then(x).otherwise(NULL());
  if (stat === 'sum') return whenAny(sum);
  const mean = sum.div(count);
  if (stat === 'mean') return whenAny(mean);
  // population variance over the present values (numpy's nanvar); nodejs-polars has no sqrt expression, and
  // pow(x, 0.5) is not guaranteed to round like Math.sqrt, so the standard deviation is left squared.
  const sq = (c: string) =>
    P.when(P.col(c).isNotNull())
      .then(P.col(c).sub(mean).mul(P.col(c).sub(mean)))
      .otherwise(zero);
  return whenAny(
    of
      .map(sq)
      .reduce((a, b) => a.add(b))
      .div(count),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// One-row side: plain loops (pipeline-one-row.ts compiles the formulas to closures over cleaned values, NaN = missing).
// ---------------------------------------------------------------------------------------------------------------

/** A statistic across the values of one row, skipping missing ones (the one-row paths' side of rowStatPolars). */
export function rowStatLoop(stat: 'mean' | 'min' | 'max' | 'var' | 'sum' | 'count', values: ArrayLike<number>): number {
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    count += Number.isNaN(v) ? 0 : 1;
    sum += Number.isNaN(v) ? 0 : v;
    if (!Number.isNaN(v)) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (stat === 'count') return count;
  if (count === 0) return NaN;
  if (stat === 'min') return min;
  if (stat === 'max') return max;
  if (stat === 'sum') return sum;
  const mean = sum / count;
  if (stat === 'mean') return mean;
  let sq = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    sq += Number.isNaN(v) ? 0 : (v - mean) * (v - mean);
  }
  return sq / count;
}

// ---------------------------------------------------------------------------------------------------------------
// Column side: the side-table formulas over whole columns (typed arrays), shared by the batch and one-row paths
// so that both evaluate them with the very same code. Same IEEE operations as the one-row closures, NaN = missing.
// ---------------------------------------------------------------------------------------------------------------

/** A cleaned text input as small integer codes: 1 + index in `levels`, 0 = missing or a value not in `levels`. */
export interface TextCodes {
  codes: Uint8Array;
  levels: readonly string[];
}

/** A cleaned numeric column: float64 (NaN = missing), or int32 for integer columns without missing values. */
export type NumericColumn = Float64Array | Int32Array;

/** The cleaned inputs of a table's rows, column by column. */
export interface InputColumns {
  length: number;
  /** a cleaned numeric input (NaN = missing); callers must not modify it */
  numeric(name: string): NumericColumn;
  text(name: string): TextCodes;
}

/** Rows per block of the column evaluator: small enough for its scratch arrays to stay in the CPU cache. */
export const BLOCK = 4096;

/** A compiled formula: writes its values for rows start..start+length-1 into the returned scratch array. */
export type BlockEval = (start: number, length: number) => Float64Array;

/**
 * Compiles a formula into block-at-a-time loops. Why blocks: evaluating whole columns would allocate one array per
 * operation per column (bureau_balance's DPD level alone has 14 operations over 27 M rows), and those allocations,
 * not the arithmetic, dominated the time.
 */
function compileBlocks(e: Expr, inputs: InputColumns): BlockEval {
  const out = new Float64Array(BLOCK);
  if ('num' in e) {
    const col = inputs.numeric(e.num);
    return (start, length) => {
      for (let i = 0; i < length; i++) out[i] = col[start + i];
      return out;
    };
  }
  if ('lit' in e) {
    out.fill(e.lit);
    return () => out;
  }
  if ('is' in e) {
    const { codes, levels } = inputs.text(e.is);
    const wanted = new Float64Array(levels.length + 1); // by code; code 0 (missing / other) is never wanted
    levels.forEach((level, i) => {
      if (e.values.includes(level)) wanted[i + 1] = 1;
    });
    return (start, length) => {
      for (let i = 0; i < length; i++) out[i] = wanted[codes[start + i]];
      return out;
    };
  }
  if ('op' in e) {
    const a = compileBlocks(e.a, inputs);
    const b = compileBlocks(e.b, inputs);
    switch (e.op) {
      case '+':
        return (start, length) => {
          const x = a(start, length),
            y = b(start, length);
          for (let i = 0; i < length; i++) out[i] = x[i] + y[i];
          return out;
        };
      case '-':
        return (start, length) => {
          const x = a(start, length),
            y = b(start, length);
          for (let i = 0; i < length; i++) out[i] = x[i] - y[i];
          return out;
        };
      case '*':
        return (start, length) => {
          const x = a(start, length),
            y = b(start, length);
          for (let i = 0; i < length; i++) out[i] = x[i] * y[i];
          return out;
        };
      case '/':
        return (start, length) => {
          const x = a(start, length),
            y = b(start, length);
          for (let i = 0; i < length; i++) out[i] = x[i] / y[i];
          return out;
        };
    }
  }
  if ('max0' in e) {
    const a = compileBlocks(e.max0, inputs);
    return (start, length) => {
      const x = a(start, length);
      for (let i = 0; i < length; i++) {
        const v = x[i];
        out[i] = Number.isNaN(v) ? NaN : v > 0 ? v : 0;
      }
      return out;
    };
  }
  if ('gt0' in e) {
    const a = compileBlocks(e.gt0, inputs);
    return (start, length) => {
      const x = a(start, length);
      for (let i = 0; i < length; i++) {
        const v = x[i];
        out[i] = Number.isNaN(v) ? NaN : v > 0 ? 1 : 0;
      }
      return out;
    };
  }
  if ('rowStat' in e) {
    const stat = e.rowStat;
    const cols = e.of.map((c) => inputs.numeric(c));
    return (start, length) => {
      for (let i = 0; i < length; i++)
        out[i] = rowStatLoop(
          stat,
          cols.map((c) => c[start + i]),
        );
      return out;
    };
  }
  throw new Error(`unknown feature expression ${JSON.stringify(e)}`);
}

/**
 * A spec column, block by block: values of rows start..start+length-1 at indices 0..length-1 of the returned array
 * (valid until the next call), after finalValue. Nothing is materialised over all rows: the aggregator consumes each
 * block right away. Inputs are cleaned already, so a plain input column is handed out as it is.
 */
export function columnBlocks(e: Expr, inputs: InputColumns): BlockEval {
  const input = 'num' in e ? inputs.numeric(e.num) : undefined;
  if (input instanceof Float64Array) return (start, length) => input.subarray(start, start + length);
  const evaluate = compileBlocks(e, inputs);
  return (start, length) => {
    const values = evaluate(start, length);
    for (let i = 0; i < length; i++) values[i] = finalValue(values[i]);
    return values;
  };
}

/** Values this large (2^45 = 3.5e13, far above any Home Credit amount) and non-finite ones become missing. */
export const MAX_MAGNITUDE = 2 ** 45;

/** Non-finite and out-of-range values become missing (NaN), matching batch.ts `finalPolars`. */
export function finalValue(v: number): number {
  return Number.isFinite(v) && Math.abs(v) < MAX_MAGNITUDE ? v : NaN;
}

/** A feature value as both paths write it: finite values as they are (-0 turned into +0), anything else NaN. */
export function normalise(v: number): number {
  return Number.isFinite(v) ? v + 0 : NaN;
}

/**
 * One-row path: executes the same feature spec as batch.ts with plain loops over one applicant's raw rows, for the
 * serving API (no dataframe engine). Every rule here mirrors its polars counterpart in batch.ts / expr.ts.
 */
import { CleanRow, evalRow, inputsOf } from './expr';
import { addPieces, combinePieces, MAX_MAGNITUDE, PIECE_GRIDS } from './exact-sum';
import { aggregateOutputs, AggOutput, DAYS_SENTINEL, INTEGER_LIMIT, integerColumns, TableSpec, TEXT_SENTINELS } from './feature-spec';
import { FeatureError } from './errors';

export type RawValue = string | number | null | undefined;
export type RawRow = Record<string, RawValue>;

/** Non-finite and out-of-range values become missing (NaN), matching batch.ts `finalPolars`. */
export function finalValue(v: number, limit: number = MAX_MAGNITUDE): number {
  return Number.isFinite(v) && Math.abs(v) < limit ? v : NaN;
}

/** A raw numeric field: numbers as they are, numeric text parsed, absent/empty = missing. */
export function parseNumber(v: RawValue, field: string, where: string): number {
  if (v === null || v === undefined) return NaN;
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') throw new FeatureError(`${where}: field ${field} must be a number, got ${typeof v}`);
  const text = v.trim();
  if (text === '') return NaN;
  const parsed = Number(text);
  if (Number.isNaN(parsed) && text.toLowerCase() !== 'nan') throw new FeatureError(`${where}: field ${field} is not a number: ${JSON.stringify(v)}`);
  return parsed;
}

export function cleanNumber(v: RawValue, field: string, where: string, daysSentinel: boolean): number {
  const x = parseNumber(v, field, where);
  return finalValue(daysSentinel && x === DAYS_SENTINEL ? NaN : x);
}

/** A raw text field: absent/empty and the XNA/XAP sentinels are missing; numbers become their text. */
export function cleanText(v: RawValue, field: string, where: string): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string' && typeof v !== 'number') throw new FeatureError(`${where}: field ${field} must be text, got ${typeof v}`);
  const text = String(v);
  return text === '' || TEXT_SENTINELS.includes(text) ? null : text;
}

const outputsCache = new WeakMap<TableSpec, AggOutput[]>();
function outputsOf(spec: TableSpec): AggOutput[] {
  let found = outputsCache.get(spec);
  if (!found) outputsCache.set(spec, (found = aggregateOutputs(spec)));
  return found;
}

interface Inputs { numeric: string[]; text: string[] }
const inputsCache = new WeakMap<TableSpec, Inputs>();
function specInputs(spec: TableSpec): Inputs {
  let found = inputsCache.get(spec);
  if (!found) {
    const sets = { numeric: new Set<string>(), text: new Set<string>() };
    for (const e of Object.values(spec.columns)) inputsOf(e, sets);
    for (const g of spec.groups) if (g.where) sets.text.add(g.where.col);
    found = { numeric: [...sets.numeric], text: [...sets.text] };
    inputsCache.set(spec, found);
  }
  return found;
}

/**
 * Aggregates one key's rows (all belonging to the same applicant / credit). `extra(row)` supplies values that
 * are not in the raw row (the child table's per-credit summaries on bureau rows).
 */
export function aggregateRows(spec: TableSpec, rows: RawRow[], extra?: (row: RawRow) => Record<string, number>): Float64Array {
  const outputs = outputsOf(spec);
  const inputs = specInputs(spec);
  const sentinels = new Set(spec.daysSentinels);
  const colNames = Object.keys(spec.columns);
  const integers = integerColumns(spec);
  const derived: CleanRow[] = rows.map((row, i) => {
    const where = `${spec.table} row ${i}`;
    const clean: CleanRow = {};
    const more = extra ? extra(row) : {};
    for (const c of inputs.numeric) clean[c] = c in more ? finalValue(more[c]) : cleanNumber(row[c], c, where, sentinels.has(c));
    for (const c of inputs.text) clean[c] = cleanText(row[c], c, where);
    const values: CleanRow = {};
    for (const name of colNames) values[name] = finalValue(evalRow(spec.columns[name], clean), integers.has(name) ? INTEGER_LIMIT : MAX_MAGNITUDE);
    for (const g of spec.groups) if (g.where) values[g.where.col] = clean[g.where.col];
    return values;
  });

  const result = new Float64Array(outputs.length);
  const membersOf = new Map<AggOutput['group'], CleanRow[]>();
  for (let k = 0; k < outputs.length; k++) {
    const o = outputs[k];
    const where = o.group.where;
    let members = membersOf.get(o.group);
    if (!members) membersOf.set(o.group, (members = where ? derived.filter((r) => where.in.includes(r[where.col] as string)) : derived));
    result[k] = o.kind === 'rows' ? members.length : aggregateValues(o, members.map((r) => r[o.col ?? ''] as number), integers.has(o.col ?? ''));
  }
  return result;
}

/** One aggregation over a key's values (NaN = missing, skipped), mirroring batch.ts aggregateGroup. */
function aggregateValues(o: AggOutput, values: number[], integer: boolean): number {
  const present = values.filter((v) => !Number.isNaN(v));
  const n = present.length;
  switch (o.agg) {
    case 'count': return n;
    case 'min': return n ? present.reduce((a, b) => (b < a ? b : a)) : NaN;
    case 'max': return n ? present.reduce((a, b) => (b > a ? b : a)) : NaN;
    case 'sum': return n ? valueSum(present, integer) : NaN;
    case 'mean': return n ? valueSum(present, integer) / n : NaN;
    case 'var': {
      if (n < 2) return NaN;
      const mean = valueSum(present, integer) / n;
      return exactSum(present.map((v) => (v - mean) * (v - mean))) / (n - 1);
    }
    default: throw new FeatureError(`unknown aggregation ${o.agg}`);
  }
}

/** Integer values below INTEGER_LIMIT add up exactly in any order; others go through the exact-sum pieces. */
function valueSum(values: number[], integer: boolean): number {
  if (!integer) return exactSum(values);
  let total = 0;
  for (const v of values) total += v;
  return total;
}

function exactSum(values: number[]): number {
  const acc = new Float64Array(PIECE_GRIDS.length);
  for (const v of values) addPieces(acc, v);
  return combinePieces(acc);
}

/** Outputs of a child spec that land on parent rows, with the values for a parent that has no child rows. */
export function childDefaults(child: TableSpec): { names: string[]; empty: Record<string, number> } {
  const outs = aggregateOutputs(child).filter((o) => o.kind !== 'rows');
  return { names: outs.map((o) => o.name), empty: Object.fromEntries(outs.map((o) => [o.name, o.zeroWhenEmpty ? 0 : NaN])) };
}

export { aggregateOutputs };
export type { AggOutput };

/**
 * One-row helpers of the pipeline: the serving path, compiled once per fitted pipeline. When a pipeline is fitted or
 * loaded, its state and the feature spec become index tables, closures and reusable buffers; an applicant then costs
 * no allocation but its output row, and a side table the applicant has no rows of is a copy of that table's
 * precomputed "no rows" aggregates. Why: compiling the spec again for every applicant (closures and 32 KB block
 * buffers per formula node, aggregation over empty histories) cost ~1 ms per applicant, 40x its LightGBM score;
 * compiled, a full row without history takes ~8 µs (docs/benchmarks.md, section features-one-row).
 *
 * The arithmetic is the batch path's, operation for operation and in the same row order (aggregate.ts: count, sum,
 * min and max in row order, the variance in two passes), so a row equals the batch row bit for bit. Inputs are
 * cleaned column by column before any formula runs, as the batch path does, so a bad value is reported even when no
 * output reads it, and the first bad value reported is the same one.
 */
import type { SideTableName } from '@credit-scoring/data';
import { outputsOf, specInputs } from './aggregate';
import * as expr from './expr';
import { AggName, APPLICATION_DAYS_SENTINELS, APPLICATION_DERIVED, DAYS_SENTINEL, TableSpec } from './feature-spec';
import { FeatureError } from './errors';
import { codeOf as codeOfLevel, FittedPipelineState, ID, levelIndexOf, sideSpecs } from './pipeline-state';
import * as single from './single';
import type { RawRow, RawValue } from './single';

// The helpers called for every value, bound once: run through tsx (esbuild's CommonJS output), every use of an
// imported function is a getter call, ~20 % of a row's time in a CPU profile.
const { finalValue, normalise, rowStatLoop } = expr;
const { cleanNumber, cleanText, parseNumber } = single;
const codeOf = codeOfLevel;
const DAYS = DAYS_SENTINEL;
type Expr = expr.Expr;

export type { RawRow, RawValue };

export type RawApplication = Record<string, RawValue>;

export interface ApplicantHistory {
  bureau?: RawRow[];
  bureau_balance?: RawRow[];
  previous_application?: RawRow[];
  POS_CASH_balance?: RawRow[];
  installments_payments?: RawRow[];
  credit_card_balance?: RawRow[];
}

/** One raw applicant as the serving API receives it. */
export interface Applicant {
  application: RawApplication;
  history?: ApplicantHistory;
}

/** Feature rows of several applicants, row-major (row i at i * nCols), as LightGBM's predict takes them. */
export interface FeatureRows {
  /** The matrix written: a new one, or the one given as `into` (the applicants' rows from its `row` on). */
  data: Float64Array;
  nRows: number;
  nCols: number;
  /** With `missingOf`: per applicant, those of the named fields it lacks (absent or null), in the order named. */
  missing?: string[][];
}

/** How transformMany writes its rows, and what it reports besides them. */
export interface TransformManyOptions {
  /** Write into this row-major matrix from row `row` on, instead of a new matrix (a batch built in slices). */
  into?: { data: Float64Array; row: number };
  /**
   * Application fields to report when an applicant lacks them, read from the one pass the transform makes over
   * each application's fields (a lookup per name costs more on objects of changing shapes: see write()).
   */
  missingOf?: readonly string[];
}

const ID_SLOT = -(2 ** 30);
const NO_HISTORY: ApplicantHistory = Object.freeze({});
const NO_ROWS: RawRow[] = Object.freeze([]) as unknown as RawRow[];

/** The compiled one-row transform of one fitted pipeline state. */
export class CompiledRow {
  readonly nCols: number;
  private readonly numericNames: string[];
  private readonly daysSentinel: Uint8Array;
  /** the applicant's cleaned numeric fields, read by the derived formulas */
  private readonly clean: Float64Array;
  /** where an accepted field goes: numeric slot i (>= 0), text slot j (-1 - j), or the id (ID_SLOT) */
  private readonly fieldSlots: Map<string, number>;
  /** the applicant's raw field values by slot (undefined = absent), gathered in one pass over its own fields */
  private readonly numericRaw: RawValue[];
  private readonly textRaw: RawValue[];
  /** the applicant's SK_ID_CURR as given */
  private idRaw: RawValue = undefined;
  private readonly derived: Formula[];
  private readonly text: Array<{ name: string; index: Map<string, number>; oneHot: boolean }>;
  private readonly tables: Array<{ plan: TablePlan; childTable?: SideTableName }>;

  constructor(state: FittedPipelineState) {
    this.nCols = state.featureNames.length;
    this.numericNames = state.applicationNumeric.map((f) => f.name);
    this.daysSentinel = Uint8Array.from(this.numericNames, (n) => (APPLICATION_DAYS_SENTINELS.includes(n) ? 1 : 0));
    this.clean = new Float64Array(this.numericNames.length);
    const slot = new Map(this.numericNames.map((n, i) => [n, i]));
    this.derived = Object.values(APPLICATION_DERIVED).map((e) => compileApplicationFormula(e, slot, this.clean));
    const levels = levelIndexOf(state);
    this.text = state.applicationText.map((name) => {
      const index = levels.get(name);
      if (!index) throw new FeatureError(`no fitted categories for ${name}`);
      return { name, index, oneHot: state.options.categorical === 'onehot' };
    });
    this.fieldSlots = new Map([...slot, ...this.text.map((t, j): [string, number] => [t.name, -1 - j]), [ID, ID_SLOT]]);
    this.numericRaw = this.numericNames.map(() => undefined);
    this.textRaw = this.text.map(() => undefined);
    const used = state.options.sideTables;
    this.tables = sideSpecs(used).map((spec) => {
      const childTable = spec.child && used.includes(spec.child.spec.table) ? spec.child.spec.table : undefined;
      return { plan: new TablePlan(spec, childTable !== undefined), childTable };
    });
  }

  /** Writes the applicant's feature row into out[offset .. offset + nCols - 1]. */
  write(application: RawApplication, history: ApplicantHistory | undefined, out: Float64Array, offset: number): void {
    if (application === null || typeof application !== 'object' || Array.isArray(application))
      throw new FeatureError('application must be an object of Kaggle fields');
    const given = history ?? NO_HISTORY;
    if (given === null || typeof given !== 'object' || Array.isArray(given))
      throw new FeatureError('history must be an object of side-table rows');
    // One pass over the fields the applicant has rather than a lookup per accepted field: reading 150 names from
    // objects of changing shapes goes through V8's slow generic lookup, which cost more than all the arithmetic.
    const { numericNames, daysSentinel, clean, fieldSlots, numericRaw, textRaw } = this;
    numericRaw.fill(undefined);
    textRaw.fill(undefined);
    let idRaw: RawValue = undefined;
    for (const field in application) {
      const slot = fieldSlots.get(field);
      if (slot === undefined) continue;
      const value = application[field];
      if (slot >= 0) numericRaw[slot] = value;
      else if (slot === ID_SLOT) idRaw = value;
      else textRaw[-1 - slot] = value;
    }
    this.idRaw = idRaw;
    let col = offset;
    for (let i = 0; i < numericNames.length; i++) {
      clean[i] = cleanNumber(numericRaw[i], numericNames[i], 'application', daysSentinel[i] === 1);
      out[col++] = normalise(clean[i]);
    }
    for (const formula of this.derived) out[col++] = normalise(finalValue(formula(0)));
    for (let j = 0; j < this.text.length; j++) {
      const { name, index, oneHot } = this.text[j];
      const code = codeOf(index, cleanText(textRaw[j], name, 'application'));
      if (!oneHot) out[col++] = code;
      else {
        for (let j = 0; j < index.size; j++) out[col + j] = code === j ? 1 : 0;
        col += index.size;
      }
    }
    const id = parseNumber(idRaw, ID, 'application');
    for (const { plan, childTable } of this.tables) {
      const rows = historyRows(given, plan.table, id);
      const childRows = childTable ? historyRows(given, childTable, id) : undefined;
      if (rows.length === 0 && (childRows === undefined || childRows.length === 0)) out.set(plan.empty, col);
      else plan.applicant(rows, childRows, out, col);
      col += plan.nOutputs;
    }
    if (col - offset !== this.nCols)
      throw new FeatureError(`internal: built ${col - offset} values, expected ${this.nCols}`);
  }

  /** The slots of application fields, for `lacks`; a field the pipeline does not read is an error of the caller's. */
  slotsOf(names: readonly string[]): Int32Array {
    return Int32Array.from(names, (name) => {
      const slot = this.fieldSlots.get(name);
      if (slot === undefined) throw new FeatureError(`${name} is not an application field of this pipeline`);
      return slot;
    });
  }

  /** Whether the application last written lacked the field in `slot` (absent or null). */
  lacks(slot: number): boolean {
    const value = slot === ID_SLOT ? this.idRaw : slot >= 0 ? this.numericRaw[slot] : this.textRaw[-1 - slot];
    return value === undefined || value === null;
  }
}

/** An application formula over the cleaned numeric fields (a field the state does not have reads as missing). */
function compileApplicationFormula(e: Expr, slot: Map<string, number>, clean: Float64Array): Formula {
  if ('num' in e) {
    const i = slot.get(e.num);
    return i === undefined ? () => NaN : () => clean[i];
  }
  if ('lit' in e) {
    const value = e.lit;
    return () => value;
  }
  if ('op' in e) {
    const a = compileApplicationFormula(e.a, slot, clean);
    const b = compileApplicationFormula(e.b, slot, clean);
    return binary(e.op, a, b);
  }
  if ('max0' in e) return max0(compileApplicationFormula(e.max0, slot, clean));
  if ('gt0' in e) return gt0(compileApplicationFormula(e.gt0, slot, clean));
  if ('rowStat' in e) {
    const stat = e.rowStat;
    const at = e.of.map((c) => slot.get(c) ?? -1);
    const values = new Float64Array(at.length);
    return () => {
      for (let k = 0; k < at.length; k++) values[k] = at[k] >= 0 ? clean[at[k]] : NaN;
      return rowStatLoop(stat, values);
    };
  }
  throw new FeatureError(`internal: application formulas read numeric fields only, got ${JSON.stringify(e)}`);
}

/** A compiled formula: the value of row r (application formulas have one row and ignore r). */
type Formula = (r: number) => number;

function binary(op: '+' | '-' | '*' | '/', a: Formula, b: Formula): Formula {
  switch (op) {
    case '+':
      return (r) => a(r) + b(r);
    case '-':
      return (r) => a(r) - b(r);
    case '*':
      return (r) => a(r) * b(r);
    case '/':
      return (r) => a(r) / b(r);
  }
}

function max0(a: Formula): Formula {
  return (r) => {
    const v = a(r);
    return Number.isNaN(v) ? NaN : v > 0 ? v : 0;
  };
}

function gt0(a: Formula): Formula {
  return (r) => {
    const v = a(r);
    return Number.isNaN(v) ? NaN : v > 0 ? 1 : 0;
  };
}

/** The rows of one side table in the history, checked to be objects of this applicant. */
function historyRows(history: ApplicantHistory, table: SideTableName, id: number): RawRow[] {
  const rows = history[table] ?? NO_ROWS;
  if (!Array.isArray(rows)) throw new FeatureError(`history.${table} must be an array of rows`);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (row === null || typeof row !== 'object') throw new FeatureError(`history.${table}[${i}] must be an object`);
    if (table === 'bureau_balance') continue;
    const given = row[ID];
    if (given === undefined || given === null) continue;
    const rowId = typeof given === 'number' ? given : parseNumber(given, ID, `history.${table}[${i}]`);
    if (rowId !== id)
      throw new FeatureError(`history.${table}[${i}] belongs to ${ID} ${rowId}, not to the application's ${id}`);
  }
  return rows;
}

/** One (column, group) pass over the rows and the outputs it serves. */
interface StatJob {
  column: number;
  group: number;
  minMax: boolean;
  variance: boolean;
  outputs: Array<{ index: number; agg: AggName }>;
}

/**
 * One side-table spec compiled: its inputs as reusable column buffers (grown when an applicant has more rows than
 * any before), its formulas as closures over them, its outputs as passes over (column, group). Keys: one for an
 * applicant's table; one per credit for the child table (bureau_balance per SK_ID_BUREAU of the bureau rows).
 */
class TablePlan {
  readonly table: SideTableName;
  readonly nOutputs: number;
  /** the feature values of an applicant without rows of this table */
  readonly empty: Float64Array;
  /** raw aggregates of the last run, result[output * nKeys + key] */
  private result = new Float64Array(0);
  private readonly numericNames: string[];
  private readonly numericDays: Uint8Array;
  /** per numeric input: the child output it is joined from, -1 = read from the rows */
  private readonly fromChild: Int32Array;
  private readonly textInputs: Array<{ name: string; levels: readonly string[] }>;
  private readonly emptyOfChild: Float64Array;
  private readonly numeric: Float64Array[];
  private readonly textCodes: Uint8Array[];
  private readonly columns: Formula[];
  private readonly values: Float64Array[];
  /** per aggregated column: the numeric input it is as it is (cleaned already, so no formula runs), -1 = computed */
  private readonly plainInput: Int32Array;
  private readonly groupWanted: Array<{ text: number; wanted: Uint8Array } | null>;
  private readonly masks: Array<Uint8Array | null>;
  private readonly groupRows: Float64Array[];
  private readonly rowOutputs: Array<{ index: number; group: number }> = [];
  private readonly jobs: StatJob[] = [];
  private acc = new Float64Array(0);
  private mean = new Float64Array(0);
  private squares = new Float64Array(0);
  private rowCapacity = 0;
  private keyCapacity = 0;
  /** key slot of each row (when this plan is a child table) */
  private slots = new Int32Array(0);
  private readonly child?: {
    plan: TablePlan;
    joinKey: string;
    key: string;
    used: boolean;
    credits: Map<number, number>;
  };
  private creditSlots = new Int32Array(0);

  constructor(
    private readonly spec: TableSpec,
    useChild: boolean,
  ) {
    this.table = spec.table;
    const outputs = outputsOf(spec);
    this.nOutputs = outputs.length;
    const inputs = specInputs(spec);
    const childOutputs = spec.child ? outputsOf(spec.child.spec) : [];
    this.numericNames = inputs.numeric;
    this.numericDays = Uint8Array.from(inputs.numeric, (c) => (spec.daysSentinels.includes(c) ? 1 : 0));
    this.fromChild = Int32Array.from(inputs.numeric, (c) =>
      childOutputs.findIndex((o) => o.kind !== 'rows' && o.name === c),
    );
    this.emptyOfChild = Float64Array.from(childOutputs, (o) => (o.zeroWhenEmpty ? 0 : NaN));
    this.textInputs = [...inputs.text].map(([name, levels]) => ({ name, levels }));
    this.numeric = inputs.numeric.map(() => new Float64Array(0));
    this.textCodes = this.textInputs.map(() => new Uint8Array(0));
    if (spec.child) {
      this.child = {
        plan: new TablePlan(spec.child.spec, false),
        joinKey: spec.child.joinKey,
        key: spec.child.spec.key,
        used: useChild,
        credits: new Map(),
      };
    }

    const aggregated: string[] = [];
    const columnOf = (name: string): number => {
      let at = aggregated.indexOf(name);
      if (at < 0) at = aggregated.push(name) - 1;
      return at;
    };
    outputs.forEach((o, index) => {
      const group = spec.groups.indexOf(o.group);
      if (o.kind === 'rows') {
        this.rowOutputs.push({ index, group });
        return;
      }
      if (!o.col || !o.agg) throw new FeatureError(`internal: ${spec.table} output ${o.name} has no column`);
      const column = columnOf(o.col);
      let job = this.jobs.find((j) => j.column === column && j.group === group);
      if (!job) this.jobs.push((job = { column, group, minMax: false, variance: false, outputs: [] }));
      job.outputs.push({ index, agg: o.agg });
      job.minMax ||= o.agg === 'min' || o.agg === 'max';
      job.variance ||= o.agg === 'var';
    });
    this.columns = aggregated.map((name) => {
      const formula = spec.columns[name];
      if (!formula) throw new FeatureError(`${spec.table}: aggregated column ${name} is not a spec column`);
      return this.compile(formula);
    });
    this.values = aggregated.map(() => new Float64Array(0));
    this.plainInput = Int32Array.from(aggregated, (name) => {
      const formula = spec.columns[name];
      return 'num' in formula ? this.numericNames.indexOf(formula.num) : -1;
    });
    this.groupWanted = spec.groups.map((g) => {
      if (!g.where) return null;
      const { in: values } = g.where;
      const text = this.textIndex(g.where.col);
      const { levels } = this.textInputs[text];
      const wanted = new Uint8Array(levels.length + 1);
      levels.forEach((level, i) => {
        if (values.includes(level)) wanted[i + 1] = 1;
      });
      return { text, wanted };
    });
    this.masks = spec.groups.map(() => null);
    this.groupRows = spec.groups.map(() => new Float64Array(0));

    this.empty = new Float64Array(this.nOutputs);
    this.applicant(NO_ROWS, useChild ? NO_ROWS : undefined, this.empty, 0);
  }

  private textIndex(name: string): number {
    const at = this.textInputs.findIndex((t) => t.name === name);
    if (at < 0) throw new FeatureError(`internal: ${this.table} has no input ${name}`);
    return at;
  }

  /** A spec formula as a function of the row number, over the input buffers (replaced when they grow). */
  private compile(e: Expr): Formula {
    if ('num' in e) {
      const at = this.numericNames.indexOf(e.num);
      if (at < 0) throw new FeatureError(`internal: ${this.table} has no input ${e.num}`);
      const numeric = this.numeric;
      return (r) => numeric[at][r];
    }
    if ('is' in e) {
      const at = this.textIndex(e.is);
      const { levels } = this.textInputs[at];
      const wanted = new Float64Array(levels.length + 1); // by code; code 0 (missing / other) is never wanted
      levels.forEach((level, i) => {
        if (e.values.includes(level)) wanted[i + 1] = 1;
      });
      const codes = this.textCodes;
      return (r) => wanted[codes[at][r]];
    }
    if ('lit' in e) {
      const value = e.lit;
      return () => value;
    }
    if ('op' in e) return binary(e.op, this.compile(e.a), this.compile(e.b));
    if ('max0' in e) return max0(this.compile(e.max0));
    if ('gt0' in e) return gt0(this.compile(e.gt0));
    if ('rowStat' in e) {
      const stat = e.rowStat;
      const at = e.of.map((c) => this.numericNames.indexOf(c));
      const numeric = this.numeric;
      const values = new Float64Array(at.length);
      return (r) => {
        for (let k = 0; k < at.length; k++) values[k] = numeric[at[k]][r];
        return rowStatLoop(stat, values);
      };
    }
    throw new FeatureError(`unknown feature expression ${JSON.stringify(e)}`);
  }

  /** Room for n rows in every per-row buffer (the arrays are replaced in place, so compiled formulas see them). */
  private reserveRows(n: number): void {
    if (n <= this.rowCapacity) return;
    const capacity = Math.max(n, 2 * this.rowCapacity, 16);
    for (let i = 0; i < this.numeric.length; i++) this.numeric[i] = new Float64Array(capacity);
    for (let i = 0; i < this.textCodes.length; i++) this.textCodes[i] = new Uint8Array(capacity);
    for (let i = 0; i < this.values.length; i++) this.values[i] = new Float64Array(capacity);
    for (let g = 0; g < this.masks.length; g++) this.masks[g] = this.groupWanted[g] ? new Uint8Array(capacity) : null;
    this.slots = new Int32Array(capacity);
    this.creditSlots = new Int32Array(capacity);
    this.rowCapacity = capacity;
  }

  private reserveKeys(nKeys: number): void {
    if (nKeys <= this.keyCapacity) return;
    const capacity = Math.max(nKeys, 2 * this.keyCapacity, 1);
    this.acc = new Float64Array(4 * capacity);
    this.mean = new Float64Array(capacity);
    this.squares = new Float64Array(capacity);
    this.result = new Float64Array(this.nOutputs * capacity);
    for (let g = 0; g < this.groupRows.length; g++) this.groupRows[g] = new Float64Array(capacity);
    this.keyCapacity = capacity;
  }

  /** One applicant's rows (and, for bureau, its child rows; undefined = child table not used) → out[col..]. */
  applicant(rows: RawRow[], childRows: RawRow[] | undefined, out: Float64Array, col: number): void {
    const n = rows.length;
    this.reserveRows(n);
    if (this.child) this.joinChild(rows, childRows);
    this.load(rows);
    this.aggregate(n, false, 1);
    for (let o = 0; o < this.nOutputs; o++) out[col + o] = normalise(this.result[o]);
  }

  /** The child table aggregated per credit, its summaries written as the joined inputs of each parent row. */
  private joinChild(rows: RawRow[], childRows: RawRow[] | undefined): void {
    const child = this.child;
    if (!child) return;
    const { credits, plan, joinKey, key } = child;
    credits.clear();
    for (let r = 0; r < rows.length; r++) {
      const id = rowNumber(rows[r][joinKey], joinKey, this.table, r);
      let slot = -1;
      if (id === id) {
        // not missing: same id, same credit
        slot = credits.get(id) ?? -1;
        if (slot < 0) credits.set(id, (slot = credits.size));
      }
      this.creditSlots[r] = slot;
    }
    const nCredits = credits.size;
    const used = childRows !== undefined;
    if (childRows !== undefined) {
      plan.reserveRows(childRows.length);
      for (let i = 0; i < childRows.length; i++) {
        const id = rowNumber(childRows[i][key], key, plan.table, i);
        const slot = credits.get(id);
        // A row of no credit in the applicant's history counts nowhere: a mistake in the request, not data to drop.
        if (slot === undefined) {
          const which = id === id ? `${key} ${id}, none of the applicant's ${this.table} credits` : `no ${key}`;
          throw new FeatureError(`history.${plan.table}[${i}] has ${which}`);
        }
        plan.slots[i] = slot;
      }
      plan.load(childRows);
      plan.aggregate(childRows.length, true, nCredits);
    }
    for (let i = 0; i < this.numericNames.length; i++) {
      const o = this.fromChild[i];
      if (o < 0) continue;
      const buffer = this.numeric[i];
      const empty = this.emptyOfChild[o];
      for (let r = 0; r < rows.length; r++) {
        const slot = this.creditSlots[r];
        buffer[r] = finalValue(used && slot >= 0 ? plan.result[o * nCredits + slot] : empty);
      }
    }
  }

  /** The cleaned inputs of the rows, column by column (joined child summaries are written by joinChild). */
  private load(rows: RawRow[]): void {
    const n = rows.length;
    for (let i = 0; i < this.numericNames.length; i++) {
      if (this.fromChild[i] >= 0) continue;
      const name = this.numericNames[i];
      const days = this.numericDays[i] === 1;
      const buffer = this.numeric[i];
      for (let r = 0; r < n; r++) {
        const x = rowNumber(rows[r][name], name, this.table, r);
        buffer[r] = finalValue(days && x === DAYS ? NaN : x);
      }
    }
    for (let t = 0; t < this.textInputs.length; t++) {
      const { name, levels } = this.textInputs[t];
      const codes = this.textCodes[t];
      for (let r = 0; r < n; r++) {
        const v = rows[r][name];
        // sentinel texts and '' are never levels, so they code as missing (0) like cleanText's null
        codes[r] =
          typeof v === 'string'
            ? levels.indexOf(v) + 1
            : v === null || v === undefined
              ? 0
              : otherTextCode(v, name, this.table, r, levels);
      }
    }
  }

  /**
   * Aggregates the loaded rows per key into `result` (keys: the slots of the rows when `keyed`, else all key 0),
   * with the arithmetic of aggregate.ts aggregateTable in the same row order.
   */
  private aggregate(n: number, keyed: boolean, nKeys: number): void {
    this.reserveKeys(nKeys);
    const { slots, result, acc } = this;
    for (let g = 0; g < this.masks.length; g++) {
      const mask = this.masks[g];
      const where = this.groupWanted[g];
      if (mask && where) {
        const codes = this.textCodes[where.text];
        for (let r = 0; r < n; r++) mask[r] = where.wanted[codes[r]];
      }
      const counts = this.groupRows[g];
      counts.fill(0, 0, nKeys);
      for (let r = 0; r < n; r++) {
        const k = keyed ? slots[r] : 0;
        if (k >= 0 && (mask === null || mask[r] === 1)) counts[k]++;
      }
    }
    for (let c = 0; c < this.columns.length; c++) {
      if (this.plainInput[c] >= 0) continue;
      const formula = this.columns[c];
      const values = this.values[c];
      for (let r = 0; r < n; r++) values[r] = finalValue(formula(r));
    }
    for (const { index, group } of this.rowOutputs) {
      const counts = this.groupRows[group];
      for (let k = 0; k < nKeys; k++) result[index * nKeys + k] = counts[k];
    }
    for (const job of this.jobs) {
      const plain = this.plainInput[job.column];
      const values = plain >= 0 ? this.numeric[plain] : this.values[job.column];
      const mask = this.masks[job.group];
      if (keyed) this.accumulateKeyed(values, mask, n, nKeys, job.minMax);
      else accumulateOne(acc, values, mask, n, job.minMax);
      if (job.variance) this.variance(values, mask, n, keyed, nKeys);
      for (const { index, agg } of job.outputs) {
        for (let k = 0; k < nKeys; k++) result[index * nKeys + k] = statOf(acc, k, agg, this.squares);
      }
    }
  }

  /** count, sum, min, max of the present values per key into `acc` (4 per key), adding in row order. */
  private accumulateKeyed(
    values: Float64Array,
    mask: Uint8Array | null,
    n: number,
    nKeys: number,
    minMax: boolean,
  ): void {
    const { acc, slots } = this;
    acc.fill(0, 0, 4 * nKeys);
    for (let r = 0; r < n; r++) {
      const k = slots[r];
      const v = values[r];
      if (k < 0 || v !== v || (mask !== null && mask[r] === 0)) continue; // v !== v: missing (NaN)
      const at = 4 * k;
      if (minMax) {
        if (acc[at] === 0) {
          acc[at + 2] = v;
          acc[at + 3] = v;
        } else {
          if (v < acc[at + 2]) acc[at + 2] = v;
          if (v > acc[at + 3]) acc[at + 3] = v;
        }
      }
      acc[at]++;
      acc[at + 1] += v;
    }
  }

  /** Sample variance per key into `squares`: the mean first, then squared deviations in row order (aggregate.ts). */
  private variance(values: Float64Array, mask: Uint8Array | null, n: number, keyed: boolean, nKeys: number): void {
    const { acc, mean, squares, slots } = this;
    for (let k = 0; k < nKeys; k++) mean[k] = acc[4 * k + 1] / acc[4 * k];
    squares.fill(0, 0, nKeys);
    for (let r = 0; r < n; r++) {
      const k = keyed ? slots[r] : 0;
      const v = values[r];
      if (k < 0 || v !== v || (mask !== null && mask[r] === 0)) continue;
      const d = v - mean[k];
      squares[k] += d * d;
    }
    for (let k = 0; k < nKeys; k++) {
      const count = acc[4 * k];
      squares[k] = count > 1 ? squares[k] / (count - 1) : NaN;
    }
  }
}

/** accumulateKeyed for a single key (an applicant's table): the same additions, in locals rather than memory. */
function accumulateOne(
  acc: Float64Array,
  values: Float64Array,
  mask: Uint8Array | null,
  n: number,
  minMax: boolean,
): void {
  let count = 0;
  let sum = 0;
  let min = 0;
  let max = 0;
  for (let r = 0; r < n; r++) {
    const v = values[r];
    if (v !== v || (mask !== null && mask[r] === 0)) continue;
    if (minMax) {
      if (count === 0) {
        min = v;
        max = v;
      } else {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    count++;
    sum += v;
  }
  acc[0] = count;
  acc[1] = sum;
  acc[2] = min;
  acc[3] = max;
}

/** One aggregation of a key from its count/sum/min/max (and variance); as aggregate.ts statOutput. */
function statOf(acc: Float64Array, k: number, agg: AggName, variance: Float64Array): number {
  const count = acc[4 * k];
  switch (agg) {
    case 'count':
      return count;
    case 'sum':
      return count > 0 ? acc[4 * k + 1] : NaN;
    case 'min':
      return count > 0 ? acc[4 * k + 2] : NaN;
    case 'max':
      return count > 0 ? acc[4 * k + 3] : NaN;
    case 'mean':
      return acc[4 * k + 1] / count; // 0/0 = NaN
    case 'var':
      return variance[k];
    default:
      throw new FeatureError(`unknown aggregation ${String(agg)}`);
  }
}

/** A raw numeric value of a history row; the row's name is only spelled out for an error. */
function rowNumber(v: RawValue, field: string, table: string, r: number): number {
  if (typeof v === 'number') return v;
  if (v === null || v === undefined) return NaN;
  return parseNumber(v, field, `${table} row ${r}`);
}

/** A text code of a value that is not a string (a number becomes its text; anything else is an error). */
function otherTextCode(v: RawValue, field: string, table: string, r: number, levels: readonly string[]): number {
  const text = cleanText(v, field, `${table} row ${r}`);
  return text === null ? 0 : levels.indexOf(text) + 1;
}

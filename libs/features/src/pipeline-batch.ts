/**
 * Batch helpers of the pipeline: the fit-independent columns of a tables object (cleaned application fields,
 * domain ratios, dictionary-coded text, side-table aggregates), computed once per tables object and cached, and
 * the feature matrix written from them with the fitted category codes.
 */
import pl from 'nodejs-polars';
import type { HomeCreditTables, SideTableName } from '@credit-scoring/data';
import { KeySlots } from './aggregate';
import {
  aggregateSideTable,
  cleanNumericPolars,
  cleanTextPolars,
  finalPolars,
  float64Column,
  gatherSlots,
} from './batch';
import * as expr from './expr';
import { toPolars } from './expr';
import { asPl, columnValues, P } from './fast-expr';
import { aggregateOutputs, APPLICATION_DAYS_SENTINELS, APPLICATION_DERIVED } from './feature-spec';
import { FeatureError } from './errors';
import { codeOf, FittedPipelineState, ID, sideSpecs } from './pipeline-state';

export interface FeatureMatrix {
  /** row-major nRows x nCols, NaN = missing */
  data: Float64Array;
  nRows: number;
  nCols: number;
  /** LightGBM-safe names (letters, digits, underscores) */
  featureNames: string[];
  /** column indices holding integer category codes (0..K-1, NaN missing) */
  categoricalFeatures: number[];
  /** SK_ID_CURR per row */
  ids: Int32Array;
  /** TARGET when the application table has it */
  target?: Float64Array;
  /** AMT_CREDIT per row (the business cost needs it) */
  amtCredit: Float64Array;
}

/** The matrix's TARGET column; an error when its application table had none (a test-layout file, not a training one). */
export function targetOf(matrix: FeatureMatrix): Float64Array {
  if (!matrix.target)
    throw new FeatureError('the applications have no TARGET column: training and evaluation need the labels');
  return matrix.target;
}

/** The fit-independent per-applicant values of one tables object (column-major). */
export interface StatelessColumns {
  nRows: number;
  ids: Int32Array;
  target?: Float64Array;
  amtCredit: Float64Array;
  /** application numeric columns then domain ratios */
  before: NumberColumn[];
  /** cleaned category text, dictionary-encoded (millions of JS strings would slow every garbage collection) */
  text: DictionaryColumn[];
  /** side-table aggregates; a number: every row has it (the table is absent, so nobody has that history) */
  after: Array<NumberColumn | number>;
}

/**
 * A column of numbers. Float32Array only for a column whose every value a float32 holds exactly (counts, flags, days,
 * whole amounts; see compactColumn): read back as a double it is the same number, bit for bit.
 */
type NumberColumn = Float64Array | Float32Array;

/** A text column as codes into its distinct values: values[codes[r]] is row r's text; code -1 = missing. */
interface DictionaryColumn {
  codes: Int32Array;
  values: string[];
}

// Bound once: tsx compiles an imported function into a getter call per use, 4 s of 26 in a 307,511-row transform.
const { normalise } = expr;

const statelessCache = new WeakMap<HomeCreditTables, Map<string, StatelessColumns>>();

/**
 * The feature matrix of `rows` (indices into the application table), in that order; written at the start of `into`
 * when given (every value is written: the buffer's old contents do not matter).
 */
export function featureMatrix(
  state: FittedPipelineState,
  levelIndex: Map<string, Map<string, number>>,
  columns: StatelessColumns,
  rows: Int32Array,
  into?: Float64Array,
): Pick<FeatureMatrix, 'data' | 'nRows' | 'nCols'> {
  const nRows = rows.length;
  const nCols = state.featureNames.length;
  // Each output column: a number column, or a dictionary-coded text column with the fitted code of each entry.
  const sources: MatrixSource[] = [];
  columns.before.forEach((values) => sources.push({ values }));
  state.applicationText.forEach((c, k) => {
    const index = levelIndex.get(c);
    if (!index) throw new FeatureError(`no fitted categories for ${c}`);
    const { codes, values } = columns.text[k];
    const recode = Float64Array.from(values, (v) => codeOf(index, v));
    if (state.options.categorical === 'codes') sources.push({ codes, recode, hot: -1 });
    else for (let j = 0; j < index.size; j++) sources.push({ codes, recode, hot: j });
  });
  columns.after.forEach((values) => sources.push(typeof values === 'number' ? { constant: values } : { values }));
  if (sources.length !== nCols) throw new FeatureError(`internal: built ${sources.length} columns, expected ${nCols}`);
  const data = matrixBuffer(nRows * nCols, into);
  // Constant columns (~700 of 833 when no side table is given) come from one template row copied into each row.
  const template = new Float64Array(nCols);
  const varying: Array<[Exclude<MatrixSource, { constant: number }>, number]> = [];
  sources.forEach((source, col) => {
    if ('constant' in source) template[col] = normalise(source.constant);
    else varying.push([source, col]);
  });
  const withTemplate = varying.length < nCols;
  // Written a block of rows at a time: a whole column at a time would touch a new memory page with every write
  // (rows are nCols * 8 bytes apart).
  const BLOCK = 32;
  for (let first = 0; first < nRows; first += BLOCK) {
    const last = Math.min(first + BLOCK, nRows);
    if (withTemplate) for (let r = first; r < last; r++) data.set(template, r * nCols);
    for (const [source, col] of varying) {
      if ('values' in source) writeNumbers(data, nCols, col, rows, first, last, source.values);
      else writeCategories(data, nCols, col, rows, first, last, source);
    }
  }
  return { data, nRows, nCols };
}

function matrixBuffer(length: number, into: Float64Array | undefined): Float64Array {
  if (into === undefined) return new Float64Array(length);
  if (!(into instanceof Float64Array)) throw new FeatureError('into must be a Float64Array');
  if (into.length < length) {
    throw new FeatureError(`into holds ${into.length} values, the matrix needs ${length}`);
  }
  return into.subarray(0, length);
}

/**
 * One column of the feature matrix: numbers, category codes (recoded to the fitted levels; hot >= 0: one-hot), or
 * one value for every row.
 */
type MatrixSource =
  | { values: NumberColumn }
  | { codes: Int32Array; recode: Float64Array; hot: number }
  | { constant: number };

function writeNumbers(
  data: Float64Array,
  nCols: number,
  col: number,
  rows: Int32Array,
  first: number,
  last: number,
  values: NumberColumn,
): void {
  for (let r = first; r < last; r++) data[r * nCols + col] = normalise(values[rows[r]]);
}

function writeCategories(
  data: Float64Array,
  nCols: number,
  col: number,
  rows: Int32Array,
  first: number,
  last: number,
  source: { codes: Int32Array; recode: Float64Array; hot: number },
): void {
  const { codes, recode, hot } = source;
  for (let r = first; r < last; r++) {
    const entry = codes[rows[r]];
    const code = entry >= 0 ? recode[entry] : NaN;
    data[r * nCols + col] = hot < 0 ? code : code === hot ? 1 : 0;
  }
}

export function checkRows(rows: Int32Array | undefined, nRows: number): Int32Array | undefined {
  if (rows === undefined) return undefined;
  if (!(rows instanceof Int32Array)) throw new FeatureError('rows must be an Int32Array of application row indices');
  for (const i of rows)
    if (i < 0 || i >= nRows)
      throw new FeatureError(`row index ${i} is outside the application table (0..${nRows - 1})`);
  return rows;
}

export function statelessColumns(
  tables: HomeCreditTables,
  sideTables: SideTableName[],
  numeric: string[],
  text: string[],
): StatelessColumns {
  checkTables(tables);
  const key = JSON.stringify([sideTables, numeric, text]);
  let perTables = statelessCache.get(tables);
  if (!perTables) statelessCache.set(tables, (perTables = new Map()));
  let found = perTables.get(key);
  if (!found) {
    const steps = statelessSteps(tables, sideTables, numeric, text);
    let step = steps.next();
    while (!step.done) step = steps.next(); // the spec's order
    found = step.value;
    perTables.set(key, found);
  }
  return found;
}

/**
 * The cleaned columns as typed arrays in one polars call per kind (one per column cost ~1 s of a 307,511-row
 * transform): numbers with NaN for missing, text dictionary-encoded through a polars categorical (codes = its
 * physical values, values = its distinct strings; a dense rank, which sorts the strings, took 5x the time).
 */
function extractColumns(
  cleaned: pl.DataFrame,
  numbers: string[],
  text: string[],
): { numbers: Float64Array[]; text: DictionaryColumn[] } {
  const extracted = cleaned.select(...asPl(numbers.map((c) => P.col(c).cast(pl.Float64).fillNull(NaN))));
  const floats = (frame: pl.DataFrame, name: string): Float64Array => {
    const values = columnValues.typed(frame, name);
    return values instanceof Float64Array ? values : Float64Array.from(values as ArrayLike<number>);
  };
  return { numbers: numbers.map((c) => floats(extracted, c)), text: text.length ? dictionaries(cleaned, text) : [] };
}

/** Reads one side table when the features need it; undefined when the table does not exist (no such history). */
export type SideTableLoader = (table: SideTableName) => Promise<pl.DataFrame | undefined>;

function dictionaries(cleaned: pl.DataFrame, text: string[]): DictionaryColumn[] {
  const [key, value] = [(c: string) => `__key__${c}`, (c: string) => `__value__${c}`];
  // One categorical per column, read twice (codes, and its distinct values with their codes): the same dictionary.
  const categorical = cleaned.select(...asPl(text.map((c) => P.col(c).cast(pl.Categorical).alias(c))));
  const codes = categorical.select(
    ...asPl(text.map((c) => P.col(c).toPhysical().cast(pl.Float64).fillNull(NaN).alias(c))),
  );
  const distinct = categorical.select(
    ...asPl(
      text.flatMap((c) => {
        const seen = P.col(c).dropNulls().uniqueStable();
        return [
          seen.toPhysical().cast(pl.Float64).implode().alias(key(c)),
          seen.cast(pl.Utf8).implode().alias(value(c)),
        ];
      }),
    ),
  );
  return text.map((c) => {
    const keys = (columnValues.array(distinct, key(c))[0] as number[] | null) ?? [];
    const strings = (columnValues.array(distinct, value(c))[0] as string[] | null) ?? [];
    const values: string[] = new Array<string>(keys.length === 0 ? 0 : Math.max(...keys) + 1).fill('');
    keys.forEach((k, i) => (values[k] = strings[i]));
    const physical = columnValues.typed(codes, c) as Float64Array;
    const dictionaryCodes = new Int32Array(physical.length);
    for (let i = 0; i < physical.length; i++) dictionaryCodes[i] = Number.isNaN(physical[i]) ? -1 : physical[i];
    return { values, codes: dictionaryCodes };
  });
}

/** How consumeStateless takes the tables over; see there. */
export interface ConsumeOptions {
  afterEachTable?: () => void | Promise<void>;
  load?: SideTableLoader;
  next?: (pending: SideTableName[]) => Promise<SideTableName>;
  compact?: boolean;
}

/**
 * statelessColumns for a caller that gives the tables up: each side table is deleted from `tables` as soon as it is
 * aggregated, and the event loop turns before the next one, so that polars can release it (its buffers are freed by
 * N-API finalizers, which wait for the event loop). The application frame goes last. Peak memory is then about the
 * tables plus one table's working set, not the tables plus every table's. Options: `afterEachTable` runs after each
 * of those turns and is awaited. With `load`, a side table absent from `tables` is read just before it is aggregated:
 * then only the application and one side table (bureau with its bureau_balance) are ever in memory at once.
 * `next` (optional) picks the side table to aggregate next among the pending ones (their spec names; bureau stands
 * for bureau and bureau_balance) once it is in `tables` or known absent: a caller still reading the tables has each
 * one aggregated as soon as it is read. Without it, the spec's order. With `compact`, a column a float32 holds
 * exactly is kept as one (compactColumn): the same numbers in half the memory, for a caller that keeps the columns.
 */
export async function consumeStateless(
  tables: HomeCreditTables,
  sideTables: SideTableName[],
  numeric: string[],
  text: string[],
  opts: ConsumeOptions = {},
): Promise<StatelessColumns> {
  checkTables(tables);
  const { afterEachTable, load, next, compact = false } = opts;
  const turn = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    await afterEachTable?.();
  };
  const steps = statelessSteps(tables, sideTables, numeric, text, compact);
  let choice: SideTableName | undefined;
  for (let step = steps.next(); ; step = steps.next(choice)) {
    choice = undefined;
    if (step.done) {
      for (const name of Object.keys(tables)) delete tables[name as keyof HomeCreditTables];
      await turn();
      return step.value;
    }
    const value = step.value;
    if ('pending' in value) {
      if (next) choice = await next(value.pending);
      continue;
    }
    if ('need' in value) {
      for (const name of value.need) {
        if (load && !tables[name]) {
          const frame = await load(name);
          if (frame) tables[name] = frame;
        }
      }
      continue;
    }
    for (const name of value.done) delete tables[name];
    await turn();
  }
}

function checkTables(tables: HomeCreditTables): void {
  if (!tables || !(tables.application instanceof Object) || typeof tables.application.columns === 'undefined')
    throw new FeatureError('tables.application must be a polars DataFrame');
}

/** The application table's part: cleaned numbers, ratios, coded text, ids (the cleaned frame is not kept). */
function applicationColumns(tables: HomeCreditTables, numeric: string[], text: string[]) {
  const app = tables.application;
  const have = new Set(app.columns);
  const missing = [ID, ...numeric, ...text].filter((c) => !have.has(c));
  if (missing.length) throw new FeatureError(`application table lacks column(s) ${missing.join(', ')}`);
  const derivedNames = Object.keys(APPLICATION_DERIVED);
  const cleaned = app
    .lazy()
    .select(
      ...asPl([
        P.col(ID).cast(pl.Int64),
        ...numeric.map((c) => cleanNumericPolars(c, APPLICATION_DAYS_SENTINELS.includes(c))),
        ...text.map(cleanTextPolars),
      ]),
    )
    .withColumns(
      ...asPl(derivedNames.map((n) => finalPolars(toPolars(APPLICATION_DERIVED[n])).alias(`__derived__${n}`))),
    )
    .collectSync();
  const nRows = app.height;
  const columns = extractColumns(cleaned, [...numeric, ...derivedNames.map((n) => `__derived__${n}`), ID], text);
  return {
    nRows,
    before: columns.numbers.slice(0, -1),
    textColumns: columns.text,
    idValues: columns.numbers[columns.numbers.length - 1],
    target: have.has('TARGET') ? float64Column(app, 'TARGET') : undefined,
    amtCredit: float64Column(app, 'AMT_CREDIT'),
  };
}

/**
 * A step of statelessSteps: `pending` asks which of those side tables to aggregate next (the answer is passed to
 * next(); undefined = the first); `need` lists the tables it is about to read, `done` those it has finished with.
 */
type StatelessStep = { pending: SideTableName[] } | { need: SideTableName[] } | { done: SideTableName[] };

/**
 * The stateless columns, computed table by table in the order the caller picks (each table's aggregates depend on
 * that table alone, so the order changes no bit): asks for the next table, yields the side tables it needs, then
 * those it is done with.
 */
function* statelessSteps(
  tables: HomeCreditTables,
  sideTables: SideTableName[],
  numeric: string[],
  text: string[],
  compact = false,
): Generator<StatelessStep, StatelessColumns, SideTableName | undefined> {
  const application = applicationColumns(tables, numeric, text);
  const { nRows, textColumns, idValues, target, amtCredit } = application;
  const kept = compact ? compactColumn : (values: Float64Array): NumberColumn => values;
  const before = application.before.map(kept);

  // Side-table aggregates per applicant; applicants sharing an SK_ID_CURR share its aggregates.
  const applicants = new KeySlots(idValues);
  const oneRowPerApplicant = applicants.ownerSlots.every((slot, r) => slot === r);
  const specs = sideSpecs(sideTables);
  const perSpec: Array<Array<NumberColumn | number>> = new Array(specs.length);
  const pending = specs.map((spec) => spec.table);
  while (pending.length > 0) {
    const choice = yield { pending: [...pending] };
    const at = specs.findIndex((spec) => spec.table === (choice ?? pending[0]));
    if (at < 0 || !pending.includes(specs[at].table))
      throw new FeatureError(`internal: side table ${String(choice)} is not pending`);
    pending.splice(pending.indexOf(specs[at].table), 1);
    const spec = specs[at];
    const outputs = aggregateOutputs(spec);
    const useChild = sideTables.includes('bureau_balance');
    // The caller may read the table (and its child) now, not before: see consumeStateless.
    yield { need: spec.child && useChild ? [spec.table, spec.child.spec.table] : [spec.table] };
    if (!tables[spec.table]) {
      // table absent: nobody has history of that kind
      perSpec[at] = outputs.map((o) => (o.zeroWhenEmpty ? 0 : NaN));
      continue;
    }
    const perApplicant = aggregateSideTable(spec, tables, applicants, useChild);
    perSpec[at] = outputs.map((o, k) =>
      kept(
        oneRowPerApplicant
          ? perApplicant[k]
          : gatherSlots(perApplicant[k], applicants.ownerSlots, o.zeroWhenEmpty ? 0 : NaN),
      ),
    );
    yield { done: spec.child ? [spec.table, spec.child.spec.table] : [spec.table] };
  }

  return {
    nRows,
    ids: Int32Array.from(idValues),
    target,
    amtCredit,
    before,
    text: textColumns,
    after: perSpec.flat(),
  };
}

/**
 * The column as a Float32Array when every value of it is a float32 (NaN included), else itself. About a third of the
 * Kaggle-scale columns are (counts, flags, days, whole amounts): 0.3 GB less in the trainer's peak, where the
 * columns sit beside the matrices made from them. The matrices stay float64 and get the very same numbers.
 */
export function compactColumn(values: Float64Array): NumberColumn {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Math.fround(v) !== v && v === v) return values;
  }
  return new Float32Array(values);
}

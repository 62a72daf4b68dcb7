/**
 * FeaturePipeline: the fitted feature transformation shared by training (batch, polars) and serving (one row,
 * plain TypeScript). The feature layout is:
 *   [application numeric columns (cleaned)] [domain ratios] [categorical codes or one-hot] [side-table aggregates]
 * Everything that does not depend on the fit (cleaning, ratios, aggregates) is computed once per tables object
 * and cached; fitting only learns the category levels, so refitting per CV fold is cheap.
 */
import pl from 'nodejs-polars';
import { SCHEMAS, type HomeCreditTables, type SideTableName } from '@credit-scoring/data';
import { KeySlots } from './aggregate';
import { aggregateSideTable, cleanNumericPolars, cleanTextPolars, finalPolars, float64Column, gatherSlots } from './batch';
import { evalRow, CleanRow, finalValue, toPolars } from './expr';
import { asPl, P } from './fast-expr';
import { FeatureError } from './errors';
import { aggregateApplicant, cleanNumber, cleanText, parseNumber, RawRow, RawValue } from './single';
import { aggregateOutputs, APPLICATION_DAYS_SENTINELS, APPLICATION_DERIVED, SIDE_SPECS, TableSpec } from './feature-spec';

export type { RawRow, RawValue };

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

export type RawApplication = Record<string, RawValue>;

export interface ApplicantHistory {
  bureau?: RawRow[];
  bureau_balance?: RawRow[];
  previous_application?: RawRow[];
  POS_CASH_balance?: RawRow[];
  installments_payments?: RawRow[];
  credit_card_balance?: RawRow[];
}

export interface FeatureOptions {
  /** side tables to aggregate: true (default) = all, false = application features only, or a list */
  sideTables?: boolean | SideTableName[];
  /** categorical encoding: integer codes for LightGBM (default) or one-hot columns for linear models */
  categorical?: 'codes' | 'onehot';
}

export type RawFieldType = 'number' | 'integer' | 'string';

export interface RawFieldSpec {
  name: string;
  type: RawFieldType;
  required: boolean;
  /** for text fields: the categories seen at fit time (other values are accepted and treated as unseen) */
  values?: string[];
}

export const PIPELINE_STATE_KIND = 'credit-scoring/feature-pipeline';
export const PIPELINE_STATE_VERSION = 1;

/** Everything fitted, as plain JSON (saved next to the model). */
export interface FittedPipelineState {
  kind: typeof PIPELINE_STATE_KIND;
  version: number;
  options: { sideTables: SideTableName[]; categorical: 'codes' | 'onehot' };
  /** application input fields with their Kaggle types, in feature order */
  applicationNumeric: Array<{ name: string; type: 'integer' | 'number' }>;
  applicationText: string[];
  /** fitted category levels per text field, sorted; code = index */
  categoryLevels: Record<string, string[]>;
  featureNames: string[];
  categoricalFeatures: number[];
}

const ALL_SIDE_TABLES: SideTableName[] = ['bureau', 'bureau_balance', 'previous_application', 'POS_CASH_balance', 'installments_payments', 'credit_card_balance'];
const REQUIRED_FIELDS = new Set(['SK_ID_CURR', 'AMT_CREDIT', 'AMT_INCOME_TOTAL']);
const ID = 'SK_ID_CURR';

/** The fit-independent per-applicant values of one tables object (column-major). */
interface StatelessColumns {
  nRows: number;
  ids: Int32Array;
  target?: Float64Array;
  amtCredit: Float64Array;
  /** application numeric columns then domain ratios */
  before: Float64Array[];
  /** cleaned category text, dictionary-encoded (millions of JS strings would slow every garbage collection) */
  text: DictionaryColumn[];
  /** side-table aggregates */
  after: Float64Array[];
}

/** A text column as codes into its distinct values: values[codes[r]] is row r's text; code -1 = missing. */
interface DictionaryColumn {
  codes: Int32Array;
  values: string[];
}

const statelessCache = new WeakMap<HomeCreditTables, Map<string, StatelessColumns>>();

export class FeaturePipeline {
  private readonly levelIndex: Map<string, Map<string, number>>;

  private constructor(private readonly state: FittedPipelineState) {
    this.levelIndex = new Map(state.applicationText.map((c) => [c, new Map(state.categoryLevels[c].map((v, i) => [v, i]))]));
  }

  private levelsOf(column: string): Map<string, number> {
    const index = this.levelIndex.get(column);
    if (!index) throw new FeatureError(`no fitted categories for ${column}`);
    return index;
  }

  get featureNames(): string[] {
    return [...this.state.featureNames];
  }

  get categoricalFeatures(): number[] {
    return [...this.state.categoricalFeatures];
  }

  /** Fits category levels on `rows` of the application table (all rows by default). */
  static fit(tables: HomeCreditTables, opts: FeatureOptions & { rows?: Int32Array } = {}): FeaturePipeline {
    const options = resolveOptions(opts);
    const { numeric, text } = applicationFields(tables.application);
    const columns = statelessColumns(tables, options.sideTables, numeric.map((f) => f.name), text);
    const rows = checkRows(opts.rows, columns.nRows);
    const categoryLevels: Record<string, string[]> = {};
    text.forEach((c, k) => {
      const { codes, values } = columns.text[k];
      const seen = new Uint8Array(values.length);
      if (rows) for (const i of rows) { if (codes[i] >= 0) seen[codes[i]] = 1; }
      else for (const code of codes) if (code >= 0) seen[code] = 1;
      categoryLevels[c] = values.filter((_, code) => seen[code] === 1).sort();
    });
    return new FeaturePipeline(buildState(options, numeric, text, categoryLevels));
  }

  static fromJSON(state: FittedPipelineState): FeaturePipeline {
    validateState(state);
    return new FeaturePipeline(JSON.parse(JSON.stringify(state)) as FittedPipelineState);
  }

  toJSON(): FittedPipelineState {
    return JSON.parse(JSON.stringify(this.state)) as FittedPipelineState;
  }

  /** Features of `rows` of the application table (all rows by default), in that order. */
  transform(tables: HomeCreditTables, opts: { rows?: Int32Array } = {}): FeatureMatrix {
    const s = this.state;
    const columns = statelessColumns(tables, s.options.sideTables, s.applicationNumeric.map((f) => f.name), s.applicationText);
    const rows = checkRows(opts.rows, columns.nRows) ?? Int32Array.from({ length: columns.nRows }, (_, i) => i);
    const nRows = rows.length;
    const nCols = s.featureNames.length;
    // Each output column: a number column, or a dictionary-coded text column with the fitted code of each entry.
    const sources: MatrixSource[] = [];
    columns.before.forEach((values) => sources.push({ values }));
    s.applicationText.forEach((c, k) => {
      const index = this.levelsOf(c);
      const { codes, values } = columns.text[k];
      const recode = Float64Array.from(values, (v) => codeOf(index, v));
      if (s.options.categorical === 'codes') sources.push({ codes, recode, hot: -1 });
      else for (let j = 0; j < index.size; j++) sources.push({ codes, recode, hot: j });
    });
    columns.after.forEach((values) => sources.push({ values }));
    if (sources.length !== nCols) throw new FeatureError(`internal: built ${sources.length} columns, expected ${nCols}`);
    const data = new Float64Array(nRows * nCols);
    // Written a block of rows at a time: a whole column at a time would touch a new memory page with every write
    // (rows are nCols * 8 bytes apart).
    const BLOCK = 32;
    for (let first = 0; first < nRows; first += BLOCK) {
      const last = Math.min(first + BLOCK, nRows);
      sources.forEach((source, col) => {
        if ('values' in source) writeNumbers(data, nCols, col, rows, first, last, source.values);
        else writeCategories(data, nCols, col, rows, first, last, source);
      });
    }
    const target = columns.target;
    return {
      data, nRows, nCols,
      featureNames: this.featureNames,
      categoricalFeatures: this.categoricalFeatures,
      ids: Int32Array.from(rows, (i) => columns.ids[i]),
      target: target ? Float64Array.from(rows, (i) => target[i]) : undefined,
      amtCredit: Float64Array.from(rows, (i) => columns.amtCredit[i]),
    };
  }

  /** The batch row of one raw application and its raw history, computed without a dataframe engine. */
  transformOne(application: RawApplication, history: ApplicantHistory = {}): Float64Array {
    if (application === null || typeof application !== 'object' || Array.isArray(application)) throw new FeatureError('application must be an object of Kaggle fields');
    const s = this.state;
    const out = new Float64Array(s.featureNames.length);
    let col = 0;
    const clean: CleanRow = {};
    for (const f of s.applicationNumeric) {
      clean[f.name] = cleanNumber(application[f.name], f.name, 'application', APPLICATION_DAYS_SENTINELS.includes(f.name));
      out[col++] = normalise(clean[f.name] as number);
    }
    for (const e of Object.values(APPLICATION_DERIVED)) out[col++] = normalise(finalValue(evalRow(e, clean)));
    for (const c of s.applicationText) {
      const index = this.levelsOf(c);
      const code = codeOf(index, cleanText(application[c], c, 'application'));
      if (s.options.categorical === 'codes') out[col++] = code;
      else { for (let j = 0; j < index.size; j++) out[col + j] = code === j ? 1 : 0; col += index.size; }
    }
    const id = parseNumber(application[ID], ID, 'application');
    for (const spec of sideSpecs(s.options.sideTables)) {
      const rows = historyRows(history, spec.table, id);
      const childRows = spec.child && s.options.sideTables.includes(spec.child.spec.table) ? historyRows(history, spec.child.spec.table, id) : undefined;
      for (const v of aggregateApplicant(spec, rows, childRows)) out[col++] = normalise(v);
    }
    if (col !== out.length) throw new FeatureError(`internal: built ${col} values, expected ${out.length}`);
    return out;
  }

  /** Application fields the serving API accepts (Kaggle names), with types and fitted categories. */
  rawFields(): RawFieldSpec[] {
    const s = this.state;
    return [
      { name: ID, type: 'integer' as const, required: true },
      ...s.applicationNumeric.map((f) => ({ name: f.name, type: f.type, required: REQUIRED_FIELDS.has(f.name) })),
      ...s.applicationText.map((c) => ({ name: c, type: 'string' as const, required: REQUIRED_FIELDS.has(c), values: [...s.categoryLevels[c]] })),
    ];
  }
}

// ---------------------------------------------------------------------------------------------------------------

/** One column of the feature matrix: numbers, or category codes (recoded to the fitted levels; hot >= 0: one-hot). */
type MatrixSource = { values: Float64Array } | { codes: Int32Array; recode: Float64Array; hot: number };

function writeNumbers(data: Float64Array, nCols: number, col: number, rows: Int32Array, first: number, last: number, values: Float64Array): void {
  for (let r = first; r < last; r++) data[r * nCols + col] = normalise(values[rows[r]]);
}

function writeCategories(data: Float64Array, nCols: number, col: number, rows: Int32Array, first: number, last: number, source: { codes: Int32Array; recode: Float64Array; hot: number }): void {
  const { codes, recode, hot } = source;
  for (let r = first; r < last; r++) {
    const entry = codes[rows[r]];
    const code = entry >= 0 ? recode[entry] : NaN;
    data[r * nCols + col] = hot < 0 ? code : code === hot ? 1 : 0;
  }
}

/** Finite values as they are (with -0 turned into +0 so both paths agree bit for bit), anything else NaN. */
function normalise(v: number): number {
  return Number.isFinite(v) ? v + 0 : NaN;
}

function codeOf(index: Map<string, number>, v: string | null): number {
  if (v === null) return NaN;
  const code = index.get(v);
  return code === undefined ? NaN : code;
}

function resolveOptions(opts: FeatureOptions): FittedPipelineState['options'] {
  const side = opts.sideTables ?? true;
  let sideTables: SideTableName[];
  if (side === true) sideTables = [...ALL_SIDE_TABLES];
  else if (side === false) sideTables = [];
  else {
    const unknown = side.filter((t) => !ALL_SIDE_TABLES.includes(t));
    if (unknown.length) throw new FeatureError(`unknown side table(s): ${unknown.join(', ')}`);
    sideTables = ALL_SIDE_TABLES.filter((t) => side.includes(t));
  }
  const categorical = opts.categorical ?? 'codes';
  if (categorical !== 'codes' && categorical !== 'onehot') throw new FeatureError(`categorical must be 'codes' or 'onehot', got ${String(categorical)}`);
  return { sideTables, categorical };
}

/** Application input fields from the Kaggle schema: text fields are categorical, the rest numeric. */
function applicationFields(application: pl.DataFrame): { numeric: FittedPipelineState['applicationNumeric']; text: string[] } {
  const schema = SCHEMAS.application_train;
  const numeric: FittedPipelineState['applicationNumeric'] = [];
  const text: string[] = [];
  for (const [name, type] of Object.entries(schema)) {
    if (name === ID || name === 'TARGET') continue;
    if (type === 'str') text.push(name);
    else numeric.push({ name, type: type === 'int' ? 'integer' : 'number' });
  }
  const have = new Set(application.columns);
  const missing = [ID, ...numeric.map((f) => f.name), ...text].filter((c) => !have.has(c));
  if (missing.length) throw new FeatureError(`application table lacks column(s) ${missing.join(', ')}`);
  return { numeric, text };
}

function sideSpecs(sideTables: SideTableName[]): TableSpec[] {
  return SIDE_SPECS.filter((spec) => sideTables.includes(spec.table));
}

function checkRows(rows: Int32Array | undefined, nRows: number): Int32Array | undefined {
  if (rows === undefined) return undefined;
  if (!(rows instanceof Int32Array)) throw new FeatureError('rows must be an Int32Array of application row indices');
  for (const i of rows) if (i < 0 || i >= nRows) throw new FeatureError(`row index ${i} is outside the application table (0..${nRows - 1})`);
  return rows;
}

function buildState(
  options: FittedPipelineState['options'],
  applicationNumeric: FittedPipelineState['applicationNumeric'],
  applicationText: string[],
  categoryLevels: Record<string, string[]>,
): FittedPipelineState {
  const names: string[] = [...applicationNumeric.map((f) => f.name), ...Object.keys(APPLICATION_DERIVED)];
  const categoricalFeatures: number[] = [];
  for (const c of applicationText) {
    if (options.categorical === 'codes') {
      categoricalFeatures.push(names.length);
      names.push(c);
    } else {
      const used = new Set<string>();
      for (const level of categoryLevels[c]) {
        let name = `${c}_${safeName(level)}`;
        for (let k = 2; used.has(name); k++) name = `${c}_${safeName(level)}_${k}`;
        used.add(name);
        names.push(name);
      }
    }
  }
  for (const spec of sideSpecs(options.sideTables)) names.push(...aggregateOutputs(spec).map((o) => o.name));
  return {
    kind: PIPELINE_STATE_KIND, version: PIPELINE_STATE_VERSION, options, applicationNumeric, applicationText,
    categoryLevels, featureNames: names, categoricalFeatures,
  };
}

/** LightGBM rejects JSON special characters in feature names; keep letters, digits and underscores. */
function safeName(level: string): string {
  return level.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'EMPTY';
}

function validateState(state: FittedPipelineState): void {
  if (state === null || typeof state !== 'object') throw new FeatureError('pipeline state must be an object');
  if (state.kind !== PIPELINE_STATE_KIND) throw new FeatureError(`pipeline state kind is ${JSON.stringify(state.kind)}, expected ${PIPELINE_STATE_KIND}`);
  if (state.version !== PIPELINE_STATE_VERSION) throw new FeatureError(`pipeline state version ${state.version} is not supported (this code reads version ${PIPELINE_STATE_VERSION})`);
  const arrays: Array<keyof FittedPipelineState> = ['applicationNumeric', 'applicationText', 'featureNames', 'categoricalFeatures'];
  for (const k of arrays) if (!Array.isArray(state[k])) throw new FeatureError(`pipeline state field ${k} must be an array`);
  if (!state.options || !Array.isArray(state.options.sideTables)) throw new FeatureError('pipeline state field options.sideTables must be an array');
  for (const c of state.applicationText) {
    const levels = state.categoryLevels?.[c];
    if (!Array.isArray(levels) || levels.some((v) => typeof v !== 'string')) throw new FeatureError(`pipeline state lacks the category levels of ${c}`);
  }
  const options = resolveOptions(state.options);
  // The saved names must be what this code's feature spec produces, or the model would read shifted columns.
  const expected = buildState(options, state.applicationNumeric, state.applicationText, state.categoryLevels);
  const mismatch = expected.featureNames.findIndex((n, i) => n !== state.featureNames[i]);
  if (mismatch >= 0 || expected.featureNames.length !== state.featureNames.length) {
    const at = mismatch >= 0 ? mismatch : Math.min(expected.featureNames.length, state.featureNames.length);
    throw new FeatureError(`pipeline state was saved by a different feature spec: feature ${at} is ${state.featureNames[at]} there, ${expected.featureNames[at]} here`);
  }
  if (JSON.stringify(expected.categoricalFeatures) !== JSON.stringify(state.categoricalFeatures)) throw new FeatureError('pipeline state categoricalFeatures do not match its feature names');
}

// --- one-row helpers -------------------------------------------------------------------------------------------

function historyRows(history: ApplicantHistory, table: SideTableName, id: number): RawRow[] {
  const rows = history[table] ?? [];
  if (!Array.isArray(rows)) throw new FeatureError(`history.${table} must be an array of rows`);
  rows.forEach((row, i) => {
    if (row === null || typeof row !== 'object') throw new FeatureError(`history.${table}[${i}] must be an object`);
    if (table !== 'bureau_balance' && row[ID] !== undefined && row[ID] !== null) {
      const rowId = parseNumber(row[ID], ID, `history.${table}[${i}]`);
      if (rowId !== id) throw new FeatureError(`history.${table}[${i}] belongs to ${ID} ${rowId}, not to the application's ${id}`);
    }
  });
  return rows;
}

// --- batch helpers ---------------------------------------------------------------------------------------------

function statelessColumns(tables: HomeCreditTables, sideTables: SideTableName[], numeric: string[], text: string[]): StatelessColumns {
  if (!tables || !(tables.application instanceof Object) || typeof tables.application.columns === 'undefined') throw new FeatureError('tables.application must be a polars DataFrame');
  const key = JSON.stringify([sideTables, numeric, text]);
  let perTables = statelessCache.get(tables);
  if (!perTables) statelessCache.set(tables, (perTables = new Map()));
  let found = perTables.get(key);
  if (!found) {
    found = computeStateless(tables, sideTables, numeric, text);
    perTables.set(key, found);
  }
  return found;
}

/** A cleaned text column dictionary-encoded by polars (dense rank = position in its sorted distinct values). */
function dictionaryColumn(df: pl.DataFrame, name: string): DictionaryColumn {
  const values = df.select(pl.col(name).dropNulls().unique().sort().alias(name)).getColumn(name).toArray() as string[];
  const ranks = float64Column(df.select(pl.col(name).rank('dense').alias(name)), name);
  return { values, codes: Int32Array.from(ranks, (rank) => (Number.isNaN(rank) ? -1 : rank - 1)) };
}

function computeStateless(tables: HomeCreditTables, sideTables: SideTableName[], numeric: string[], text: string[]): StatelessColumns {
  const app = tables.application;
  const have = new Set(app.columns);
  const missing = [ID, ...numeric, ...text].filter((c) => !have.has(c));
  if (missing.length) throw new FeatureError(`application table lacks column(s) ${missing.join(', ')}`);
  const derivedNames = Object.keys(APPLICATION_DERIVED);
  const cleaned = app
    .lazy()
    .select(...asPl([
      P.col(ID).cast(pl.Int64),
      ...numeric.map((c) => cleanNumericPolars(c, APPLICATION_DAYS_SENTINELS.includes(c))),
      ...text.map(cleanTextPolars),
    ]))
    .withColumns(...asPl(derivedNames.map((n) => finalPolars(toPolars(APPLICATION_DERIVED[n])).alias(`__derived__${n}`))))
    .collectSync();
  const nRows = app.height;
  const before = [...numeric, ...derivedNames.map((n) => `__derived__${n}`)].map((c) => float64Column(cleaned, c));
  const textColumns = text.map((c) => dictionaryColumn(cleaned, c));

  // Side-table aggregates per applicant; applicants sharing an SK_ID_CURR share its aggregates.
  const idValues = float64Column(cleaned, ID);
  const applicants = new KeySlots(idValues);
  const oneRowPerApplicant = applicants.ownerSlots.every((slot, r) => slot === r);
  const after: Float64Array[] = [];
  for (const spec of sideSpecs(sideTables)) {
    const outputs = aggregateOutputs(spec);
    if (!tables[spec.table]) {
      // table absent: nobody has history of that kind
      for (const o of outputs) after.push(new Float64Array(nRows).fill(o.zeroWhenEmpty ? 0 : NaN));
      continue;
    }
    const perApplicant = aggregateSideTable(spec, tables, applicants, sideTables.includes('bureau_balance'));
    outputs.forEach((o, k) => after.push(oneRowPerApplicant ? perApplicant[k] : gatherSlots(perApplicant[k], applicants.ownerSlots, o.zeroWhenEmpty ? 0 : NaN)));
  }

  return {
    nRows,
    ids: Int32Array.from(idValues),
    target: have.has('TARGET') ? float64Column(app, 'TARGET') : undefined,
    amtCredit: float64Column(app, 'AMT_CREDIT'),
    before,
    text: textColumns,
    after,
  };
}

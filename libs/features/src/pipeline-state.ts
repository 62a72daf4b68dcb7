/**
 * The fitted pipeline's state: options, input fields, category levels and feature names, as the plain JSON saved
 * next to the model; how it is built from options and fields, and how a saved one is checked against this code's
 * feature spec before it is used.
 */
import pl from 'nodejs-polars';
import { SCHEMAS, type SideTableName } from '@credit-scoring/data';
import { aggregateOutputs, APPLICATION_DERIVED, SIDE_SPECS, TableSpec } from './feature-spec';
import { FeatureError } from './errors';

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

const ALL_SIDE_TABLES: SideTableName[] = [
  'bureau',
  'bureau_balance',
  'previous_application',
  'POS_CASH_balance',
  'installments_payments',
  'credit_card_balance',
];
/** Application fields the pipeline cannot do without (the API's schema marks them required). */
export const REQUIRED_APPLICATION_FIELDS = ['SK_ID_CURR', 'AMT_CREDIT', 'AMT_INCOME_TOTAL'] as const;
export const REQUIRED_FIELDS = new Set<string>(REQUIRED_APPLICATION_FIELDS);
export const ID = 'SK_ID_CURR';

/** Per text field, its fitted levels' codes (code = index in the sorted levels). */
export function levelIndexOf(state: FittedPipelineState): Map<string, Map<string, number>> {
  return new Map(state.applicationText.map((c) => [c, new Map(state.categoryLevels[c].map((v, i) => [v, i]))]));
}

export function codeOf(index: Map<string, number>, v: string | null): number {
  if (v === null) return NaN;
  const code = index.get(v);
  return code === undefined ? NaN : code;
}

export function resolveOptions(opts: FeatureOptions): FittedPipelineState['options'] {
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
  if (categorical !== 'codes' && categorical !== 'onehot')
    throw new FeatureError(`categorical must be 'codes' or 'onehot', got ${String(categorical)}`);
  return { sideTables, categorical };
}

/** Application input fields from the Kaggle schema: text fields are categorical, the rest numeric. */
export function applicationFields(application: pl.DataFrame): {
  numeric: FittedPipelineState['applicationNumeric'];
  text: string[];
} {
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

export function sideSpecs(sideTables: SideTableName[]): TableSpec[] {
  return SIDE_SPECS.filter((spec) => sideTables.includes(spec.table));
}

export function buildState(
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
    kind: PIPELINE_STATE_KIND,
    version: PIPELINE_STATE_VERSION,
    options,
    applicationNumeric,
    applicationText,
    categoryLevels,
    featureNames: names,
    categoricalFeatures,
  };
}

/** LightGBM rejects JSON special characters in feature names; keep letters, digits and underscores. */
function safeName(level: string): string {
  return level.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'EMPTY';
}

export function validateState(state: FittedPipelineState): void {
  if (state === null || typeof state !== 'object') throw new FeatureError('pipeline state must be an object');
  if (state.kind !== PIPELINE_STATE_KIND)
    throw new FeatureError(`pipeline state kind is ${JSON.stringify(state.kind)}, expected ${PIPELINE_STATE_KIND}`);
  if (state.version !== PIPELINE_STATE_VERSION)
    throw new FeatureError(
      `pipeline state version ${state.version} is not supported (this code reads version ${PIPELINE_STATE_VERSION})`,
    );
  const arrays: Array<keyof FittedPipelineState> = [
    'applicationNumeric',
    'applicationText',
    'featureNames',
    'categoricalFeatures',
  ];
  for (const k of arrays)
    if (!Array.isArray(state[k])) throw new FeatureError(`pipeline state field ${k} must be an array`);
  if (!state.options || !Array.isArray(state.options.sideTables))
    throw new FeatureError('pipeline state field options.sideTables must be an array');
  for (const c of state.applicationText) {
    const levels = state.categoryLevels?.[c];
    if (!Array.isArray(levels) || levels.some((v) => typeof v !== 'string'))
      throw new FeatureError(`pipeline state lacks the category levels of ${c}`);
  }
  const options = resolveOptions(state.options);
  // The saved names must be what this code's feature spec produces, or the model would read shifted columns.
  const expected = buildState(options, state.applicationNumeric, state.applicationText, state.categoryLevels);
  const mismatch = expected.featureNames.findIndex((n, i) => n !== state.featureNames[i]);
  if (mismatch >= 0 || expected.featureNames.length !== state.featureNames.length) {
    const at = mismatch >= 0 ? mismatch : Math.min(expected.featureNames.length, state.featureNames.length);
    throw new FeatureError(
      `pipeline state was saved by a different feature spec: feature ${at} is ${state.featureNames[at]} there, ${expected.featureNames[at]} here`,
    );
  }
  if (JSON.stringify(expected.categoricalFeatures) !== JSON.stringify(state.categoricalFeatures))
    throw new FeatureError('pipeline state categoricalFeatures do not match its feature names');
}

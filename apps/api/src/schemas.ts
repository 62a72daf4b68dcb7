// JSON Schemas of the API. They validate requests (Ajv, no type coercion for bodies), serialise responses
// (fast-json-stringify) and become the OpenAPI document's components (@fastify/swagger), so they are the one
// definition of the wire format. Field names and types come from the Kaggle schema in @credit-scoring/data.
import { SCHEMAS, SIDE_TABLE_NAMES, ColumnType } from '@credit-scoring/data';
import { MAX_MAGNITUDE, REQUIRED_APPLICATION_FIELDS } from '@credit-scoring/features';
import type { FromSchema } from 'json-schema-to-ts';

/** Longest text value accepted in any field: Kaggle's longest category is ~50 characters. */
const MAX_TEXT = 200;
/** Rows per side table for one applicant (Kaggle's largest histories are a few hundred rows). */
export const MAX_HISTORY_ROWS = 5000;

/**
 * The feature pipeline reads a magnitude of 2^45 (3.5e13) or more as missing: such a number is refused here, so that
 * it cannot pass for a value (a required field among them) and be scored as absent.
 */
const inRange = { exclusiveMinimum: -MAX_MAGNITUDE, exclusiveMaximum: MAX_MAGNITUDE } as const;

function fieldSchema(type: ColumnType): Record<string, unknown> {
  if (type === 'str') return { type: ['string', 'null'], maxLength: MAX_TEXT };
  return { type: [type === 'int' ? 'integer' : 'number', 'null'], ...inRange };
}

/**
 * What every generated field schema accepts, as a type: text, a number or null. The schemas below are written with
 * it and `as const`, so route types come from them (json-schema-to-ts); `withKaggleFields` then narrows the runtime
 * schema to the Kaggle names and each one's own type, which the types cannot know (they come from a data table).
 */
const kaggleValue = { type: ['string', 'number', 'null'] } as const;

function withKaggleFields<S extends object>(
  schema: S,
  columns: Record<string, ColumnType>,
  overrides: Record<string, unknown> = {},
): S & { properties: Record<string, unknown>; additionalProperties: false } {
  const properties: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(columns)) properties[name] = overrides[name] ?? fieldSchema(type);
  return { ...schema, properties, additionalProperties: false };
}

export const UNKNOWN_FIELDS_RULE =
  'Field names are the Kaggle column names of application_test.csv (and of the side tables inside `history`). ' +
  'A name that is not one of them is rejected with 400 and named in the message. Absent fields and null mean ' +
  '"missing" (NaN), exactly as in training, except the few the model requires (GET /features, required: true; ' +
  'SK_ID_CURR always), whose absence or null is a 400. A category the model never saw is accepted and scored as ' +
  'unseen (missing), like the batch pipeline does. Numbers must be JSON numbers (text such as "1000" is rejected); ' +
  'NaN/Infinity are not JSON and are rejected.';

/** A real applicant (Kaggle application_test.csv, SK_ID_CURR 100001, a few of its fields) for the docs' "Try it out". */
export const EXAMPLE_APPLICATION = {
  SK_ID_CURR: 100001,
  NAME_CONTRACT_TYPE: 'Cash loans',
  CODE_GENDER: 'F',
  FLAG_OWN_CAR: 'N',
  FLAG_OWN_REALTY: 'Y',
  CNT_CHILDREN: 0,
  AMT_INCOME_TOTAL: 135000,
  AMT_CREDIT: 568800,
  AMT_ANNUITY: 20560.5,
  AMT_GOODS_PRICE: 450000,
  NAME_INCOME_TYPE: 'Working',
  NAME_EDUCATION_TYPE: 'Higher education',
  DAYS_BIRTH: -19241,
  DAYS_EMPLOYED: -2329,
  EXT_SOURCE_1: 0.7526144906031748,
  EXT_SOURCE_2: 0.7896543511176771,
  EXT_SOURCE_3: 0.1595195404777181,
};

const kaggleRow = { type: 'object', additionalProperties: kaggleValue } as const;

export const applicationSchema = {
  $id: 'Application',
  title: 'Application',
  description: 'One loan application with the Kaggle application_test.csv fields. ' + UNKNOWN_FIELDS_RULE,
  type: 'object',
  // Absent or null → 400 from the schema (requiredApplicationFields); the model's own check stays as a second guard.
  required: REQUIRED_APPLICATION_FIELDS,
  additionalProperties: kaggleValue,
} as const;

/** SK_ID_CURR is a Kaggle int column, and more: the key of the applicant, a 32-bit id. */
const applicantId = { SK_ID_CURR: { type: 'integer', minimum: 0, maximum: 2147483647 } } as const;

/**
 * The fields the pipeline always requires cannot be null either (null means "missing"): stated in the schema, so the
 * OpenAPI says what the API accepts and a null is rejected by validation like an absent field.
 */
function requiredApplicationFields(): Record<string, unknown> {
  const fields: Record<string, unknown> = { ...applicantId };
  for (const name of REQUIRED_APPLICATION_FIELDS) {
    const type = SCHEMAS.application_test[name];
    if (name in fields) continue;
    fields[name] = type === 'str' ? { type: 'string' } : { type: type === 'int' ? 'integer' : 'number', ...inRange };
  }
  return fields;
}

export const historySchema = {
  $id: 'History',
  title: 'History',
  description:
    'Optional credit history of the applicant: rows of the Kaggle side tables (absent = no history). Every row ' +
    "carrying SK_ID_CURR carries the application's, and every bureau_balance row the SK_ID_BUREAU of one of the " +
    "applicant's bureau rows; a row that breaks either rule is refused with 400 naming it.",
  type: 'object',
  additionalProperties: { type: 'array', maxItems: MAX_HISTORY_ROWS, items: kaggleRow },
} as const;

export const applicantSchema = {
  $id: 'Applicant',
  title: 'Applicant',
  type: 'object',
  additionalProperties: false,
  required: ['application'],
  properties: { application: { $ref: 'Application#' }, history: { $ref: 'History#' } },
  examples: [{ application: EXAMPLE_APPLICATION }],
} as const;

const decision = { type: 'string', enum: ['granted', 'refused'] } as const;

export const predictionSchema = {
  $id: 'Prediction',
  title: 'Prediction',
  type: 'object',
  additionalProperties: false,
  required: ['SK_ID_CURR', 'probability', 'decision', 'threshold', 'modelVersion', 'missingInputs'],
  properties: {
    SK_ID_CURR: { type: 'integer' },
    probability: { type: 'number', description: 'Probability of default (0..1).' },
    decision: { ...decision, description: 'refused when probability >= threshold' },
    threshold: { type: 'number' },
    modelVersion: { type: 'string' },
    missingInputs: {
      type: 'array',
      items: { type: 'string' },
      description:
        'Model inputs (application fields the model reads) absent or null in this application; scored as missing.',
    },
  },
} as const;

const contributionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['feature', 'value', 'contribution'],
  properties: {
    feature: { type: 'string' },
    value: { type: ['number', 'null'], description: 'Feature value after the pipeline (null = missing).' },
    contribution: { type: 'number', description: 'SHAP value in log-odds units; positive pushes towards default.' },
    inputs: {
      type: 'array',
      description: 'The raw application fields the feature is computed from, with the values sent (null = missing).',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['field', 'value'],
        properties: { field: { type: 'string' }, value: { type: ['number', 'string', 'null'] } },
      },
    },
    label: { type: 'string', description: "A category code's label, as the client wrote it." },
    shareBelow: {
      type: 'number',
      description: "Share of the training population (with a value) below this value (the model's population.json).",
    },
    sentence: { type: 'string', description: 'The reason in plain words, raw field names and values.' },
  },
} as const;

const missingEffectSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['field', 'contribution', 'sentence'],
  properties: {
    field: { type: 'string' },
    contribution: {
      type: 'number',
      description:
        'Log-odds the absence adds: SHAP of the features it leaves empty, shared among their missing inputs.',
    },
    sentence: { type: 'string' },
  },
} as const;

export const explanationSchema = {
  $id: 'Explanation',
  title: 'Explanation',
  type: 'object',
  additionalProperties: false,
  required: [...predictionSchema.required, 'baseValue', 'rawScore', 'contributions', 'missingEffects'],
  properties: {
    ...predictionSchema.properties,
    baseValue: { type: 'number', description: 'Expected log-odds (SHAP base value).' },
    rawScore: { type: 'number', description: "baseValue + all contributions = this applicant's log-odds." },
    contributions: {
      type: 'array',
      description: 'Top features by |SHAP value| (log-odds units; positive pushes towards default).',
      items: contributionSchema,
    },
    missingEffects: {
      type: 'array',
      description: 'Each missing model input whose absence moves the score, with that effect, largest first.',
      items: missingEffectSchema,
    },
  },
} as const;

export const errorSchema = {
  $id: 'Error',
  title: 'Error',
  type: 'object',
  additionalProperties: false,
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
    fields: { type: 'array', items: { type: 'string' }, description: 'Request fields the problem is about.' },
  },
} as const;

/** The shared schemas a route's `$ref` may name, for the type provider (FromSchema `references`). */
export type SharedSchemas = [
  typeof applicationSchema,
  typeof historySchema,
  typeof applicantSchema,
  typeof predictionSchema,
  typeof explanationSchema,
  typeof errorSchema,
];

/** Wire types, read off the schemas above. */
export type Prediction = FromSchema<typeof predictionSchema>;
export type Explanation = FromSchema<typeof explanationSchema>;
export type ApplicationBody = FromSchema<typeof applicationSchema>;

/** The runtime schemas, registered with app.addSchema: the Kaggle names and types filled in. */
export function sharedSchemas(): Record<string, unknown>[] {
  const history: Record<string, unknown> = {};
  for (const table of SIDE_TABLE_NAMES) {
    history[table] = { ...historySchema.additionalProperties, items: withKaggleFields(kaggleRow, SCHEMAS[table]) };
  }
  return [
    withKaggleFields(applicationSchema, SCHEMAS.application_test, requiredApplicationFields()),
    { ...historySchema, properties: history, additionalProperties: false },
    applicantSchema,
    predictionSchema,
    explanationSchema,
    errorSchema,
  ];
}

export const errorResponses = {
  400: { $ref: 'Error#' },
  401: { $ref: 'Error#' },
  404: { $ref: 'Error#' },
  413: { $ref: 'Error#' },
  415: { $ref: 'Error#' },
  429: { $ref: 'Error#' },
  503: { $ref: 'Error#' },
} as const;

// Explanations in the applicant's own terms: each SHAP contribution traced back to the raw field(s) the client sent
// (the features lib's lineage), category codes turned back into the client's words, the value placed on the
// training population (population.json) and said as one plain sentence. Also which model inputs were missing.
import type { FeatureLineage, RawApplication } from '@credit-scoring/features';
import { shareBelow, type FeatureSummary } from '@credit-scoring/tracking';
import type { ServingModel } from './model/serving-model';

/** Plain names of the fields and formulas a loan officer meets most; others fall back to their Kaggle name. */
const PLAIN_NAMES: Record<string, string> = {
  EXT_SOURCE_1: 'External score 1',
  EXT_SOURCE_2: 'External score 2',
  EXT_SOURCE_3: 'External score 3',
  AMT_CREDIT: 'Credit amount',
  AMT_INCOME_TOTAL: 'Income',
  AMT_ANNUITY: 'Annuity',
  AMT_GOODS_PRICE: 'Price of the goods',
  DAYS_BIRTH: 'Age',
  DAYS_EMPLOYED: 'Employed since',
  DAYS_REGISTRATION: 'Registration changed',
  DAYS_ID_PUBLISH: 'Identity document changed',
  DAYS_LAST_PHONE_CHANGE: 'Phone changed',
  OWN_CAR_AGE: 'Age of the car (years)',
  CNT_CHILDREN: 'Children',
  CNT_FAM_MEMBERS: 'Family members',
  CODE_GENDER: 'Gender',
  FLAG_OWN_CAR: 'Owns a car',
  FLAG_OWN_REALTY: 'Owns real estate',
  NAME_CONTRACT_TYPE: 'Contract type',
  NAME_INCOME_TYPE: 'Income type',
  NAME_EDUCATION_TYPE: 'Education',
  NAME_FAMILY_STATUS: 'Family status',
  NAME_HOUSING_TYPE: 'Housing',
  OCCUPATION_TYPE: 'Occupation',
  ORGANIZATION_TYPE: 'Organization type',
  REGION_POPULATION_RELATIVE: 'Population of the region (relative)',
  REGION_RATING_CLIENT: 'Region rating',
  REGION_RATING_CLIENT_W_CITY: 'Region rating with city',
  CREDIT_INCOME_RATIO: 'Credit / income',
  ANNUITY_INCOME_RATIO: 'Annuity / income',
  PAYMENT_RATE: 'Payment rate (annuity / credit)',
  CREDIT_TERM: 'Credit term (credit / annuity)',
  GOODS_CREDIT_RATIO: 'Goods price / credit',
  CREDIT_GOODS_DIFF: 'Credit minus goods price',
  EMPLOYED_BIRTH_RATIO: 'Share of life employed',
  INCOME_PER_PERSON: 'Income per family member',
  EXT_SOURCE_MEAN: 'Mean external score',
  EXT_SOURCE_MIN: 'Lowest external score',
  EXT_SOURCE_MAX: 'Highest external score',
  EXT_SOURCE_PROD: 'Product of the external scores',
  EXT_SOURCE_2_3_PROD: 'External score 2 × external score 3',
  EXT_SOURCE_COUNT: 'External scores present',
  EXT_SOURCE_VAR: 'Spread of the external scores',
  EXT_SOURCE_CREDIT_TERM: 'Mean external score × credit term',
  INCOME_PER_CHILD: 'Income per child',
  ANNUITY_PER_PERSON: 'Annuity per family member',
  ID_PUBLISH_BIRTH_RATIO: 'Identity document age / age',
  REGISTRATION_BIRTH_RATIO: 'Registration age / age',
  PHONE_CHANGE_BIRTH_RATIO: 'Phone change / age',
  DOCUMENT_COUNT: 'Documents provided',
};

const TABLE_NAMES: Record<string, string> = {
  bureau: 'credits at the credit bureau',
  previous_application: 'previous applications',
  POS_CASH_balance: 'POS and cash loan months',
  installments_payments: 'instalment payments',
  credit_card_balance: 'credit card months',
};

const AGG_WORDS: Record<string, string> = {
  min: 'lowest',
  max: 'highest',
  mean: 'mean',
  sum: 'total',
  var: 'variance of',
  count: 'number of',
};

export function plainName(name: string): string {
  return PLAIN_NAMES[name] ?? name;
}

/** A history feature's name in words, e.g. "mean DAYS_CREDIT of the credits at the credit bureau (Active)". */
function historyName(lineage: FeatureLineage): string {
  const h = lineage.history;
  if (!h) return lineage.feature;
  const where = h.where ? ` (${h.where.col} ${h.where.in.join(' or ')})` : '';
  const of = TABLE_NAMES[h.table] ?? h.table;
  if (h.agg === 'rows') return `Number of ${of}${where}`;
  return `${AGG_WORDS[h.agg] ?? h.agg} ${h.column} of the ${of}${where}`.replace(/^./, (c) => c.toUpperCase());
}

export function featureTitle(lineage: FeatureLineage): string {
  if (lineage.kind === 'history') return historyName(lineage);
  if (lineage.kind === 'category-flag') return `${plainName(lineage.fields[0])} is ${lineage.level}`;
  return plainName(lineage.feature);
}

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** A raw value as a person reads it: days as years, scores with two decimals, amounts grouped. */
export function formatValue(field: string, value: number | string | null): string {
  if (value === null) return 'missing';
  if (typeof value === 'string') return value;
  if (field.startsWith('DAYS_')) {
    const years = Math.abs(value) / 365.25;
    return field === 'DAYS_BIRTH' ? `${years.toFixed(1)} years` : `${years.toFixed(1)} years ago`;
  }
  if (Math.abs(value) < 0.1 && value !== 0) return String(Number(value.toPrecision(2)));
  if (Math.abs(value) < 10 && !Number.isInteger(value)) return value.toFixed(2);
  return grouped.format(value);
}

/** Share of the training population (with a value) below `value`; undefined without a numeric summary. */
function populationShare(summary: FeatureSummary | undefined, value: number): number | undefined {
  if (!summary || summary.kind !== 'numeric' || !summary.count) return undefined;
  const below = shareBelow(summary, value);
  return Number.isNaN(below) ? undefined : below;
}

/** A share below in words: "lower than 82 % of clients" (the missing ones are neither above nor below). */
export function comparedToClients(below: number): string {
  return below >= 0.5
    ? `higher than ${Math.round(below * 100)} % of clients`
    : `lower than ${Math.round((1 - below) * 100)} % of clients`;
}

export interface RawInput {
  field: string;
  value: number | string | null;
}

export interface Reason {
  inputs: RawInput[];
  label?: string;
  shareBelow?: number;
  sentence: string;
}

const rawValue = (application: RawApplication, field: string): number | string | null => {
  const v = application[field];
  return v === undefined || v === null ? null : (v as number | string);
};

/** One contribution in words, with the raw inputs behind it. */
export function reason(
  model: ServingModel,
  application: RawApplication,
  j: number,
  value: number,
  contribution: number,
): Reason {
  const lineage = model.lineage[j];
  const summary = model.population?.features[lineage.feature];
  const inputs = lineage.fields.map((field) => ({ field, value: rawValue(application, field) }));
  const effect = contribution > 0 ? 'raises the risk' : contribution < 0 ? 'lowers the risk' : 'no effect';
  const title = featureTitle(lineage);
  if (Number.isNaN(value)) {
    const how = summary?.missing ? ` (as for ${Math.round(summary.missing * 100)} % of clients)` : '';
    const what = lineage.kind === 'history' ? `${title}: no such rows for this client` : `${title} is missing`;
    const unseen =
      lineage.kind === 'category' && inputs[0]?.value !== null
        ? ` ("${inputs[0].value}" was not seen in training)`
        : '';
    return { inputs, sentence: `${what}${unseen}${how}: ${effect}` };
  }
  if (lineage.kind === 'category' && summary?.kind === 'category') {
    const label = summary.labels[value] ?? String(inputs[0]?.value ?? value);
    const share = summary.shares[value];
    const common = share !== undefined ? ` (${Math.round(share * 100)} % of clients)` : '';
    return { inputs, label, sentence: `${title} = ${label}${common}: ${effect}` };
  }
  if (lineage.kind === 'category') {
    const label = String(inputs[0]?.value ?? value);
    return { inputs, label, sentence: `${title} = ${label}: ${effect}` };
  }
  const shown = lineage.kind === 'field' ? formatValue(lineage.feature, value) : formatValue('', value);
  const from =
    lineage.kind === 'formula' && inputs.length
      ? ` (from ${inputs.map((i) => `${plainName(i.field)} = ${formatValue(i.field, i.value)}`).join(', ')})`
      : '';
  const below = populationShare(summary, value);
  // Days are stored negative (before the application) and shown as years: more years is a lower raw value, so the
  // comparison in the sentence is made in the years it shows (shareBelow stays on the raw scale, as documented).
  const inYears = lineage.kind === 'field' && lineage.feature.startsWith('DAYS_') && value <= 0;
  const compared = below === undefined ? '' : `, ${comparedToClients(inYears ? 1 - below : below)}`;
  return { inputs, shareBelow: below, sentence: `${title} = ${shown}${from}${compared}: ${effect}` };
}

/** The model inputs (application fields the booster reads) absent or null in this application. */
export function missingInputs(model: ServingModel, application: RawApplication): string[] {
  const missing: string[] = [];
  for (const field of model.modelInputs) {
    const v = application[field];
    if (v === undefined || v === null) missing.push(field);
  }
  return missing;
}

export interface MissingEffect {
  field: string;
  /** Log-odds this field's absence adds (SHAP of the features it feeds, shared among their missing inputs). */
  contribution: number;
  sentence: string;
}

/**
 * The effect of each missing input that has one (the others are only named in missingInputs): the SHAP
 * contribution of every feature left without a value because of missing inputs, shared equally among those inputs
 * (a ratio of two missing fields gives each half), summed per field.
 */
export function missingEffects(
  model: ServingModel,
  missing: string[],
  row: Float64Array,
  contrib: Float64Array,
): MissingEffect[] {
  if (!missing.length) return [];
  const isMissing = new Set(missing);
  const effect = new Map<string, number>(missing.map((f) => [f, 0]));
  for (let j = 0; j < row.length; j++) {
    if (!Number.isNaN(row[j]) || contrib[j] === 0) continue;
    const behind = model.lineage[j].fields.filter((f) => isMissing.has(f));
    for (const f of behind) effect.set(f, (effect.get(f) ?? 0) + contrib[j] / behind.length);
  }
  return [...effect]
    .filter(([, contribution]) => contribution !== 0)
    .map(([field, contribution]) => ({
      field,
      contribution,
      sentence: `${plainName(field)} is missing: ` + (contribution > 0 ? 'raises the risk' : 'lowers the risk'),
    }))
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || a.field.localeCompare(b.field));
}

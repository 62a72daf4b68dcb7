// The package's python_function flavour when it carries the Python scoring: raw Home Credit applications in, the
// scoring API's answer out (probability, decision at the stored threshold, model version). MLflow loads it with
// loader_module credit_scoring_pyfunc from the package's code/ folder, which also holds the feature spec's Python
// executor (given by @credit-scoring/features); the signature and the input example describe raw Kaggle fields.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelPackageError, PACKAGE_FILES } from './names';

/** What the trainer hands over for the package to be scored from raw fields in Python. */
export interface PythonScoring {
  /** feature_spec.json: the declarative feature spec as JSON (featureSpecJson of @credit-scoring/features). */
  featureSpec: unknown;
  /** The feature executor's Python package files, path relative to code/ → source (pythonExecutorFiles). */
  executor: Record<string, string>;
  /** The raw application fields the model reads, in order (FeaturePipeline.rawFields). */
  rawFields: Array<{ name: string; type: 'integer' | 'number' | 'string'; required: boolean }>;
  /** The side tables whose rows it reads, each accepted as a history column of JSON arrays. */
  sideTables: string[];
}

/** The loader module written into code/ (libs/tracking/python/credit_scoring_pyfunc). */
export const PYFUNC_MODULE = 'credit_scoring_pyfunc';
const PYFUNC_SOURCE_DIR = path.join(__dirname, '..', '..', 'python', PYFUNC_MODULE);
export const CODE_DIR = 'code';

/**
 * The signature: raw fields (+ history columns of JSON text) in; the API's answer out. SK_ID_CURR is `long`; every
 * other column `any`, and the pyfunc checks each one as the API does (numbers, whole numbers for integer fields, text).
 * Typed columns were refused by MLflow's own schema check on ordinary pandas frames: an integer field with a missing
 * value is float64 (not `long`), a whole-number amount column int64 (not `double`), an optional text column empty in
 * every row float64 (not `string`); and `mlflow models serve` cut 1.9 to 1 for a `long` field without a word.
 */
export function rawSignature(python: PythonScoring): { inputs: string; outputs: string; params: null } {
  const inputs = [
    ...python.rawFields.map((f) => ({
      type: f.name === 'SK_ID_CURR' ? 'long' : 'any',
      name: f.name,
      required: f.required,
    })),
    ...python.sideTables.map((t) => ({ type: 'any', name: t, required: false })),
  ];
  const outputs = [
    { type: 'long', name: 'SK_ID_CURR', required: true },
    { type: 'double', name: 'probability', required: true },
    { type: 'string', name: 'decision', required: true },
    { type: 'double', name: 'threshold', required: true },
    { type: 'string', name: 'modelVersion', required: true },
  ];
  return { inputs: JSON.stringify(inputs), outputs: JSON.stringify(outputs), params: null };
}

/** One raw application with some history, in the signature's types (an applicant from the Kaggle data dictionary). */
const EXAMPLE: Record<string, string | number> = {
  SK_ID_CURR: 100001,
  NAME_CONTRACT_TYPE: 'Cash loans',
  CODE_GENDER: 'F',
  FLAG_OWN_CAR: 'N',
  CNT_CHILDREN: 0,
  AMT_INCOME_TOTAL: 135000,
  AMT_CREDIT: 568800,
  AMT_ANNUITY: 20560.5,
  AMT_GOODS_PRICE: 450000,
  NAME_EDUCATION_TYPE: 'Higher education',
  DAYS_BIRTH: -19241,
  DAYS_EMPLOYED: -2329,
  EXT_SOURCE_2: 0.7896543511176771,
  EXT_SOURCE_3: 0.1595195404777181,
};
const EXAMPLE_HISTORY: Record<string, unknown[]> = {
  bureau: [
    {
      SK_ID_CURR: 100001,
      SK_ID_BUREAU: 5896630,
      CREDIT_ACTIVE: 'Closed',
      CREDIT_CURRENCY: 'currency 1',
      DAYS_CREDIT: -857,
      CREDIT_DAY_OVERDUE: 0,
      AMT_CREDIT_SUM: 168345,
      CREDIT_TYPE: 'Consumer credit',
    },
  ],
  bureau_balance: [
    { SK_ID_BUREAU: 5896630, MONTHS_BALANCE: 0, STATUS: 'C' },
    { SK_ID_BUREAU: 5896630, MONTHS_BALANCE: -1, STATUS: '0' },
  ],
};

/** input_example.json (pandas split orient) and serving_input_example.json for the fields this model reads. */
function inputExample(python: PythonScoring): { columns: string[]; data: unknown[][] } {
  const fields = new Set(python.rawFields.map((f) => f.name));
  const columns = Object.keys(EXAMPLE).filter((c) => fields.has(c));
  const history = python.sideTables.filter((t) => EXAMPLE_HISTORY[t]);
  return {
    columns: [...columns, ...history],
    data: [[...columns.map((c) => EXAMPLE[c]), ...history.map((t) => JSON.stringify(EXAMPLE_HISTORY[t]))]],
  };
}

function pyfuncSources(): Record<string, string> {
  let names: string[];
  try {
    names = fs.readdirSync(PYFUNC_SOURCE_DIR).filter((f) => f.endsWith('.py'));
  } catch (error) {
    throw new ModelPackageError(`cannot read the pyfunc sources in ${PYFUNC_SOURCE_DIR}: ${(error as Error).message}`);
  }
  return Object.fromEntries(
    names.sort().map((f) => [`${PYFUNC_MODULE}/${f}`, fs.readFileSync(path.join(PYFUNC_SOURCE_DIR, f), 'utf8')]),
  );
}

/** The files the Python scoring adds to a package (feature spec, code/, input examples). */
export function pythonFiles(python: PythonScoring): Record<string, string> {
  const example = inputExample(python);
  const code = { ...python.executor, ...pyfuncSources() };
  return {
    [PACKAGE_FILES.featureSpec]: JSON.stringify(python.featureSpec),
    ...Object.fromEntries(Object.entries(code).map(([name, text]) => [`${CODE_DIR}/${name}`, text])),
    [PACKAGE_FILES.inputExample]: JSON.stringify(example),
    [PACKAGE_FILES.servingInputExample]: JSON.stringify({ dataframe_split: example }, null, 2),
  };
}

/** The MLmodel entries of the raw-fields pyfunc (python_function flavour, signature, input example). */
export function pythonMlmodel(python: PythonScoring, env: Record<string, unknown>) {
  return {
    pythonFunction: { code: CODE_DIR, env, loader_module: PYFUNC_MODULE },
    signature: rawSignature(python),
    saved_input_example_info: {
      artifact_path: PACKAGE_FILES.inputExample,
      serving_input_path: PACKAGE_FILES.servingInputExample,
      type: 'dataframe',
      pandas_orient: 'split',
    },
  };
}

export function validatePython(python: PythonScoring): void {
  if (typeof python.featureSpec !== 'object' || python.featureSpec === null)
    throw new ModelPackageError('python.featureSpec must be the feature spec JSON object');
  if (!Object.keys(python.executor).some((f) => f.endsWith('__init__.py')))
    throw new ModelPackageError('python.executor must hold the feature executor package (an __init__.py)');
  if (!python.rawFields.some((f) => f.name === 'SK_ID_CURR'))
    throw new ModelPackageError('python.rawFields must include SK_ID_CURR');
}

// The reference/current pairs of tools/drift/compare_evidently.py, rebuilt in TypeScript from the same CSV files
// so that our results can be compared with Evidently's golden output (evidently-golden.json, same folder).
// Shared by libs/drift/src/evidently-golden.spec.ts and tools/drift/compare.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { realDataStatus } from '@credit-scoring/data';
import { ColumnarData, ColumnSchema, loadCsvColumns, StatTestName } from '../src';

export const GOLDEN_FILE = path.join(__dirname, 'evidently-golden.json');
export const SMALL_REFERENCE_ROWS = 800;

export interface GoldenColumn {
  column_name: string;
  column_type: 'num' | 'cat';
  stattest_name: string;
  stattest_threshold: number;
  drift_score: number;
  drift_detected: boolean;
}
export interface GoldenScenario {
  name: string;
  method: StatTestName | null;
  drift_share: number;
  reference_rows: number;
  current_rows: number;
  skipped_empty_columns: string[];
  dataset: { drift_share: number; number_of_drifted_columns: number; share_of_drifted_columns: number; number_of_columns: number; dataset_drift: boolean };
  columns: GoldenColumn[];
}
export interface Golden {
  evidently_version: string;
  scipy_version: string;
  column_mapping: Record<string, 'num' | 'cat'>;
  scenarios: GoldenScenario[];
}

export function readGolden(): Golden {
  return JSON.parse(fs.readFileSync(GOLDEN_FILE, 'utf8')) as Golden;
}

/** The real Home Credit sample (HOME_CREDIT_DIR or ../shared beside the project; never copied into it). */
export function homeCreditDir(): string {
  const status = realDataStatus();
  if (!status.available) throw new Error(`Home Credit sample not found: ${status.reason}`);
  return status.dir;
}

export function schemaOf(golden: Golden, scenario: GoldenScenario): ColumnSchema {
  const schema: ColumnSchema = {};
  for (const [name, t] of Object.entries(golden.column_mapping)) {
    if (!scenario.skipped_empty_columns.includes(name)) schema[name] = t === 'num' ? 'numeric' : 'categorical';
  }
  return schema;
}

function sliceRows(data: ColumnarData, start: number, end?: number): ColumnarData {
  const out: ColumnarData = {};
  for (const [k, v] of Object.entries(data)) out[k] = v.slice(start, end) as ColumnarData[string];
  return out;
}

/** Same edits as apply_shift() in compare_evidently.py (row i = i-th row of the file). */
export function applyShift(data: ColumnarData): ColumnarData {
  const out: ColumnarData = { ...data };
  const num = (name: string, f: (x: number) => number) => {
    out[name] = Float64Array.from(data[name] as Float64Array, f);
  };
  const text = (name: string, every: number, value: string) => {
    out[name] = (data[name] as ReadonlyArray<string | null>).map((v, i) => (i % every === 0 ? value : v));
  };
  num('AMT_INCOME_TOTAL', (x) => x * 1.5);
  num('EXT_SOURCE_2', (x) => x + 0.1);
  num('EXT_SOURCE_3', (x) => x * 0.8);
  num('DAYS_BIRTH', (x) => x - 1825);
  text('NAME_CONTRACT_TYPE', 4, 'Revolving loans');
  text('NAME_EDUCATION_TYPE', 5, 'Academic degree');
  text('FLAG_OWN_CAR', 3, 'Y');
  text('OCCUPATION_TYPE', 10, 'Data scientists');
  out['EXT_SOURCE_1'] = Float64Array.from(data['EXT_SOURCE_1'] as Float64Array, (x, i) => (i % 2 === 0 ? NaN : x));
  return out;
}

export interface ScenarioData { reference: ColumnarData; current: ColumnarData }

export function loadScenarios(): Record<string, ScenarioData> {
  const dir = homeCreditDir();
  const train = loadCsvColumns(path.join(dir, 'application_train.csv')).data;
  const test = loadCsvColumns(path.join(dir, 'application_test.csv')).data;
  const shifted = applyShift(test);
  const small = sliceRows(train, 0, SMALL_REFERENCE_ROWS);
  return {
    full: { reference: train, current: test },
    'full-shifted': { reference: train, current: shifted },
    'psi-shifted': { reference: train, current: shifted },
    'full-shifted-share-0.1': { reference: train, current: shifted },
    small: { reference: small, current: test },
    'small-shifted': { reference: small, current: shifted },
    'small-vs-large': { reference: small, current: sliceRows(train, SMALL_REFERENCE_ROWS) },
  };
}

import fs from 'node:fs';
import path from 'node:path';
import { DataError } from '../errors';
import { SCHEMAS, TABLE_NAMES, type TableName } from '../schemas';
import { generateApplicant } from './application';
import { CsvWriter, removeStalePartials } from './csv-writer';
import { generateHistory, type HistoryWriters } from './history';
import { Random } from '../random';

export interface GenerateOptions {
  /** Labelled applicants in application_train.csv (Kaggle: 307511). */
  rows: number;
  /** Same seed, byte-identical files. */
  seed: number;
  /** Output folder (created if needed); the eight Kaggle file names are written into it. */
  out: string;
  /** Called every 10,000 applicants and at the end with each table's rows written so far. */
  onProgress?: (p: { table: string; rows: number }) => void;
}

export interface GenerateResult {
  out: string;
  rows: Record<TableName, number>;
}

/** Kaggle's application_test has 48744 rows for 307511 in train: the same ratio is kept. */
const TEST_SHARE = 48744 / 307511;
const PROGRESS_EVERY = 10_000;

/**
 * Writes a synthetic Home Credit dataset: the eight Kaggle files with the real schemas, realistic marginals and a
 * planted default signal (see application.ts and history.ts). Applicants are generated one at a time and each
 * applicant's rows go straight to the files, so memory stays flat at any size. Train and test applicants share one
 * SK_ID_CURR sequence, interleaved at random as in Kaggle, so their ids are disjoint.
 */
export async function generateSynthetic(opts: GenerateOptions): Promise<GenerateResult> {
  const { rows, seed, out, onProgress } = opts;
  if (!Number.isInteger(rows) || rows < 1) throw new DataError(`rows must be a positive integer, got ${rows}`);
  if (!Number.isInteger(seed)) throw new DataError(`seed must be an integer, got ${seed}`);
  fs.mkdirSync(out, { recursive: true });
  removeStalePartials(out);

  const writers = Object.fromEntries(
    TABLE_NAMES.map((table) => [table, new CsvWriter(path.join(out, `${table}.csv`), SCHEMAS[table])]),
  ) as Record<TableName, CsvWriter>;
  const history: HistoryWriters = writers;
  const ids = { nextBureauId: 5000000, nextPrevId: 1000001 };
  const rng = new Random(seed);
  const report = () => {
    for (const table of TABLE_NAMES) onProgress?.({ table, rows: writers[table].rows });
  };

  try {
    const testRows = Math.round(rows * TEST_SHARE);
    let trainLeft = rows;
    let testLeft = testRows;
    for (let id = 100001; trainLeft + testLeft > 0; id++) {
      const isTest = rng.next() * (trainLeft + testLeft) < testLeft;
      const applicant = generateApplicant(rng, id);
      if (isTest) {
        writers.application_test.rowFrom(applicant.row);
        testLeft--;
      } else {
        writers.application_train.rowFrom(applicant.row);
        trainLeft--;
      }
      generateHistory(rng, applicant, history, ids);
      if ((id - 100000) % PROGRESS_EVERY === 0) {
        report();
        await new Promise((resolve) => setImmediate(resolve)); // let progress output and signals through
      }
    }
  } catch (error) {
    for (const table of TABLE_NAMES) writers[table].abort();
    throw error;
  }
  // Each table is renamed into place only once all of them are complete.
  try {
    for (const table of TABLE_NAMES) writers[table].close();
  } catch (error) {
    for (const table of TABLE_NAMES) writers[table].abort();
    throw error;
  }
  report();
  const counts = Object.fromEntries(TABLE_NAMES.map((table) => [table, writers[table].rows])) as Record<TableName, number>;
  return { out: path.resolve(out), rows: counts };
}

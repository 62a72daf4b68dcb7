import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  DataError,
  generateSynthetic,
  loadTables,
  readTable,
  SIDE_TABLE_NAMES,
  tablePath,
  workspaceRoot,
  type HomeCreditTables,
  type SideTableName,
} from '@credit-scoring/data';
import type { TrainConfig } from '../config';
import { outputError } from '../path-flags';

export interface LoadedData {
  tables: HomeCreditTables;
  /** Where the CSVs came from, and whether the generator made them. */
  source: { dir: string; generated: boolean };
  /** TARGET per application row (0 = repaid, 1 = default). */
  target: Float64Array;
  /**
   * Reads one side table of the source (undefined when its file is absent or side tables are off): with
   * `sideTables: 'later'` the tables hold the application alone and the features stage reads the others one by one.
   */
  readSideTable: (table: SideTableName) => Promise<HomeCreditTables['application'] | undefined>;
}

/**
 * The real Kaggle folder when --data-dir is given, else the generated default: written once per (rows, seed) under
 * data/generated and reused, since the generator is deterministic.
 */
export async function loadTrainingData(
  config: TrainConfig,
  opts: { sideTables: 'now' | 'later' } = { sideTables: 'now' },
): Promise<LoadedData> {
  let dir = config.dataDir;
  let generated = false;
  if (!dir) {
    dir = resolve(workspaceRoot(), config.generatedDir, `${config.rows}-seed${config.seed}`);
    generated = true;
    if (!existsSync(join(dir, 'application_train.csv'))) {
      process.stderr.write(`  generating ${config.rows.toLocaleString('en')} synthetic applicants into ${dir}\n`);
      const out = dir;
      await generateSynthetic({ rows: config.rows, seed: config.seed, out }).catch((error: unknown) => {
        throw outputError('the generated data folder', out, error); // a full disk in words, not Node's text
      });
    }
  }
  const tables = await loadTables(dir, {
    application: 'train',
    sideTables: opts.sideTables === 'now' && config.sideTables,
  });
  const target = checkedTarget(tablePath(dir, 'application_train'), tables.application);
  const from = dir;
  const readSideTable = async (table: SideTableName) => {
    const file = tablePath(from, table);
    // A missing side-table file is a normal case (as in loadTables): nobody has history of that kind.
    return config.sideTables && existsSync(file) ? readTable(file, table) : undefined;
  };
  return { tables, source: { dir, generated }, target, readSideTable };
}

/** Applicants below which a study cannot hold out a test part and still cross-validate (as --rows' minimum). */
export const MIN_APPLICANTS = 200;

/**
 * TARGET as labels, checked before any run starts: every row 0 or 1 (an empty or other value failed deep in the
 * cross-validation, after the runs had begun), both classes present, enough applicants to split.
 */
function checkedTarget(file: string, application: HomeCreditTables['application']): Float64Array {
  if (!application.columns.includes('TARGET')) throw new DataError(`${file} has no TARGET column`, { file });
  if (application.height < MIN_APPLICANTS) {
    const rows = application.height === 0 ? 'no rows' : `${application.height} rows`;
    throw new DataError(`${file} has ${rows}; a study needs at least ${MIN_APPLICANTS} applicants`, { file });
  }
  const target = Float64Array.from(application.getColumn('TARGET').toArray() as Array<number | null>, (v) =>
    v === null ? NaN : v,
  );
  const bad = target.findIndex((v) => v !== 0 && v !== 1);
  if (bad >= 0) {
    const value = Number.isNaN(target[bad]) ? 'empty' : String(target[bad]);
    throw new DataError(`${file} row ${bad + 1}: TARGET must be 0 or 1, got ${value}`, {
      file,
      column: 'TARGET',
      row: bad + 1,
    });
  }
  const positives = target.reduce((s, v) => s + v, 0);
  if (positives === 0 || positives === target.length)
    throw new DataError(`${file}: TARGET has a single class (${positives === 0 ? 0 : 1}); nothing to learn`, { file });
  return target;
}

/** A short description of the data for MLflow (data_summary.json) and the console. */
export function summarizeData(data: LoadedData): Record<string, unknown> & { rows: Record<string, number> } {
  const { tables, target } = data;
  const rows: Record<string, number> = { application_train: tables.application.height };
  for (const name of SIDE_TABLE_NAMES) rows[name] = tables[name]?.height ?? 0;
  const defaults = target.reduce((s, v) => s + v, 0);
  const app = tables.application;
  const missing = app.columns
    .map((c) => ({ column: c, share: app.getColumn(c).nullCount() / app.height }))
    .filter((m) => m.share > 0)
    .sort((a, b) => b.share - a.share)
    .slice(0, 15);
  return {
    source: data.source,
    rows,
    applicants: app.height,
    defaultRate: defaults / target.length,
    columns: app.width,
    mostMissing: missing.map((m) => ({ column: m.column, share: Number(m.share.toFixed(4)) })),
  };
}

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  generateSynthetic,
  loadTables,
  readTable,
  ScanThreads,
  SIDE_TABLE_NAMES,
  tablePath,
  workspaceRoot,
  type HomeCreditTables,
  type SideTableName,
} from '@credit-scoring/data';
import type { TrainConfig } from '../config';

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
  /** Ends the thread that checks the side-table files (see sideTableReader); reads not yet asked for are dropped. */
  close: () => Promise<void>;
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
      await generateSynthetic({ rows: config.rows, seed: config.seed, out: dir });
    }
  }
  const tables = await loadTables(dir, {
    application: 'train',
    sideTables: opts.sideTables === 'now' && config.sideTables,
  });
  if (!tables.application.columns.includes('TARGET'))
    throw new Error(`${dir}/application_train.csv has no TARGET column`);
  const target = Float64Array.from(tables.application.getColumn('TARGET').toArray() as number[]);
  const positives = target.reduce((s, v) => s + v, 0);
  if (positives === 0 || positives === target.length)
    throw new Error(`${dir}: TARGET has a single class; nothing to learn`);
  return { tables, source: { dir, generated }, target, ...sideTableReader(dir, config.sideTables) };
}

type Frame = HomeCreditTables['application'];

/**
 * Reads the side tables one ahead: asked for a table, it starts reading the next one in SIDE_TABLE_NAMES order (the
 * order the features stage asks for them), so that polars parses it and a worker thread checks its lines while the
 * caller's thread aggregates the table it has (at Kaggle scale the 2.6 GB of side tables took ~20 s of that thread
 * to check and parse, with one core idle). At most two tables are in memory beside the application: the one being
 * aggregated and the next. A read's failure is the error of its table, raised when that table is asked for.
 */
function sideTableReader(dir: string, enabled: boolean): Pick<LoadedData, 'readSideTable' | 'close'> {
  // A missing side-table file is a normal case (as in loadTables): nobody has history of that kind.
  const present = SIDE_TABLE_NAMES.filter((table) => enabled && existsSync(tablePath(dir, table)));
  const reads = new Map<SideTableName, Promise<Frame>>();
  let threads: ScanThreads | undefined;
  const start = (table: SideTableName) => {
    let read = reads.get(table);
    if (!read) {
      threads ??= new ScanThreads(1);
      read = readTable(tablePath(dir, table), table, { threads });
      read.catch(() => undefined); // a read ahead that nobody asks for (an earlier table failed): not unhandled
      reads.set(table, read);
    }
    return read;
  };
  return {
    readSideTable: async (table) => {
      if (!present.includes(table)) return undefined;
      const read = start(table);
      const next = present[present.indexOf(table) + 1];
      if (next) start(next);
      reads.delete(table); // its frame is the caller's now: nothing here keeps it alive
      return read;
    },
    close: async () => {
      reads.clear();
      await threads?.close();
      threads = undefined;
    },
  };
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

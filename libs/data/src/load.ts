import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pl from 'nodejs-polars';
import { checkApplicantIds } from './applicant-ids';
import { checkNotTruncated, checkFieldCounts, findBadValueIn, findFirstBadRow, readHeader } from './csv-checks';
import { CsvScanner, keySet, type ScannedRows } from './csv-scan';
import { DataError } from './errors';
import type { ScanThreads } from './scan-threads';
import { POLARS_DTYPES, SCHEMAS, SIDE_TABLE_NAMES, type SideTableName, type TableName } from './schemas';

/** The application rows (train: with TARGET; test: without) plus whichever side tables exist. Absent = no history. */
export interface HomeCreditTables {
  application: pl.DataFrame;
  bureau?: pl.DataFrame;
  bureau_balance?: pl.DataFrame;
  previous_application?: pl.DataFrame;
  POS_CASH_balance?: pl.DataFrame;
  installments_payments?: pl.DataFrame;
  credit_card_balance?: pl.DataFrame;
}

export interface LoadOptions {
  /** Which application file is required: application_train.csv (default) or application_test.csv. */
  application?: 'train' | 'test';
  /** true (default): every side table whose file exists; false: none; a list: only those (when present). */
  sideTables?: boolean | SideTableName[];
}

/** The repository root: the nearest folder above this file holding nx.json. */
export function workspaceRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'nx.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no nx.json above ${__dirname}: cannot locate the workspace root`);
  }
}

/**
 * The real Home Credit samples (read-only; never copied into the project): `HOME_CREDIT_DIR` when set, else
 * ../shared/data/home-credit beside the workspace, where the developers' machines keep them.
 */
export function realDataDir(): string {
  const fromEnv = process.env['HOME_CREDIT_DIR'];
  if (fromEnv) return path.resolve(fromEnv);
  return path.resolve(workspaceRoot(), '..', 'shared', 'data', 'home-credit');
}

/** Whether the real-data tests can run: the one rule every suite uses, with the reason when they cannot. */
export function realDataStatus(): { available: true; dir: string } | { available: false; dir: string; reason: string } {
  const dir = realDataDir();
  const missing = (['application_train', 'application_test'] as const).filter((t) => !fs.existsSync(tablePath(dir, t)));
  if (missing.length === 0) return { available: true, dir };
  const source = process.env['HOME_CREDIT_DIR'] ? 'HOME_CREDIT_DIR' : 'the default ../shared/data/home-credit';
  return { available: false, dir, reason: `no ${missing.map((t) => `${t}.csv`).join(' or ')} in ${dir} (${source})` };
}

/** Where `table` lives inside a data folder: Kaggle's own file name. */
export function tablePath(dir: string, table: TableName): string {
  return path.resolve(dir, `${table}.csv`);
}

/** pandas `to_csv` without index=False leaves an unnamed index column; it carries no data, so it is dropped. */
const isPandasIndexColumn = (name: string) => name === '' || /^Unnamed: \d+$/.test(name);

function checkColumns(file: string, table: TableName, header: string[]): void {
  const expected = SCHEMAS[table];
  const present = new Set(header);
  const duplicated = header.filter((name, i) => header.indexOf(name) !== i);
  const missing = Object.keys(expected).filter((name) => !present.has(name));
  const unexpected = header.filter((name) => !(name in expected) && !isPandasIndexColumn(name));
  const problems = [
    missing.length ? `missing column(s): ${missing.join(', ')}` : '',
    unexpected.length ? `unexpected column(s): ${unexpected.join(', ')}` : '',
    duplicated.length ? `duplicated column(s): ${duplicated.join(', ')}` : '',
  ].filter(Boolean);
  if (problems.length) {
    throw new DataError(`${file} does not have the Kaggle ${table} columns: ${problems.join('; ')}`, {
      file,
      column: missing[0] ?? unexpected[0] ?? duplicated[0],
    });
  }
}

/** Only the rows whose integer `column` (SK_ID_CURR, SK_ID_BUREAU...) is one of `keys`. */
export interface RowFilter {
  column: string;
  keys: ArrayLike<number>;
}

/**
 * Reads one Kaggle file with the table's explicit schema and returns its columns in Kaggle order (the header may list
 * them in any order). Throws DataError for a missing file, wrong columns, a truncated file or a value of the wrong type.
 * With `only`, every line is still checked for its structure (field count, blank, truncation), but only the rows of
 * those keys are parsed (in file order): the side-table rows of the applicants being scored are a small share of a
 * Kaggle file, and parsing is most of the cost. Values in the other rows are not parsed, so not type-checked.
 * With `threads` (and `only`), the scan runs on one of those worker threads and polars parses the kept rows on its
 * own threads: the caller's thread is free meanwhile.
 */
export async function readTable(
  file: string,
  table: TableName,
  opts: { only?: RowFilter; threads?: ScanThreads } = {},
): Promise<pl.DataFrame> {
  if (!fs.existsSync(file)) throw new DataError(`${table}.csv not found: looked for ${file}`, { file });
  const header = readHeader(file);
  checkColumns(file, table, header);
  checkNotTruncated(file, header.length);

  const expected = SCHEMAS[table];
  // polars applies a schema by position, so it is built in the file's own column order.
  const types = header.map((name) => expected[name] ?? 'str');
  const schema = Object.fromEntries(header.map((name, i) => [name, POLARS_DTYPES[types[i]]]));
  const options = { schema, hasHeader: true, truncateRaggedLines: false, quoteChar: '"' };
  let frame: pl.DataFrame;
  if (opts.only) {
    const { column, keys } = opts.only;
    const position = header.indexOf(column);
    if (position < 0 || types[position] !== 'int') throw new DataError(`${file}: no integer column ${column} to filter on`);
    const kept = opts.threads
      ? await opts.threads.scan(file, header.length, { column: position, keys })
      : scanHere(file, header.length, position, keys);
    try {
      frame = opts.threads ? await parseAside(kept.bytes, options) : pl.readCSV(kept.bytes, options);
    } catch (error) {
      const body = kept.bytes.subarray(kept.bytes.indexOf(10) + 1).toString('utf8');
      const located = findBadValueIn(file, body, (k) => kept.rows[k], types, header);
      if (located) throw located;
      throw new DataError(`${file} could not be read: ${(error as Error).message.split('\n')[0]}`, { file });
    }
  } else {
    checkFieldCounts(file, header.length);
    try {
      frame = pl.readCSV(file, options);
    } catch (error) {
      const located = await findFirstBadRow(file, types, header);
      if (located) throw located;
      throw new DataError(`${file} could not be read: ${(error as Error).message.split('\n')[0]}`, { file });
    }
  }
  return frame.select(...Object.keys(expected));
}

/**
 * The kept rows parsed by polars without blocking this thread: pl.readCSV of bytes is a synchronous call, an async
 * collect of a file scan is not (same parser, same options; hence the temporary file).
 */
async function parseAside(csv: Buffer, options: Parameters<typeof pl.scanCSV>[1]): Promise<pl.DataFrame> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credit-scoring-rows-'));
  try {
    const file = path.join(dir, 'rows.csv');
    fs.writeFileSync(file, csv);
    return await pl.scanCSV(file, options).collect();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The checked scan keeping the rows of `keys`, on this thread. */
function scanHere(file: string, nColumns: number, column: number, keys: ArrayLike<number>): ScannedRows {
  const scanner = new CsvScanner(file, nColumns, { collect: true, keep: { column, wanted: keySet(keys) } });
  try {
    return scanner.next();
  } finally {
    scanner.close();
  }
}

/** Loads the application file (required) and the side tables found in `dir`. */
export async function loadTables(dir: string, opts: LoadOptions = {}): Promise<HomeCreditTables> {
  const applicationTable: TableName = opts.application === 'test' ? 'application_test' : 'application_train';
  const applicationFile = tablePath(dir, applicationTable);
  const tables: HomeCreditTables = { application: await readTable(applicationFile, applicationTable) };
  checkApplicantIds(applicationFile, tables.application);
  const wanted =
    opts.sideTables === false ? [] : opts.sideTables === true || opts.sideTables === undefined ? SIDE_TABLE_NAMES : opts.sideTables;
  for (const side of wanted) {
    if (!SIDE_TABLE_NAMES.includes(side)) throw new DataError(`unknown side table '${side}'`);
    const file = tablePath(dir, side);
    // A missing side-table file is a normal case: those applicants simply have no history of that kind.
    if (fs.existsSync(file)) tables[side] = await readTable(file, side);
  }
  return tables;
}

/**
 * The integer keys of one column of a CSV file (SK_ID_CURR of an application file, say), in file order: one
 * structural pass over its bytes (the checks of every scan), nothing parsed. A key that is not a plain integer is
 * left out: the file's reader reports it.
 */
export function readKeys(file: string, column: string): Int32Array {
  const header = readHeader(file);
  const position = header.indexOf(column);
  if (position < 0) throw new DataError(`${file} has no ${column} column`, { file, column });
  let keys = new Int32Array(1 << 16);
  let n = 0;
  const wanted = (key: number) => {
    if (n === keys.length) {
      const grown = new Int32Array(2 * n);
      grown.set(keys);
      keys = grown;
    }
    keys[n++] = key;
    return false;
  };
  const scanner = new CsvScanner(file, header.length, { collect: true, keep: { column: position, wanted } });
  try {
    scanner.next();
  } finally {
    scanner.close();
  }
  return keys.slice(0, n);
}

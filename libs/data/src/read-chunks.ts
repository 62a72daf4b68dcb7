/**
 * Reads a Kaggle application file (train or test layout) a chunk of rows at a time, so files larger than memory can
 * be scored. Every chunk gets the checks readTable makes for a whole file: the Kaggle columns, one field per column on
 * every row, no blank line, no truncated last line, and values of the column's type; an error names the 1-based row.
 */
import fs from 'node:fs';
import pl from 'nodejs-polars';
import { checkApplicantIds } from './applicant-ids';
import { findBadValueIn, readHeader } from './csv-checks';
import { CsvScanner, type ScannedRows } from './csv-scan';
import { DataError } from './errors';
import { POLARS_DTYPES, SCHEMAS } from './schemas';

export interface ApplicationChunk {
  /** The chunk's rows with the application_test columns in Kaggle order (a TARGET column is dropped). */
  frame: pl.DataFrame;
  /** 1-based data row of the chunk's first row. */
  firstRow: number;
  /** Bytes of the file read so far (for progress). */
  bytesRead: number;
  /** Size of the file in bytes. */
  fileBytes: number;
}

const DEFAULT_CHUNK_ROWS = 50_000;
const isPandasIndexColumn = (name: string) => name === '' || /^Unnamed: \d+$/.test(name);

function checkApplicationHeader(file: string, header: string[]): void {
  const kaggle = SCHEMAS.application_train;
  const required = Object.keys(SCHEMAS.application_test);
  const present = new Set(header);
  const missing = required.filter((name) => !present.has(name));
  const unexpected = header.filter((name) => !(name in kaggle) && !isPandasIndexColumn(name));
  const duplicated = header.filter((name, i) => header.indexOf(name) !== i);
  const column = missing[0] ?? unexpected[0] ?? duplicated[0];
  if (column === undefined) return;
  const problems = [
    missing.length ? `missing column(s): ${missing.join(', ')}` : '',
    unexpected.length ? `unexpected column(s): ${unexpected.join(', ')}` : '',
    duplicated.length ? `duplicated column(s): ${duplicated.join(', ')}` : '',
  ].filter(Boolean);
  throw new DataError(`${file} does not have the Kaggle application columns: ${problems.join('; ')}`, { file, column });
}

function parseChunk(
  file: string,
  header: string[],
  rows: ScannedRows,
  firstRow: number,
  seen: Map<number, number>,
): pl.DataFrame {
  const types = header.map((name) => SCHEMAS.application_train[name] ?? 'str');
  const schema = Object.fromEntries(header.map((name, i) => [name, POLARS_DTYPES[types[i]]]));
  let frame: pl.DataFrame;
  try {
    frame = pl.readCSV(rows.bytes, { schema, hasHeader: true, truncateRaggedLines: false, quoteChar: '"' });
  } catch (error) {
    const body = rows.bytes.subarray(rows.bytes.indexOf(10) + 1).toString('utf8');
    const located = findBadValueIn(file, body, (k) => firstRow + k, types, header);
    if (located) throw located;
    throw new DataError(`${file} rows ${firstRow}+ could not be read: ${(error as Error).message.split('\n')[0]}`, {
      file,
    });
  }
  checkApplicantIds(file, frame, { firstRow, seen });
  return frame.select(...Object.keys(SCHEMAS.application_test));
}

/**
 * Yields the application rows of `file` in chunks of `chunkRows`. Memory holds one chunk (and the read buffer), never
 * the file. Throws DataError (file, row, column) at the first problem; rows before it have been yielded already.
 */
export async function* readApplicationChunks(
  file: string,
  opts: { chunkRows?: number } = {},
): AsyncGenerator<ApplicationChunk> {
  const chunkRows = opts.chunkRows ?? DEFAULT_CHUNK_ROWS;
  if (!Number.isInteger(chunkRows) || chunkRows < 1)
    throw new DataError(`chunkRows must be a positive integer, got ${chunkRows}`);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new DataError(`${file} not found`, { file });
  const header = readHeader(file);
  checkApplicationHeader(file, header);
  const scanner = new CsvScanner(file, header.length, { collect: true });
  // Every id of the file so far (a repeat is refused across chunks too): ~50 bytes per applicant.
  const seen = new Map<number, number>();
  try {
    for (let firstRow = 1; ; firstRow += chunkRows) {
      const rows = scanner.next(chunkRows);
      if (rows.nRows === 0) {
        if (firstRow === 1) throw new DataError(`${file} has a header but no applicant rows`, { file });
        return;
      }
      const frame = parseChunk(file, header, rows, firstRow, seen);
      yield { frame, firstRow, bytesRead: scanner.consumed, fileBytes: scanner.fileBytes };
      if (rows.nRows < chunkRows) return;
    }
  } finally {
    scanner.close();
  }
}

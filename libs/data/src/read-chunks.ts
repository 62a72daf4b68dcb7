/**
 * Reads a Kaggle application file (train or test layout) a chunk of rows at a time, so files larger than memory can
 * be scored. Every chunk gets the checks readTable makes for a whole file: the Kaggle columns, one field per column on
 * every row, no blank line, no truncated last line, and values of the column's type; an error names the 1-based row.
 */
import fs from 'node:fs';
import pl from 'nodejs-polars';
import { readHeader, splitCsvLine, valueProblem } from './csv-checks';
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

/** The first value of the chunk that does not fit its column's type (polars names the column, not the row). */
function locateBadValue(file: string, text: string, header: string[], firstRow: number): DataError | undefined {
  const types = header.map((name) => SCHEMAS.application_train[name] ?? 'str');
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) {
    const fields = splitCsvLine(lines[k].endsWith('\r') ? lines[k].slice(0, -1) : lines[k]);
    for (let c = 0; c < fields.length; c++) {
      const problem = valueProblem(fields[c], types[c]);
      if (problem) {
        const row = firstRow + k;
        return new DataError(`${file} row ${row}, column ${header[c]} (${types[c]}): value '${fields[c]}' ${problem}`, {
          file,
          column: header[c],
          row,
        });
      }
    }
  }
  return undefined;
}

function parseChunk(file: string, header: string[], headerLine: Buffer, body: Buffer, firstRow: number): pl.DataFrame {
  const schema = Object.fromEntries(
    header.map((name) => [name, POLARS_DTYPES[SCHEMAS.application_train[name] ?? 'str']]),
  );
  let frame: pl.DataFrame;
  try {
    frame = pl.readCSV(Buffer.concat([headerLine, body]), {
      schema,
      hasHeader: true,
      truncateRaggedLines: false,
      quoteChar: '"',
    });
  } catch (error) {
    const located = locateBadValue(file, body.toString('utf8').replace(/\n$/, ''), header, firstRow);
    if (located) throw located;
    throw new DataError(`${file} rows ${firstRow}+ could not be read: ${(error as Error).message.split('\n')[0]}`, {
      file,
    });
  }
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
  const fileBytes = fs.statSync(file).size;

  let line = 0; // header is line 0; data row n is line n
  let commas = 0;
  let lineBytes = 0;
  let quoted = false;
  let headerLine: Buffer | undefined;
  let pieces: Buffer[] = [];
  let chunkFirstRow = 1;
  let bytesRead = 0;
  let lastByte = -1;
  const stream = fs.createReadStream(file, { highWaterMark: 1 << 22 });
  for await (const data of stream as AsyncIterable<Buffer>) {
    let start = 0;
    for (let i = 0; i < data.length; i++) {
      const byte = data[i];
      if (byte === 34)
        quoted = !quoted; // '"' (a "" escape toggles twice)
      else if (quoted) continue;
      else if (byte === 44) commas++;
      else if (byte === 13) continue;
      else if (byte === 10) {
        if (line === 0) {
          pieces.push(data.subarray(start, i + 1));
          headerLine = Buffer.concat(pieces);
          pieces = [];
          start = i + 1;
        } else {
          if (lineBytes === 0) throw new DataError(`${file} row ${line} is blank`, { file, row: line });
          if (commas + 1 !== header.length) {
            throw new DataError(`${file} row ${line}: ${commas + 1} fields where the header has ${header.length}`, {
              file,
              row: line,
            });
          }
          if (line - chunkFirstRow + 1 === chunkRows) {
            pieces.push(data.subarray(start, i + 1));
            start = i + 1;
            const frame = parseChunk(file, header, headerLine as Buffer, Buffer.concat(pieces), chunkFirstRow);
            pieces = [];
            yield { frame, firstRow: chunkFirstRow, bytesRead: bytesRead + i + 1, fileBytes };
            chunkFirstRow = line + 1;
          }
        }
        line++;
        commas = 0;
        lineBytes = 0;
        continue;
      }
      lineBytes++;
    }
    if (start < data.length) pieces.push(data.subarray(start));
    bytesRead += data.length;
    if (data.length) lastByte = data[data.length - 1];
  }
  if (line === 0) throw new DataError(`${file} has a header but no applicant rows`, { file });
  if (lastByte !== 10) {
    throw new DataError(`${file} looks truncated: it does not end with a line break (data row ${line} is cut short)`, {
      file,
      row: line,
    });
  }
  if (line <= 1) throw new DataError(`${file} has a header but no applicant rows`, { file });
  if (pieces.length) {
    const frame = parseChunk(file, header, headerLine as Buffer, Buffer.concat(pieces), chunkFirstRow);
    yield { frame, firstRow: chunkFirstRow, bytesRead, fileBytes };
  }
}

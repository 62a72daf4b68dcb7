/**
 * Checks polars does not make for us. polars maps an explicit schema onto columns by position and silently fills a
 * short last line with nulls, so the header and the end of the file are checked here before reading; and its parse
 * errors name the column but not the row, so on failure the file is scanned once to find the first bad row.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { CsvScanner } from './csv-scan';
import { DataError } from './errors';
import type { ColumnType } from './schemas';

/** Splits one CSV line into fields; double-quoted fields may contain commas and "" escapes (as pandas writes). */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted && ch === '"' && line[i + 1] === '"') {
      field += '"';
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (ch === ',' && !quoted) {
      fields.push(field);
      field = '';
    } else {
      field += ch;
    }
  }
  fields.push(field);
  return fields;
}

function readBytes(file: string, position: number, length: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    const n = fs.readSync(fd, buf, 0, length, position);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

const stripCr = (line: string) => (line.endsWith('\r') ? line.slice(0, -1) : line);

/** The header's column names. Kaggle headers are ~4 KB; 1 MB without a line break is not a CSV header. */
export function readHeader(file: string): string[] {
  const head = readBytes(file, 0, 1 << 20).toString('utf8');
  if (head.length === 0) throw new DataError(`${file} is empty (no header line)`, { file });
  const end = head.indexOf('\n');
  if (end < 0 && head.length >= 1 << 20) throw new DataError(`${file} has no line break in its first 1 MB: not a CSV file`, { file });
  return splitCsvLine(stripCr(end < 0 ? head : head.slice(0, end)).replace(/^\uFEFF/, ''));
}

/**
 * A file cut short (interrupted download or copy) ends without a line break, usually mid-row. pandas and Kaggle files
 * always end with '\n', so a missing final line break is reported as truncation, with the field count as evidence.
 */
export function checkNotTruncated(file: string, nColumns: number): void {
  const size = fs.statSync(file).size;
  const tailLength = Math.min(size, 1 << 16);
  const tail = readBytes(file, size - tailLength, tailLength).toString('utf8');
  if (tail.endsWith('\n')) return;
  const lastLine = stripCr(tail.slice(tail.lastIndexOf('\n') + 1));
  const fields = splitCsvLine(lastLine).length;
  const row = countLines(file); // the unterminated last line is data row `row` (header is line 0)
  throw new DataError(
    `${file} looks truncated: it does not end with a line break and its last line (data row ${row}) ` +
      `has ${fields} of ${nColumns} fields. Re-download or re-copy the file.`,
    { file, row },
  );
}

/**
 * Every data line must have the header's number of fields: polars fills a short line with nulls without a word, which
 * would turn a damaged row into an applicant with missing values. One pass over the bytes (csv-scan.ts; commas and
 * line breaks outside double quotes; a blank line is an error too, as polars reads it as a row of nulls).
 */
export function checkFieldCounts(file: string, nColumns: number): void {
  const scanner = new CsvScanner(file, nColumns);
  try {
    scanner.next();
  } finally {
    scanner.close();
  }
}

function countLines(file: string): number {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(1 << 20);
  let lines = 0;
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) {
      for (let i = buf.indexOf(10, 0); i >= 0 && i < n; i = buf.indexOf(10, i + 1)) lines++;
    }
  } finally {
    fs.closeSync(fd);
  }
  return lines;
}

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity|nan)$/i;
const INT32_MAX = 2 ** 31 - 1;

/** Why `value` cannot be read as `type` ('' is a missing value, always allowed), or undefined if it can. */
export function valueProblem(value: string, type: ColumnType): string | undefined {
  if (value === '' || type === 'str') return undefined;
  if (type === 'float') return FLOAT.test(value) ? undefined : 'is not a number';
  if (!INT.test(value)) return FLOAT.test(value) ? 'is not an integer' : 'is not a number';
  return Math.abs(Number(value)) > INT32_MAX ? 'is outside the 32-bit integer range' : undefined;
}

/**
 * Finds the first value that does not fit its column's type. Only used after polars has rejected the file, so a
 * full scan costs nothing on the normal path; field counts were already checked by checkFieldCounts.
 */
export async function findFirstBadRow(
  file: string,
  types: ColumnType[],
  header: string[],
): Promise<DataError | undefined> {
  const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let row = -1;
  try {
    for await (const line of lines) {
      if (++row === 0) continue;
      const problem = badValue(file, line, row, types, header);
      if (problem) return problem;
    }
  } finally {
    lines.close();
  }
  return undefined;
}

/**
 * The first bad value of CSV rows held in memory (after polars rejected them): `text` is their lines without the
 * header, `rowOf(k)` the 1-based file row of line k.
 */
export function findBadValueIn(
  file: string,
  text: string,
  rowOf: (k: number) => number,
  types: ColumnType[],
  header: string[],
): DataError | undefined {
  const lines = text.replace(/\n$/, '').split('\n');
  for (let k = 0; k < lines.length; k++) {
    const problem = badValue(file, stripCr(lines[k]), rowOf(k), types, header);
    if (problem) return problem;
  }
  return undefined;
}

function badValue(file: string, line: string, row: number, types: ColumnType[], header: string[]) {
  const fields = splitCsvLine(line);
  for (let c = 0; c < fields.length; c++) {
    const problem = valueProblem(fields[c], types[c]);
    if (problem) {
      const column = header[c];
      return new DataError(`${file} row ${row}, column ${column} (${types[c]}): value '${fields[c]}' ${problem}`, {
        file,
        column,
        row,
      });
    }
  }
  return undefined;
}

/**
 * The structural checks every CSV reader of the project applies before parsing (readTable here, drift's loader): a
 * header, no truncated last line, every row with the header's field count and no blank line. Returns the header.
 */
export function checkCsvStructure(file: string): string[] {
  const header = readHeader(file);
  checkNotTruncated(file, header.length);
  checkFieldCounts(file, header.length);
  return header;
}

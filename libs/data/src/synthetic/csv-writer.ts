import fs from 'node:fs';
import type { ColumnType } from '../schemas';
import { isInteger, isNotANumber } from './builtins';

/** A cell: number (NaN or null = missing), text, or missing. */
export type Cell = number | string | null;

const CHUNK = 1 << 22; // 4 MB: large enough for few syscalls, small enough to never matter for memory
const MAX_ROW = 1 << 16; // Kaggle rows are < 2 KB

/**
 * Writes one CSV file row by row through a fixed Buffer, flushed synchronously when nearly full, so memory stays flat
 * however many rows are written. Numbers are written the way pandas wrote the Kaggle files: a 'float' column's
 * integral value as "135000.0", missing values as empty fields, text quoted only when it holds a comma.
 */
export class CsvWriter {
  private readonly fd: number;
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private readonly columns: string[];
  private readonly types: ColumnType[];
  private pos = 0;
  rows = 0;

  constructor(
    readonly file: string,
    schema: Record<string, ColumnType>,
  ) {
    this.columns = Object.keys(schema);
    this.types = Object.values(schema);
    this.fd = fs.openSync(file, 'w');
    this.writeText(this.columns.join(',') + '\n');
  }

  /** Appends one row given by column name (absent names are missing values). */
  rowFrom(record: Record<string, Cell>): void {
    this.row(this.columns.map((name) => record[name] ?? null));
  }

  /** Appends one row; `cells` are in the table's column order. */
  row(cells: readonly Cell[]): void {
    const types = this.types;
    if (cells.length !== types.length) {
      throw new Error(`${this.file}: row has ${cells.length} cells, the table has ${types.length} columns`);
    }
    // The row is built as one JS string and copied into the buffer with a single native call: per-cell Buffer
    // writes cost more in call overhead than the formatting itself.
    let line = '';
    for (let i = 0; i < cells.length; i++) {
      if (i > 0) line += ',';
      const cell = cells[i];
      if (cell === null || cell === '') continue;
      if (typeof cell === 'number') {
        if (isNotANumber(cell)) continue;
        // A generator bug must not produce a file the loader rejects (or, worse, a silently different type).
        if (types[i] === 'str' || (types[i] === 'int' && !isInteger(cell))) {
          throw new Error(`${this.file} column ${this.columns[i]} (${types[i]}): cannot write ${cell}`);
        }
        line += types[i] === 'float' && isInteger(cell) ? `${cell}.0` : String(cell);
      } else {
        line += cell.includes(',') ? `"${cell}"` : cell;
      }
    }
    line += '\n';
    if (line.length > MAX_ROW) throw new Error(`${this.file}: row of ${line.length} characters`);
    if (this.pos + line.length > CHUNK) this.flush();
    this.pos += this.buf.write(line, this.pos, 'latin1');
    this.rows++;
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }

  private writeText(text: string): void {
    this.pos += this.buf.write(text, this.pos, 'latin1');
  }

  private flush(): void {
    let offset = 0;
    while (offset < this.pos) offset += fs.writeSync(this.fd, this.buf, offset, this.pos - offset);
    this.pos = 0;
  }
}

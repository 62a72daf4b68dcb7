import fs from 'node:fs';
import path from 'node:path';
import type { ColumnType } from '../schemas';
import { isInteger, isNotANumber } from './builtins';

/** A cell: number (NaN or null = missing), text, or missing. */
export type Cell = number | string | null;

const CHUNK = 1 << 22; // 4 MB: large enough for few syscalls, small enough to never matter for memory
const MAX_ROW = 1 << 16; // Kaggle rows are < 2 KB

/** The temporary sibling a table is written to before it is renamed into place (hidden, so `*.csv` skips it). */
export function partialPath(file: string, pid = process.pid): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${pid}.partial`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Leftovers of writers whose process is gone (an interrupted run): `.<name>.<pid>.partial` in `dir`. */
export function removeStalePartials(dir: string): void {
  for (const name of fs.readdirSync(dir)) {
    const match = /^\..+\.(\d+)\.partial$/.exec(name);
    if (match && !isRunning(Number(match[1]))) fs.rmSync(path.join(dir, name), { force: true });
  }
}

/**
 * Writes one CSV file row by row through a fixed Buffer, flushed synchronously when nearly full, so memory stays flat
 * however many rows are written. Numbers are written the way pandas wrote the Kaggle files: a 'float' column's
 * integral value as "135000.0", missing values as empty fields, text quoted only when it holds a comma.
 * The rows go to a temporary sibling (partialPath) that close() renames onto `file`: an interrupted run never leaves
 * a partial table under the real name for the next run to read as if it were complete.
 */
export class CsvWriter {
  private readonly fd: number;
  private readonly partial: string;
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
    this.partial = partialPath(file);
    this.fd = fs.openSync(this.partial, 'w');
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

  /** Writes what is buffered and moves the complete table into place. */
  close(): void {
    try {
      this.flush();
      fs.fsyncSync(this.fd);
    } finally {
      fs.closeSync(this.fd);
    }
    fs.renameSync(this.partial, this.file);
  }

  /** Drops the unfinished table; a previous complete `file`, if any, stays as it was. */
  abort(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed by a failed close()
    }
    fs.rmSync(this.partial, { force: true });
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

/**
 * The one pass over a CSV file's bytes that every reader of the project makes before polars parses it: one field per
 * header column on every line (polars silently fills a short line with nulls), no blank line (polars reads it as a
 * row of nulls), no cut-short last line. Optionally it keeps only the rows whose integer key is wanted (the side-table
 * rows of the applicants being scored), so that polars parses those rows only.
 *
 * Why word at a time: a byte-at-a-time JavaScript loop ran at ~150-280 MB/s, slower than polars parsing the same
 * file; most 4-byte words hold neither a line break nor a double quote, so their commas are counted with bit tricks
 * (SWAR: a zero-byte mask and a multiply), and only words holding a line break or a quote go byte by byte.
 */
import fs from 'node:fs';
import { DataError } from './errors';

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;
const MINUS = 45;
const ZERO = 48;

/** Rows to keep: those whose `column` (0-based position in the file) holds an integer `wanted` accepts. */
export interface KeepRows {
  column: number;
  wanted: (key: number) => boolean;
}

/** The rows a scan collected: the header line first, then the kept data lines, as CSV bytes for polars. */
export interface ScannedRows {
  bytes: Buffer;
  /** 1-based file row of each kept data line (to name the row of a value polars rejects) */
  rows: Int32Array;
  /** data lines kept */
  nRows: number;
}

/** High bit of each byte of `x` that is zero, nothing else (exact: no false positives). */
const zeroBytes = (x: number) => ~((((x & 0x7f7f7f7f) + 0x7f7f7f7f) | 0) | x | 0x7f7f7f7f);
/** How many of the four high bits zeroBytes sets are set. */
const count = (mask: number) => Math.imul(mask >>> 7, 0x01010101) >>> 24;

/**
 * Scans a file line by line, a buffer at a time. `next(maxRows)` checks and (when collecting) returns the next
 * `maxRows` data rows; the header is line 0 and data row n is line n. Errors are DataErrors naming the 1-based row.
 */
export class CsvScanner {
  /** lines completed so far (the header is line 0) */
  line = 0;
  bytesRead = 0;
  readonly fileBytes: number;
  private fd: number;
  private buf: Buffer;
  private words: Int32Array;
  /** buf[pos, filled) is read but not scanned yet; it always starts at a line start */
  private pos = 0;
  private filled = 0;
  private eof = false;
  private headerBytes: Buffer | undefined;
  // the collected output of the current next() call
  private out: Buffer = Buffer.alloc(0);
  private outLength = 0;
  private keptRows = new Int32Array(1024);
  private nKept = 0;
  private pendingStart = -1;
  private pendingEnd = -1;

  constructor(
    readonly file: string,
    readonly nColumns: number,
    private readonly opts: { collect: boolean; keep?: KeepRows; bufferBytes?: number } = { collect: false },
  ) {
    this.fd = fs.openSync(file, 'r');
    this.fileBytes = fs.fstatSync(this.fd).size;
    this.buf = Buffer.allocUnsafeSlow(opts.bufferBytes ?? 1 << 24);
    this.words = new Int32Array(this.buf.buffer, 0, this.buf.length >> 2);
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  /** Whether every line of the file has been scanned. */
  get done(): boolean {
    return this.eof && this.pos === this.filled;
  }

  /** Bytes of the file scanned so far (for progress). */
  get consumed(): number {
    return this.bytesRead - (this.filled - this.pos);
  }

  /**
   * Checks the next `maxRows` data rows (all of them by default) and, when collecting, returns those kept (nRows 0
   * once the file is done). Throws a DataError at the first bad line.
   */
  next(maxRows = Infinity): ScannedRows {
    this.outLength = 0;
    this.nKept = 0;
    if (this.opts.collect && this.headerBytes) this.append(this.headerBytes, 0, this.headerBytes.length);
    let rows = 0;
    while (rows < maxRows) {
      rows += this.scan(maxRows - rows);
      if (rows < maxRows && !this.refill()) break;
    }
    return { bytes: this.out.subarray(0, this.outLength), rows: this.keptRows.subarray(0, this.nKept), nRows: this.nKept };
  }

  /** Scans the complete lines of buf[pos, filled), at most maxRows data rows; returns the data rows scanned. */
  private scan(maxRows: number): number {
    const { buf, words, nColumns } = this;
    // a data line with the header's field count is fine (a blank line has one field: caught when nColumns > 1)
    const fast = nColumns > 1;
    const collect = this.opts.collect;
    const end = this.filled;
    let i = this.pos;
    let lineStart = i;
    let commas = 0;
    let quoted = false;
    let rows = 0;
    while (i < end) {
      if ((i & 3) === 0 && !quoted && i + 4 <= end) {
        const v = words[i >> 2];
        if (zeroBytes(v ^ 0x22222222) === 0) {
          // no quote in the word: its commas by mask, and each line break ends a line at once
          let commasMask = zeroBytes(v ^ 0x2c2c2c2c);
          let breaks = zeroBytes(v ^ 0x0a0a0a0a);
          while (breaks !== 0) {
            const low = breaks & -breaks; // the first line break's high bit
            const before = (low - 1) | 0; // the bytes before it
            commas += count(commasMask & before);
            commasMask &= ~(before | low);
            breaks ^= low;
            const next = i + ((31 - Math.clz32(low)) >> 3) + 1;
            if (fast && commas + 1 === nColumns && this.line !== 0) {
              this.line++;
              if (collect) this.keepLine(lineStart, next);
            } else if (!this.endLine(lineStart, next, commas)) {
              lineStart = next;
              commas = 0;
              continue;
            }
            lineStart = next;
            commas = 0;
            if (++rows === maxRows) {
              this.flushPending();
              this.pos = lineStart;
              return rows;
            }
          }
          commas += count(commasMask);
          i += 4;
          continue;
        }
      }
      const b = buf[i++];
      if (b === QUOTE) quoted = !quoted;
      else if (!quoted) {
        if (b === COMMA) commas++;
        else if (b === LF) {
          if (this.endLine(lineStart, i, commas)) rows++;
          lineStart = i;
          commas = 0;
          if (rows === maxRows) break;
        }
      }
    }
    this.flushPending();
    this.pos = lineStart;
    return rows;
  }

  /** The line buf[start, end) (end just after its '\n'): checked, and kept or not. true: a data line. */
  private endLine(start: number, end: number, commas: number): boolean {
    const line = this.line;
    const text = end - 1 - (end - 2 >= start && this.buf[end - 2] === CR ? 1 : 0) - start;
    if (line > 0 && text === 0) {
      throw new DataError(`${this.file} row ${line} is blank (polars would read it as an applicant with no values)`, {
        file: this.file,
        row: line,
      });
    }
    if (commas + 1 !== this.nColumns) {
      throw new DataError(`${this.file} row ${line}: ${commas + 1} fields where the header has ${this.nColumns}`, {
        file: this.file,
        row: line,
      });
    }
    this.line = line + 1;
    if (!this.opts.collect) return line > 0;
    if (line === 0) {
      this.headerBytes = Buffer.from(this.buf.subarray(start, end));
      this.append(this.headerBytes, 0, this.headerBytes.length);
      return false;
    }
    this.keepLine(start, end);
    return true;
  }

  /** A good data line: kept (collected with its row number) when wanted. this.line is already past it. */
  private keepLine(start: number, end: number): void {
    if (this.opts.keep && !this.isWanted(start, end, this.opts.keep)) return;
    if (this.nKept === this.keptRows.length) {
      const grown = new Int32Array(this.keptRows.length * 2);
      grown.set(this.keptRows);
      this.keptRows = grown;
    }
    this.keptRows[this.nKept++] = this.line - 1;
    if (start === this.pendingEnd) this.pendingEnd = end;
    else {
      this.flushPending();
      this.pendingStart = start;
      this.pendingEnd = end;
    }
  }

  /**
   * Whether the line's key is wanted. A key that is not a plain integer (quoted, a decimal, text) is kept: polars
   * then checks it against the column type and the error names its row. An empty key is missing: no applicant's.
   */
  private isWanted(start: number, end: number, keep: KeepRows): boolean {
    const buf = this.buf;
    let p = start;
    let quoted = false;
    for (let c = 0; c < keep.column; p++) {
      const b = buf[p];
      if (b === QUOTE) quoted = !quoted; // a quoted field before the key may hold commas
      else if (b === COMMA && !quoted) c++;
    }
    const inQuotes = buf[p] === QUOTE; // pandas quotes no number, but a hand-edited file may: "100002"
    if (inQuotes) p++;
    const negative = buf[p] === MINUS;
    if (negative) p++;
    let value = 0;
    let digits = 0;
    for (; p < end; p++, digits++) {
      const d = buf[p] - ZERO;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
    }
    if (inQuotes && buf[p++] !== QUOTE) return true;
    const b = buf[p];
    if (b !== COMMA && b !== LF && b !== CR) return true;
    if (digits === 0) return negative || inQuotes;
    if (digits > 10) return true;
    return keep.wanted(negative ? -value : value);
  }

  private flushPending(): void {
    if (this.pendingStart < 0) return;
    this.append(this.buf, this.pendingStart, this.pendingEnd);
    this.pendingStart = this.pendingEnd = -1;
  }

  private append(from: Buffer, start: number, end: number): void {
    const length = end - start;
    if (this.outLength + length > this.out.length) {
      // first size: the file up to 64 MB (every doubling after it copies what was collected)
      const first = Math.min(this.fileBytes + 1, 1 << 26);
      const grown = Buffer.allocUnsafe(Math.max(2 * this.out.length, this.outLength + length, first));
      this.out.copy(grown, 0, 0, this.outLength);
      this.out = grown;
    }
    from.copy(this.out, this.outLength, start, end);
    this.outLength += length;
  }

  /** Moves the unscanned tail to the front and reads more; false at the end of the file (checked for truncation). */
  private refill(): boolean {
    if (this.eof) {
      if (this.pos < this.filled) {
        throw new DataError(
          `${this.file} looks truncated: it does not end with a line break (data row ${this.line} is cut short)`,
          { file: this.file, row: this.line },
        );
      }
      return false;
    }
    const tail = this.filled - this.pos;
    if (tail === this.buf.length) {
      // one line longer than the buffer: a bigger buffer (a line break must come eventually, or the end of the file)
      const grown = Buffer.allocUnsafeSlow(2 * this.buf.length);
      this.buf.copy(grown, 0, this.pos, this.filled);
      this.buf = grown;
      this.words = new Int32Array(grown.buffer, 0, grown.length >> 2);
    } else if (tail > 0) this.buf.copy(this.buf, 0, this.pos, this.filled);
    this.pos = 0;
    this.filled = tail;
    const n = fs.readSync(this.fd, this.buf, tail, this.buf.length - tail, null);
    this.bytesRead += n;
    this.filled += n;
    if (n === 0) {
      this.eof = true;
      return this.refill();
    }
    return true;
  }
}

/**
 * Rows whose key is one of `keys`: a bitmap over the key range when it is small (a Kaggle SK_ID_CURR runs to
 * ~460,000, SK_ID_BUREAU to ~6.9 million), else a Set.
 */
export function keySet(keys: ArrayLike<number>): (key: number) => boolean {
  let max = -1;
  let min = 0;
  for (let i = 0; i < keys.length; i++) {
    max = Math.max(max, keys[i]);
    min = Math.min(min, keys[i]);
  }
  if (min < 0 || max >= 1 << 27) {
    const set = new Set(Array.from(keys));
    return (key) => set.has(key);
  }
  const bits = new Uint8Array(max + 1);
  for (let i = 0; i < keys.length; i++) if (Number.isInteger(keys[i])) bits[keys[i]] = 1;
  return (key) => key <= max && key >= 0 && bits[key] === 1;
}

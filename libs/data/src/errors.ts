/** Bad or missing input data. The message names the file and, when known, the column and the 1-based data row. */
export class DataError extends Error {
  readonly file?: string;
  readonly column?: string;
  /** 1-based data row (the first line after the header is row 1). */
  readonly row?: number;

  constructor(message: string, where: { file?: string; column?: string; row?: number } = {}) {
    super(message);
    this.name = 'DataError';
    this.file = where.file;
    this.column = where.column;
    this.row = where.row;
  }
}

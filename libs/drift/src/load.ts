// CSV → columnar data via nodejs-polars, keeping the column types Evidently would infer from the dtypes.
import * as fs from 'node:fs';
import pl from 'nodejs-polars';
import { checkCsvStructure, DataError, readHeader } from '@credit-scoring/data';
import { ColumnarData, ColumnSchema, DriftInputError, INTEGER_CARDINALITY_LIMIT } from './columns';

export interface LoadedColumns {
  data: ColumnarData;
  /** Inferred like Evidently's infer_column_type: float → numeric; integer → categorical when ≤ 10 distinct
   *  values, else numeric; text and booleans → categorical. */
  types: ColumnSchema;
  rows: number;
}

export function loadCsvColumns(file: string, opts: { columns?: string[] } = {}): LoadedColumns {
  if (!fs.existsSync(file)) throw new DriftInputError(`CSV file not found: ${file}`);
  // The trainer's checks (libs/data): polars would read a short row or a blank line as values missing, silently.
  try {
    checkCsvStructure(file);
    // polars renames a repeated column (AMT_CREDIT_duplicated_0): the second one would be compared under a new name.
    const header = readHeader(file);
    const twice = header.find((name, i) => header.indexOf(name) !== i);
    if (twice !== undefined) throw new DriftInputError(`${file}: column '${twice}' appears twice in the header`);
  } catch (e) {
    if (e instanceof DataError) throw new DriftInputError(e.message);
    throw e;
  }
  let df: pl.DataFrame;
  try {
    df = pl.readCSV(file, { inferSchemaLength: 100000 });
  } catch (e) {
    throw new DriftInputError(`cannot read CSV ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  return fromDataFrame(df, opts.columns, file);
}

export function fromDataFrame(df: pl.DataFrame, columns?: string[], source = 'data frame'): LoadedColumns {
  const names = columns ?? df.columns;
  const data: ColumnarData = {};
  const types: ColumnSchema = {};
  for (const name of names) {
    if (!df.columns.includes(name)) throw new DriftInputError(`column '${name}' is not in ${source}`);
    const s = df.getColumn(name);
    const dtype = String(s.dtype);
    if (/Float|Int/.test(dtype)) {
      data[name] = Float64Array.from(s.cast(pl.Float64).toArray() as Array<number | null>, (v) =>
        v === null ? NaN : v,
      );
      types[name] =
        /Int/.test(dtype) && s.nUnique() - (s.nullCount() > 0 ? 1 : 0) <= INTEGER_CARDINALITY_LIMIT
          ? 'categorical'
          : 'numeric';
    } else if (/Bool/.test(dtype)) {
      data[name] = (s.toArray() as Array<boolean | null>).map((v) => (v === null ? null : String(v)));
      types[name] = 'categorical';
    } else {
      data[name] = (s.cast(pl.Utf8).toArray() as Array<string | null>).map((v) => (v === null ? null : v));
      types[name] = 'categorical';
    }
  }
  return { data, types, rows: df.height };
}

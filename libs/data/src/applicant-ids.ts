import type pl from 'nodejs-polars';
import { DataError } from './errors';

/**
 * The application rules for SK_ID_CURR, one place for every reader: each row has an id (polars reads an empty one as
 * null, which would become applicant 0) and, for a training file (`unique`), no applicant twice (a repeat would be
 * split between the training and the test part, his side-table history counted for each copy). `firstRow`: the
 * 1-based file row of the frame's first row (a chunk of a longer file).
 */
export function checkApplicantIds(
  file: string,
  application: pl.DataFrame,
  opts: { unique: boolean; firstRow?: number },
): void {
  const ids = application.getColumn('SK_ID_CURR');
  if (!opts.unique && ids.nullCount() === 0) return;
  const values = ids.toArray() as Array<number | null>;
  const seen = new Set<number>();
  for (let i = 0; i < values.length; i++) {
    const id = values[i];
    const row = (opts.firstRow ?? 1) + i;
    const where = { file, column: 'SK_ID_CURR', row };
    if (id === null) throw new DataError(`${file} row ${row}, column SK_ID_CURR: the applicant's id is empty`, where);
    if (!opts.unique) continue;
    if (seen.has(id))
      throw new DataError(`${file} row ${row}, column SK_ID_CURR: applicant ${id} appears a second time`, where);
    seen.add(id);
  }
}

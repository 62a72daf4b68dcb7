import type pl from 'nodejs-polars';
import { DataError } from './errors';

/**
 * The application rules for SK_ID_CURR, one place for every reader: each row has an id (polars reads an empty one as
 * null, which would become applicant 0), not negative (the API's rule: ids are 0..2^31-1), and no applicant twice (in
 * a training file a repeat would be split between the training and the test part, his history counted for each
 * copy; in a file to score, a submission with one applicant twice). `firstRow`: the 1-based file row of the frame's
 * first row; `seen`: the ids of the chunks before (id → row), for a file read in chunks.
 */
export function checkApplicantIds(
  file: string,
  application: pl.DataFrame,
  opts: { firstRow?: number; seen?: Map<number, number> } = {},
): void {
  const values = application.getColumn('SK_ID_CURR').toArray() as Array<number | null>;
  const seen = opts.seen ?? new Map<number, number>();
  for (let i = 0; i < values.length; i++) {
    const id = values[i];
    const row = (opts.firstRow ?? 1) + i;
    const where = { file, column: 'SK_ID_CURR', row };
    const fail = (problem: string) => new DataError(`${file} row ${row}, column SK_ID_CURR: ${problem}`, where);
    if (id === null) throw fail("the applicant's id is empty");
    if (id < 0) throw fail(`applicant ids are not negative, got ${id}`);
    const before = seen.get(id);
    if (before !== undefined) throw fail(`applicant ${id} appears a second time (first on row ${before})`);
    seen.set(id, row);
  }
}

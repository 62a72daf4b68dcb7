/**
 * Test support (not exported from the lib): numeric columns of the real application_train sample as a
 * LabelledMatrix, read through @credit-scoring/data. Throws — never skips — when the shared data are missing.
 */
import fs from 'node:fs';
import { loadTables, realDataDir, tablePath } from '@credit-scoring/data';
import { LabelledMatrix } from '../matrix';

export async function realApplicationSample(columns: string[], opts: { rows?: number } = {}): Promise<LabelledMatrix> {
  const dir = realDataDir();
  if (!fs.existsSync(tablePath(dir, 'application_train'))) {
    throw new Error(`real data missing: ${tablePath(dir, 'application_train')} (see /work/shared/data/home-credit/README.md)`);
  }
  const { application } = await loadTables(dir, { application: 'train', sideTables: false });
  const frame = opts.rows ? application.head(opts.rows) : application;
  const nRows = frame.height;
  const toNumbers = (name: string) =>
    Float64Array.from(frame.getColumn(name).toArray() as Array<number | null>, (v) => (v === null ? NaN : Number(v)));
  const data = new Float64Array(nRows * columns.length);
  columns.forEach((name, c) => toNumbers(name).forEach((v, i) => (data[i * columns.length + c] = v)));
  return {
    data,
    nRows,
    nCols: columns.length,
    featureNames: columns.slice(),
    categoricalFeatures: [],
    target: toNumbers('TARGET'),
    amtCredit: toNumbers('AMT_CREDIT'),
  };
}

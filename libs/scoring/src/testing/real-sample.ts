/**
 * Test support (not exported from the lib): numeric columns of an application_train file as a LabelledMatrix, read
 * through @credit-scoring/data — the real sample (real-data tier, inside describeRealData) or generated data.
 */
import { loadTables, realDataDir } from '@credit-scoring/data';
import { SYNTHETIC, syntheticDataDir } from '@credit-scoring/data/testing';
import { LabelledMatrix } from '../matrix';

export async function realApplicationSample(columns: string[], opts: { rows?: number } = {}): Promise<LabelledMatrix> {
  return applicationSample(realDataDir(), columns, opts);
}

/** The shared generated dataset (SYNTHETIC rows): the self-contained tier. */
export async function generatedApplicationSample(
  columns: string[],
  opts: { rows?: number } = {},
): Promise<LabelledMatrix> {
  return applicationSample(await syntheticDataDir(SYNTHETIC), columns, opts);
}

async function applicationSample(dir: string, columns: string[], opts: { rows?: number }): Promise<LabelledMatrix> {
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

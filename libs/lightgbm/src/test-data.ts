// Test/bench helper (not part of the public API): Home Credit application rows as a float64 matrix, loaded by the same
// rule as tools/pyref/lightgbm_golden.py: every column except SK_ID_CURR/TARGET whose non-empty cells all parse as
// numbers, in file order; empty cell = NaN.
import * as fs from 'node:fs';
import { splitCsvLine } from '@credit-scoring/data';

export interface NumericTable {
  columns: string[];
  data: Float64Array;
  nRows: number;
  nCols: number;
  target: Float64Array;
}

/** `file`: an application_train.csv, real (realDataDir) or generated (syntheticDataDir), both from @credit-scoring/data. */
export function loadApplicationTrain(file: string): NumericTable {
  const lines = fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l !== '');
  const header = splitCsvLine(lines[0]);
  const rows = lines.slice(1).map(splitCsvLine);
  const parsed = header.map((_, c) => rows.map((r) => (r[c] === '' ? Number.NaN : Number(r[c]))));
  const numeric = header.map(
    (name, c) =>
      name !== 'SK_ID_CURR' && name !== 'TARGET' && rows.every((r, i) => r[c] === '' || !Number.isNaN(parsed[c][i])),
  );
  const keep = header.map((_, c) => c).filter((c) => numeric[c]);
  const nRows = rows.length;
  const data = new Float64Array(nRows * keep.length);
  for (let i = 0; i < nRows; i++)
    keep.forEach((c, j) => {
      data[i * keep.length + j] = parsed[c][i];
    });
  const targetCol = header.indexOf('TARGET');
  return {
    columns: keep.map((c) => header[c]),
    data,
    nRows,
    nCols: keep.length,
    target: Float64Array.from(parsed[targetCol]),
  };
}

/** Rank-based ROC AUC with tie correction (as sklearn's roc_auc_score). */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++)
      if (labels[order[k]] === 1) {
        positives++;
        rankSum += rank;
      }
    i = j + 1;
  }
  const negatives = n - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function readF64(file: string): Float64Array {
  const buf = fs.readFileSync(file);
  return new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

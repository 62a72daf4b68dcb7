// The training reference stored with each model: a sample of the raw application rows the model was trained on
// (Kaggle fields, TARGET dropped), logged as a CSV artifact of the run that holds the model, so `trainer monitor`
// can compare logged traffic with what this very version learned from. 5,000 rows keep it near 2.7 MB (real sample)
// while the drift tests stay Evidently's large-sample ones (normed Wasserstein / Jensen-Shannon above 1,000 rows).
import pl from 'nodejs-polars';
import { Random } from '@credit-scoring/data';
import type { MlflowClient } from '@credit-scoring/tracking';

export const REFERENCE_ARTIFACT = 'monitoring/reference.csv';
export const REFERENCE_ROWS = 5000;

/** The reference sample as CSV text: `rows` drawn without replacement from `trainRows`, in file order. */
export function referenceCsv(
  application: pl.DataFrame,
  trainRows: Int32Array,
  seed: number,
  rows = REFERENCE_ROWS,
): string {
  const random = new Random(seed);
  const picked = Array.from(trainRows);
  for (let i = picked.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [picked[i], picked[j]] = [picked[j], picked[i]];
  }
  const chosen = picked.slice(0, Math.min(rows, picked.length)).sort((a, b) => a - b);
  const columns = application.columns.filter((c) => c !== 'TARGET');
  const frame = application
    .withRowIndex('__row')
    .filter(pl.col('__row').isIn(chosen))
    .select(...columns);
  return frame.writeCSV().toString();
}

/** Uploads the reference CSV (made by referenceCsv before the tables are consumed by the features stage). */
export async function logReference(client: MlflowClient, runId: string, csv: string): Promise<void> {
  await client.uploadArtifactBytes(runId, REFERENCE_ARTIFACT, csv);
}

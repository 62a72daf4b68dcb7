// A small but real model bundle from generated data, for the fault tools when no trained bundle is at hand:
// synthetic Home Credit tables (libs/data), the real feature pipeline, LightGBM, and the model package writer (with
// its checksums). Not a model to serve: 2,000 applicants, 30 rounds.
//
//   npx tsx tools/faults/synthetic-bundle.ts tmp/faults-bundle
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeModelPackage } from '@credit-scoring/tracking';
import { generatedModel } from '../../apps/trainer/src/testing/generated-model';

async function main(out: string): Promise<void> {
  const data = mkdtempSync(path.join(os.tmpdir(), 'faults-data-'));
  try {
    // The trainer's test model on generated data (one trainer of it for the tests and the fault tools).
    const model = await generatedModel(data, { rows: 2000, rounds: 30 });
    try {
      await writeModelPackage(out, 'synthetic', model.package, { name: 'credit-scoring', version: 'synthetic' });
    } finally {
      model.booster.free();
    }
    process.stdout.write(`synthetic bundle written to ${path.resolve(out)}\n`);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: npx tsx tools/faults/synthetic-bundle.ts <out-dir>\n');
  process.exit(2);
}
main(out).catch((error: unknown) => {
  process.stderr.write(`synthetic-bundle: ${(error as Error).message}\n`);
  process.exit(2);
});

/**
 * Test support for every project's Jest suites (`@credit-scoring/data/testing`; not part of the lib's runtime surface).
 * Two tiers: suites on generated data (syntheticDataDir) always run; suites on the real Home Credit sample are
 * declared with describeRealData and are skipped, with the reason in their title, when the sample is absent.
 * tools/jest/count-reporter.js finds that reason in the skipped tests' titles and the summary prints it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { realDataStatus, workspaceRoot } from '../load';
import { generateSynthetic } from '../synthetic/generate';

// The folder the real-data tier reads, for the specs of libs that do not otherwise depend on this one (lightgbm).
export { realDataDir, realDataStatus } from '../load';

/** Written into the title of every skipped real-data suite; count-reporter.js looks for exactly this text. */
export const REAL_DATA_SKIP_MARK = 'real-data tier skipped: ';

/** `describe` for a suite that reads the real sample: run when it is present, `describe.skip` with the reason when not. */
export function describeRealData(name: string, fn: () => void): void {
  const status = realDataStatus();
  if (status.available) describe(name, fn);
  else describe.skip(`${name} [${REAL_DATA_SKIP_MARK}${status.reason}]`, fn);
}

/** The generator's own sources: the cache below is keyed by them, so a change to the generator regenerates. */
function generatorVersion(): string {
  const src = path.resolve(__dirname, '..');
  const files = ['schemas.ts', ...fs.readdirSync(path.join(src, 'synthetic')).map((f) => path.join('synthetic', f))];
  const hash = crypto.createHash('sha256');
  for (const file of files.sort()) hash.update(file).update(fs.readFileSync(path.join(src, file)));
  return hash.digest('hex').slice(0, 10);
}

/**
 * A generated Home Credit dataset (all eight Kaggle files), written once under tmp/synthetic and shared by every suite
 * and project of a test run: the generator is deterministic, so the same rows/seed/generator give the same files.
 */
export async function syntheticDataDir(opts: { rows: number; seed: number }): Promise<string> {
  const dir = path.join(workspaceRoot(), 'tmp', 'synthetic', `${opts.rows}-${opts.seed}-${generatorVersion()}`);
  if (fs.existsSync(path.join(dir, 'complete'))) return dir;
  // Parallel Jest workers may race here: each writes its own copy and the first rename wins.
  const scratch = `${dir}.${process.pid}-${Date.now()}`;
  await generateSynthetic({ ...opts, out: scratch });
  fs.writeFileSync(path.join(scratch, 'complete'), '');
  try {
    fs.renameSync(scratch, dir);
  } catch (err) {
    if (!fs.existsSync(path.join(dir, 'complete'))) throw err;
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return dir;
}

/**
 * The generated dataset the suites share: big enough for stable models and CV, small enough to load in a second.
 * Each generated applicant has a full credit history (~190 side-table rows against ~8 in the real sample), so 1000
 * of them make side tables about the size of the real sample's.
 */
export const SYNTHETIC = { rows: 1000, seed: 42 } as const;

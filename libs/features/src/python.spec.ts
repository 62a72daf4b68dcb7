// The Python executor of the feature spec (python/credit_scoring_features, run in tools/mlflow/.venv) against the
// batch path: the same matrix, bit for bit, every cell (NaN where ours is NaN), on generated data with all side
// tables and on the real sample's application_test.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadTables, realDataDir, tablePath, workspaceRoot } from '@credit-scoring/data';
import { describeRealData, SYNTHETIC, syntheticDataDir } from '@credit-scoring/data/testing';
import { FeaturePipeline, featureSpecJson, PYTHON_EXECUTOR_DIR } from './index';

const python = path.join(workspaceRoot(), 'tools', 'mlflow', '.venv', 'bin', 'python');

/** Cells where the Python matrix differs from ours (by bits; any NaN equals any NaN). */
async function differingCells(dir: string, application: 'train' | 'test', fitDir = dir): Promise<number> {
  const pipeline = FeaturePipeline.fit(await loadTables(fitDir));
  const ours = pipeline.transform(await loadTables(dir, { application }));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'features-python-'));
  try {
    const [spec, state, out] = ['spec.json', 'state.json', 'matrix.f64'].map((f) => path.join(work, f));
    fs.writeFileSync(spec, JSON.stringify(featureSpecJson()));
    fs.writeFileSync(state, JSON.stringify(pipeline.toJSON()));
    const file = tablePath(dir, application === 'train' ? 'application_train' : 'application_test');
    const r = spawnSync(python, [path.join(PYTHON_EXECUTOR_DIR, 'matrix_cli.py'), spec, state, file, dir, out], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (r.status !== 0) throw new Error(`matrix_cli.py exited ${r.status}:\n${r.stderr}`);
    const bytes = fs.readFileSync(out);
    const theirs = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
    expect(theirs.length).toBe(ours.data.length);
    let differing = 0;
    for (let i = 0; i < theirs.length; i++) {
      const [a, b] = [theirs[i], ours.data[i]];
      if (!(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)) || (a === 0 && b === 0))) differing++;
    }
    expect(new Set(Array.from(ours.data.subarray(0, 5000), (v) => v.toFixed(3))).size).toBeGreaterThan(500);
    return differing;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

describe('the Python executor of the feature spec', () => {
  it('gives the batch matrix bit for bit on generated data with every side table', async () => {
    expect(await differingCells(await syntheticDataDir(SYNTHETIC), 'train')).toBe(0);
  }, 300_000);
});

describeRealData('the Python executor of the feature spec on the real sample', () => {
  it('gives the batch matrix bit for bit on application_test with its history', async () => {
    expect(await differingCells(realDataDir(), 'test')).toBe(0);
  }, 300_000);
});

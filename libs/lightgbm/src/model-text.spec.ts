// A truncated or corrupted model text must be a LightGBMError, never a process abort inside LightGBM's parser.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { Booster, LightGBMError, validateModelText } from './index';
import { trainSyntheticModel } from './testing/synthetic-model';

const TSX = path.resolve(__dirname, '..', '..', '..', 'node_modules', '.bin', 'tsx');

describe('model text validation', () => {
  let text: string;

  beforeAll(async () => {
    const { booster } = await trainSyntheticModel();
    text = booster.saveModel();
    booster.free();
  });

  const rejects = (model: string, message: RegExp): void => {
    expect(() => validateModelText(model)).toThrow(message);
    expect(() => Booster.fromString(model)).toThrow(LightGBMError);
  };

  it('accepts the text LightGBM wrote, with its tree count, and loads it', () => {
    expect(validateModelText(text)).toEqual({ numClass: 1, numTreePerIteration: 1, maxFeatureIdx: 5, numTrees: 20 });
    expect(text).toContain('cat_boundaries='); // the fixture covers categorical splits too
    Booster.fromString(text).free();
  });

  it('survives every 1 % truncation and 1000 random byte corruptions in a child process', () => {
    const child = spawnSync(TSX, [path.join(__dirname, 'testing', 'corrupt-models.ts'), '1000'], {
      encoding: 'utf8',
      env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' },
      timeout: 120_000,
    });
    expect({ status: child.status, signal: child.signal, stderr: child.status === 0 ? '' : child.stderr }).toEqual({
      status: 0,
      signal: null,
      stderr: '',
    });
    const summary = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as Record<
      'truncated' | 'corrupted',
      { loaded: number; rejected: number; otherErrors: string[] }
    >;
    // Only a cut inside the trailing feature-importance list (which LightGBM ignores) may still load.
    expect(summary.truncated.rejected).toBeGreaterThanOrEqual(97);
    expect(summary.truncated.otherErrors).toEqual([]);
    expect(summary.corrupted.otherErrors).toEqual([]);
    expect(summary.corrupted.loaded + summary.corrupted.rejected).toBe(1000);
    expect(summary.corrupted.rejected).toBeGreaterThan(100);
  }, 150_000);

  it('names the defect: truncation, missing lines, inconsistent counts, out-of-range indices', () => {
    rejects(text.slice(0, text.indexOf('Tree=3')), /tree 3: tree_sizes runs past the end/);
    rejects(text.slice(0, text.indexOf('end of trees')), /"end of trees" does not follow/);
    rejects(text.slice(0, text.length - 5), /not closed by "end of parameters"/);
    rejects(text.replace(/^max_feature_idx=5$/m, 'max_feature_idx=6'), /feature_names has 6 entries/);
    rejects(text.replace(/^num_class=1$/m, 'num_class=0'), /num_class = 0 is out of range/);
    rejects(text.replace(/^num_tree_per_iteration=1$/m, 'num_tree_per_iteration=3'), /not a multiple/);
    rejects(text.replace(/^tree_sizes=.*$/m, ''), /tree_sizes is missing/);
    rejects(text.replace(/^left_child=(\S+)/m, 'left_child=0'), /tree 0: bad child index 0/);
    rejects(text.replace(/^split_feature=(\d+)/m, 'split_feature=9'), /split_feature 9 is beyond max_feature_idx 5/);
    rejects(text.replace(/^leaf_value=./m, 'leaf_value=x'), /leaf_value\[0\] is not a number/);
    rejects(text.replace(/^num_leaves=.*$/m, 'num_leaves'), /line without "key="/);
    rejects(text.replace('\0', '').replace('tree\n', 'tree\0\n'), /NUL byte/);
  });
});

import { spawnSync } from 'node:child_process';
import { SYNTHETIC, syntheticDataDir } from '@credit-scoring/data/testing';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { logModel, registerModel } from './model';
import { workspaceRoot } from '@credit-scoring/data';
import { FIXTURES, tempDir, testClient, unique } from './testing/helpers';

/**
 * The Python side reads what our client wrote: tools/mlflow/interop_check.py loads models:/<name>@champion with
 * mlflow.pyfunc (and mlflow.lightgbm) and compares with LightGBM's own predictions on 1000 generated application rows
 * (the fixture model was trained on real rows; which rows it predicts on does not matter for the format check, and
 * generated ones let the check run from a bare clone).
 * Once @credit-scoring/lightgbm has a Booster, our predictions on the same matrix are compared too.
 */
interface InteropResult {
  ok: boolean;
  rows: number;
  trees: number;
  columns: string[];
  maxAbsDiffPyfuncVsLightgbm: number;
  maxAbsDiffLightgbmFlavourVsLightgbm: number;
  matrix: Array<Array<number | null>>;
  pyfunc: number[];
  lightgbm: number[];
}
interface BoosterLike {
  predict(data: Float64Array): Float64Array;
  free?(): void;
}

const root = workspaceRoot();
const python = path.join(root, 'tools', 'mlflow', '.venv', 'bin', 'python');
const payload = path.join(FIXTURES, 'interop-model.txt');
const specFile = path.join(FIXTURES, 'interop-model.json');

async function ourBooster(modelText: string): Promise<BoosterLike | undefined> {
  // The binding is written in parallel; until it exports Booster there is nothing of ours to compare.
  const mod = (await import('@credit-scoring/lightgbm')) as unknown as {
    Booster?: { fromString?(text: string): BoosterLike };
  };
  return mod.Booster?.fromString?.(modelText);
}

it('mlflow.pyfunc loads the model our client registered and predicts exactly like LightGBM', async () => {
  if (!fs.existsSync(python)) throw new Error(`${python} is missing: run tools/mlflow/setup.sh (npm ci does)`);
  const client = testClient();
  const spec = JSON.parse(fs.readFileSync(specFile, 'utf8')) as { featureNames: string[] };
  const modelText = fs.readFileSync(payload, 'utf8');
  const experimentId = await client.getOrCreateExperiment(unique('interop'));
  const run = await client.createRun({ experimentId, runName: 'interop' });
  await logModel(client, run.info.runId, {
    modelText,
    featureNames: spec.featureNames,
    featurePipeline: {},
    threshold: 0.5,
    cost: { kind: 'unit', fn: 10, fp: 1 },
    metrics: {},
  });
  const name = unique('interop-model');
  await registerModel(client, run.info.runId, name, { alias: 'champion' });
  await client.endRun(run.info.runId);

  const out = path.join(tempDir('interop'), 'result.json');
  const r = spawnSync(
    python,
    [
      path.join(root, 'tools', 'mlflow', 'interop_check.py'),
      '--name',
      name,
      '--alias',
      'champion',
      '--payload',
      payload,
      '--spec',
      specFile,
      '--out',
      out,
      '--data-dir',
      await syntheticDataDir(SYNTHETIC),
      '--first-row',
      '0',
      '--rows',
      String(SYNTHETIC.rows),
    ],
    {
      env: { ...process.env, MLFLOW_TRACKING_URI: client.trackingUri },
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
  if (r.status !== 0) throw new Error(`interop_check.py exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  const result = JSON.parse(fs.readFileSync(out, 'utf8')) as InteropResult;
  console.info(`[interop] ${r.stdout.trim()}`);
  expect(result.ok).toBe(true);
  expect(result.rows).toBe(SYNTHETIC.rows);
  expect(result.columns).toEqual(spec.featureNames);
  expect(result.maxAbsDiffPyfuncVsLightgbm).toBeLessThanOrEqual(1e-12);
  expect(result.maxAbsDiffLightgbmFlavourVsLightgbm).toBeLessThanOrEqual(1e-12);
  expect(new Set(result.pyfunc.map((p) => p.toFixed(6))).size).toBeGreaterThan(100); // varied probabilities

  const booster = await ourBooster(modelText);
  if (booster) {
    const matrix = Float64Array.from(result.matrix.flat(), (v) => (v === null ? NaN : v));
    const ours = booster.predict(matrix);
    const maxDiff = Math.max(...result.pyfunc.map((p, i) => Math.abs(p - ours[i])));
    console.info(
      `[interop] @credit-scoring/lightgbm Booster vs mlflow.pyfunc on ${ours.length} rows: max |diff| = ${maxDiff}`,
    );
    expect(ours).toHaveLength(result.rows);
    expect(maxDiff).toBeLessThanOrEqual(1e-12);
    booster.free?.();
  } else {
    console.info('[interop] @credit-scoring/lightgbm has no Booster yet: compared pyfunc with Python LightGBM only');
  }
});

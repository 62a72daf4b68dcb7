// `trainer run` end to end on a small slice of the real sample, against a real MLflow server: a report path that cannot
// be written fails the command after training but before promotion, and leaves the registry as it was.
import { SYNTHETIC, syntheticDataDir } from '@credit-scoring/data/testing';
import { MlflowClient } from '@credit-scoring/tracking';
import { startLocalServer, type LocalServer } from '@credit-scoring/tracking/server';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from './run';

jest.setTimeout(600_000);

let server: LocalServer | undefined;
let store: string;
let client: MlflowClient;
let uri: string;
const experiment = `run-cmd-${process.pid}-${Date.now()}`;
const modelName = `run-cmd-model-${process.pid}-${Date.now()}`;

beforeAll(async () => {
  store = mkdtempSync(join(tmpdir(), 'trainer-run-cmd-'));
  server = await startLocalServer({ storeDir: join(store, 'mlruns') });
  uri = server.uri;
  client = new MlflowClient({ trackingUri: uri });
});

afterAll(async () => {
  await server?.stop();
  if (store) rmSync(store, { recursive: true, force: true });
});

describe('trainer run', () => {
  it('fails on a report it cannot write without registering, promoting or leaving a run RUNNING', async () => {
    const report = join(store, 'no-such-dir', 'results.md');
    const argv = [
      '--data-dir',
      await syntheticDataDir(SYNTHETIC), // generated rows: the failure path does not depend on the data
      '--no-side-tables',
      '--models',
      'lightgbm',
      '--folds',
      '2',
      '--budget',
      '1',
      '--search-rows',
      '2000',
      '--tracking-uri',
      uri,
      '--experiment',
      experiment,
      '--model-name',
      modelName,
      '--report',
      report,
      '--no-bundle',
    ];
    await expect(runCommand(argv)).rejects.toThrow(/ENOENT/);

    expect(await client.searchModelVersions(`name='${modelName}'`)).toEqual([]);
    expect((await client.getRegisteredModel(modelName))?.aliases ?? {}).toEqual({});
    expect(existsSync(report)).toBe(false);
    const experimentId = (await client.getExperimentByName(experiment))?.experimentId ?? 'missing';
    const runs = (await client.searchRuns({ experimentIds: [experimentId] })).runs;
    expect(runs.length).toBeGreaterThanOrEqual(3); // parent, model, threshold, best model
    expect(runs.filter((r) => r.info.status !== 'FINISHED').map((r) => r.info.runName)).toEqual([]);
  });
});

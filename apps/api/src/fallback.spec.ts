// The registry fallback against a REAL MLflow server that is stopped and started again: the API comes up on the
// fallback bundle while MLflow is down, says so on /ready and /model (without paths or the MLflow address), returns to
// models:/<name>@champion by itself once MLflow answers again, and keeps serving that version when a newer one cannot
// be loaded.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { HomeCreditTables } from '@credit-scoring/data';
import { logModel, MlflowClient, modelFiles, registerModel, withRun } from '@credit-scoring/tracking';
import { freePort, startLocalServer, type LocalServer } from '@credit-scoring/tracking/server';
import { buildApp } from './app';
import { sourcesFromConfig } from './main';
import { configFromEnv } from './config';
import { redact } from './model/model-store';
import {
  applicantsFor,
  generatedTables,
  heldOutRows,
  TrainedModel,
  trainSmallModel,
  writeBundle,
} from './testing/trained-model';

describe('load errors as unauthenticated callers see them', () => {
  it('keeps what failed and drops file paths and server addresses', () => {
    expect(
      redact("model bundle /srv/app/dist/bundle: cannot read MLmodel (ENOENT: open '/srv/app/dist/bundle/MLmodel')"),
    ).toBe("model bundle …/bundle: cannot read MLmodel (ENOENT: open '…/MLmodel')");
    expect(
      redact('GET /api/2.0/mlflow/registered-models/alias failed at https://mlflow.internal:5000 (10.0.0.7:5000)'),
    ).toBe('GET /api/2.0/mlflow/registered-models/alias failed at <server> (<server>)');
  });
});

describe('fallback bundle while MLflow is down, and the way back to the registry', () => {
  const name = `credit-scoring-fallback-${randomBytes(4).toString('hex')}`;
  let work: string;
  let storeDir: string;
  let port: number;
  let server: LocalServer | undefined;
  let client: MlflowClient;
  let tables: HomeCreditTables;
  let registered: TrainedModel;
  let bundled: TrainedModel;
  let app: FastifyInstance;
  let experimentId: string;

  const start = async () => {
    server = await startLocalServer({ port, storeDir });
    return server;
  };

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'api-fallback-'));
    storeDir = path.join(work, 'store');
    port = await freePort();
    await start();
    client = new MlflowClient({ trackingUri: `http://127.0.0.1:${port}` });
    tables = await generatedTables(); // the fallback, not the data, is under test: runs from a bare clone
    [registered, bundled] = [
      await trainSmallModel(tables, { rounds: 12 }),
      await trainSmallModel(tables, { rounds: 6, seed: 5 }),
    ];
    experimentId = await client.getOrCreateExperiment(`${name}-experiment`);
    await withRun(client, { experimentId }, async (run) => {
      await logModel(client, run.runId, registered.package);
      expect((await registerModel(client, run.runId, name, { alias: 'champion' })).version).toBe('1');
    });
    writeBundle(path.join(work, 'bundle'), bundled.package, { name, version: '0', alias: 'champion' });
    await server?.stop();
    server = undefined;
  }, 300_000);

  afterAll(async () => {
    await app?.close();
    await server?.stop();
    for (const m of [registered, bundled]) m?.booster.free();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('starts on the fallback bundle while MLflow is down, and says so without paths or the MLflow URI', async () => {
    const config = configFromEnv({
      MLFLOW_TRACKING_URI: `http://127.0.0.1:${port}`,
      MODEL_URI: `models:/${name}@champion`,
      MODEL_BUNDLE_DIR: path.join(work, 'bundle'),
    });
    app = await buildApp({
      ...sourcesFromConfig(config),
      retryIntervalMs: 200,
      maxRetryIntervalMs: 1000,
      defaultMetrics: false,
    });
    await app.ready(); // starts the store: the registry fails (connection refused), the bundle loads
    expect((await app.modelStore.whenReady(30_000)).version).toBe('0');

    const ready = await app.inject('/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      ready: true,
      modelVersion: '0',
      source: 'bundle',
      sourceKind: 'bundle',
      fallback: true,
    });
    expect(ready.json().reason).toMatch(/not reachable/);
    const model = (await app.inject('/model')).json();
    expect(model).toMatchObject({ version: '0', source: 'bundle', sourceKind: 'bundle', fallback: true });
    for (const body of [ready.body, JSON.stringify(model)]) {
      expect(body).not.toContain(String(port));
      expect(body).not.toContain(work);
      expect(body).not.toContain('127.0.0.1');
    }
  });

  it('returns to models:/<name>@champion on its own once MLflow is back', async () => {
    const backOnRegistry = new Promise<void>((resolve) => {
      const onSwap = () => {
        if (app.modelStore.serving?.kind !== 'registry') return;
        app.modelStore.off('swap', onSwap);
        resolve();
      };
      app.modelStore.on('swap', onSwap);
    });
    await start();
    await backOnRegistry; // the store's own retries, no refresh() from the test

    expect((await app.inject('/ready')).json()).toEqual({
      ready: true,
      modelVersion: '1',
      source: `models:/${name}@champion`,
      sourceKind: 'registry',
      fallback: false,
    });
    expect((await app.inject('/model')).json()).toMatchObject({
      name,
      version: '1',
      source: `models:/${name}@champion`,
      sourceKind: 'registry',
      fallback: false,
    });
    const rows = heldOutRows(tables, 5);
    const res = await app.inject({ method: 'POST', url: '/predict', payload: applicantsFor(tables, rows) });
    expect(res.statusCode).toBe(200);
    const expected = registered.booster.predict(registered.pipeline.transform(tables, { rows }).data);
    (res.json().predictions as Array<{ modelVersion: string; probability: number }>).forEach((p, i) => {
      expect(p.modelVersion).toBe('1');
      expect(Math.abs(p.probability - expected[i])).toBeLessThanOrEqual(1e-12);
    });
  }, 180_000);

  it('keeps serving the registry version when a newer version cannot be loaded', async () => {
    // Version 2: a model directory without threshold.json, promoted to champion.
    await withRun(client, { experimentId }, async (run) => {
      const files = modelFiles(run.runId, registered.package);
      for (const [file, content] of Object.entries(files)) {
        if (file !== 'threshold.json') await client.uploadArtifactBytes(run.runId, `model/${file}`, content);
      }
      expect((await registerModel(client, run.runId, name, { alias: 'champion' })).version).toBe('2');
    });
    expect(await app.modelStore.refresh()).toBe(false);
    expect(app.modelStore.error).toContain('threshold.json');
    const ready = (await app.inject('/ready')).json();
    expect(ready).toMatchObject({ ready: true, modelVersion: '1', sourceKind: 'registry', fallback: false });
    const res = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: applicantsFor(tables, heldOutRows(tables, 1)),
    });
    expect(res.json().predictions[0].modelVersion).toBe('1');
  });

  it('keeps the registry model when MLflow goes away again (the fallback is only for having nothing)', async () => {
    await server?.stop();
    server = undefined;
    expect(await app.modelStore.refresh()).toBe(false);
    expect((await app.inject('/ready')).json()).toMatchObject({
      ready: true,
      modelVersion: '1',
      source: `models:/${name}@champion`,
    });
  });
});

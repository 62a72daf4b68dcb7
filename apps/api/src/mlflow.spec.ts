// The API against a REAL MLflow server (MLFLOW_TRACKING_URI when .ci/run provides one, otherwise a throw-away local
// server): a model trained on generated Home Credit rows (the registry path does not depend on which rows; the
// real-data API suite is app.spec.ts) is logged and registered through @credit-scoring/tracking, the API loads
// models:/<name>@champion, and its probabilities equal the batch path (pipeline.transform + booster.predict) to 1e-12.
// The API reaches MLflow through a loopback TCP relay this test can cut, to show it keeps serving when MLflow is gone.
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { HomeCreditTables } from '@credit-scoring/data';
import { logModel, MlflowClient, registerModel, withRun } from '@credit-scoring/tracking';
import { startLocalServer, type LocalServer } from '@credit-scoring/tracking/server';
import { buildApp } from './app';
import { MlflowAliasSource } from './model/sources';
import type { Prediction } from './schemas';
import { applicantsFor, generatedTables, heldOutRows, TrainedModel, trainSmallModel } from './testing/trained-model';

/** A cuttable loopback relay in front of the MLflow server. */
async function relay(target: URL): Promise<{ uri: string; cut(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}`,
    cut: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('API serving a model from a real MLflow registry', () => {
  let local: LocalServer | undefined;
  let client: MlflowClient;
  let tables: HomeCreditTables;
  let models: TrainedModel[];
  let app: FastifyInstance;
  let mlflowRelay: Awaited<ReturnType<typeof relay>>;
  const name = `credit-scoring-api-test-${randomBytes(4).toString('hex')}`;
  let heldOut: Int32Array;
  let store: string;
  let experimentId: string;

  async function logAndRegister(model: TrainedModel): Promise<string> {
    return withRun(
      client,
      { experimentId, runName: `api-test-${model.package.metrics.num_boost_round}` },
      async (run) => {
        await logModel(client, run.runId, model.package);
        return (await registerModel(client, run.runId, name, { alias: 'champion' })).version;
      },
    );
  }

  beforeAll(async () => {
    let uri = process.env.MLFLOW_TRACKING_URI;
    if (!uri) {
      store = mkdtempSync(path.join(os.tmpdir(), 'api-mlflow-'));
      local = await startLocalServer({ storeDir: store });
      uri = local.uri;
    }
    client = new MlflowClient({ trackingUri: uri });
    tables = await generatedTables();
    // 60 applicants: with their full generated histories a batch of them stays well under the default 16 MiB body limit.
    heldOut = heldOutRows(tables, 60);
    models = [await trainSmallModel(tables, { rounds: 25 }), await trainSmallModel(tables, { rounds: 10, seed: 3 })];
    experimentId = await client.getOrCreateExperiment(`${name}-experiment`);
    expect(await logAndRegister(models[0])).toBe('1');
    mlflowRelay = await relay(new URL(uri));
    app = await buildApp({
      modelSource: new MlflowAliasSource({ trackingUri: mlflowRelay.uri, name, alias: 'champion', timeoutMs: 3000 }),
      autoLoadModel: false,
      defaultMetrics: false,
    });
    await app.ready();
  }, 300_000);

  afterAll(async () => {
    await app?.close();
    await mlflowRelay?.cut().catch(() => undefined);
    if (client) await client.deleteRegisteredModel(name).catch(() => undefined);
    await local?.stop();
    if (store) rmSync(store, { recursive: true, force: true });
    for (const m of models ?? []) m.booster.free();
  });

  it('loads models:/<name>@champion and scores real rows exactly like the batch path', async () => {
    expect((await app.inject('/ready')).statusCode).toBe(503);
    expect(await app.modelStore.refresh()).toBe(true);
    const model = (await app.inject('/model')).json();
    expect(model).toMatchObject({
      name,
      version: '1',
      alias: 'champion',
      source: `models:/${name}@champion`,
      sourceKind: 'registry',
    });
    expect(model.runId).toMatch(/^[0-9a-f]{32}$/);

    const applicants = applicantsFor(tables, heldOut);
    const res = await app.inject({ method: 'POST', url: '/predict', payload: applicants });
    expect(res.statusCode).toBe(200);
    const served = res.json().predictions as Prediction[];
    const batch = models[0].booster.predict(models[0].pipeline.transform(tables, { rows: heldOut }).data);
    expect(served).toHaveLength(heldOut.length);
    const worst = Math.max(...served.map((p, i) => Math.abs(p.probability - batch[i])));
    expect(worst).toBeLessThanOrEqual(1e-12);

    const single = await app.inject({ method: 'POST', url: '/predict', payload: applicants[7] });
    expect(Math.abs(single.json().predictions[0].probability - batch[7])).toBeLessThanOrEqual(1e-12);
  });

  it('follows the alias to a newly registered version', async () => {
    expect(await logAndRegister(models[1])).toBe('2');
    expect(await app.modelStore.refresh()).toBe(true);
    expect((await app.inject('/model')).json().version).toBe('2');
    const applicants = applicantsFor(tables, heldOut.subarray(0, 20));
    const served = (await app.inject({ method: 'POST', url: '/predict', payload: applicants })).json()
      .predictions as Prediction[];
    const batch = models[1].booster.predict(
      models[1].pipeline.transform(tables, { rows: heldOut.subarray(0, 20) }).data,
    );
    served.forEach((p, i) => {
      expect(p.modelVersion).toBe('2');
      expect(Math.abs(p.probability - batch[i])).toBeLessThanOrEqual(1e-12);
    });
  });

  it('keeps serving its model when MLflow becomes unreachable', async () => {
    await mlflowRelay.cut();
    expect(await app.modelStore.refresh()).toBe(false);
    expect(app.modelStore.error).toBeDefined();
    expect((await app.inject('/ready')).json()).toEqual({
      ready: true,
      modelVersion: '2',
      source: `models:/${name}@champion`,
      sourceKind: 'registry',
      fallback: false,
    });
    const res = await app.inject({ method: 'POST', url: '/predict', payload: applicantsFor(tables, [0])[0] });
    expect(res.statusCode).toBe(200);
    expect(res.json().predictions[0].modelVersion).toBe('2');
  });
});

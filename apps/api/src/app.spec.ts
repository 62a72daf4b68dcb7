// The API end to end through inject(), on a real LightGBM model served from an exported bundle: every endpoint,
// readiness, version swap under traffic, source failure, auth and rate limit. Two tiers: a model trained on generated
// Home Credit rows (always, from a bare clone) and one trained on the real sample (when present).
import { mkdtempSync, rmSync, renameSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { HomeCreditTables, loadTables, realDataDir } from '@credit-scoring/data';
import { describeRealData, SYNTHETIC, syntheticDataDir } from '@credit-scoring/data/testing';
import { buildApp } from './app';
import { loadClients, ClientsDataset } from './clients';
import { BundleSource } from './model/sources';
import { MAX_EXPLAIN_BATCH, MAX_TOP } from './routes/scoring';
import { ApplicantInput } from './scoring';
import type { Prediction } from './schemas';
import {
  applicantsFor,
  generatedTables,
  heldOutRows,
  realTables,
  TEST_THRESHOLD,
  TrainedModel,
  trainSmallModel,
  writeBundle,
} from './testing/trained-model';

/** What the trainer's batch path gives for these rows: pipeline.transform + booster.predict. */
function batchProbabilities(model: TrainedModel, tables: HomeCreditTables, rows: Int32Array): Float64Array {
  return model.booster.predict(model.pipeline.transform(tables, { rows }).data);
}

/** One tier: its labelled tables, its application_test.csv (the client lookup) and a client known to be in it. */
interface Tier {
  tables: () => Promise<HomeCreditTables>;
  dataDir: () => Promise<string>;
  knownClient: (dir: string) => Promise<{ SK_ID_CURR: number; NAME_CONTRACT_TYPE: string; AMT_CREDIT: number }>;
}

function apiSuite(describeTier: (name: string, fn: () => void) => void, title: string, tier: Tier): void {
  describeTier(title, () => {
    let tables: HomeCreditTables;
    let first: TrainedModel;
    let second: TrainedModel;
    let work: string;
    let bundleDir: string;
    let clients: ClientsDataset;
    let app: FastifyInstance;
    /** Held-out application rows (not used for fitting) and their request bodies. */
    let heldOut: Int32Array;
    let applicants: ApplicantInput[];
    let known: Awaited<ReturnType<Tier['knownClient']>>;

    beforeAll(async () => {
      tables = await tier.tables();
      heldOut = heldOutRows(tables, 60);
      [first, second] = [
        await trainSmallModel(tables, { rounds: 25 }),
        await trainSmallModel(tables, { rounds: 8, seed: 11 }),
      ];
      work = mkdtempSync(path.join(os.tmpdir(), 'api-spec-'));
      bundleDir = await writeBundle(path.join(work, 'bundle'), first.package, {
        name: 'credit-scoring',
        version: '1',
        alias: 'champion',
      });
      const dir = await tier.dataDir();
      clients = await loadClients(path.join(dir, 'application_test.csv'));
      known = await tier.knownClient(dir);
      applicants = applicantsFor(tables, heldOut);
      app = await buildApp({
        modelSource: new BundleSource(bundleDir),
        autoLoadModel: false,
        clients,
        predictionLog: { sqliteFile: path.join(work, 'predictions.sqlite'), writer: { flushIntervalMs: 10 } },
        defaultMetrics: false,
      });
      await app.ready();
    });
    afterAll(async () => {
      await app?.close();
      for (const m of [first, second]) m?.booster.free();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('is not ready until the model is loaded, then reports its version', async () => {
      expect((await app.inject('/ready')).statusCode).toBe(503);
      expect(await app.modelStore.refresh()).toBe(true);
      const ready = await app.inject('/ready');
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({
        ready: true,
        modelVersion: '1',
        source: 'bundle',
        sourceKind: 'bundle',
        fallback: false,
      });
    });

    it('welcomes with links to every endpoint', async () => {
      const body = (await app.inject('/')).json();
      expect(body.modelVersion).toBe('1');
      expect(Object.values(body.links)).toEqual(
        expect.arrayContaining([
          '/docs',
          '/health',
          '/ready',
          '/model',
          '/features',
          'POST /predict',
          'POST /explain',
          '/metrics',
        ]),
      );
    });

    it('describes the served model', async () => {
      const body = (await app.inject('/model')).json();
      expect(body).toMatchObject({
        name: 'credit-scoring',
        version: '1',
        alias: 'champion',
        threshold: TEST_THRESHOLD,
        cost: { kind: 'credit', fnLoss: 1, fpLoss: 0.19 },
        metrics: { train_rows: first.trainRows.length, num_boost_round: 25, num_leaves: 15 },
        featureCount: first.pipeline.featureNames.length,
      });
      expect(Date.parse(body.trainedAt.replace(' ', 'T') + 'Z')).not.toBeNaN();
    });

    it('lists the raw fields the pipeline reads', async () => {
      const body = (await app.inject('/features')).json();
      expect(body.modelVersion).toBe('1');
      expect(body.fields.map((f: { name: string }) => f.name)).toEqual(first.pipeline.rawFields().map((f) => f.name));
      const income = body.fields.find((f: { name: string }) => f.name === 'NAME_INCOME_TYPE');
      expect(income).toMatchObject({ type: 'string', required: false });
      expect(income.allowedValues).toContain('Working');
      expect(body.fields.length).toBeGreaterThan(10);
    });

    it('scores one applicant with the same probability as the batch path', async () => {
      const res = await app.inject({ method: 'POST', url: '/predict', payload: applicants[0] });
      expect(res.statusCode).toBe(200);
      const [p] = res.json().predictions as Prediction[];
      const expected = batchProbabilities(first, tables, heldOut.subarray(0, 1))[0];
      expect(Math.abs(p.probability - expected)).toBeLessThanOrEqual(1e-12);
      expect(p).toMatchObject({
        SK_ID_CURR: applicants[0].application.SK_ID_CURR,
        modelVersion: '1',
        threshold: TEST_THRESHOLD,
      });
      expect(p.decision).toBe(p.probability >= TEST_THRESHOLD ? 'refused' : 'granted');
    });

    it('scores a batch with side-table history exactly like pipeline.transform + booster.predict', async () => {
      expect(applicants.filter((a) => a.history).length).toBeGreaterThan(0);
      const res = await app.inject({ method: 'POST', url: '/predict', payload: applicants });
      expect(res.statusCode).toBe(200);
      const predictions = res.json().predictions as Prediction[];
      const expected = batchProbabilities(first, tables, heldOut);
      expect(predictions.map((p) => p.SK_ID_CURR)).toEqual(applicants.map((a) => a.application.SK_ID_CURR));
      predictions.forEach((p, i) => expect(Math.abs(p.probability - expected[i])).toBeLessThanOrEqual(1e-12));
      expect(new Set(predictions.map((p) => p.decision)).size).toBe(2); // both outcomes occur
      // The same batch gzipped (a client saving bandwidth on 3 MB bodies): the same answers, and logged alike.
      const gzipped = await app.inject({
        method: 'POST',
        url: '/predict',
        payload: zlib.gzipSync(JSON.stringify(applicants)),
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-request-id': 'spec-gzip' },
      });
      expect(gzipped.statusCode).toBe(200);
      expect(gzipped.json().predictions).toEqual(predictions);
      await app.predictionLog?.writer.flush();
      const logged = (await app.inject('/predictions?limit=1000')).json().predictions as Array<{ requestId: string }>;
      expect(logged.filter((row) => row.requestId === 'spec-gzip')).toHaveLength(applicants.length);
    });

    it('lets a single-applicant request through while a large batch is being scored', async () => {
      // Application rows only: 1000 full generated histories (~190 side-table rows each) could exceed the default 16 MiB body limit.
      const big = Array.from({ length: 1000 }, (_, i) => ({
        application: applicants[i % applicants.length].application,
      }));
      const finished: string[] = [];
      const batch = app
        .inject({ method: 'POST', url: '/predict', payload: big })
        .then((r) => (finished.push('batch'), r));
      await new Promise((resolve) => setImmediate(resolve));
      const single = app
        .inject({ method: 'POST', url: '/predict', payload: applicants[0] })
        .then((r) => (finished.push('single'), r));
      const [b, one] = await Promise.all([batch, single]);
      expect([b.statusCode, one.statusCode]).toEqual([200, 200]);
      expect(b.json().predictions).toHaveLength(1000);
      expect(finished).toEqual(['single', 'batch']);
    });

    it('treats absent and null optional fields as missing values', async () => {
      const minimal = { SK_ID_CURR: 5, AMT_CREDIT: 450000, AMT_INCOME_TOTAL: 135000 };
      const [absent, nulls] = await Promise.all([
        app.inject({ method: 'POST', url: '/predict', payload: { application: minimal } }),
        app.inject({
          method: 'POST',
          url: '/predict',
          payload: { application: { ...minimal, EXT_SOURCE_2: null, NAME_TYPE_SUITE: null } },
        }),
      ]);
      expect(absent.statusCode).toBe(200);
      const row = first.pipeline.transformOne(minimal);
      expect(row.some((v) => Number.isNaN(v))).toBe(true);
      expect(absent.json().predictions[0].probability).toBe(first.booster.predictSingle(row));
      expect(nulls.json().predictions[0].probability).toBe(absent.json().predictions[0].probability);
    });

    it('answers 400 naming the fields the model requires when they are absent', async () => {
      const required = first.pipeline
        .rawFields()
        .filter((f) => f.required && f.name !== 'SK_ID_CURR')
        .map((f) => f.name);
      expect(required.length).toBeGreaterThan(0);
      // Absent or null: the schema (it marks them required and not nullable).
      const predict = (payload: unknown) => app.inject({ method: 'POST', url: '/predict', payload: payload as string });
      const absent = await predict([applicants[0], { application: { SK_ID_CURR: 9 } }]);
      expect(absent.statusCode).toBe(400);
      expect([...absent.json().fields].sort()).toEqual(required.map((name) => `body[1].application.${name}`).sort());
      const nulls = Object.fromEntries(required.map((name) => [name, null]));
      const res = await predict([applicants[0], { application: { SK_ID_CURR: 9, ...nulls } }]);
      expect(res.statusCode).toBe(400);
      expect(res.json().fields).toEqual(required.map((name) => `body[1].application.${name}`));
      expect(res.json().message).toContain('got null');
    });

    it('scores an unseen category like the batch pipeline (as missing) and rejects history of another client', async () => {
      const base = applicants[0].application;
      const [unseen, missing] = await Promise.all([
        app.inject({
          method: 'POST',
          url: '/predict',
          payload: { application: { ...base, NAME_INCOME_TYPE: 'Astronaut' } },
        }),
        app.inject({ method: 'POST', url: '/predict', payload: { application: { ...base, NAME_INCOME_TYPE: null } } }),
      ]);
      expect(unseen.statusCode).toBe(200);
      expect(unseen.json().predictions[0].probability).toBe(missing.json().predictions[0].probability);
      const res = await app.inject({
        method: 'POST',
        url: '/predict',
        payload: {
          application: base,
          history: { bureau: [{ SK_ID_CURR: Number(base.SK_ID_CURR) + 1, SK_ID_BUREAU: 1 }] },
        },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().fields).toEqual(['body']);
      expect(res.json().message).toContain('history.bureau[0]');
      const orphan = await app.inject({
        method: 'POST',
        url: '/predict',
        payload: {
          application: base,
          history: {
            bureau: [{ SK_ID_CURR: Number(base.SK_ID_CURR), SK_ID_BUREAU: 1 }],
            bureau_balance: [{ SK_ID_BUREAU: 2, MONTHS_BALANCE: -1, STATUS: 'C' }],
          },
        },
      });
      expect(orphan.statusCode).toBe(400);
      expect(orphan.json().message).toContain(
        "history.bureau_balance[0] has SK_ID_BUREAU 2, none of the applicant's bureau credits",
      );
    });

    it('explains with SHAP contributions that add up to the log-odds', async () => {
      const res = await app.inject({ method: 'POST', url: '/explain?top=5', payload: applicants.slice(0, 3) });
      expect(res.statusCode).toBe(200);
      const explanations = res.json().explanations;
      const matrix = first.pipeline.transform(tables, { rows: heldOut.subarray(0, 3) });
      const contrib = first.booster.predictContrib(matrix.data);
      const nCols = matrix.nCols;
      explanations.forEach(
        (
          e: {
            probability: number;
            baseValue: number;
            rawScore: number;
            contributions: { feature: string; value: number | null; contribution: number }[];
          },
          i: number,
        ) => {
          expect(e.contributions).toHaveLength(5);
          expect(Math.abs(e.baseValue - contrib[i * (nCols + 1) + nCols])).toBeLessThanOrEqual(1e-12);
          expect(Math.abs(1 / (1 + Math.exp(-e.rawScore)) - e.probability)).toBeLessThanOrEqual(1e-9);
          const sizes = e.contributions.map((c) => Math.abs(c.contribution));
          expect([...sizes].sort((a, b) => b - a)).toEqual(sizes);
          for (const c of e.contributions) {
            const j = matrix.featureNames.indexOf(c.feature);
            expect(j).toBeGreaterThanOrEqual(0);
            expect(Math.abs(c.contribution - contrib[i * (nCols + 1) + j])).toBeLessThanOrEqual(1e-12);
            const v = matrix.data[i * nCols + j];
            expect(c.value).toBe(Number.isNaN(v) ? null : v);
          }
        },
      );
    });

    it('answers the largest /explain request it accepts with a response below the request body limit', async () => {
      const batch = Array.from({ length: MAX_EXPLAIN_BATCH }, (_, i) => applicants[i % applicants.length]);
      const res = await app.inject({ method: 'POST', url: `/explain?top=${MAX_TOP}`, payload: batch });
      expect(res.statusCode).toBe(200);
      expect(res.json().explanations).toHaveLength(MAX_EXPLAIN_BATCH);
      expect(res.json().explanations[0].contributions).toHaveLength(MAX_TOP);
      // ~1.1 MB by the schema's arithmetic (100 × 100 contributions); the default body limit is 16 MiB.
      expect(res.rawPayload.length).toBeLessThan(1.5 * 1024 * 1024);
    });

    it('looks up and scores known clients, 404 for unknown ids', async () => {
      const id = known.SK_ID_CURR;
      const client = await app.inject(`/clients/${id}`);
      expect(client.statusCode).toBe(200);
      expect(client.json().application).toMatchObject(known);
      const scored = await app.inject(`/clients/${id}/prediction`);
      expect(scored.statusCode).toBe(200);
      const row = first.pipeline.transformOne(clients.get(id) ?? {});
      expect(scored.json()).toMatchObject({
        SK_ID_CURR: id,
        probability: first.booster.predictSingle(row),
        modelVersion: '1',
      });
      const explained = await app.inject(`/clients/${id}/explanation?top=3`);
      expect(explained.statusCode).toBe(200);
      expect(explained.json()).toMatchObject({ SK_ID_CURR: id, probability: first.booster.predictSingle(row) });
      expect(explained.json().contributions).toHaveLength(3);
      for (const url of ['/clients/1', '/clients/1/prediction', '/clients/1/explanation']) {
        const res = await app.inject(url);
        expect(res.statusCode).toBe(404);
        expect(res.json().message).toBe('no client with SK_ID_CURR 1 in the clients dataset');
      }
    });

    it('counts requests, latency and decisions in Prometheus format', async () => {
      const before = (await app.inject('/metrics')).body;
      const count = (text: string, decision: string) =>
        Number(new RegExp(`credit_decisions_total\\{decision="${decision}"\\} (\\d+)`).exec(text)?.[1] ?? NaN);
      const res = await app.inject({ method: 'POST', url: '/predict', payload: applicants });
      const refused = (res.json().predictions as Prediction[]).filter((p) => p.decision === 'refused').length;
      const after = (await app.inject('/metrics')).body;
      expect(count(after, 'refused') - count(before, 'refused')).toBe(refused);
      expect(count(after, 'granted') - count(before, 'granted')).toBe(applicants.length - refused);
      expect(after).toMatch(/http_requests_total\{method="POST",route="\/predict",status_code="200"\} \d+/);
      expect(after).toMatch(
        /http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/predict",status_code="200"\} \d+/,
      );
      expect(after).toContain('credit_model_info{version="1"} 1');
    });

    it('publishes an OpenAPI 3.1 document with schemas for every route, and Swagger UI', async () => {
      const doc = (await app.inject('/docs/json')).json();
      expect(doc.openapi).toBe('3.1.0');
      for (const p of [
        '/',
        '/health',
        '/ready',
        '/model',
        '/features',
        '/predict',
        '/explain',
        '/clients/{id}',
        '/clients/{id}/prediction',
        '/clients/{id}/explanation',
        '/metrics',
      ]) {
        expect(doc.paths[p]).toBeDefined();
        for (const operation of Object.values(doc.paths[p]) as { responses: Record<string, unknown> }[]) {
          expect(operation.responses['200']).toBeDefined();
        }
      }
      expect(doc.components.schemas.Application.additionalProperties).toBe(false);
      expect(doc.info.description).toContain('is rejected with 400');
      const ui = await app.inject('/docs');
      expect([200, 302]).toContain(ui.statusCode);
    });

    it('logs scored applicants to the prediction log, read back by GET /predictions', async () => {
      const sent = await app.inject({
        method: 'POST',
        url: '/predict',
        payload: applicants[1],
        headers: { 'x-request-id': 'spec-log-1' },
      });
      await app.predictionLog?.writer.flush();
      const id = applicants[1].application.SK_ID_CURR;
      const page = await app.inject(`/predictions?client=${id}&limit=5`);
      expect(page.statusCode).toBe(200);
      const [last] = page.json().predictions;
      expect(last).toMatchObject({
        route: '/predict',
        requestId: 'spec-log-1',
        client: String(id),
        modelVersion: '1',
        probability: sent.json().predictions[0].probability,
        decision: sent.json().predictions[0].decision,
        threshold: sent.json().predictions[0].threshold,
        application: JSON.parse(JSON.stringify(applicants[1].application)),
      });
      expect(last.latencyMs).toBeGreaterThan(0);
      const days = (await app.inject('/predictions/daily')).json().days;
      expect(days.at(-1).total).toBeGreaterThan(0);
    });

    it('swaps to a new version atomically while requests keep flowing', async () => {
      const secondDir = await writeBundle(path.join(work, 'bundle-v2'), second.package, {
        name: 'credit-scoring',
        version: '2',
        alias: 'champion',
      });
      const expected = {
        '1': batchProbabilities(first, tables, heldOut),
        '2': batchProbabilities(second, tables, heldOut),
      };
      // Replace the folder the source reads (as an export would), then refresh while 40 requests are in flight.
      renameSync(bundleDir, path.join(work, 'bundle-v1'));
      renameSync(secondDir, bundleDir);
      const requests = applicants
        .slice(0, 40)
        .map((payload) => app.inject({ method: 'POST', url: '/predict', payload }));
      const swapped = app.modelStore.refresh();
      const responses = await Promise.all(requests);
      expect(await swapped).toBe(true);
      responses.forEach((res, i) => {
        expect(res.statusCode).toBe(200);
        const p = res.json().predictions[0] as Prediction;
        expect(['1', '2']).toContain(p.modelVersion);
        expect(Math.abs(p.probability - expected[p.modelVersion as '1' | '2'][i])).toBeLessThanOrEqual(1e-12);
      });
      expect((await app.inject('/model')).json().version).toBe('2');
      const after = (await app.inject({ method: 'POST', url: '/predict', payload: applicants[0] })).json()
        .predictions[0];
      expect(after.modelVersion).toBe('2');
      expect(Math.abs(after.probability - expected['2'][0])).toBeLessThanOrEqual(1e-12);
    });

    it('keeps serving its model when the source breaks', async () => {
      rmSync(path.join(bundleDir, 'MLmodel'));
      expect(await app.modelStore.refresh()).toBe(false);
      expect(app.modelStore.error).toContain('MLmodel');
      expect((await app.inject('/ready')).statusCode).toBe(200);
      const res = await app.inject({ method: 'POST', url: '/predict', payload: applicants[0] });
      expect(res.statusCode).toBe(200);
      expect(res.json().predictions[0].modelVersion).toBe('2');
    });

    it('rejects bad input with 400 while a model is loaded too', async () => {
      const application = { SK_ID_CURR: 1, AMT_CREDIT: 1, AMT_INCOME_TOTAL: 1, EXT_SOURCE_2: 'high' };
      const res = await app.inject({ method: 'POST', url: '/predict', payload: { application } });
      expect(res.statusCode).toBe(400);
      expect(res.json().fields).toEqual(['body.application.EXT_SOURCE_2']);
    });

    it('follows the source on its own when polling is on, starting at app.ready()', async () => {
      const dir = await writeBundle(path.join(work, 'bundle-polled'), first.package, {
        name: 'credit-scoring',
        version: '1',
      });
      const polled = await buildApp({
        modelSource: new BundleSource(dir),
        followIntervalMs: 100,
        defaultMetrics: false,
      });
      try {
        await polled.ready();
        expect((await polled.modelStore.whenReady(30_000)).version).toBe('1');
        const swapped = new Promise((resolve) => polled.modelStore.once('swap', resolve));
        await writeBundle(dir, second.package, { name: 'credit-scoring', version: '2' });
        await swapped;
        expect((await polled.inject('/ready')).json()).toEqual({
          ready: true,
          modelVersion: '2',
          source: 'bundle',
          sourceKind: 'bundle',
          fallback: false,
        });
      } finally {
        await polled.close();
      }
    });

    describe('with API key and rate limit enabled', () => {
      let secured: FastifyInstance;
      beforeAll(async () => {
        const dir = await writeBundle(path.join(work, 'bundle-secured'), first.package, {
          name: 'credit-scoring',
          version: '1',
        });
        secured = await buildApp({
          modelSource: new BundleSource(dir),
          autoLoadModel: false,
          apiKey: 's3cret',
          rateLimit: { max: 3, timeWindow: '1 minute' },
          defaultMetrics: false,
        });
        await secured.ready();
        await secured.modelStore.refresh();
      });
      afterAll(() => secured?.close());

      it('requires x-api-key on scoring routes only', async () => {
        const payload = applicants[0];
        const none = await secured.inject({ method: 'POST', url: '/predict', payload });
        expect(none.statusCode).toBe(401);
        expect(none.json().message).toContain('x-api-key');
        const wrong = await secured.inject({
          method: 'POST',
          url: '/predict',
          payload,
          headers: { 'x-api-key': 'nope' },
        });
        expect(wrong.statusCode).toBe(401);
        const ok = await secured.inject({
          method: 'POST',
          url: '/predict',
          payload,
          headers: { 'x-api-key': 's3cret' },
        });
        expect(ok.statusCode).toBe(200);
        expect((await secured.inject('/health')).statusCode).toBe(200);
        expect((await secured.inject('/model')).statusCode).toBe(200);
        const doc = (await secured.inject('/docs/json')).json();
        expect(doc.components.securitySchemes.apiKey).toEqual({ type: 'apiKey', in: 'header', name: 'x-api-key' });
        // The training population's extremes are single applicants' values: behind the key, as documented.
        const population = '/model/population?features=EXT_SOURCE_2';
        expect((await secured.inject(population)).statusCode).toBe(401);
        expect((await secured.inject({ url: population, headers: { 'x-api-key': 's3cret' } })).statusCode).toBe(200);
        expect(doc.paths['/model/population'].get.security).toEqual([{ apiKey: [] }]);
        expect((await secured.inject('/app')).statusCode).toBe(200);
      });

      it('limits scoring requests per client and leaves probes alone', async () => {
        const headers = { 'x-api-key': 's3cret' };
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) {
          statuses.push(
            (
              await secured.inject({
                method: 'POST',
                url: '/explain',
                payload: applicants[0],
                headers,
                remoteAddress: '10.0.0.9',
              })
            ).statusCode,
          );
        }
        expect(statuses).toEqual([200, 200, 200, 429]);
        const limited = await secured.inject({
          method: 'POST',
          url: '/explain',
          payload: applicants[0],
          headers,
          remoteAddress: '10.0.0.9',
        });
        expect(limited.json().message).toMatch(/rate limit/i);
        expect((await secured.inject({ url: '/ready', remoteAddress: '10.0.0.9' })).statusCode).toBe(200);
      });
    });
  });
}

apiSuite(describe, 'credit-scoring API on a model bundle trained on generated data', {
  tables: generatedTables,
  dataDir: () => syntheticDataDir(SYNTHETIC),
  // The generated file's first client, as the loader reads it (the lookup must return that row, whatever it holds).
  knownClient: async (dir) => {
    const [first] = (await loadTables(dir, { application: 'test', sideTables: false })).application.head(1).toRecords();
    return {
      SK_ID_CURR: Number(first.SK_ID_CURR),
      NAME_CONTRACT_TYPE: String(first.NAME_CONTRACT_TYPE),
      AMT_CREDIT: Number(first.AMT_CREDIT),
    };
  },
});

apiSuite(describeRealData, 'credit-scoring API on a real model bundle', {
  tables: realTables,
  dataDir: async () => realDataDir(),
  knownClient: async () => ({ SK_ID_CURR: 100001, NAME_CONTRACT_TYPE: 'Cash loans', AMT_CREDIT: 568800 }),
});

// The prediction log through the API (inject): what a scored request leaves in the log, the read routes behind the
// API key, the keyed-hash mode, and the failures that must never reach a client: a full SQLite database and a
// PostgreSQL connection dropped by the server. Real LightGBM model, real SQLite file, real PostgreSQL server.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Client } from 'pg';
import { SYNTHETIC, syntheticDataDir } from '@credit-scoring/data/testing';
import { freshPostgresDatabase } from '@credit-scoring/monitoring/testing';
import { buildApp, type BuildAppOptions } from './app';
import { BundleSource } from './model/sources';
import type { PredictionLogOptions } from './plugins/prediction-log';
import type { ApplicantInput } from './scoring';
import { applicantsFor, generatedTables, heldOutRows, trainSmallModel, writeBundle } from './testing/trained-model';

let work: string;
let bundleDir: string;
let applicants: ApplicantInput[];

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'prediction-log-'));
  const tables = await generatedTables();
  const model = await trainSmallModel(tables, { rounds: 10 });
  bundleDir = await writeBundle(path.join(work, 'bundle'), model.package, { name: 'credit-scoring', version: '3' });
  model.booster.free();
  applicants = applicantsFor(tables, heldOutRows(tables, 60)).map((a) => ({ application: a.application }));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function apiWith(
  predictionLog: PredictionLogOptions,
  apiKey?: string,
  more: Partial<BuildAppOptions> = {},
): Promise<FastifyInstance> {
  const app = await buildApp({
    modelSource: new BundleSource(bundleDir),
    predictionLog,
    apiKey,
    driftReportDir: path.join(work, 'no-reports'),
    ...more,
    defaultMetrics: false,
  });
  await app.ready();
  await app.modelStore.whenReady();
  return app;
}

const predict = (app: FastifyInstance, body: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/predict', payload: body as object, headers });

function metric(text: string, name: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(name))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

describe('the prediction log through the API', () => {
  it('logs each applicant of a batch once, pages newest first and filters, behind the API key', async () => {
    const app = await apiWith({ sqliteFile: path.join(work, 'paged.sqlite') }, 'secret');
    const key = { 'x-api-key': 'secret' };
    const batch = await predict(app, applicants.slice(0, 30), { ...key, 'x-request-id': 'batch-1' });
    expect(batch.statusCode).toBe(200);
    const scored = batch.json().predictions as Array<{ SK_ID_CURR: number; decision: string; probability: number }>;
    await app.predictionLog?.writer.flush();

    expect((await app.inject('/predictions')).statusCode).toBe(401);
    expect((await app.inject('/predictions/daily')).statusCode).toBe(401);
    const first = await app.inject({ url: '/predictions?limit=20', headers: key });
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.predictions).toHaveLength(20);
    const page2 = (await app.inject({ url: `/predictions?limit=20&before=${page1.next}`, headers: key })).json();
    expect(page2.predictions).toHaveLength(10);
    expect(page2.next).toBeNull();
    const all = [...page1.predictions, ...page2.predictions].reverse();
    expect(all.map((r) => Number(r.client))).toEqual(scored.map((p) => p.SK_ID_CURR));
    expect(all.map((r) => r.probability)).toEqual(scored.map((p) => p.probability));
    expect(new Set(all.map((r) => r.requestId))).toEqual(new Set(['batch-1']));

    const refused = scored.filter((p) => p.decision === 'refused').length;
    const byDecision = (await app.inject({ url: '/predictions?decision=refused', headers: key })).json();
    expect(byDecision.predictions).toHaveLength(refused);
    const byVersion = (await app.inject({ url: '/predictions?modelVersion=9', headers: key })).json();
    expect(byVersion.predictions).toHaveLength(0);
    const future = (await app.inject({ url: '/predictions?from=2999-01-01T00:00:00Z', headers: key })).json();
    expect(future.predictions).toHaveLength(0);
    const bad = await app.inject({ url: '/predictions?limit=5000&decision=maybe', headers: key });
    expect(bad.statusCode).toBe(400);

    const [today] = (await app.inject({ url: '/predictions/daily', headers: key })).json().days;
    expect(today).toMatchObject({ total: 30, refused, granted: 30 - refused });
    expect(today.scoreHistogram.reduce((a: number, b: number) => a + b, 0)).toBe(30);
    await app.close();
  });

  it('stores a keyed hash instead of SK_ID_CURR when asked, and still filters by client id', async () => {
    const app = await apiWith({ sqliteFile: path.join(work, 'hashed.sqlite'), hashKey: 'pepper' });
    const applicant = applicants[0];
    expect((await predict(app, applicant)).statusCode).toBe(200);
    await app.predictionLog?.writer.flush();
    const id = applicant.application.SK_ID_CURR;
    const { predictions } = (await app.inject(`/predictions?client=${id}`)).json();
    expect(predictions).toHaveLength(1);
    expect(predictions[0].client).toBe(createHmac('sha256', 'pepper').update(String(id)).digest('hex'));
    expect(predictions[0].application).not.toHaveProperty('SK_ID_CURR');
    expect(JSON.stringify(predictions[0])).not.toContain(`"${id}"`);
    await app.close();
  });

  it('answers 404 on the read routes when the log is off', async () => {
    const app = await buildApp({ modelSource: new BundleSource(bundleDir), defaultMetrics: false });
    const reply = await app.inject('/predictions');
    expect(reply.statusCode).toBe(404);
    expect(reply.json().message).toMatch(/prediction log is off/);
    await app.close();
  });

  it('keeps scoring when the SQLite database is full; failures are counted in /metrics', async () => {
    const file = path.join(work, 'full.sqlite');
    // Created and migrated first, then reopened capped a few pages above its size: the first batches fill it.
    await (await apiWith({ sqliteFile: file })).close();
    const app = await apiWith({
      sqliteFile: file,
      sqliteMaxPageCount: 12,
      writer: { flushIntervalMs: 5, maxAttempts: 2 },
    });
    for (let round = 0; round < 10; round++) {
      const reply = await predict(app, applicants.slice(0, 50));
      expect(reply.statusCode).toBe(200);
      await app.predictionLog?.writer.flush();
    }
    const metrics = (await app.inject('/metrics')).body;
    expect(metric(metrics, 'prediction_log_errors_total{kind="flush"}')).toBeGreaterThan(0);
    expect(metric(metrics, 'prediction_log_rows_dropped_total')).toBeGreaterThan(0);
    expect(
      metric(metrics, 'prediction_log_rows_written_total') +
        metric(metrics, 'prediction_log_rows_dropped_total') +
        metric(metrics, 'prediction_log_queue_rows'),
    ).toBe(500);
    await app.close();
  });

  it('keeps scoring when PostgreSQL drops its connections; the retried batches lose nothing', async () => {
    const database = await freshPostgresDatabase();
    const app = await apiWith({ databaseUrl: database.url, writer: { flushIntervalMs: 20 } });
    const admin = new Client({ connectionString: database.url });
    await admin.connect();
    let sent = 0;
    for (let round = 0; round < 8; round++) {
      if (round % 2 === 1) {
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        );
      }
      const reply = await predict(app, applicants.slice(0, 25));
      expect(reply.statusCode).toBe(200);
      sent += 25;
      await new Promise((r) => setTimeout(r, 30));
    }
    await app.predictionLog?.writer.flush();
    await new Promise((r) => setTimeout(r, 200));
    await app.predictionLog?.writer.flush();
    const metrics = (await app.inject('/metrics')).body;
    expect(metric(metrics, 'prediction_log_errors_total')).toBeGreaterThan(0);
    expect(metric(metrics, 'prediction_log_rows_written_total')).toBe(sent);
    expect(Number((await admin.query('SELECT COUNT(*) AS n FROM predictions')).rows[0].n)).toBe(sent);
    await admin.end();
    await app.close();
    await database.drop();
  });

  it('checks the last window for drift in the API, serves the report and exposes drift gauges', async () => {
    const referenceCsv = path.join(await syntheticDataDir(SYNTHETIC), 'application_train.csv');
    const reports = path.join(work, 'reports');
    const app = await apiWith({ sqliteFile: path.join(work, 'drift.sqlite') }, 'secret', {
      driftReportDir: reports,
      driftMonitor: { referenceCsv, intervalMs: 3_600_000, windowMs: 3_600_000 },
    });
    const key = { 'x-api-key': 'secret' };
    expect((await app.inject({ url: '/monitoring/drift', headers: key })).statusCode).toBe(404);
    expect((await app.inject({ url: '/monitoring/drift/report', headers: key })).statusCode).toBe(404);
    for (let i = 0; i < 2; i++) expect((await predict(app, applicants, key)).statusCode).toBe(200);
    await app.predictionLog?.writer.flush();
    await app.driftReports.runMonitor();

    expect((await app.inject('/monitoring/drift')).statusCode).toBe(401);
    const summary = await app.inject({ url: '/monitoring/drift', headers: key });
    expect(summary.statusCode).toBe(200);
    const body = summary.json();
    expect(body.window.rows).toBe(2 * applicants.length);
    expect(typeof body.shareOfDriftedColumns).toBe('number');
    const page = await app.inject({ url: '/monitoring/drift/report', headers: key });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('AMT_INCOME_TOTAL');
    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toContain(`monitoring_drift_share ${body.shareOfDriftedColumns}`);
    expect(metrics).toContain(`monitoring_window_rows ${2 * applicants.length}`);
    expect(metrics).toMatch(/monitoring_drift_score\{column="AMT_INCOME_TOTAL",stattest="[^"]+"\} [0-9.e-]+/);
    await app.close();
  });
});

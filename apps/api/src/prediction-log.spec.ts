// The prediction log through the API (inject): what a scored request leaves in the log, the read routes behind the
// API key, the keyed-hash mode, and the failures that must never reach a client: a full SQLite database and a
// PostgreSQL connection dropped by the server. Real LightGBM model, real SQLite file, real PostgreSQL server.
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { SYNTHETIC, syntheticDataDir } from '@credit-scoring/data/testing';
import { freshPostgresDatabase } from '@credit-scoring/monitoring/testing';
import { buildApp, type BuildAppOptions } from './app';
import { BundleSource } from './model/sources';
import type { PredictionLogOptions } from './plugins/prediction-log';
import type { ApplicantInput } from './scoring';
import type { ApplicationBody } from './schemas';
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
  predictionLog: PredictionLogOptions | undefined,
  apiKey?: string,
  more: Partial<BuildAppOptions> = {},
  beforeReady?: (app: FastifyInstance) => void,
): Promise<FastifyInstance> {
  const app = await buildApp({
    modelSource: new BundleSource(bundleDir),
    predictionLog,
    apiKey,
    driftReportDir: path.join(work, 'no-reports'),
    ...more,
    defaultMetrics: false,
  });
  beforeReady?.(app);
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
    // A misspelt filter is refused, not dropped (which answered every row, unfiltered).
    const typo = await app.inject({ url: '/predictions?decison=refused&limit=3', headers: key });
    expect(typo.statusCode).toBe(400);
    expect(typo.json().message).toMatch(/decison/);

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

  // Found by schemathesis: a cursor past 2^53, a leap second and a NUL in a version reached PostgreSQL as text it
  // refused (a 500).
  it.each(['sqlite', 'postgresql'])('answers any query the schema allows without a 5xx (%s)', async (kind) => {
    const database = kind === 'postgresql' ? await freshPostgresDatabase() : undefined;
    const app = await apiWith(
      database ? { databaseUrl: database.url } : { sqliteFile: path.join(work, 'edges.sqlite') },
    );
    expect((await predict(app, applicants.slice(0, 3))).statusCode).toBe(200);
    await app.predictionLog?.writer.flush();
    const page = async (query: string) => {
      const reply = await app.inject(`/predictions?${query}`);
      return { status: reply.statusCode, rows: reply.statusCode === 200 ? reply.json().predictions.length : -1 };
    };
    expect(await page('before=6105396282680106426980750065664&decision=refused')).toEqual({ status: 400, rows: -1 });
    expect(await page('modelVersion=3%00&decision=refused')).toEqual({ status: 400, rows: -1 });
    expect(await page('modelVersion=%F1%93%B1%AF')).toEqual({ status: 200, rows: 0 });
    expect(await page(`before=${Number.MAX_SAFE_INTEGER}`)).toEqual({ status: 200, rows: 3 });
    expect(await page('from=2016-12-31T23:59:60Z')).toEqual({ status: 200, rows: 3 });
    expect(await page('to=2016-12-31T23:59:60Z')).toEqual({ status: 200, rows: 0 });
    expect(await page('from=0000-01-01T00:00:00Z&to=9999-12-31T23:59:59.999%2B14:00')).toEqual({
      status: 200,
      rows: 3,
    });
    expect((await app.inject('/predictions/daily?to=2016-12-31T23:59:60Z')).json().days).toEqual([]);
    await app.close();
    await database?.drop();
  });

  it('keeps scoring when the SQLite database is full; failures are counted in /metrics', async () => {
    const file = path.join(work, 'full.sqlite');
    // Created and migrated first, then reopened capped a few pages above its size: the first batches fill it.
    await (await apiWith({ sqliteFile: file })).close();
    const app = await apiWith({
      sqliteFile: file,
      sqliteMaxPageCount: 12,
      writer: { flushIntervalMs: 5, retryForMs: 20 },
    });
    for (let round = 0; round < 10; round++) {
      const reply = await predict(app, applicants.slice(0, 50));
      expect(reply.statusCode).toBe(200);
      await app.predictionLog?.writer.flush();
    }
    // Past the retry window: the failing batch is given up (dropped, counted) on its next try.
    await new Promise((r) => setTimeout(r, 60));
    await app.predictionLog?.writer.flush();
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

  it('logs every decision when scoring outpaces the writer: requests wait for room instead of dropping rows', async () => {
    const file = path.join(work, 'outpaced.sqlite');
    // A queue of 100 rows and 20 batches of 50 sent at once: the queue is full after two.
    const writer = { flushIntervalMs: 10, batchRows: 50, maxQueueRows: 100, waitForRoomMs: 10_000 };
    const app = await apiWith({ sqliteFile: file, writer });
    const replies = await Promise.all(Array.from({ length: 20 }, () => predict(app, applicants.slice(0, 50))));
    expect(replies.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
    await app.predictionLog?.writer.flush();
    const metrics = (await app.inject('/metrics')).body;
    expect(metric(metrics, 'prediction_log_rows_dropped_total')).toBe(0);
    expect(metric(metrics, 'prediction_log_waits_total')).toBeGreaterThan(0);
    expect(metric(metrics, 'prediction_log_rows_written_total')).toBe(1000);
    await app.close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT COUNT(*) AS n FROM predictions').get()).toEqual({ n: 1000 });
    db.close();
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

  it('answers 503 on the read routes while the database is gone, and keeps scoring', async () => {
    const database = await freshPostgresDatabase();
    const app = await apiWith({ databaseUrl: database.url });
    expect((await app.inject('/predictions')).statusCode).toBe(200);
    await database.drop();
    for (const url of ['/predictions', '/predictions/daily']) {
      const reply = await app.inject(url);
      expect(reply.statusCode).toBe(503);
      expect(reply.json().message).toBe(
        "the prediction log's database (postgres) cannot be read now; scoring goes on, retry later",
      );
    }
    expect((await predict(app, applicants[0])).statusCode).toBe(200);
    await app.close();
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

    expect(metrics).toContain('monitoring_report_unreadable 0');

    // A column with no value in the window is drifted with no score (null): the report stays readable, the column is
    // among the drifted ones, and only its score gauge is absent.
    const jsonFile = path.join(reports, 'report.json');
    const written = JSON.parse(readFileSync(jsonFile, 'utf8'));
    const emptied = written.columns.find((c: { column_name: string }) => c.column_name === 'AMT_INCOME_TOTAL');
    Object.assign(emptied, { drift_score: null, drift_detected: true, note: 'no values in the current data' });
    writeFileSync(jsonFile, JSON.stringify(written));
    utimesSync(jsonFile, new Date(), new Date(Date.now() + 500));
    const noScore = await app.inject({ url: '/monitoring/drift', headers: key });
    expect(noScore.statusCode).toBe(200);
    expect(noScore.json().driftedColumns).toContain('AMT_INCOME_TOTAL');
    const scrapedNoScore = (await app.inject('/metrics')).body;
    expect(scrapedNoScore).toContain('monitoring_report_unreadable 0');
    expect(scrapedNoScore).not.toMatch(/monitoring_drift_score\{column="AMT_INCOME_TOTAL"/);
    expect(scrapedNoScore).toMatch(/monitoring_drift_score\{column="AMT_CREDIT",/);

    // A report.json that is not a drift report (written by hand, or by another tool, or cut short): said so (503 and
    // a gauge to alert on), not "no report yet", and the scrape of every other metric goes on (it answered 500).
    for (const odd of ['{}', 'null', '[]', '"x"', '{"dataset": {}, "columns": []}', '{']) {
      writeFileSync(jsonFile, odd);
      utimesSync(jsonFile, new Date(), new Date(Date.now() + 1000 * odd.length)); // a new mtime each time
      const drift = await app.inject({ url: '/monitoring/drift', headers: key });
      expect(drift.statusCode).toBe(503);
      expect(drift.json().message).toMatch(/^the latest drift report cannot be read \(/);
      expect(drift.json().message).not.toContain(reports);
      const scrape = await app.inject('/metrics');
      expect(scrape.statusCode).toBe(200);
      expect(scrape.body).toContain('prediction_log_rows_written_total');
      expect(scrape.body).toContain('monitoring_window_rows 0'); // no report read
      expect(scrape.body).toContain('monitoring_report_unreadable 1');
    }
    await app.close();
  });
});

/**
 * One applicant's body as a client might write it: spaces and newlines, numbers spelt 1.350e5, 0.0 and -0, escaped
 * text, a field twice (the last one counts), nulls; the rest of its real fields after.
 */
function oddlyWritten(application: ApplicantInput['application']): string {
  const odd: Record<string, string> = {
    AMT_INCOME_TOTAL: '1.350e5',
    CNT_CHILDREN: '0.0',
    AMT_ANNUITY: '-0',
    NAME_CONTRACT_TYPE: '"Cash\\u0020loans"',
    CODE_GENDER: '"\\u0046"',
    EXT_SOURCE_1: 'null',
    OWN_CAR_AGE: '12 , "OWN_CAR_AGE" : 13.50',
  };
  const rest = Object.entries(application).filter(([name]) => !(name in odd));
  const fields = [
    ...Object.entries(odd).map(([k, v]) => `"${k}" :  ${v}`),
    ...rest.map(([k, v]) => `"${k}":${JSON.stringify(v)}`),
  ];
  return `{\n  "application" : {\n    ${fields.join(',\n    ')}\n  }\n}`;
}

describe('what the log stores of an application', () => {
  /** The application column as stored, oldest first, read with the engine's own client. */
  async function storedJson(log: PredictionLogOptions): Promise<string[]> {
    if (log.sqliteFile) {
      const db = new Database(log.sqliteFile, { readonly: true });
      const rows = db.prepare('SELECT application FROM predictions ORDER BY id').all() as Array<{
        application: string;
      }>;
      db.close();
      return rows.map((r) => r.application);
    }
    const client = new Client({ connectionString: log.databaseUrl });
    await client.connect();
    const { rows } = await client.query('SELECT application FROM predictions ORDER BY id');
    await client.end();
    return rows.map((r: { application: string }) => r.application);
  }

  const clientsOf = (list: ApplicantInput[]) => {
    const byId = new Map(list.map((a) => [Number(a.application.SK_ID_CURR), a.application as ApplicationBody]));
    return { source: 'the test applicants', size: byId.size, get: (id: number) => byId.get(id) };
  };

  /**
   * Sends single and batch bodies (written oddly, one with a BOM) to /predict and /explain, and scores two known
   * clients; returns what each route had after validation (the stored form until now: JSON.stringify of the
   * validated application), in the order the rows were logged.
   */
  async function scoreAll(log: PredictionLogOptions): Promise<{ expected: string[]; stored: string[] }> {
    const validated: string[] = [];
    const app = await apiWith(
      log,
      undefined,
      // Small batches: one request's rows are written in several transactions.
      { clients: clientsOf(applicants.slice(0, 2)) },
      (api) =>
        api.addHook('preHandler', async (request) => {
          const body = request.body as ApplicantInput | ApplicantInput[] | undefined;
          if (!body) return;
          for (const a of Array.isArray(body) ? body : [body]) {
            const application = { ...a.application };
            if (log.hashKey) delete application.SK_ID_CURR;
            validated.push(JSON.stringify(application));
          }
        }),
    );
    const inject = async (url: string, payload?: string) => {
      const reply = await app.inject({
        method: payload ? 'POST' : 'GET',
        url,
        payload,
        headers: payload ? { 'content-type': 'application/json' } : {},
      });
      expect(reply.statusCode).toBe(200);
      await app.predictionLog?.writer.flush();
    };
    await inject('/predict', oddlyWritten(applicants[0].application));
    await inject(
      '/predict',
      `[${applicants
        .slice(0, 23)
        .map((a) => oddlyWritten(a.application))
        .join(' ,\n')}]`,
    );
    // A body that starts with a byte-order mark (Windows tools write one): accepted, so logged like any other.
    await inject('/predict', `\ufeff${oddlyWritten(applicants[2].application)}`);
    await inject('/explain?top=3', oddlyWritten(applicants[1].application));
    await inject(
      '/explain',
      `[ ${applicants
        .slice(3, 9)
        .map((a) => oddlyWritten(a.application))
        .join(',')} ]`,
    );
    await inject(`/clients/${applicants[1].application.SK_ID_CURR}/prediction`);
    await inject(`/clients/${applicants[0].application.SK_ID_CURR}/explanation`);
    for (const id of [1, 0]) {
      const application = { ...applicants[id].application };
      if (log.hashKey) delete application.SK_ID_CURR;
      validated.push(JSON.stringify(application));
    }
    await app.close();
    return { expected: validated, stored: await storedJson(log) };
  }

  it.each([
    ['SQLite', false],
    ['SQLite, client ids hashed', true],
  ])('is the validated application, exactly, on %s (single, batch, explain, known clients)', async (name, hashed) => {
    const log = { sqliteFile: path.join(work, `exact-${String(hashed)}.sqlite`), ...(hashed ? { hashKey: 'k' } : {}) };
    const { expected, stored } = await scoreAll({ ...log, writer: { batchRows: 7 } });
    expect(expected).toHaveLength(1 + 23 + 1 + 1 + 6 + 2);
    expect(stored).toEqual(expected);
    // The odd spellings were parsed, not copied: 1.350e5 is stored as 135000, the escapes as text.
    expect(JSON.parse(stored[0])).toMatchObject({ AMT_INCOME_TOTAL: 135000, CODE_GENDER: 'F', OWN_CAR_AGE: 13.5 });
    expect(stored.some((json) => json.includes('SK_ID_CURR'))).toBe(!hashed);
  });

  it('is the validated application, exactly, on PostgreSQL', async () => {
    const database = await freshPostgresDatabase();
    const { expected, stored } = await scoreAll({ databaseUrl: database.url, writer: { batchRows: 5 } });
    expect(stored).toHaveLength(34);
    expect(stored).toEqual(expected);
    await database.drop();
  });

  it('logs nothing of a body that is refused, and refuses it as without the log', async () => {
    const file = path.join(work, 'refused.sqlite');
    const withLog = await apiWith({ sqliteFile: file });
    const withoutLog = await apiWith(undefined);
    const { SK_ID_CURR } = applicants[0].application;
    const bodies = [
      '',
      '{"application": {"SK_ID_CURR": 1',
      '{"application": {"SK_ID_CURR": 1}, "__proto__": {"x": 1}}',
      '{"application": {"SK_ID_CURR": 1, "constructor": {"prototype": {"x": 1}}}}',
      JSON.stringify({ application: { ...applicants[0].application, AMT_CREDIT: '1000' } }),
      JSON.stringify({ application: { ...applicants[0].application, NOT_A_FIELD: 1 } }),
      JSON.stringify([{ application: { SK_ID_CURR } }, { application: { SK_ID_CURR: -5 } }]),
    ];
    for (const payload of bodies) {
      const [a, b] = await Promise.all(
        [withLog, withoutLog].map((app) =>
          app.inject({ method: 'POST', url: '/predict', payload, headers: { 'content-type': 'application/json' } }),
        ),
      );
      expect(a.statusCode).toBe(400);
      expect(a.json()).toEqual(b.json());
      expect(a.json().message).toMatch(/\w/);
    }
    await withLog.predictionLog?.writer.flush();
    expect(await withLog.predictionLog?.store.count()).toBe(0);
    await withLog.close();
    await withoutLog.close();
  });
});

// trainer monitor over a window of generated traffic written to a real prediction log (SQLite and PostgreSQL):
// shifted columns are flagged and the others are not, with the same per-column verdicts as `trainer drift` on the
// same rows exported as JSONL; bounds on drift share and refusal rate exit 1 and POST the webhook; --mlflow reads the
// reference sample stored with a registered model version and logs the reports under that version's run.
import * as fs from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pl from 'nodejs-polars';
import { SYNTHETIC, syntheticDataDir } from '@credit-scoring/data/testing';
import { openPredictionStore, type PredictionRecord, type PredictionStore } from '@credit-scoring/monitoring';
import { freshPostgresDatabase } from '@credit-scoring/monitoring/testing';
import { MlflowClient } from '@credit-scoring/tracking';
import { startLocalServer, type LocalServer } from '@credit-scoring/tracking/server';
import { logReference, REFERENCE_ARTIFACT, referenceCsv } from '../pipeline/reference';
import { trainerWithTmpdir } from '../testing/with-tmpdir';
import { runDrift } from './drift';
import { monitorCommand } from './monitor';
import { asRoot, withFullDisk } from '../testing/full-disk';

jest.setTimeout(300_000);

const dir = fs.mkdtempSync(join(tmpdir(), 'monitor-cmd-'));
const SHIFTED = ['AMT_INCOME_TOTAL', 'NAME_CONTRACT_TYPE'];
const WINDOW_START = Date.UTC(2026, 10, 1);
let reference: string;
let traffic: Array<Record<string, unknown>>;

// The reference is every generated application (train and test files: 1,159 rows, above Evidently's 1,000-row
// small-sample limit, so the tests are its distances, not p-values that flag ~5 % of unchanged columns by chance);
// the traffic is 1,500 of those applications drawn again, the shifted columns changed.
beforeAll(async () => {
  const data = await syntheticDataDir(SYNTHETIC);
  const train = pl.readCSV(join(data, 'application_train.csv'), { inferSchemaLength: 10000 }).drop('TARGET');
  const test = pl.readCSV(join(data, 'application_test.csv'), { inferSchemaLength: 10000 });
  const all = pl.concat([train, test.select(...train.columns)], { how: 'vertical' });
  reference = join(dir, 'reference.csv');
  all.writeCSV(reference);
  const pool = all.toRecords() as Array<Record<string, unknown>>;
  traffic = Array.from({ length: 1500 }, (_, i) => pool[(i * 7919) % pool.length]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Scored applicants as the API logs them: only the fields sent, a decision, a time inside the window. */
function records(rows: Array<Record<string, unknown>>, shift: boolean, refusedEvery = 4): PredictionRecord[] {
  return rows.map((row, i) => {
    const application = Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null));
    if (shift) {
      application.AMT_INCOME_TOTAL = (application.AMT_INCOME_TOTAL as number) * 3;
      application.NAME_CONTRACT_TYPE = 'Revolving loans';
    }
    const refused = i % refusedEvery === 0;
    return {
      time: WINDOW_START + i * 1000,
      requestId: `r-${i}`,
      route: '/predict',
      client: String(row.SK_ID_CURR),
      modelVersion: '1',
      probability: refused ? 0.6 : 0.05,
      decision: refused ? 'refused' : 'granted',
      threshold: 0.16,
      latencyMs: 1,
      application,
    };
  });
}

async function quietly(run: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await run(), out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

const WINDOW = [
  '--from',
  new Date(WINDOW_START).toISOString(),
  '--to',
  new Date(WINDOW_START + 86_400_000).toISOString(),
];

describe.each(['sqlite', 'postgres'])('trainer monitor on %s', (engine) => {
  let store: PredictionStore;
  let where: string[];
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    if (engine === 'postgres') {
      const database = await freshPostgresDatabase();
      drop = database.drop;
      where = ['--database-url', database.url];
      store = openPredictionStore({ databaseUrl: database.url });
    } else {
      const file = join(dir, 'log.sqlite');
      where = ['--log-file', file];
      store = openPredictionStore({ sqliteFile: file });
    }
    await store.migrate();
    // Before the window: unshifted traffic that must not count; in it: the shifted window.
    await store.insert(records(traffic.slice(0, 200), false).map((r) => ({ ...r, time: r.time - 7 * 86_400_000 })));
    await store.insert(records(traffic.slice(0, 1500), true));
  });
  afterAll(async () => {
    await store.close();
    await drop?.();
  });

  it('flags the shifted columns and only them, with the verdicts of trainer drift on the same rows', async () => {
    const out = join(dir, `report-${engine}`);
    const monitor = await quietly(() => monitorCommand(['--reference', reference, ...where, ...WINDOW, '--out', out]));
    expect(monitor.err).toBe('');
    expect(monitor.code).toBe(0);
    const report = JSON.parse(fs.readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.window.rows).toBe(1500);
    expect(report.window.refusalRate).toBeCloseTo(0.25, 2);
    type ColumnJson = { column_name: string; drift_detected: boolean; drift_score: number };
    const columns = report.columns as ColumnJson[];
    const drifted = columns
      .filter((c) => c.drift_detected)
      .map((c) => c.column_name)
      .sort();
    expect(drifted).toEqual(SHIFTED);
    expect(fs.readFileSync(join(out, 'report.html'), 'utf8')).toContain('AMT_INCOME_TOTAL');

    const jsonl = join(dir, `export-${engine}.jsonl`);
    const exported = await quietly(() => monitorCommand(['export', ...where, ...WINDOW, '--out', jsonl]));
    expect(exported.code).toBe(0);
    expect(fs.readFileSync(jsonl, 'utf8').trim().split('\n')).toHaveLength(1500);
    expect(fs.statSync(jsonl).mode & 0o777).toBe(0o600);
    const drift = runDrift({ reference, current: jsonl });
    expect(drift.report.columns.map((c) => [c.column, c.driftDetected, c.score])).toEqual(
      columns.map((c) => [c.column_name, c.drift_detected, c.drift_score]),
    );
    // The per-column lines too, threshold included: one format for both commands.
    const columnLines = (text: string) => text.split('\n').filter((line) => line.startsWith('  '));
    expect(columnLines(monitor.out)).toEqual(columnLines(drift.summary));
    expect(columnLines(monitor.out)).toEqual([
      expect.stringMatching(/^ {2}NAME_CONTRACT_TYPE +Jensen-Shannon distance +\S+ \(threshold 0\.1\)$/),
      expect.stringMatching(/^ {2}AMT_INCOME_TOTAL +Wasserstein distance \(normed\) +\S+ \(threshold 0\.1\)$/),
    ]);
  });

  it('exits 1 and POSTs the webhook when drift share or refusal rate leave their bounds', async () => {
    const received: Array<{ alerts: string[] }> = [];
    const hook = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push(JSON.parse(body));
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hook.address() as { port: number }).port}/alert`;
    try {
      const out = join(dir, `alerts-${engine}`);
      const base = ['--reference', reference, ...where, ...WINDOW, '--out', out, '--webhook', url];
      const refusals = await quietly(() => monitorCommand([...base, '--max-refusal-rate', '0.2']));
      expect(refusals.code).toBe(1);
      const drift = await quietly(() => monitorCommand([...base, '--drift-share', '0.01']));
      expect(drift.code).toBe(1);
      const calm = await quietly(() =>
        monitorCommand([...base, '--min-refusal-rate', '0.1', '--max-refusal-rate', '0.3']),
      );
      expect(calm.code).toBe(0);
      expect(received.map((r) => r.alerts)).toEqual([
        [expect.stringMatching(/^refusal rate 0\.25\d* above 0\.2$/)],
        [expect.stringMatching(/^dataset drift: 2 of \d+ columns/)],
      ]);
    } finally {
      hook.close();
    }
  });

  it('exits 2 with one line on bad input', async () => {
    const empty = await quietly(() =>
      monitorCommand([
        '--reference',
        reference,
        ...where,
        '--from',
        '2020-01-01T00:00:00Z',
        '--to',
        '2020-01-02T00:00:00Z',
      ]),
    );
    expect(empty.code).toBe(2);
    expect(empty.err).toMatch(/^trainer monitor: the window holds 0 logged applications, fewer than 100\n$/);
    expect(
      (await quietly(() => monitorCommand([...where, '--window-hours', 'x', '--reference', reference]))).code,
    ).toBe(2);
    expect((await quietly(() => monitorCommand(['export', ...where]))).code).toBe(2);
    const crossed = await quietly(() =>
      monitorCommand([...where, '--reference', reference, '--min-refusal-rate', '0.5', '--max-refusal-rate', '0.1']),
    );
    const other = join(dir, 'other-columns.csv');
    fs.writeFileSync(other, 'a,b,c\n1,2,3\n4,5,6\n');
    const unrelated = await quietly(() => monitorCommand([...where, ...WINDOW, '--reference', other]));
    expect(unrelated.code).toBe(2);
    expect(unrelated.err).toMatch(
      /^trainer monitor: the reference other-columns\.csv shares no column with the logged/,
    );
    expect(crossed).toMatchObject({
      code: 2,
      err: 'trainer monitor: --min-refusal-rate 0.5 is above --max-refusal-rate 0.1\n',
    });
  });
});

describe('trainer monitor when a field goes empty', () => {
  it('counts a field requests carry only as null as drifted, noted in the report; leaves out one never sent', async () => {
    const file = join(dir, 'empty-field.sqlite');
    const log = openPredictionStore({ sqliteFile: file });
    await log.migrate();
    // The client's feed of EXT_SOURCE_3 stopped (sent as null); EXT_SOURCE_1 it never sends at all.
    const rows = records(traffic.slice(0, 1500), false).map((r) => {
      const { EXT_SOURCE_1: _never, ...application } = r.application as Record<string, unknown>;
      return { ...r, application: { ...application, EXT_SOURCE_3: null } };
    });
    await log.insert(rows);
    await log.close();
    const out = join(dir, 'empty-field-report');
    const base = ['--reference', reference, '--log-file', file, ...WINDOW, '--out', out];
    const result = await quietly(() => monitorCommand([...base, '--drift-share', '0.001']));
    expect(result.err).toBe('');
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/EXT_SOURCE_3 +no values in the current data \(reference: \d+\.\d% missing\)\n/);
    const report = JSON.parse(fs.readFileSync(join(out, 'report.json'), 'utf8'));
    type ColumnJson = { column_name: string; drift_detected: boolean; drift_score: number | null; note: string | null };
    const columns = report.columns as ColumnJson[];
    expect(columns.find((c) => c.column_name === 'EXT_SOURCE_3')).toMatchObject({
      drift_detected: true,
      drift_score: null,
      note: expect.stringMatching(/^no values in the current data/),
    });
    expect(columns.map((c) => c.column_name)).not.toContain('EXT_SOURCE_1');
    expect(columns.filter((c) => c.drift_detected).map((c) => c.column_name)).toEqual(['EXT_SOURCE_3']);
    expect(fs.readFileSync(join(out, 'report.html'), 'utf8')).toContain('<small>no values in the current data');
  });
});

describe('trainer monitor reads a log without changing it, and refuses what is not one', () => {
  const exportTo = (where: string[]) =>
    quietly(() => monitorCommand(['export', ...where, '--out', join(dir, 'refused.jsonl')]));

  it("leaves a SQLite log as it found it (mode and bytes): the log is the API user's file", async () => {
    const file = join(dir, 'readonly-log.sqlite');
    const log = openPredictionStore({ sqliteFile: file });
    await log.migrate();
    await log.insert(records(traffic.slice(0, 10), false));
    await log.close();
    fs.chmodSync(file, 0o640);
    const before = fs.readFileSync(file);
    const exported = await quietly(() =>
      monitorCommand(['export', '--log-file', file, '--out', join(dir, 'ro.jsonl')]),
    );
    expect(exported.code).toBe(0);
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('exits 2 naming a SQLite file that is not a prediction log, and leaves it unchanged', async () => {
    const file = join(dir, 'other.sqlite');
    const other = new Database(file);
    other.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)');
    other.close();
    fs.chmodSync(file, 0o644);
    const before = fs.readFileSync(file);
    const refused = await exportTo(['--log-file', file]);
    expect(refused.code).toBe(2);
    expect(refused.err).toBe(
      `trainer monitor: ${file} is not a prediction log (no schema_migrations table; the API creates it when it starts with the log on)\n`,
    );
    expect(fs.statSync(file).mode & 0o777).toBe(0o644);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });

  it('exits 2 with one line naming the flag for a folder or an unusable path, never SQLite\'s "disk I/O error"', async () => {
    const file = join(dir, 'paths-log.sqlite');
    const log = openPredictionStore({ sqliteFile: file });
    await log.migrate();
    await log.insert(records(traffic.slice(0, 150), false));
    await log.close();
    const folder = fs.mkdtempSync(join(dir, 'a-folder-'));
    expect(
      await quietly(() => monitorCommand(['export', '--log-file', folder, '--out', join(dir, 'x.jsonl')])),
    ).toEqual({ code: 2, out: '', err: `trainer monitor: --log-file ${folder} is a folder, not a file\n` });
    expect(await quietly(() => monitorCommand(['export', '--log-file', file, '--out', folder]))).toEqual({
      code: 2,
      out: '',
      err: `trainer monitor: --out ${folder} is a folder; name the file to write\n`,
    });
    const args = ['--log-file', file, ...WINDOW];
    expect(await quietly(() => monitorCommand([...args, '--reference', folder]))).toEqual({
      code: 2,
      out: '',
      err: `trainer monitor: --reference ${folder} is a folder, not a file\n`,
    });
    if (fs.existsSync('/proc/self')) {
      const proc = await quietly(() => monitorCommand([...args, '--reference', reference, '--out', '/proc/monitor']));
      expect(proc.code).toBe(2);
      expect(proc.err).toBe('trainer monitor: --out /proc/monitor cannot be created: /proc takes no new entries\n');
      const exported = await quietly(() =>
        monitorCommand(['export', '--log-file', file, '--out', '/proc/x/log.jsonl']),
      );
      expect(exported.err).toBe(
        'trainer monitor: --out /proc/x/log.jsonl cannot be created: /proc takes no new entries\n',
      );
    }
  });

  it('export refuses an --out it could not write before opening the log, creating nothing', async () => {
    // No log there: had it been opened first, that would be the reason given.
    const where = ['export', '--log-file', join(dir, 'no-such-log.sqlite')];
    const notes = join(dir, 'export-notes.txt');
    fs.writeFileSync(notes, 'keep');
    const refused: Array<[string, string]> = [
      [join(notes, 'log.jsonl'), `--out ${join(notes, 'log.jsonl')}: ${notes} is a file, not a folder`],
      [dir, `--out ${dir} is a folder; name the file to write`],
    ];
    if (fs.existsSync('/proc/self')) {
      refused.push([
        '/proc/credit-scoring.jsonl',
        '--out /proc/credit-scoring.jsonl cannot be written: /proc takes no new entries',
      ]);
    }
    for (const [out, reason] of refused) {
      expect(await quietly(() => monitorCommand([...where, '--out', out]))).toEqual({
        code: 2,
        out: '',
        err: `trainer monitor: ${reason}\n`,
      });
    }
    // A good --out: the log is then opened (and missing), and the --out folder was not made meanwhile.
    const made = join(dir, 'export-folder', 'log.jsonl');
    expect((await quietly(() => monitorCommand([...where, '--out', made]))).err).toMatch(
      /^trainer monitor: no prediction log at/,
    );
    expect(fs.existsSync(join(dir, 'export-folder'))).toBe(false);
  });

  // A real full disk: a 4 KiB tmpfs (mounting takes root) cannot hold the export of 150 logged applications.
  (asRoot ? it : it.skip)(
    'export on a full disk: exit 2, one line naming --out and the reason, no partial file',
    async () => {
      const file = join(dir, 'full-disk-log.sqlite');
      const log = openPredictionStore({ sqliteFile: file });
      await log.migrate();
      await log.insert(records(traffic.slice(0, 150), false));
      await log.close();
      await withFullDisk(join(dir, 'full-disk-'), async (mount) => {
        const out = join(mount, 'log.jsonl');
        expect(await quietly(() => monitorCommand(['export', '--log-file', file, '--out', out]))).toEqual({
          code: 2,
          out: '',
          err: `trainer monitor: --out ${out} cannot be written: no space left on the device (ENOSPC)\n`,
        });
        expect(fs.readdirSync(mount)).toEqual([]);
      });
    },
  );

  it('exits 2 for a PostgreSQL database that does not exist or holds no log', async () => {
    const database = await freshPostgresDatabase();
    try {
      const empty = await exportTo(['--database-url', database.url]);
      expect(empty.code).toBe(2);
      expect(empty.err).toMatch(/is not a prediction log/);
      const missing = new URL(database.url);
      missing.pathname = '/no_such_database';
      const absent = await exportTo(['--database-url', missing.toString()]);
      expect(absent.code).toBe(2);
      expect(absent.err).toMatch(
        /^trainer monitor: cannot read the prediction log at .*no_such_database.*does not exist\n$/,
      );
    } finally {
      await database.drop();
    }
  });
});

describe('trainer monitor writes each report whole or not at all', () => {
  let args: string[];
  beforeAll(async () => {
    const file = join(dir, 'reports-log.sqlite');
    const log = openPredictionStore({ sqliteFile: file });
    await log.migrate();
    await log.insert(records(traffic.slice(0, 150), false));
    await log.close();
    args = ['--reference', reference, '--log-file', file, ...WINDOW];
  });

  it('a folder in report.json’s place: exit 2, one line naming it, no temporary left', async () => {
    const out = fs.mkdtempSync(join(dir, 'taken-report-'));
    fs.mkdirSync(join(out, 'report.json'));
    fs.writeFileSync(join(out, 'report.json', 'keep.txt'), 'keep');
    // Before, Node's own text of the rename ("EISDIR: illegal operation on a directory, rename '…/.report.json.tmp'
    // -> …"), and the temporary left in the folder.
    expect(await quietly(() => monitorCommand([...args, '--out', out]))).toEqual({
      code: 2,
      out: '',
      err: `trainer monitor: --out ${join(out, 'report.json')} cannot be written: it is a folder (EISDIR)\n`,
    });
    expect(fs.readdirSync(out)).toEqual(['report.json']);
    expect(fs.readdirSync(join(out, 'report.json'))).toEqual(['keep.txt']);
  });

  // A real full disk: a 4 KiB tmpfs (mounting takes root) cannot hold report.json.
  (asRoot ? it : it.skip)(
    'on a full disk: exit 2, one line naming report.json (not its temporary), nothing left',
    async () => {
      await withFullDisk(join(dir, 'full-disk-reports-'), async (mount) => {
        // Before: "--out: …/.report.json.tmp cannot be written", and the partial temporary left behind.
        expect(await quietly(() => monitorCommand([...args, '--out', mount]))).toEqual({
          code: 2,
          out: '',
          err:
            `trainer monitor: --out ${join(mount, 'report.json')} cannot be written: ` +
            'no space left on the device (ENOSPC)\n',
        });
        expect(fs.readdirSync(mount)).toEqual([]);
      });
    },
  );
});

describe('trainer monitor with the reference stored with the model version', () => {
  let server: LocalServer | undefined;
  let trackingUri: string;
  beforeAll(async () => {
    trackingUri = process.env.MLFLOW_TRACKING_URI ?? '';
    if (!trackingUri) {
      server = await startLocalServer({ storeDir: fs.mkdtempSync(join(tmpdir(), 'monitor-mlruns-')) });
      trackingUri = server.uri;
    }
  });
  afterAll(async () => server?.stop());

  /** A registered model NAME@champion whose run holds the reference sample, as `trainer run` leaves it. */
  async function championWithReference(client: MlflowClient, name: string) {
    const experimentId = await client.getOrCreateExperiment(name);
    const run = await client.createRun({ experimentId, runName: 'best model' });
    const runId = run.info.runId;
    const application = pl.readCSV(reference, { inferSchemaLength: 10000 });
    const rows = Int32Array.from({ length: application.height }, (_, i) => i);
    await logReference(client, runId, referenceCsv(application, rows, 42));
    await client.endRun(runId);
    await client.getOrCreateRegisteredModel(name);
    const version = await client.createModelVersion({ name, source: `runs:/${runId}/model`, runId });
    await client.setRegisteredModelAlias(name, 'champion', version.version);
    return { runId, version, application };
  }

  /** A SQLite log holding the shifted traffic, scored by that version. */
  async function shiftedLog(file: string, modelVersion: string): Promise<void> {
    const store = openPredictionStore({ sqliteFile: file });
    await store.migrate();
    await store.insert(records(traffic.slice(0, 1500), true).map((r) => ({ ...r, modelVersion })));
    await store.close();
  }

  it('reads the reference sample of NAME@ALIAS and logs metrics and reports under its run', async () => {
    const client = new MlflowClient({ trackingUri });
    const name = `monitor-test-${process.pid}`;
    const { runId, version, application } = await championWithReference(client, name);
    const stored = pl.readCSV((await client.downloadArtifactBytes(runId, REFERENCE_ARTIFACT)).toString());
    expect(stored.height).toBe(Math.min(5000, application.height));
    expect(stored.columns).not.toContain('TARGET');

    const file = join(dir, 'mlflow-log.sqlite');
    await shiftedLog(file, version.version);
    const result = await quietly(() =>
      monitorCommand([
        '--model',
        `${name}@champion`,
        '--tracking-uri',
        trackingUri,
        '--log-file',
        file,
        ...WINDOW,
        '--out',
        join(dir, 'mlflow-report'),
        '--mlflow',
      ]),
    );
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toContain(`(${name} v${version.version})`);
    const logged = await client.getRun(runId);
    expect(logged.metrics['monitor.drift_share']).toBeGreaterThan(0);
    const folders = await client.listArtifacts(runId, 'monitoring');
    const reports = folders.filter((f) => f.isDir);
    expect(reports).toHaveLength(1);
    const html = await client.downloadArtifactBytes(runId, `${reports[0].path}/report.html`);
    expect(html.toString()).toContain('AMT_INCOME_TOTAL');
  });

  // A real full disk: $TMPDIR on a 4 KiB tmpfs (mounting takes root) cannot hold the reference sample.
  (asRoot ? it : it.skip)('a full $TMPDIR for the reference sample: exit 2, one line naming it', async () => {
    const client = new MlflowClient({ trackingUri });
    const name = `monitor-full-tmp-${process.pid}`;
    const { version } = await championWithReference(client, name);
    const file = join(dir, 'full-tmp-log.sqlite');
    await shiftedLog(file, version.version);
    await withFullDisk(join(dir, 'full-tmp-'), async (mount) => {
      const args = ['--model', `${name}@champion`, '--tracking-uri', trackingUri, '--log-file', file, ...WINDOW];
      const r = trainerWithTmpdir(mount, 'monitor', ...args, '--out', join(dir, 'full-tmp-report'));
      // Before: "run … has no reference.csv (trained before the reference sample was stored?): pass --reference CSV
      // (ENOSPC: no space left on device, write)", a full disk taken for a missing file.
      expect(r.stderr).toMatch(
        new RegExp(
          `^trainer monitor: the temporary folder ${mount}/monitor-reference-\\w+ cannot be written: ` +
            'no space left on the device \\(ENOSPC\\)\n$',
        ),
      );
      expect(r.status).toBe(2);
      expect(fs.readdirSync(mount)).toEqual([]);
    });
  });

  it('MLflow refusing the reports: they stay written, the alerts still go out, exit 5 with one line', async () => {
    const client = new MlflowClient({ trackingUri });
    const name = `monitor-refused-${process.pid}`;
    const { runId, version } = await championWithReference(client, name);
    // Deleted after registration: the alias and the reference sample still resolve, the run takes no more metrics.
    const deleted = await fetch(`${trackingUri}/api/2.0/mlflow/runs/delete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ run_id: runId }),
    });
    expect(deleted.status).toBe(200);
    const file = join(dir, 'refused-log.sqlite');
    await shiftedLog(file, version.version);
    const out = join(dir, 'refused-report');
    const args = ['--model', `${name}@champion`, '--tracking-uri', trackingUri, '--log-file', file, ...WINDOW];
    const result = await quietly(() => monitorCommand([...args, '--out', out, '--mlflow', '--drift-share', '0.01']));
    expect(result.code).toBe(5);
    expect(result.err.split('\n')).toEqual([expect.any(String), '']);
    expect(
      result.err.startsWith(
        `trainer monitor: ${join(out, 'report.json')} written (1 alert) but not logged to MLflow at ${trackingUri}: `,
      ),
    ).toBe(true);
    expect(result.out).toMatch(/^ALERT dataset drift: 2 of \d+ columns/m);
    expect(fs.existsSync(join(out, 'report.html'))).toBe(true);
  });
});

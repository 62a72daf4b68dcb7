import { SYNTHETIC, syntheticDataDir } from '@credit-scoring/data/testing';
import { MlflowClient } from '@credit-scoring/tracking';
import { freePort, startLocalServer, type LocalServer } from '@credit-scoring/tracking/server';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pl from 'nodejs-polars';
import { driftCommand } from './drift';

/*
 * The drift command on generated Home Credit files (the command does not depend on which rows; agreement with
 * Evidently on the real sample is libs/drift's evidently-golden.spec.ts): the API's traffic log as current data, the
 * report logged to a real MLflow.
 */
jest.setTimeout(300_000);

let server: LocalServer | undefined;
let trackingUri: string;
const dir = mkdtempSync(join(tmpdir(), 'drift-cmd-'));
let data: string;
let reference: string;

beforeAll(async () => {
  data = await syntheticDataDir(SYNTHETIC);
  reference = join(data, 'application_train.csv');
  trackingUri = process.env.MLFLOW_TRACKING_URI ?? '';
  if (!trackingUri) {
    server = await startLocalServer({ storeDir: mkdtempSync(join(tmpdir(), 'drift-mlruns-')) });
    trackingUri = server.uri;
  }
});
afterAll(async () => server?.stop());

/** Writes (up to) 400 applications of application_test.csv as the API's traffic log writes them (one JSON object a line). */
function trafficLog(shift: (row: Record<string, unknown>) => void): string {
  const rows = pl
    .readCSV(join(data, 'application_test.csv'), { inferSchemaLength: 10000 })
    .head(400)
    .toRecords() as Array<Record<string, unknown>>;
  const file = join(dir, `traffic-${Math.random().toString(36).slice(2)}.jsonl`);
  const lines = rows.map((application) => {
    shift(application);
    // The API logs only the fields a client sent: drop the missing ones.
    const sent = Object.fromEntries(Object.entries(application).filter(([, v]) => v !== null));
    return JSON.stringify({
      time: '2026-11-28T00:00:00Z',
      route: '/predict',
      modelVersion: '1',
      probability: 0.1,
      decision: 'granted',
      application: sent,
    });
  });
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('trainer drift', () => {
  it('compares the reference with the API traffic log and logs the report to MLflow', async () => {
    const current = trafficLog(() => undefined);
    const out = join(dir, 'plain');
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let code: number;
    try {
      code = await driftCommand([
        '--reference',
        reference,
        '--current',
        current,
        '--out',
        out,
        '--mlflow',
        '--tracking-uri',
        trackingUri,
        '--experiment',
        `drift-test-${process.pid}`,
      ]);
    } finally {
      write.mockRestore();
    }
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(code).toBe(report.dataset.dataset_drift ? 1 : 0);
    expect(existsSync(join(out, 'report.html'))).toBe(true);

    const client = new MlflowClient({ trackingUri });
    const experiment = await client.getExperimentByName(`drift-test-${process.pid}`);
    const [run] = (await client.searchRuns({ experimentIds: [experiment!.experimentId] })).runs;
    expect(run.info.status).toBe('FINISHED');
    expect(run.metrics.drift_share).toBeCloseTo(report.dataset.share_of_drifted_columns, 12);
    const html = await client.downloadArtifactBytes(run.info.runId, 'drift/report.html');
    expect(html.toString()).toContain('AMT_INCOME_TOTAL');
  });

  it('exits 1 when the traffic has drifted (incomes x3, external scores shifted)', async () => {
    const current = trafficLog((row) => {
      for (const key of Object.keys(row)) {
        if (typeof row[key] !== 'number' || key === 'SK_ID_CURR') continue;
        row[key] = (row[key] as number) * 3 + 1;
      }
    });
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await driftCommand(['--reference', reference, '--current', current, '--out', join(dir, 'shifted')])).toBe(
        1,
      );
    } finally {
      write.mockRestore();
    }
  });

  it('counts a column with no value in the current file as drifted, and writes the report saying why', async () => {
    const blanked = (file: string, column: string) =>
      pl
        .readCSV(join(data, file), { inferSchemaLength: 10000 })
        .withColumns(pl.lit(null).cast(pl.Float64).alias(column));
    const current = join(dir, 'no-ext-source-2.csv');
    blanked('application_test.csv', 'EXT_SOURCE_2').writeCSV(current);
    const out = join(dir, 'feed-stopped');
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const args = ['--reference', reference, '--current', current, '--out', out];
      expect(await driftCommand([...args, '--columns', 'EXT_SOURCE_2,AMT_CREDIT'])).toBe(1);
      expect(stderr).not.toHaveBeenCalled();
      const printed = stdout.mock.calls.map((c) => String(c[0])).join('');
      expect(printed).toMatch(/EXT_SOURCE_2 +no values in the current data \(reference: \d+\.\d% missing\)\n/);
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
      const column = report.columns.find((c: { column_name: string }) => c.column_name === 'EXT_SOURCE_2');
      expect(column).toMatchObject({
        drift_detected: true,
        drift_score: null,
        current_missing_share: 1,
        note: expect.stringMatching(/^no values in the current data/),
      });
      expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<small>no values in the current data');

      // The other way round: the reference cannot test the column, so it is left out and named, not refused.
      const emptyReference = join(dir, 'reference-no-ext-source-2.csv');
      blanked('application_train.csv', 'EXT_SOURCE_2').writeCSV(emptyReference);
      stderr.mockClear();
      const code = await driftCommand(['--reference', emptyReference, '--current', current, '--out', out]);
      expect(code === 0 || code === 1).toBe(true);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toContain(
        'warning: not compared, no value in reference-no-ext-source-2.csv: EXT_SOURCE_2\n',
      );
      const again = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
      expect(again.dataset.empty_reference_columns).toEqual(['EXT_SOURCE_2']);
      expect(again.columns.map((c: { column_name: string }) => c.column_name)).not.toContain('EXT_SOURCE_2');
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });

  it('MLflow down: the report is written, one line says where it is and where it is not, exit 4 or 5', async () => {
    const closed = await freePort(); // nothing listens there
    const down = `http://ann:s3cret@127.0.0.1:${closed}`;
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      for (const [current, status, verdict] of [
        [reference, 4, 'no dataset drift'], // the reference against itself: no drift
        [
          trafficLog((row) => void (row.AMT_INCOME_TOTAL = (row.AMT_INCOME_TOTAL as number) * 3)),
          5,
          'dataset drift detected',
        ],
      ] as const) {
        const out = join(dir, `mlflow-down-${status}`);
        stderr.mockClear();
        const args = ['--reference', reference, '--current', current, '--out', out, '--columns', 'AMT_INCOME_TOTAL'];
        expect(await driftCommand([...args, '--mlflow', '--tracking-uri', down])).toBe(status);
        expect(existsSync(join(out, 'report.html'))).toBe(true);
        const lines = stderr.mock.calls.map((c) => String(c[0]));
        expect(lines).toEqual([
          `trainer drift: ${join(out, 'report.json')} written (${verdict}) but not logged to MLflow at ` +
            `http://127.0.0.1:${closed}: the server is not reachable (GET /api/2.0/mlflow/experiments/get-by-name, ` +
            `4 attempts): ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:${closed})\n`,
        ]);
      }
      expect(stdout.mock.calls.join('')).not.toContain('s3cret');
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });

  it('--experiment naming a deleted experiment: one line saying so and how to restore it (report written, exit 4)', async () => {
    const client = new MlflowClient({ trackingUri });
    const name = `drift-deleted-${process.pid}`;
    const id = await client.getOrCreateExperiment(name);
    const deleted = await fetch(`${client.trackingUri}/api/2.0/mlflow/experiments/delete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ experiment_id: id }),
    });
    expect(deleted.status).toBe(200);
    const out = join(dir, 'deleted-experiment');
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const args = ['--reference', reference, '--current', reference, '--out', out, '--columns', 'AMT_CREDIT'];
      expect(await driftCommand([...args, '--mlflow', '--tracking-uri', trackingUri, '--experiment', name])).toBe(4);
      expect(stderr.mock.calls.map((c) => String(c[0]))).toEqual([
        `trainer drift: ${join(out, 'report.json')} written (no dataset drift) but not logged to MLflow at ` +
          `${client.trackingUri}: MLflow experiment '${name}' is deleted (id ${id}): restore it with ` +
          `\`mlflow experiments restore --experiment-id ${id}\`, or choose another experiment name\n`,
      ]);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });

  it('exits 2 with one line on bad input, writing nothing', async () => {
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const broken = join(dir, 'broken.jsonl');
      writeFileSync(broken, '{"application": {"AMT_CREDIT": 1}}\nnot json\n');
      expect(await driftCommand(['--reference', reference, '--current', broken, '--out', join(dir, 'never')])).toBe(2);
      expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(/line 2 is not JSON\n$/);
      expect(existsSync(join(dir, 'never'))).toBe(false);
      expect(await driftCommand(['--reference', reference])).toBe(2);
      // Another table (bureau.csv shares one column with the applications): not a drift verdict (exit 1) but exit 2.
      err.mockClear();
      const bureau = join(data, 'bureau.csv');
      expect(await driftCommand(['--reference', reference, '--current', bureau, '--out', join(dir, 'never')])).toBe(2);
      expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(
        /bureau\.csv has only 1 of the reference's \d+ columns .*not the same table\? Name the columns to compare/,
      );
      expect(existsSync(join(dir, 'never'))).toBe(false);
      err.mockClear();
      const repeated = join(dir, 'repeated.csv');
      writeFileSync(repeated, 'AMT_CREDIT,AMT_ANNUITY,AMT_CREDIT\n1,2,3\n4,5,6\n');
      expect(await driftCommand(['--reference', reference, '--current', repeated, '--out', join(dir, 'never')])).toBe(
        2,
      );
      expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(
        /column 'AMT_CREDIT' appears twice in the header\n$/,
      );
      err.mockClear();
      const twice = ['--categorical', 'CNT_CHILDREN,FLAG_OWN_CAR', '--numeric', 'CNT_CHILDREN'];
      const args = ['--reference', reference, '--current', reference, '--out', join(dir, 'never'), ...twice];
      expect(await driftCommand(args)).toBe(2);
      expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(
        /column\(s\) CNT_CHILDREN given to both --categorical and --numeric\n$/,
      );
      expect(existsSync(join(dir, 'never'))).toBe(false);
    } finally {
      err.mockRestore();
    }
  });
});

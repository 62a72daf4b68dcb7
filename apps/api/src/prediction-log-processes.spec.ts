// The prediction log across real API processes (the compiled build, as production runs it): two processes writing
// 10,000 requests each into one PostgreSQL keep every row exactly once; a process killed with SIGKILL while it
// writes loses no acknowledged request older than the batch window (PREDICTION_LOG_FLUSH_MS = 50 ms here, so rows
// answered more than WINDOW_MS before the kill must all be there), on SQLite and on PostgreSQL.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { freshPostgresDatabase } from '@credit-scoring/monitoring/testing';
import { applicantsFor, generatedTables, heldOutRows, trainSmallModel, writeBundle } from './testing/trained-model';

const root = path.resolve(__dirname, '..', '..', '..');
const FLUSH_MS = 50;
/** Documented loss bound of a crash: one flush interval for the timer, one for a flush in progress, plus slack. */
const WINDOW_MS = 2 * FLUSH_MS + 100;

let work: string;
let compiled: string;
let bundleDir: string;
let bodies: string[];

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'log-processes-'));
  // Inside the repository, so that the build's require() calls find node_modules.
  compiled = path.join(root, 'tmp', `log-processes-build-${process.pid}`, 'main.js');
  const build = spawnSync(process.execPath, [path.join(root, 'tools', 'deploy', 'build-api.js'), '--out', compiled], {
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`the API build failed: ${build.stderr}`);
  const tables = await generatedTables();
  const model = await trainSmallModel(tables, { rounds: 10 });
  bundleDir = await writeBundle(path.join(work, 'bundle'), model.package, { name: 'credit-scoring', version: '4' });
  model.booster.free();
  bodies = applicantsFor(tables, heldOutRows(tables, 100)).map((a) => JSON.stringify({ application: a.application }));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(path.dirname(compiled), { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Api {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

async function startApi(env: Record<string, string>): Promise<Api> {
  const port = await freePort();
  const child = spawn(process.execPath, [compiled], {
    env: {
      PATH: process.env.PATH,
      OMP_WAIT_POLICY: 'PASSIVE',
      PORT: String(port),
      MODEL_BUNDLE_DIR: bundleDir,
      LOG_LEVEL: 'warn',
      PREDICTION_LOG_FLUSH_MS: String(FLUSH_MS),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`API exited with ${child.exitCode}: ${stderr}`);
    const ready = await fetch(`${url}/ready`).then(
      (r) => r.status,
      () => 0,
    );
    if (ready === 200) return { child, url, exited };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`API not ready: ${stderr}`);
}

/** POST /predict with a request id; resolves with the status (0 when the connection failed). */
function post(agent: http.Agent, url: string, body: string, requestId: string): Promise<number> {
  return new Promise((resolve) => {
    const request = http.request(
      `${url}/predict`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'x-request-id': requestId } },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', () => resolve(0));
      },
    );
    request.on('error', () => resolve(0));
    request.end(body);
  });
}

/** `total` requests over `connections` keep-alive connections, as fast as the API answers. */
async function closedLoop(url: string, prefix: string, total: number, connections: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  let next = 0;
  let ok = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < total) {
        const i = next++;
        if ((await post(agent, url, bodies[i % bodies.length], `${prefix}-${i}`)) === 200) ok++;
      }
    }),
  );
  agent.destroy();
  return ok;
}

describe('the prediction log across API processes', () => {
  it('two API processes × 10,000 requests into one PostgreSQL: every row present exactly once', async () => {
    const database = await freshPostgresDatabase();
    const apis = await Promise.all([
      startApi({ DATABASE_URL: database.url }),
      startApi({ DATABASE_URL: database.url }),
    ]);
    const acknowledged = await Promise.all(apis.map((api, k) => closedLoop(api.url, `p${k}`, 10_000, 8)));
    expect(acknowledged).toEqual([10_000, 10_000]);
    // A graceful stop writes what is still queued.
    for (const api of apis) api.child.kill('SIGTERM');
    expect(await Promise.all(apis.map((api) => api.exited))).toEqual([0, 0]);

    const client = new Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query('SELECT COUNT(*) AS n, COUNT(DISTINCT request_id) AS ids FROM predictions');
    const ids = await client.query('SELECT request_id FROM predictions');
    await client.end();
    await database.drop();
    expect(Number(rows[0].n)).toBe(20_000);
    expect(Number(rows[0].ids)).toBe(20_000);
    const expected = new Set([0, 1].flatMap((k) => Array.from({ length: 10_000 }, (_, i) => `p${k}-${i}`)));
    expect(new Set(ids.rows.map((r) => r.request_id))).toEqual(expected);
  });

  describe.each(['sqlite', 'postgres'])('kill -9 during writes (%s)', (engine) => {
    it(`loses no request acknowledged more than ${WINDOW_MS} ms before the kill`, async () => {
      const database = engine === 'postgres' ? await freshPostgresDatabase() : undefined;
      const file = path.join(work, `kill-${engine}.sqlite`);
      const api = await startApi(database ? { DATABASE_URL: database.url } : { PREDICTION_LOG_FILE: file });
      // Open loop at 1,000 requests/s over 16 connections; the kill lands while requests and flushes are in flight.
      const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
      const answeredAt = new Map<string, number>();
      const pending: Array<Promise<void>> = [];
      const started = Date.now();
      let killedAt = 0;
      for (let i = 0; ; i++) {
        const due = started + i;
        if (!killedAt && Date.now() - started >= 2000) {
          api.child.kill('SIGKILL');
          killedAt = Date.now();
        }
        if (killedAt && Date.now() - killedAt > 200) break;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const id = `k-${i}`;
        pending.push(
          post(agent, api.url, bodies[i % bodies.length], id).then((status) => {
            if (status === 200) answeredAt.set(id, Date.now());
          }),
        );
      }
      await Promise.all(pending);
      agent.destroy();
      await api.exited;

      let logged: string[];
      if (database) {
        const client = new Client({ connectionString: database.url });
        await client.connect();
        logged = (await client.query('SELECT request_id FROM predictions')).rows.map((r) => r.request_id);
        await client.end();
        await database.drop();
      } else {
        const db = new Database(file);
        logged = (db.prepare('SELECT request_id FROM predictions').all() as Array<{ request_id: string }>).map(
          (r) => r.request_id,
        );
        db.close();
      }
      const present = new Set(logged);
      expect(present.size).toBe(logged.length); // no row twice
      const old = [...answeredAt].filter(([, at]) => at < killedAt - WINDOW_MS);
      const lost = [...answeredAt].filter(([id]) => !present.has(id));
      expect(answeredAt.size).toBeGreaterThan(500);
      // A failure shows how long before the kill each such request was answered (ms), to tell a slow flush from a lost one.
      expect(old.filter(([id]) => !present.has(id)).map(([id, at]) => [id, killedAt - at])).toEqual([]);
      // What a crash may lose is bounded by the window: the lost rows were all answered in its last WINDOW_MS.
      for (const [, at] of lost) expect(at).toBeGreaterThanOrEqual(killedAt - WINDOW_MS);
      process.stdout.write(
        `kill -9 (${engine}): ${answeredAt.size} acknowledged, ${logged.length} logged, ${lost.length} lost ` +
          `(all answered within ${WINDOW_MS} ms of the kill)\n`,
      );
    });
  });
});

// Faults at the connection level, with real sockets and a real process: a stalled upload is cut at the request
// deadline; SIGTERM exits within the shutdown deadline even while a client holds a request open; a truncated model
// file at start gives a 503 with a reason on /ready (no exit, no server path), not a crash inside LightGBM.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { generateSynthetic, loadTables } from '@credit-scoring/data';
import { FeaturePipeline } from '@credit-scoring/features';
import { Dataset, train } from '@credit-scoring/lightgbm';
import { buildApp } from './app';
import { BundleSource } from './model/sources';
import { redact } from './model/model-store';
import { TEST_COST, TEST_THRESHOLD, writeBundle } from './testing/trained-model';

const root = path.resolve(__dirname, '..', '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const main = path.join(__dirname, 'main.ts');
// The workspace's path mapping, so the child runs this checkout's libraries (not whatever node_modules links to).

// Sends the headers of a POST announcing 100 body bytes and then only 7 of them; resolves with what the server wrote
// and how long the connection stayed open.
function stalledUpload(port: number): { socket: net.Socket; done: Promise<{ response: string; ms: number }> } {
  const started = Date.now();
  const socket = net.connect(port, '127.0.0.1');
  let response = '';
  socket.on('data', (chunk) => (response += chunk.toString()));
  socket.on('error', () => undefined);
  socket.write(
    'POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":1,',
  );
  const done = new Promise<{ response: string; ms: number }>((resolve) =>
    socket.on('close', () => resolve({ response, ms: Date.now() - started })),
  );
  return { socket, done };
}

function startApi(env: Record<string, string>): {
  port: Promise<number>;
  exited: Promise<number | null>;
  kill: (s: NodeJS.Signals) => void;
  ready: () => Promise<Response>;
} {
  const portPromise = new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
  let child: ReturnType<typeof spawn> | undefined;
  const exited = portPromise.then((port) => {
    child = spawn(tsx, ['--tsconfig', path.join(root, 'tsconfig.base.json'), main], {
      cwd: root,
      env: { ...process.env, MLFLOW_TRACKING_URI: '', LOG_LEVEL: 'warn', PORT: String(port), ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
  });
  const ready = async (): Promise<Response> => {
    const port = await portPromise;
    for (let i = 0; i < 300; i++) {
      const health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
      if (health?.ok) return fetch(`http://127.0.0.1:${port}/ready`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the API did not start');
  };
  return { port: portPromise, exited, kill: (signal) => child?.kill(signal), ready };
}

describe('request deadline (in-process server, real socket)', () => {
  let app: FastifyInstance;
  let port: number;

  beforeAll(async () => {
    app = await buildApp({
      modelSource: new BundleSource(path.join(root, 'tmp', 'no-such-bundle')),
      autoLoadModel: false,
      timeouts: { requestMs: 1000 },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as net.AddressInfo).port;
  });
  afterAll(() => app.close());

  it('answers a stalled upload 408 and closes its connection at the deadline', async () => {
    const { done } = stalledUpload(port);
    const { response, ms } = await done;
    expect(response).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(3000);
  });

  it('keeps serving other clients meanwhile', async () => {
    const { done } = stalledUpload(port);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    await done;
  });
});

describe('main.ts deadlines as a process', () => {
  it('exits 0 within SHUTDOWN_TIMEOUT_MS on SIGTERM although a client holds a request open', async () => {
    const api = startApi({
      MODEL_BUNDLE_DIR: path.join(root, 'tmp', 'no-such-bundle'),
      REQUEST_TIMEOUT_MS: '60000',
      SHUTDOWN_TIMEOUT_MS: '1500',
    });
    expect((await api.ready()).status).toBe(503);
    const { done } = stalledUpload(await api.port);
    await new Promise((r) => setTimeout(r, 200));
    const signalled = Date.now();
    api.kill('SIGTERM');
    const code = await api.exited;
    const took = Date.now() - signalled;
    expect(code).toBe(0);
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(4000);
    await done;
  }, 60_000);
});

describe('SIGTERM drains before it closes', () => {
  /** GET on one kept-alive socket; resolves with the status and the Connection header, or the socket's error. */
  const get = (agent: http.Agent, port: number, url: string) =>
    new Promise<{ status?: number; connection?: string; error?: string }>((resolve) => {
      http
        .get({ host: '127.0.0.1', port, path: url, agent }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode, connection: res.headers.connection }));
        })
        .on('error', (error) => resolve({ error: error.message }));
    });

  it('answers a request sent on a kept-alive connection after the signal, telling it to close; /ready 503', async () => {
    const api = startApi({ MODEL_BUNDLE_DIR: path.join(root, 'tmp', 'no-such-bundle'), SHUTDOWN_DRAIN_MS: '1500' });
    await api.ready();
    const port = await api.port;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    expect((await get(agent, port, '/health')).status).toBe(200); // the socket is now idle and kept alive
    const signalled = Date.now();
    api.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    // Before, the server closed at once: the idle socket destroyed (a request already on its way got a reset).
    expect(await get(agent, port, '/health')).toEqual({ status: 200, connection: 'close' });
    const ready = await fetch(`http://127.0.0.1:${port}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ ready: false, reason: 'shutting down' });
    expect(await api.exited).toBe(0);
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(1400);
    agent.destroy();
  }, 60_000);

  it('answers a connection opened in the drain whose request comes after it; refuses new connections then', async () => {
    const api = startApi({ MODEL_BUNDLE_DIR: path.join(root, 'tmp', 'no-such-bundle'), SHUTDOWN_DRAIN_MS: '1000' });
    await api.ready();
    const port = await api.port;
    api.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    // Accepted during the drain; its request is sent just after the drain ends. Closing the idle connections at the
    // drain's end cut it (a reset, or an empty close: the request never answered).
    const late = net.connect(port, '127.0.0.1');
    let answer = '';
    late.on('data', (chunk) => (answer += String(chunk)));
    const ended = new Promise<string>((resolve) => {
      late.on('close', () => resolve(answer));
      late.on('error', (error) => resolve(`error: ${error.message}`));
    });
    await new Promise((r) => setTimeout(r, 800));
    late.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    const refused = await new Promise<string>((resolve) =>
      net
        .connect(port, '127.0.0.1', () => resolve('connected'))
        .on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message)),
    );
    const response = await ended;
    expect(response).toMatch(/^HTTP\/1\.1 200 /);
    expect(response.toLowerCase()).toContain('connection: close');
    expect(refused).toBe('ECONNREFUSED');
    expect(await api.exited).toBe(0);
  }, 60_000);
});

describe('a truncated model.lgb at start', () => {
  let dir: string;

  beforeAll(async () => {
    // A real bundle from generated data (no data files needed): the synthetic tables, the real pipeline and LightGBM.
    dir = mkdtempSync(path.join(os.tmpdir(), 'api-truncated-'));
    await generateSynthetic({ rows: 400, seed: 3, out: path.join(dir, 'data') });
    const tables = await loadTables(path.join(dir, 'data'), { application: 'train' });
    const pipeline = FeaturePipeline.fit(tables);
    const matrix = pipeline.transform(tables);
    const dataset = new Dataset(matrix.data, {
      nRows: matrix.nRows,
      nCols: matrix.nCols,
      label: matrix.target ?? undefined,
      featureNames: matrix.featureNames,
      categoricalFeatures: matrix.categoricalFeatures,
      params: { verbose: -1 },
    });
    const booster = await train(
      { objective: 'binary', num_leaves: 7, min_data_in_leaf: 10, verbose: -1, num_threads: 1 },
      dataset,
      { numBoostRound: 5 },
    );
    await writeBundle(
      path.join(dir, 'bundle'),
      {
        modelText: booster.saveModel(),
        featureNames: matrix.featureNames,
        featurePipeline: pipeline.toJSON(),
        threshold: TEST_THRESHOLD,
        cost: TEST_COST,
        metrics: {},
      },
      { name: 'credit-scoring', version: '1' },
    );
    // Truncate model.lgb and record the truncated file's checksum too: the package's sha256 check would refuse it
    // first; this is the second line, for model text that never went through a package's checksum.
    const modelFile = path.join(dir, 'bundle', 'model.lgb');
    const truncated = readFileSync(modelFile, 'utf8').slice(0, Math.floor(booster.saveModel().length / 2));
    writeFileSync(modelFile, truncated);
    const checksumsFile = path.join(dir, 'bundle', 'checksums.json');
    const checksums = JSON.parse(readFileSync(checksumsFile, 'utf8')) as Record<string, string>;
    checksums['model.lgb'] = `sha256:${createHash('sha256').update(truncated).digest('hex')}`;
    writeFileSync(checksumsFile, JSON.stringify(checksums));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers /ready 503 with a reason (no server path) and keeps running', async () => {
    const api = startApi({ MODEL_BUNDLE_DIR: path.join(dir, 'bundle') });
    let ready = await api.ready();
    let body = (await ready.json()) as { ready: boolean; reason: string };
    // until the first load attempt has finished, the reason is "loading ..."
    for (let i = 0; i < 100 && body.reason?.startsWith('loading'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      ready = await fetch(`http://127.0.0.1:${await api.port}/ready`);
      body = (await ready.json()) as { ready: boolean; reason: string };
    }
    expect(ready.status).toBe(503);
    expect(body.ready).toBe(false);
    expect(body.reason).toMatch(/invalid LightGBM model text: .*truncated/);
    expect(body.reason).not.toContain(dir);
    api.kill('SIGTERM');
    expect(await api.exited).toBe(0);
  }, 120_000);
});

describe('the /ready reason shown to anyone', () => {
  it('keeps what went wrong, not server paths or the MLflow URI', () => {
    const fromBundle = redact(
      'model bundle /srv/app/dist/model-bundle: cannot read /srv/app/dist/model-bundle/MLmodel',
    );
    expect(fromBundle).toBe('model bundle …/model-bundle: cannot read …/MLmodel');
    const fromMlflow = redact(
      'MLflow at http://user:secret@10.0.0.5:5000 unreachable (models:/credit-scoring@champion)',
    );
    expect(fromMlflow).not.toMatch(/secret|10\.0\.0\.5/);
    expect(fromMlflow).toContain('models:/credit-scoring@champion');
  });
});

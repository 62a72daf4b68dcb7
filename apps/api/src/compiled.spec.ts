// The compiled API (tools/deploy/build-api.js → one CommonJS file run by plain node, as npm run serve, the Procfile
// and the image run it) answers over HTTP exactly what the TypeScript app answers through inject() for the same bundle;
// a corrupt bundle leaves it running, not ready, with the reason.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, statSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildApp } from './app';
import { BundleSource } from './model/sources';
import { applicantsFor, generatedTables, heldOutRows, trainSmallModel, writeBundle } from './testing/trained-model';

const root = path.resolve(__dirname, '..', '..', '..');
let work: string;
let compiled: string;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts the compiled server on a bundle; resolves once it answers /health. */
async function startCompiled(bundleDir: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [compiled], {
    cwd: work,
    env: {
      ...process.env,
      MLFLOW_TRACKING_URI: '',
      MODEL_BUNDLE_DIR: bundleDir,
      PORT: String(port),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the compiled API exited with ${child.exitCode}: ${stderr}`);
    if (
      await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { url, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('the compiled API did not answer /health within 30 s');
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'api-compiled-'));
  // Inside the workspace, as dist/apps/api is: the bundle requires its npm packages from the workspace node_modules.
  compiled = path.join(root, 'tmp', `api-compiled-${process.pid}`, 'main.js');
  const build = spawnSync(process.execPath, [path.join(root, 'tools', 'deploy', 'build-api.js'), '--out', compiled], {
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`the API build failed: ${build.stderr}`);
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(path.dirname(compiled), { recursive: true, force: true });
});

describe('the compiled API', () => {
  it('scores over HTTP exactly as the TypeScript app does through inject()', async () => {
    // Generated applicants: the build, not the data, is under test here (and it runs from a bare clone).
    const tables = await generatedTables();
    const model = await trainSmallModel(tables, { rounds: 12 });
    const bundle = await writeBundle(path.join(work, 'bundle'), model.package, {
      name: 'credit-scoring',
      version: '4',
    });
    const rows = heldOutRows(tables, 40);
    const body = applicantsFor(tables, rows);

    const app = await buildApp({ modelSource: new BundleSource(bundle), defaultMetrics: false });
    await app.ready();
    await app.modelStore.whenReady(30_000);
    const injected = await app.inject({ method: 'POST', url: '/predict', payload: body });
    await app.close();
    expect(injected.statusCode).toBe(200);

    const { url, child } = await startCompiled(bundle);
    try {
      let ready: Response | undefined;
      for (let i = 0; i < 100 && ready?.status !== 200; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 100));
        ready = await fetch(`${url}/ready`);
      }
      expect(await ready?.json()).toEqual({
        ready: true,
        modelVersion: '4',
        source: 'bundle',
        sourceKind: 'bundle',
        fallback: false,
      });
      const answer = await fetch(`${url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual(injected.json());
    } finally {
      expect(await stop(child)).toBe(0);
    }
  });

  it('keeps running on a truncated model: /ready is 503 with the reason, scoring 503, SIGTERM exits 0', async () => {
    const tables = await generatedTables();
    const model = await trainSmallModel(tables, { rounds: 12 });
    const bundle = await writeBundle(path.join(work, 'truncated'), model.package, {
      name: 'credit-scoring',
      version: '5',
    });
    const lgb = path.join(bundle, 'model.lgb');
    truncateSync(lgb, Math.floor(statSync(lgb).size / 2));
    const { url, child } = await startCompiled(bundle);
    try {
      let ready: Response | undefined;
      let reason = '';
      for (let i = 0; i < 100 && !reason.includes('checksum'); i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 100));
        ready = await fetch(`${url}/ready`);
        reason = ((await ready.json()) as { reason?: string }).reason ?? '';
      }
      expect(ready?.status).toBe(503);
      expect(reason).toMatch(/model\.lgb does not match its recorded checksum/);
      const scored = await fetch(`${url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ application: { SK_ID_CURR: 1, AMT_CREDIT: 1, AMT_INCOME_TOTAL: 1 } }),
      });
      expect(scored.status).toBe(503);
      expect(child.exitCode).toBeNull();
    } finally {
      expect(await stop(child)).toBe(0);
    }
  });
});

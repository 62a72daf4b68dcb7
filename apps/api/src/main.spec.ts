// The real entry point as a process: configuration errors stop it with one clear line; started, it listens, answers
// liveness at once (readiness 503 while no model can be loaded), and exits 0 on SIGTERM and SIGINT.
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { DEFAULT_BUNDLE_DIR } from '@credit-scoring/tracking';
import { configFromEnv, ConfigError, parseModelUri } from './config';
import { sourcesFromConfig } from './main';

const root = path.resolve(__dirname, '..', '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const main = path.join(__dirname, 'main.ts');
// The compiled build (what npm run serve, the Procfile and the image run), built from these sources for this test run.
const compiled = path.join(root, 'tmp', `api-build-${process.pid}`, 'main.js');
// tsx resolves @credit-scoring/* through the workspace's path aliases (not node_modules links, which a git worktree
// may share with another checkout).
const aliases = { TSX_TSCONFIG_PATH: path.join(root, 'tsconfig.base.json') };

/** The two ways the API runs: from TypeScript through tsx (development) and compiled (production). */
const RUNTIMES: Array<[string, () => [string, string[]]]> = [
  ['tsx', () => [tsx, [main]]],
  ['compiled', () => [process.execPath, [compiled]]],
];

beforeAll(() => {
  const build = spawnSync(process.execPath, [path.join(root, 'tools', 'deploy', 'build-api.js'), '--out', compiled], {
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`the API build failed: ${build.stderr}`);
});

afterAll(() => rmSync(path.dirname(compiled), { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('configuration', () => {
  it('turns the prediction log on by default (SQLite), PostgreSQL with DATABASE_URL, off on request', () => {
    expect(configFromEnv({}).predictionLog).toEqual({
      databaseUrl: undefined,
      sqliteFile: 'data/monitoring/predictions.sqlite',
      hashKey: undefined,
      retentionDays: 0,
      flushIntervalMs: 50,
      batchRows: 500,
      retrySeconds: 30,
      waitMs: 1000,
      writerPriority: 'idle',
    });
    expect(
      configFromEnv({ PREDICTION_LOG_WAIT_MS: '0', PREDICTION_LOG_WRITER_PRIORITY: 'Low' }).predictionLog,
    ).toMatchObject({ waitMs: 0, writerPriority: 'low' });
    expect(() => configFromEnv({ PREDICTION_LOG_WRITER_PRIORITY: 'high' })).toThrow(
      'PREDICTION_LOG_WRITER_PRIORITY must be one of idle, low, normal, got "high"',
    );
    expect(configFromEnv({ DATABASE_URL: 'postgres://u@h/db', PREDICTION_LOG_RETENTION_DAYS: '30' })).toMatchObject({
      predictionLog: { databaseUrl: 'postgres://u@h/db', retentionDays: 30 },
    });
    expect(configFromEnv({ PREDICTION_LOG: 'off' }).predictionLog).toBeUndefined();
    expect(() => configFromEnv({ TRAFFIC_LOG: 'traffic.jsonl' })).toThrow(/trainer monitor export/);
    // A blank secret is an unfilled one, not "off": the log would store ids in the clear, the API serve unguarded.
    expect(() => configFromEnv({ PREDICTION_LOG_HASH_KEY: ' ' })).toThrow(
      'PREDICTION_LOG_HASH_KEY is set but blank: give it a value, or unset it to turn it off',
    );
    expect(() => configFromEnv({ API_KEY: '' })).toThrow(/API_KEY is set but blank/);
    expect(() => configFromEnv({ DATABASE_URL: 'mysql://h/db' })).toThrow(ConfigError);
    expect(() => configFromEnv({ MONITOR_INTERVAL_MINUTES: '10' })).toThrow(/MONITOR_REFERENCE_CSV/);
    expect(configFromEnv({ MONITOR_INTERVAL_MINUTES: '10', MONITOR_REFERENCE_CSV: 'ref.csv' }).driftMonitor).toEqual({
      referenceCsv: 'ref.csv',
      intervalMinutes: 10,
      windowHours: 24,
    });
  });

  it('parses models:/<name>@<alias> and rejects other forms', () => {
    expect(parseModelUri('models:/credit-scoring@champion')).toEqual({ name: 'credit-scoring', alias: 'champion' });
    expect(() => parseModelUri('models:/credit-scoring/3')).toThrow(ConfigError);
  });

  it('prefers MLflow, keeps the bundle as fallback, and defaults to credit-scoring@champion', () => {
    expect(configFromEnv({}).model).toEqual({ kind: 'bundle', dir: 'dist/model-bundle' });
    const config = configFromEnv({ MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000', MODEL_BUNDLE_DIR: '/b' });
    expect(config.model).toEqual({
      kind: 'mlflow',
      trackingUri: 'http://127.0.0.1:5000',
      name: 'credit-scoring',
      alias: 'champion',
      fallbackBundleDir: '/b',
    });
    expect(config).toMatchObject({
      port: 8000,
      host: '127.0.0.1',
      followAliasSeconds: 0,
      maxBatch: 1000,
      apiKey: undefined,
      rateLimitMax: undefined,
    });
    expect(configFromEnv({ MODEL_BUNDLE_DIR: '/b', API_KEY: 'k', RATE_LIMIT_MAX: '50' })).toMatchObject({
      model: { kind: 'bundle', dir: '/b' },
      apiKey: 'k',
      rateLimitMax: 50,
    });
  });

  it('falls back on MODEL_BUNDLE_DIR, or on the default bundle folder when it is not set', () => {
    const registry = { MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000' };
    const fromEnv = sourcesFromConfig(configFromEnv({ ...registry, MODEL_BUNDLE_DIR: '/b' }));
    expect(fromEnv.modelSource).toMatchObject({ kind: 'registry', label: 'models:/credit-scoring@champion' });
    expect(fromEnv.fallbackSource).toMatchObject({ kind: 'bundle', description: `bundle ${path.resolve('/b')}` });
    const byDefault = sourcesFromConfig(configFromEnv(registry));
    expect(byDefault.fallbackSource).toMatchObject({
      kind: 'bundle',
      description: `bundle ${path.resolve(DEFAULT_BUNDLE_DIR)}`,
    });
    const bundleOnly = sourcesFromConfig(configFromEnv({ MODEL_BUNDLE_DIR: '/b' }));
    expect(bundleOnly.fallbackSource).toBeUndefined();
  });

  it('names the variable that is wrong', () => {
    expect(() => configFromEnv({ MODEL_URI: 'credit-scoring' })).toThrow(
      'MODEL_URI must look like models:/<name>@<alias>',
    );
    expect(() => configFromEnv({ MODEL_BUNDLE_DIR: '/b', PORT: 'eighty' })).toThrow('PORT must be an integer');
    expect(() => configFromEnv({ MODEL_BUNDLE_DIR: '/b', MAX_BATCH: '0' })).toThrow(
      'MAX_BATCH must be an integer >= 1',
    );
  });
});

describe.each(RUNTIMES)('main.ts as a process (%s)', (_runtime, command) => {
  it('exits 2 (bad environment) with one line when the configuration is wrong', () => {
    const env = { ...process.env, ...aliases, MLFLOW_TRACKING_URI: '', MODEL_BUNDLE_DIR: '', PORT: '-1' };
    const [program, args] = command();
    const run = spawnSync(program, args, { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe('credit-scoring API failed to start: PORT must be an integer >= 0, got "-1"');
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'listens, reports not-ready without a model, and closes gracefully on %s',
    async (signal) => {
      const port = await freePort();
      const [program, args] = command();
      const child = spawn(program, args, {
        cwd: root,
        env: {
          ...process.env,
          ...aliases,
          MLFLOW_TRACKING_URI: '',
          MODEL_BUNDLE_DIR: path.join(root, 'tmp', 'no-such-bundle'),
          PORT: String(port),
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const url = `http://127.0.0.1:${port}`;
      let health: Response | undefined;
      for (let i = 0; i < 300 && !health; i++) {
        health = await fetch(`${url}/health`).catch(() => undefined);
        if (!health) await new Promise((r) => setTimeout(r, 100));
      }
      expect(health?.status).toBe(200);
      const ready = await fetch(`${url}/ready`);
      expect(ready.status).toBe(503);
      expect(ready.headers.get('x-request-id')).toBeTruthy();
      // tsx forwards the signal to the node process running main.ts
      child.kill(signal);
      expect(await exited).toBe(0);
    },
  );
});

// API benchmark: the scoring API over loopback HTTP under autocannon, side by side with its reference — the same
// scoring done in-process (pipeline.transformOne + booster.predictSingle, no HTTP) and the HTTP floor (GET /health).
// Trains a model on the real rows, writes it as a bundle, starts `apps/api/src/main.ts` on it, measures, stops it
// with SIGTERM (graceful shutdown must exit 0), and writes the figures to docs/benchmarks.md (section 'api').
//
//   flock /tmp/heavy.lock timeout 900 npx tsx tools/bench/api/run.ts
import { spawn, ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import autocannon = require('autocannon');
import {
  applicantsFor,
  FIRST_UNSEEN_ROW,
  realTables,
  TRAIN_ROWS,
  trainSmallModel,
  writeBundle,
} from '../../../apps/api/src/testing/trained-model';

const root = path.resolve(__dirname, '..', '..', '..');
const { writeSection } = require(path.join(root, 'tools', 'bench', 'write-section.js')) as {
  writeSection: (name: string, markdown: string) => void;
};

const ROUNDS = 200;
const LEAVES = 31;
const FIXED_RATE = 2000;
const BATCH = 1000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function waitReady(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`API exited with ${child.exitCode} before it was ready`);
    try {
      if ((await fetch(`${url}/ready`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('API not ready in time');
}

interface Load {
  label: string;
  reqPerSec: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  requests: number;
}

/** One autocannon run; latencies are taken from each response (hrtime, sub-millisecond) rather than autocannon's 1 ms histogram. */
async function load(label: string, opts: autocannon.Options): Promise<Load> {
  const latencies: number[] = [];
  const instance = autocannon(opts);
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => latencies.push(ms));
  const result = await instance;
  if (result.non2xx || result.errors || result.timeouts) {
    throw new Error(`${label}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  latencies.sort((a, b) => a - b);
  return {
    label,
    reqPerSec: result.requests.total / (result.duration || 1),
    p50: percentile(latencies, 0.5),
    p90: percentile(latencies, 0.9),
    p99: percentile(latencies, 0.99),
    max: latencies[latencies.length - 1],
    requests: result.requests.total,
  };
}

async function main(): Promise<void> {
  const started = new Date();
  const tables = await realTables();
  console.log('training the benchmark model...');
  const model = await trainSmallModel(tables, { rounds: ROUNDS, numLeaves: LEAVES });
  const work = mkdtempSync(path.join(os.tmpdir(), 'bench-api-'));
  const bundle = await writeBundle(path.join(work, 'bundle'), model.package, {
    name: 'credit-scoring',
    version: 'bench',
  });

  // Real applicants the model did not see, with their side-table history, as request bodies.
  const rows = Int32Array.from({ length: BATCH }, (_, i) => FIRST_UNSEEN_ROW + i * 8);
  const applicants = applicantsFor(tables, rows);
  const withHistory = applicants.filter((a) => a.history).length;

  // Reference: the same scoring in-process.
  const reps = 20_000;
  for (let i = 0; i < 2000; i++)
    model.booster.predictSingle(
      model.pipeline.transformOne(applicants[i % BATCH].application, applicants[i % BATCH].history),
    );
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) {
    const a = applicants[i % BATCH];
    model.booster.predictSingle(model.pipeline.transformOne(a.application, a.history));
  }
  const inProcessUs = Number(process.hrtime.bigint() - t0) / 1e3 / reps;

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['apps/api/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      MLFLOW_TRACKING_URI: '',
      MODEL_BUNDLE_DIR: bundle,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitReady(url, child);
    const single = applicants.map((a) => ({
      method: 'POST' as const,
      path: '/predict',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(a),
    }));
    const batchBody = JSON.stringify(applicants);
    console.log('warm-up...');
    await load('warm-up', { url, connections: 10, duration: 4, requests: single });

    const health = await load('GET /health (HTTP floor)', { url: `${url}/health`, connections: 10, duration: 8 });
    const maxSingle = await load('POST /predict, 1 applicant, max rate', {
      url,
      connections: 10,
      duration: 10,
      requests: single,
    });
    // autocannon's overallRate is split across connections, and each connection sends its share back to back at
    // the start of every second, then pauses: the load is bursty, and latency grows with the number of connections
    // in flight during the burst. Both a small keep-alive pool (8, like a proxy's) and 20 connections are shown.
    const fixed = await load(`POST /predict, 1 applicant, fixed ${FIXED_RATE} req/s, 8 connections`, {
      url,
      connections: 8,
      duration: 15,
      overallRate: FIXED_RATE,
      requests: single,
    });
    const fixedWide = await load(`POST /predict, 1 applicant, fixed ${FIXED_RATE} req/s, 20 connections`, {
      url,
      connections: 20,
      duration: 15,
      overallRate: FIXED_RATE,
      requests: single,
    });
    const batch = await load(`POST /predict, ${BATCH} applicants per request`, {
      url,
      connections: 2,
      duration: 10,
      requests: [
        { method: 'POST', path: '/predict', headers: { 'content-type': 'application/json' }, body: batchBody },
      ],
    });

    child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) throw new Error(`API did not shut down cleanly on SIGTERM (exit ${code})`);

    const ms = (x: number) => x.toFixed(2);
    const line = (l: Load, extra = '') =>
      `| ${l.label} | ${Math.round(l.reqPerSec).toLocaleString('en-US')} | ${ms(l.p50)} | ${ms(l.p90)} | ${ms(l.p99)} | ${ms(l.max)} | ${extra} |`;
    const verdict = (l: Load) => (l.p99 <= 5 && l.reqPerSec >= FIXED_RATE * 0.97 ? 'met' : 'NOT met');
    const md = [
      '## api — Fastify scoring API over loopback HTTP',
      '',
      `Command: \`flock /tmp/heavy.lock timeout 900 npx tsx tools/bench/api/run.ts\` — ${started.toISOString().slice(0, 10)}, ` +
        `${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores shared by the API process and autocannon), Node ${process.version}.`,
      '',
      `Model: LightGBM ${ROUNDS} rounds × ${LEAVES} leaves trained on ${TRAIN_ROWS.toLocaleString('en-US')} real application rows, ${model.package.featureNames.length} features ` +
        `(all seven tables). Request bodies: ${BATCH} real held-out applicants (raw Kaggle fields; ${withHistory} with side-table history), cycled. ` +
        'API started by the script with `MODEL_BUNDLE_DIR` (pino at warn level); latencies measured per response by the client (includes HTTP and JSON both ways).',
      '',
      '| load | req/s | p50 ms | p90 ms | p99 ms | max ms | note |',
      '|---|---:|---:|---:|---:|---:|---|',
      line(health, 'reference: HTTP floor, no scoring'),
      line(maxSingle, '10 connections, as fast as possible'),
      line(fixed, `autocannon overallRate; target p99 ≤ 5 ms at ${FIXED_RATE} req/s: **${verdict(fixed)}**`),
      line(fixedWide, `same rate over more connections: **${verdict(fixedWide)}**`),
      line(batch, `**${Math.round(batch.reqPerSec * BATCH).toLocaleString('en-US')} rows/s**, 2 connections`),
      '',
      `Reference, in-process (no HTTP): transformOne + predictSingle = **${inProcessUs.toFixed(1)} µs** per applicant ` +
        `(${Math.round(1e6 / inProcessUs).toLocaleString('en-US')} applicants/s on one core), averaged over ${reps.toLocaleString('en-US')} real applicants.`,
      '',
      "Reading the fixed-rate rows: autocannon paces each connection per second (it sends the connection's share as " +
        'fast as it can, then waits for the next second), so at 2,000 req/s the API is driven at full speed for about ' +
        'half of every second and idles the rest; latency then scales with the connections in flight. Scoring itself ' +
        '(the in-process reference) is about half of the per-request time at the max rate; HTTP parsing, JSON and ' +
        'schema validation of the 121-field body make up the rest.',
      'At the end the script sends SIGTERM: the API closed gracefully (exit 0). The machine is shared with other ' +
        'work (only other benchmarks are excluded by the lock), which shows in the max column.',
    ].join('\n');
    writeSection('api', md);
    console.log(md);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    model.booster.free();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

// Graceful shutdown under load (issue 18, must-show 3): the compiled API (dist/apps/api/main.js) takes an open-loop
// constant rate of single real applicants over keep-alive connections for DURATION_S; SIGTERM is sent halfway. Every
// request the server acknowledged (its log has 'incoming request' for the request id) must be answered 200 at the
// client; requests that reached it after it stopped accepting get a refused connection or Fastify's closing 503 and
// are counted, not failed. The process must exit within SHUTDOWN_TIMEOUT_MS; RSS is sampled every second until then.
// Writes the figures to docs/benchmarks.md (section 'shutdown').
//
//   npm run build:api && flock /tmp/heavy.lock timeout 300 npx tsx tools/bench/shutdown/run.ts [BUNDLE_DIR]
//   (bundle: the argument, else tmp/bench-api-bundle, else tmp/faults-bundle built by tools/faults/synthetic-bundle.ts)
import { spawn, execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { splitCsvLine } from '@credit-scoring/data';
import { freePort } from '../api/load';

const root = path.resolve(__dirname, '..', '..', '..');
const { writeSection } = require(path.join(root, 'tools', 'bench', 'write-section.js')) as {
  writeSection: (name: string, markdown: string) => void;
};

const RATE = Number(process.env.RATE ?? 500);
const DURATION_S = Number(process.env.DURATION_S ?? 60);
const SIGTERM_AT_S = DURATION_S / 2;
const SHUTDOWN_TIMEOUT_MS = 10_000;
const APPLICANTS = 2000;
const CLOSING_503 = '{"error":"Service Unavailable","message":"Service Unavailable","statusCode":503}';

interface Outcome {
  sentAtMs: number;
  status?: number;
  body?: string;
  error?: string;
  latencyMs?: number;
}

function bundleDir(): string {
  const given =
    process.argv[2] ?? (existsSync(path.join(root, 'tmp/bench-api-bundle/MLmodel')) ? 'tmp/bench-api-bundle' : '');
  if (given) return path.resolve(root, given);
  const synthetic = path.join(root, 'tmp', 'faults-bundle');
  if (!existsSync(path.join(synthetic, 'MLmodel'))) {
    execFileSync('node', ['--import', 'tsx', 'tools/faults/synthetic-bundle.ts', synthetic], {
      cwd: root,
      stdio: 'inherit',
    });
  }
  return synthetic;
}

/** Real applicants from the sample, one JSON body each: numbers as numbers, empty cells as null. */
function realApplicantBodies(): string[] {
  const file = path.join(root, '..', 'shared', 'data', 'home-credit', 'application_train.csv');
  const lines = readFileSync(file, 'utf8').split('\n');
  const header = splitCsvLine(lines[0].replace(/\r$/, ''));
  const bodies: string[] = [];
  for (const line of lines.slice(1, APPLICANTS + 1)) {
    if (!line) continue;
    const cells = splitCsvLine(line.replace(/\r$/, ''));
    const application: Record<string, string | number | null> = {};
    header.forEach((column, i) => {
      if (column === 'TARGET') return;
      const cell = cells[i] ?? '';
      application[column] = cell === '' ? null : Number.isFinite(Number(cell)) ? Number(cell) : cell;
    });
    bodies.push(JSON.stringify({ application }));
  }
  return bodies;
}

function rssMb(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function waitReady(url: string, exited: () => boolean): Promise<void> {
  for (let i = 0; i < 240; i++) {
    if (exited()) throw new Error('the API exited before it was ready');
    const ok = await new Promise<boolean>((resolve) =>
      http
        .get(`${url}/ready`, (res) => (res.resume(), resolve(res.statusCode === 200)))
        .on('error', () => resolve(false)),
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the API did not become ready in 60 s');
}

function percentile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
}

async function main(): Promise<void> {
  const main = path.join(root, 'dist', 'apps', 'api', 'main.js');
  if (!existsSync(main)) throw new Error('dist/apps/api/main.js is missing: run npm run build:api first');
  const bundle = bundleDir();
  const bodies = realApplicantBodies();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = path.join(root, 'tmp', 'bench-shutdown-api.log');
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, [main], {
    cwd: root,
    env: {
      ...process.env,
      MLFLOW_TRACKING_URI: '',
      MODEL_BUNDLE_DIR: bundle,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      OMP_WAIT_POLICY: 'PASSIVE',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exitCode: number | null | undefined;
  let exitedAtMs = NaN;
  const exitedPromise = new Promise<void>((resolve) =>
    child.on('exit', (code) => {
      exitCode = code;
      exitedAtMs = performance.now();
      resolve();
    }),
  );
  await waitReady(url, () => exitCode !== undefined);
  const pid = child.pid as number;

  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const outcomes: Outcome[] = [];
  const rss: { atS: number; mb: number }[] = [];
  const start = performance.now();
  let sigtermAtMs = NaN;

  const send = (i: number) => {
    const outcome: Outcome = { sentAtMs: performance.now() - start };
    outcomes[i] = outcome;
    const body = bodies[i % bodies.length];
    const req = http.request(
      `${url}/predict`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-request-id': `r${i}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          outcome.status = res.statusCode;
          outcome.body = Buffer.concat(chunks).toString();
          outcome.latencyMs = performance.now() - start - outcome.sentAtMs;
        });
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => (outcome.error = e.code ?? e.message));
    req.end(body);
  };

  // Open loop: requests are due at RATE per second from the start, whatever the answers; latency counts from due time.
  let sent = 0;
  const rssTimer = setInterval(() => {
    const mb = rssMb(pid);
    if (mb !== undefined) rss.push({ atS: (performance.now() - start) / 1000, mb });
  }, 1000);
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsedMs = performance.now() - start;
      if (Number.isNaN(sigtermAtMs) && elapsedMs >= SIGTERM_AT_S * 1000) {
        sigtermAtMs = performance.now();
        child.kill('SIGTERM');
      }
      const due = Math.min(RATE * DURATION_S, Math.floor((elapsedMs / 1000) * RATE));
      while (sent < due) send(sent++);
      if (sent >= RATE * DURATION_S) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  await Promise.race([exitedPromise, new Promise((r) => setTimeout(r, 20_000))]);
  clearInterval(rssTimer);
  await new Promise((r) => setTimeout(r, 2000)); // last answers and errors
  agent.destroy();
  log.end();
  if (exitCode === undefined) child.kill('SIGKILL');

  // Acknowledged = the server logged the request as received (Fastify logs 'incoming request' once routed; its
  // closing 503 and refused connections never get there).
  const acknowledged = new Set<number>();
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('incoming request')) continue;
    const id = /"reqId":"r(\d+)"/.exec(line);
    if (id) acknowledged.add(Number(id[1]));
  }
  const sigtermS = (sigtermAtMs - start) / 1000;
  const before = outcomes.filter((o) => o.sentAtMs < sigtermAtMs - start);
  const ackOutcomes = [...acknowledged].map((i) => outcomes[i]);
  const ackNot200 = ackOutcomes.filter((o) => o.status !== 200);
  const shed503 = outcomes.filter((o) => o.status === 503 && o.body === CLOSING_503).length;
  const errors = new Map<string, number>();
  for (const o of outcomes) if (o.error && o.status === undefined) errors.set(o.error, (errors.get(o.error) ?? 0) + 1);
  const otherStatus = outcomes.filter((o) => o.status !== undefined && o.status !== 200 && o.body !== CLOSING_503);
  const latencies = before
    .filter((o) => o.status === 200)
    .map((o) => o.latencyMs as number)
    .sort((a, b) => a - b);
  const exitAfterMs = exitedAtMs - sigtermAtMs;
  const rssBefore = rss.filter((r) => r.atS < sigtermS);
  const rssSteady = rssBefore.filter((r) => r.atS >= 5);
  const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const rssMin = Math.min(...rssSteady.map((r) => r.mb));
  const rssMax = Math.max(...rssSteady.map((r) => r.mb));
  const is200 = (o: Outcome) => o.status === 200;
  const noAnswer = [...errors].map(([code, n]) => `${code} ${fmt(n)}`).join(', ');
  const mean = (xs: { mb: number }[]) => xs.reduce((sum, x) => sum + x.mb, 0) / xs.length;
  const rssFirst = mean(rssSteady.slice(0, 5));
  const rssLast = mean(rssSteady.slice(-5));
  const pass =
    ackNot200.length === 0 && otherStatus.length === 0 && exitCode === 0 && exitAfterMs <= SHUTDOWN_TIMEOUT_MS;

  const markdown = [
    '## shutdown: SIGTERM under a constant load',
    '',
    `The compiled API (\`node dist/apps/api/main.js\`, \`MODEL_BUNDLE_DIR=${path.relative(root, bundle)}\`, ` +
      `\`SHUTDOWN_TIMEOUT_MS=${SHUTDOWN_TIMEOUT_MS}\`) under an open-loop load of ${RATE} req/s for ${DURATION_S} s: ` +
      `POST /predict of one real applicant (the first ${fmt(bodies.length)} rows of the sample's ` +
      `application_train.csv in turn) over up to 64 keep-alive connections; SIGTERM at ${fmt(sigtermS, 1)} s. ` +
      'A request is acknowledged when the ' +
      "server logged it as received ('incoming request' with its x-request-id); after SIGTERM the server drains " +
      'for SHUTDOWN_DRAIN_MS (default 1 s: it answers as before, each answer with `Connection: close`), then stops ' +
      'accepting (new connections are refused), answers for 250 ms more the requests of connections accepted last, ' +
      "then closes: requests arriving on open connections after that get Fastify's closing 503.",
    '',
    '| figure | value |',
    '|---|---|',
    `| requests scheduled | ${fmt(outcomes.length)} |`,
    `| sent before SIGTERM | ${fmt(before.length)} (answered 200: ${fmt(before.filter(is200).length)}) |`,
    `| acknowledged by the server | ${fmt(acknowledged.size)} |`,
    `| acknowledged and not answered 200 | **${fmt(ackNot200.length)}** |`,
    `| other answers than 200 or the closing 503 | ${fmt(otherStatus.length)} |`,
    `| closing 503 (arrived after SIGTERM on an open connection) | ${fmt(shed503)} |`,
    `| no answer (connection refused/reset, not acknowledged) | ${noAnswer || '0'} |`,
    `| latency before SIGTERM, p50 / p99 / max (ms) | ${fmt(percentile(latencies, 0.5), 1)} / ` +
      `${fmt(percentile(latencies, 0.99), 1)} / ${fmt(latencies[latencies.length - 1] ?? NaN, 1)} |`,
    `| exit after SIGTERM | ${fmt(exitAfterMs)} ms, status ${exitCode} (deadline ${fmt(SHUTDOWN_TIMEOUT_MS)} ms) |`,
    `| RSS from 5 s to SIGTERM, min / max (MB) | ${fmt(rssMin, 1)} / ${fmt(rssMax, 1)} (${rssSteady.length} samples) |`,
    `| RSS, mean of the first 5 vs the last 5 of those samples (MB) | ${fmt(rssFirst, 1)} → ${fmt(rssLast, 1)} |`,
    `| RSS samples every 5 s (MB) | ${rss
      .filter((_, i) => i % 5 === 0)
      .map((r) => fmt(r.mb))
      .join(', ')} |`,
    '',
    pass
      ? 'Verdict: every acknowledged request was answered 200 and the process exited 0 within the deadline.'
      : 'Verdict: FAILED (see the figures above).',
    '',
    `Command: \`npm run build:api && flock /tmp/heavy.lock timeout 300 npx tsx tools/bench/shutdown/run.ts\` ` +
      `(${new Date().toISOString().slice(0, 10)}, 2 shared cores; client and server on the same machine).`,
  ].join('\n');
  writeSection('shutdown', markdown);
  console.log(markdown);
  if (!pass) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(2);
});

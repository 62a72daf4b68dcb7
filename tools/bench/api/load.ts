// Load generation shared by the API benchmarks (tools/bench/api, tools/bench/monitor): keep-alive HTTP clients, the
// open-loop constant-rate generator (latency from each request's scheduled time, no coordinated omission) and the
// closed loop, plus the percentile summary, and starting the compiled API. Shared so the benches measure alike.
import { ChildProcess, spawn } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export async function waitReady(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
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

export interface Load {
  label: string;
  /** completed requests per second of the run */
  reqPerSec: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  requests: number;
  note: string;
}

export function summary(label: string, latencies: number[], seconds: number, note: string): Load {
  const sorted = Float64Array.from(latencies).sort();
  return {
    label,
    reqPerSec: latencies.length / seconds,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1],
    requests: latencies.length,
    note,
  };
}

/** Rounds of one load as one window: the percentiles of all their requests, over their summed duration. */
export function pooled(label: string, rounds: ReadonlyArray<Load & { latencies: number[] }>): Load {
  const seconds = rounds.reduce((s, r) => s + r.requests / r.reqPerSec, 0);
  return summary(
    label,
    rounds.flatMap((r) => r.latencies),
    seconds,
    '',
  );
}

export interface Target {
  host: string;
  port: number;
}

/**
 * One POST /predict with `body` (GET /health without one) on a keep-alive agent; resolves with the status once the
 * whole response is read.
 */
export function post(
  target: Target,
  agent: http.Agent,
  body: Buffer | undefined,
  onSocket?: (s: net.Socket) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      body
        ? {
            ...target,
            agent,
            method: 'POST',
            path: '/predict',
            headers: { 'content-type': 'application/json', 'content-length': body.length },
          }
        : { ...target, agent, method: 'GET', path: '/health' },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (onSocket) req.on('socket', onSocket);
    req.end(body);
  });
}

/**
 * Open loop: request i is due at start + i / rate, whatever happened to the earlier ones, over a keep-alive pool of
 * `connections` sockets, all opened before the run (a request waits in the pool when every socket is busy, as
 * behind a proxy's upstream pool).
 * Latency = response end − scheduled time, so a stall counts against every request it delays. The timer wakes at
 * most every millisecond and sends whatever has come due (2 requests per wake-up at 2,000 req/s); that lateness is
 * inside the latencies and reported apart as the generator's send lag.
 */
export async function openLoop(
  label: string,
  target: Target,
  bodies: Buffer[],
  rate: number,
  connections: number,
  seconds: number,
): Promise<Load & { sockets: number; sendLagP99: number; latencies: number[] }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, scheduling: 'fifo' });
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const latencies = new Array<number>(total);
  const lags = new Float64Array(total);
  const sockets = new Set<net.Socket>();
  // Open every connection of the pool first (concurrent GET /health), so the load is spread over all of them.
  await Promise.all(
    Array.from(
      { length: connections },
      () =>
        new Promise<void>((resolve, reject) =>
          http.get({ ...target, agent, path: '/health' }, (res) => res.resume().on('end', resolve)).on('error', reject),
        ),
    ),
  );
  let failures = 0;
  let firstError: unknown;
  const pending: Promise<void>[] = [];
  const start = performance.now() + 10;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        const i = sent++;
        const due = start + i * interval;
        lags[i] = now - due;
        pending.push(
          post(target, agent, bodies[i % bodies.length], (s) => sockets.add(s)).then(
            (status) => {
              latencies[i] = performance.now() - due;
              if (status !== 200) failures++;
            },
            (error: unknown) => {
              latencies[i] = performance.now() - due;
              failures++;
              firstError ??= error;
            },
          ),
        );
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
      else resolve();
    };
    tick();
  });
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  if (failures)
    throw new Error(`${label}: ${failures} of ${total} requests failed (${String(firstError ?? 'non-200')})`);
  const load = summary(label, latencies, elapsed, '');
  lags.sort();
  return { ...load, sockets: sockets.size, sendLagP99: percentile(lags, 0.99), latencies };
}

/** Closed loop with our own client: `connections` loops, each sends its next body when the previous answer is read. */
export async function closedLoop(
  label: string,
  target: Target,
  bodies: Array<Buffer | undefined>,
  connections: number,
  seconds: number,
  note: string,
): Promise<Load> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  let next = 0;
  const loop = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const status = await post(target, agent, bodies[next++ % bodies.length]);
      if (status !== 200) throw new Error(`${label}: HTTP ${status}`);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  return summary(label, latencies, elapsed, note);
}

/** A compiled API started by a benchmark. */
export interface Api {
  url: string;
  target: Target;
  child: ChildProcess;
  exited: Promise<number | null>;
}

/**
 * Starts the compiled API (`server`, run by `node` as deployed) on a free port of 127.0.0.1 with the bundle in
 * `bundleDir`, no MLflow, warnings-only logs, and `env` on top; `nodeArgs` go before the script (e.g. --cpu-prof).
 * Its stdout is the benchmark's, or a pipe (`child.stdout`) to read, e.g. a --trace-gc.
 */
export async function startApi(
  cwd: string,
  server: string,
  bundleDir: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
  stdout: 'inherit' | 'pipe' = 'inherit',
): Promise<Api> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, server], {
    cwd,
    env: {
      ...process.env,
      MLFLOW_TRACKING_URI: '',
      MODEL_BUNDLE_DIR: bundleDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', stdout, 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { url: `http://127.0.0.1:${port}`, target: { host: '127.0.0.1', port }, child, exited };
}

/** The sum of a Prometheus metric's samples (every label set) in a /metrics text. */
export function metric(text: string, name: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(name))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

/** Seconds until the API's prediction log queue is empty (0 at once when the log is off); fails after 60 s. */
export async function logQueueDrained(url: string): Promise<number> {
  const started = performance.now();
  for (;;) {
    const text = await (await fetch(`${url}/metrics`)).text();
    if (metric(text, 'prediction_log_queue_rows') === 0) return (performance.now() - started) / 1000;
    if (performance.now() - started > 60_000) throw new Error('the prediction log queue did not drain in 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

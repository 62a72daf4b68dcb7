// Prediction log benchmark: the compiled API at a constant 2,000 req/s of single real applicants with the log off
// (the reference), on SQLite (the default) and on PostgreSQL (DATABASE_URL), side by side in interleaved rounds so
// the shared machine's noise falls on every configuration alike. Reports latency percentiles per configuration, the
// p99 the log adds (target ≤ 1 ms), the rows/s it wrote and that every request is in the log once; plus the stores'
// insert capacity in-process (rows/s through the BatchWriter, no HTTP). Writes docs/benchmarks.md section 'monitor'.
//
//   flock /tmp/heavy.lock timeout 1200 npx tsx tools/bench/monitor/run.ts --bundle tmp/bench-monitor-bundle
//     [--data-dir DIR] [--rounds N] [--seconds S] [--quick] (a smoke test: short, section not written)
//     [--sched] (record each round with `perf sched`: how often the API's event loop and the load generator waited
//     for a CPU; see sched.ts)
//     [--gc] (run the API with --trace-gc: its event loop's garbage-collection pauses in each measured window; gc.ts)
//     [--pin] (the API's threads on CPU 0, this process, the load generator, on CPU 1: the log's threads then compete
//     with the event loop only, never with the load generator)
//     [--db-idle] (PostgreSQL's processes at SCHED_IDLE: does its server's share of the 2 cores explain its added p99?)
//     [--db-nosync] (PostgreSQL with synchronous_commit off: is the WAL's flush at each commit what the API pays?)
//     [--cpu-prof] (the API profiled: tmp/bench-monitor-prof/<config>-<n>/, a .cpuprofile per thread)
//     [--single-gc] (the API under node --single-threaded-gc: do V8's GC helper threads carry the writer's cost?)
//     [--db-pin] (PostgreSQL's processes on CPU 1: with --pin, never on the API's core)
//     [--db-socket] (the API reaches PostgreSQL over its Unix socket instead of loopback TCP)
//     [--rounds N] [--warm-rounds N] (measured rounds per configuration, default 5; rounds run first and not counted,
//     default 1)
//
// The load is tools/bench/api's open-loop generator (latency from each request's scheduled time) over 8 keep-alive
// connections, on the bundle and the requests of the api bench (every row of application_train.csv).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { realDataDir } from '@credit-scoring/data';
import {
  BatchWriter,
  DEFAULT_WRITER,
  LATEST_VERSION,
  openPredictionStore,
  type PredictionRecord,
  type PredictionStore,
} from '@credit-scoring/monitoring';
import { applicantsFor, tablesIn } from '../../../apps/api/src/testing/trained-model';
import { closedLoop, logQueueDrained, metric, openLoop, pooled, startApi, waitReady, type Load } from '../api/load';
import { checkPerf, mainThreadWaits, recordSched, type ThreadWaits } from './sched';
import { gcNote, GcTrace, type GcPauses } from './gc';

const root = path.resolve(__dirname, '..', '..', '..');
const { writeSection } = require(path.join(root, 'tools', 'bench', 'write-section.js')) as {
  writeSection: (name: string, markdown: string) => void;
};

const RATE = 2000;
const CONNECTIONS = 8;
const TARGET_ADDED_P99_MS = 1;

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}
const QUICK = process.argv.includes('--quick');
const ROUNDS = Number(option('rounds', QUICK ? '1' : '5'));
const SECONDS = Number(option('seconds', QUICK ? '3' : '12'));
const WARM_SECONDS = QUICK ? 1 : 5;
/**
 * Whole rounds (every configuration, in the same order) run first and are not counted: the first SQLite round of a
 * run gave p99 13.9, 22.8, 24.0 and 7.8 ms in four runs of 2026-12-06 where the later ones gave 3.7-6.1 (save one of
 * 28.8), and one such window moves the pooled p99 by a millisecond or more. (The first run with a warm-up round had
 * an ordinary one, SQLite 3.35 ms: common practice, kept, though the effect is not shown to be systematic.)
 */
const WARM_ROUNDS = Number(option('warm-rounds', QUICK ? '0' : '1'));
/**
 * The diagnostic flags: each changes what is measured, so a run with any of them gets its own section, no verdict, and
 * says in it what it changed.
 */
const DIAGNOSTICS = [
  {
    flag: 'sched',
    note:
      '**Recorded with `--sched`**: `perf sched record` ran during every measured window and inflates the ' +
      'percentiles itself (log-off p99 25-100 ms where a run without it gives 3-5 ms); compare the CPU-wait ' +
      'counts between configurations, not these latencies.',
  },
  {
    flag: 'gc',
    note:
      '**Recorded with `--gc`**: the API ran with `--trace-gc`, whose lines it writes synchronously; compare ' +
      'its GC pauses between configurations traced alike, and the latency target in a run without it.',
  },
  {
    flag: 'pin',
    note:
      '**Pinned with `--pin`**: the API ran on CPU 0 only and the load generator on CPU 1 (PostgreSQL ' +
      "unpinned): the log's threads compete with the event loop, not with the load generator.",
  },
  // PostgreSQL's processes on CPU 1 only: with --pin (the API on CPU 0), the server's work never runs on the API's core.
  {
    flag: 'db-pin',
    note:
      '**PostgreSQL pinned with `--db-pin`**: its server processes ran on CPU 1 only (the backends it forks ' +
      "inherit it), so with `--pin` the database never ran on the API's core.",
  },
  // PostgreSQL's processes at SCHED_IDLE: what its share of the 2 cores costs the API (a database host of its own).
  {
    flag: 'db-idle',
    note:
      '**PostgreSQL at idle priority with `--db-idle`**: its server processes ran at SCHED_IDLE (only on CPU ' +
      'time the API and the load generator left), a stand-in for a database on a host of its own.',
  },
  // V8's --single-threaded-gc: each isolate collects its garbage on its own thread, so the writer thread's collections
  // run at its SCHED_IDLE policy instead of on V8's shared helper threads at normal priority.
  {
    flag: 'single-gc',
    note:
      '**The API ran with `node --single-threaded-gc`** (every configuration, the log off too): each thread ' +
      "collects its own garbage, the writer's at its idle priority, the event loop's without helper threads.",
  },
  // PostgreSQL with synchronous_commit off: no WAL flush to disk at each commit (does the disk's fsync cost the API?).
  {
    flag: 'db-nosync',
    note:
      '**PostgreSQL with `synchronous_commit = off` (`--db-nosync`)**: a commit returns before its WAL is ' +
      'flushed to disk, so the log writes no fsync per batch.',
  },
  // The API connects through PostgreSQL's Unix socket: no TCP loopback, whose receive work the kernel may run in
  // the softirq of whichever thread sends next, the event loop's response writes included.
  {
    flag: 'db-socket',
    note:
      "**PostgreSQL over its Unix socket (`--db-socket`)**: `DATABASE_URL` names the cluster's socket folder " +
      '(`?host=<dir>`) instead of 127.0.0.1, as a database on the same host is usually reached.',
  },
  // The API under `node --cpu-prof`: a profile per thread and round in tmp/bench-monitor-prof/<config>-<n>/.
  {
    flag: 'cpu-prof',
    note:
      '**The API ran under `node --cpu-prof`** (its sampling costs every configuration alike; the profiles ' +
      'are in tmp/bench-monitor-prof/).',
  },
] as const;
const given = (flag: (typeof DIAGNOSTICS)[number]['flag']) => process.argv.includes(`--${flag}`);
/** The diagnostic flags given. */
const DIAGNOSIS = DIAGNOSTICS.filter((d) => given(d.flag));
/** The docs/benchmarks.md section a run writes: a diagnostic run its own, named after its flags. */
const SECTION = ['monitor', ...DIAGNOSIS.map((d) => d.flag)].join('-');
const SCHED = given('sched');
const GC = given('gc');
const PIN = given('pin');
const DB_PIN = given('db-pin');
const DB_IDLE = given('db-idle');
const SINGLE_GC = given('single-gc');
const DB_NOSYNC = given('db-nosync');
const CPU_PROF = given('cpu-prof');
const DB_SOCKET = given('db-socket');
const profRoot = path.join(root, 'tmp', 'bench-monitor-prof');
let profRound = 0;

/** Sets the CPU affinity of every thread of `pid` (threads it starts later inherit it). */
function pinTo(cpu: number, pid: number): void {
  const out = spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`--pin needs util-linux's taskset: ${out.error?.message ?? out.stderr}`);
}

type Config = 'off' | 'sqlite' | 'postgres';
const LABELS: Record<Config, string> = {
  off: 'log off (reference)',
  sqlite: 'log on, SQLite (default)',
  postgres: 'log on, PostgreSQL',
};

interface Round {
  config: Config;
  load: Load & { sendLagP99: number; latencies: number[] };
  written: number;
  errors: number;
  logged: number;
  /** Requests the round sent (warm-up included): each must be in the log once. */
  sent: number;
  /** Seconds the log took to write the warm-up's backlog before the measured window. */
  drainSeconds: number;
  /** With --sched: CPU waits of the API's event loop and of the load generator during the measured window. */
  sched?: Record<'api' | 'loadgen', ThreadWaits>;
  /** With --gc: the API's event-loop garbage-collection pauses during the measured window. */
  gc?: GcPauses;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

async function resetPostgres(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query('DROP TABLE IF EXISTS predictions, schema_migrations');
  await client.end();
}

/** A server setting for the whole cluster (ALTER SYSTEM), applied at once. */
async function setPostgres(url: string, name: string, value: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query(`ALTER SYSTEM SET ${name} = '${value}'`);
  await client.query('SELECT pg_reload_conf()');
  await client.end();
}

async function countPostgres(url: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const n = Number((await client.query('SELECT COUNT(DISTINCT request_id) AS n FROM predictions')).rows[0].n);
  await client.end();
  return n;
}

/** One round: a fresh API process (and a fresh log), warm-up, the constant-rate load, /metrics, SIGTERM. */
async function round(
  config: Config,
  server: string,
  bundleDir: string,
  bodies: Buffer[],
  work: string,
  databaseUrl: string,
): Promise<Round> {
  const sqliteFile = path.join(work, 'predictions.sqlite');
  rmSync(sqliteFile, { force: true });
  rmSync(`${sqliteFile}-wal`, { force: true });
  rmSync(`${sqliteFile}-shm`, { force: true });
  if (config === 'postgres') await resetPostgres(databaseUrl);
  const spawned = performance.now();
  const env = {
    PREDICTION_LOG: config === 'off' ? 'off' : 'on',
    PREDICTION_LOG_FILE: sqliteFile,
    DATABASE_URL: config === 'postgres' ? databaseUrl : '',
  };
  const { url, target, child, exited } = await startApi(
    root,
    server,
    bundleDir,
    env,
    [
      ...(GC ? ['--trace-gc'] : []),
      ...(SINGLE_GC ? ['--single-threaded-gc'] : []),
      ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profRoot, `${config}-${++profRound}`)}`] : []),
    ],
    GC ? 'pipe' : 'inherit',
  );
  const trace = GC && child.stdout ? new GcTrace(child.stdout) : undefined;
  try {
    await waitReady(url, child);
    if (PIN) pinTo(0, child.pid ?? 0);
    const warm = await closedLoop('warm-up', target, bodies, CONNECTIONS, WARM_SECONDS, '');
    // The max-rate warm-up queues thousands of rows more than 2,000 req/s does: let the writer catch up first, so the
    // measured window is the steady state at the target rate, not the log draining a burst on the shared cores.
    const drained = await logQueueDrained(url);
    const before = await (await fetch(`${url}/metrics`)).text();
    const recording = SCHED ? recordSched(path.join(work, `sched-${config}.data`), SECONDS + 1) : undefined;
    if (recording) await new Promise((r) => setTimeout(r, 300)); // perf is recording before the first request
    const loadStarted = performance.now() - spawned;
    const load = await openLoop(LABELS[config], target, bodies, RATE, CONNECTIONS, SECONDS);
    const gc = trace?.eventLoopPauses(loadStarted, performance.now() - spawned);
    await recording?.done;
    const sched = recording && mainThreadWaits(recording.file, { api: child.pid ?? 0, loadgen: process.pid });
    // What the log wrote during the measured load: the batch window after the last request, then the counters.
    await new Promise((r) => setTimeout(r, 500));
    const after = await (await fetch(`${url}/metrics`)).text();
    const written =
      metric(after, 'prediction_log_rows_written_total') - metric(before, 'prediction_log_rows_written_total');
    const errors = metric(after, 'prediction_log_errors_total');
    child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) throw new Error(`${config}: the API exited with ${code}`);
    let logged = 0;
    if (config === 'sqlite') {
      const db = new Database(sqliteFile, { readonly: true });
      logged = (db.prepare('SELECT COUNT(DISTINCT request_id) AS n FROM predictions').get() as { n: number }).n;
      db.close();
    } else if (config === 'postgres') logged = await countPostgres(databaseUrl);
    const sent = warm.requests + load.requests;
    return { config, load, written, errors, logged, sent, drainSeconds: drained, sched, gc };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

interface Capacity {
  rowsPerSecond: number;
  /** CPU time of the database server's processes per row written (PostgreSQL started by the bench), in µs. */
  serverUsPerRow?: number;
}

/**
 * Rows/s one store takes through the BatchWriter in-process (default batch window and size), real applications, on
 * the schema `version` (default: the latest); `serverCpuMs` reads the database server's CPU time when it is known.
 */
async function insertCapacity(
  store: PredictionStore,
  records: PredictionRecord[],
  seconds: number,
  opts: { version?: number; serverCpuMs?: () => number } = {},
): Promise<Capacity> {
  await store.migrate(opts.version);
  const writer = new BatchWriter(store);
  const cpuBefore = opts.serverCpuMs?.();
  const started = performance.now();
  let pushed = 0;
  while (performance.now() - started < seconds * 1000) {
    const chunk = records.slice(pushed % records.length, (pushed % records.length) + DEFAULT_WRITER.batchRows);
    writer.push(chunk);
    pushed += chunk.length;
    await writer.flush();
  }
  await writer.close();
  const elapsed = (performance.now() - started) / 1000;
  // Read before the pool closes: an exiting backend's CPU time leaves the sum.
  const cpuMs = cpuBefore === undefined ? undefined : (opts.serverCpuMs?.() ?? 0) - cpuBefore;
  await store.close();
  const written = writer.totals.written;
  return {
    rowsPerSecond: written / elapsed,
    serverUsPerRow: cpuMs === undefined ? undefined : (cpuMs * 1000) / written,
  };
}

/** The pid file of the cluster startPostgres starts in `work` (absent when DATABASE_URL named another server). */
function postmasterPidFile(work: string): string {
  return path.join(work, 'postgres', 'data', 'postmaster.pid');
}

/** A PostgreSQL cluster's postmaster and its running children. */
function postgresPids(pidFile: string): string[] {
  const postmaster = readFileSync(pidFile, 'utf8').split('\n')[0].trim();
  const children = spawnSync('pgrep', ['-P', postmaster], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  return [postmaster, ...children];
}

/** User + system CPU time (ms) of a PostgreSQL cluster's postmaster and its children, from /proc. */
function postgresCpuMs(pidFile: string): number {
  const tick = 1000 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
  let total = 0;
  for (const pid of postgresPids(pidFile)) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += (Number(fields[11]) + Number(fields[12])) * tick; // utime, stime (fields 14 and 15)
  }
  return total;
}

function startPostgres(work: string): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const out = spawnSync(path.join(root, 'tools', 'postgres', 'start.sh'), ['--port', '0'], {
    env: { ...process.env, PG_CLUSTER_DIR: path.join(work, 'postgres') },
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`PostgreSQL did not start: ${out.stderr}`);
  if (DB_IDLE) idlePostgres(postmasterPidFile(work));
  if (DB_PIN) for (const pid of postgresPids(postmasterPidFile(work))) pinTo(1, Number(pid));
  const url = out.stdout.trim().split('\n').pop() as string;
  return DB_SOCKET ? viaSocket(url, path.join(work, 'postgres')) : url;
}

/** The same database reached through the cluster's Unix socket (start.sh puts it in the cluster folder). */
function viaSocket(url: string, socketDir: string): string {
  const parsed = new URL(url);
  return `postgresql://${parsed.username}@/${parsed.pathname.slice(1)}?host=${encodeURIComponent(socketDir)}&port=${parsed.port}`;
}

/**
 * --db-idle: the postmaster and its running children at SCHED_IDLE (the backends it forks later inherit it), so the
 * database only gets CPU time the API and the load generator leave: a stand-in for a database on another host.
 */
function idlePostgres(pidFile: string): void {
  for (const pid of postgresPids(pidFile)) {
    const out = spawnSync('chrt', ['--idle', '-a', '-p', '0', pid], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`--db-idle needs util-linux's chrt: ${out.error?.message ?? out.stderr}`);
  }
}

function git(...args: string[]): string {
  return spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout.trim();
}

const ms = (x: number) => x.toFixed(2);
/** Median over the rounds of how often each main thread waited > 2 ms for a CPU. */
const schedCell = (rs: Round[]) =>
  `${median(rs.map((r) => r.sched?.api.over2ms ?? NaN))} / ${median(rs.map((r) => r.sched?.loadgen.over2ms ?? NaN))}`;
/** Median over the rounds of the event loop's GC pause time (ms) and of its pauses > 2 ms. */
const gcCell = (rs: Round[]) =>
  `${median(rs.map((r) => (r.gc ? r.gc.scavengeMs + r.gc.markCompactMs : NaN))).toFixed(0)} ms / ` +
  `${median(rs.map((r) => r.gc?.over2ms ?? NaN))}`;
const schedNote = (w: Record<'api' | 'loadgen', ThreadWaits>) =>
  `event loop ${w.api.over2ms} (longest ${w.api.maxMs.toFixed(1)} ms), load generator ${w.loadgen.over2ms} ` +
  `(longest ${w.loadgen.maxMs.toFixed(1)} ms)`;
/** A diagnostic run's latencies include its tracing's cost or another CPU layout: no verdict against the target. */
const verdict = (added: number) =>
  DIAGNOSIS.length ? 'diagnosis: no verdict' : added <= TARGET_ADDED_P99_MS ? '**met**' : '**NOT met**';
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const started = new Date();
  const bundleDir = path.resolve(root, option('bundle', path.join('tmp', 'bench-monitor-bundle')));
  if (!existsSync(path.join(bundleDir, 'MLmodel'))) throw new Error(`no model bundle in ${bundleDir} (--bundle DIR)`);
  const dataDir = path.resolve(option('data-dir', realDataDir()));
  if (SCHED) checkPerf();
  if (PIN) pinTo(1, process.pid);
  const work = path.join(root, 'tmp', `bench-monitor-${process.pid}`);
  mkdirSync(work, { recursive: true });
  const server = path.join(work, 'main.js');
  let databaseUrl = '';
  try {
    const build = spawnSync(process.execPath, [path.join(root, 'tools', 'deploy', 'build-api.js'), '--out', server], {
      cwd: root,
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`build-api failed: ${build.stderr}`);
    const tables = await tablesIn(dataDir);
    const applicants = applicantsFor(
      tables,
      Int32Array.from({ length: tables.application.height }, (_, i) => i),
    );
    const bodies = applicants.map((a) => Buffer.from(JSON.stringify(a)));
    databaseUrl = startPostgres(work);
    if (DB_NOSYNC) await setPostgres(databaseUrl, 'synchronous_commit', 'off');
    console.log(`${applicants.length} applicants; PostgreSQL at ${databaseUrl}`);

    const rounds: Round[] = [];
    const discarded: Round[] = [];
    const order: Config[] = ['off', 'sqlite', 'postgres'];
    for (let r = -WARM_ROUNDS; r < ROUNDS; r++) {
      for (const config of r % 2 ? [...order].reverse() : order) {
        const result = await round(config, server, bundleDir, bodies, work, databaseUrl);
        if (r < 0) {
          console.log(`warm-up round ${config}: p99 ${ms(result.load.p99)} ms (not counted)`);
          discarded.push(result);
          continue;
        }
        console.log(
          `round ${r + 1} ${config}: p50 ${ms(result.load.p50)} p99 ${ms(result.load.p99)} max ${ms(result.load.max)} ms, ` +
            `${result.written} rows written, ${result.logged} logged, ${result.errors} errors, ` +
            `warm-up backlog written in ${result.drainSeconds.toFixed(1)} s` +
            (result.sched ? `; CPU waits > 2 ms: ${schedNote(result.sched)}` : '') +
            (result.gc ? `; event-loop GC: ${gcNote(result.gc)}` : ''),
        );
        rounds.push(result);
      }
    }

    // In-process insert capacity: the same applications as the API logs them.
    const records: PredictionRecord[] = applicants.slice(0, 5000).map((a, i) => ({
      time: Date.now(),
      requestId: `bench-${i}`,
      route: '/predict',
      client: String(a.application.SK_ID_CURR),
      modelVersion: '2',
      probability: 0.1,
      decision: 'granted',
      threshold: 0.16,
      latencyMs: 1,
      application: a.application,
    }));
    const capacitySeconds = QUICK ? 2 : 8;
    const sqliteCapacity = await insertCapacity(
      openPredictionStore({ sqliteFile: path.join(work, 'capacity.sqlite') }),
      records,
      capacitySeconds,
    );
    // PostgreSQL on schema v2 (the application column compressed with pglz) beside the latest (v3: lz4), with the
    // server's CPU per row when the bench started the server itself.
    const pidFile = postmasterPidFile(work);
    const serverCpuMs = existsSync(pidFile) ? () => postgresCpuMs(pidFile) : undefined;
    const postgresCapacity: Record<'v2' | 'latest', Capacity> = {
      v2: { rowsPerSecond: 0 },
      latest: { rowsPerSecond: 0 },
    };
    for (const version of ['v2', 'latest', 'v2', 'latest'] as const) {
      await resetPostgres(databaseUrl);
      const store = openPredictionStore({ databaseUrl });
      const measured = await insertCapacity(store, records, capacitySeconds / 2, {
        version: version === 'v2' ? 2 : undefined,
        serverCpuMs,
      });
      // Two interleaved halves each; the better of the two (the machine's other work only ever slows one down).
      if (measured.rowsPerSecond > postgresCapacity[version].rowsPerSecond) postgresCapacity[version] = measured;
    }
    const cpuNote = (c: Capacity) =>
      c.serverUsPerRow === undefined ? '' : `, server CPU ${c.serverUsPerRow.toFixed(1)} µs a row`;
    const postgresNote =
      `PostgreSQL **${fmt(postgresCapacity.latest.rowsPerSecond)} rows/s**${cpuNote(postgresCapacity.latest)} ` +
      `(schema v${LATEST_VERSION}, the application column compressed with lz4; on v2, pglz: ` +
      `${fmt(postgresCapacity.v2.rowsPerSecond)} rows/s${cpuNote(postgresCapacity.v2)})`;
    console.log(`insert capacity: SQLite ${fmt(sqliteCapacity.rowsPerSecond)} rows/s, ${postgresNote}`);

    const of = (config: Config) => rounds.filter((r) => r.config === config);
    // A configuration's percentiles are those of all its rounds' requests (one window of their summed length), as in
    // the api bench; the median of the rounds' p99 is listed beside them.
    const pool = (config: Config) =>
      pooled(
        LABELS[config],
        of(config).map((r) => r.load),
      );
    const p99Off = pool('off').p99;
    const medianP99Off = median(of('off').map((r) => r.load.p99));
    const rows = order.map((config) => {
      const rs = of(config);
      const all = pool(config);
      const medianP99 = median(rs.map((r) => r.load.p99));
      const added = all.p99 - p99Off;
      const addedMedian = medianP99 - medianP99Off;
      const signed = (x: number) => `${x >= 0 ? '+' : ''}${ms(x)}`;
      const sent = rs.reduce((s, r) => s + r.sent, 0);
      const logged = rs.reduce((s, r) => s + r.logged, 0);
      const written = rs.reduce((s, r) => s + r.written, 0);
      const rowsPerSec = written / (rs.length * SECONDS);
      return (
        `| ${LABELS[config]} | ${fmt(all.reqPerSec)} | ${ms(all.p50)} | ${ms(all.p90)} | ${ms(all.p99)} | ` +
        `${ms(all.max)} | ${rs.map((r) => ms(r.load.p99)).join(' / ')} (median ${ms(medianP99)}) | ` +
        (SCHED ? `${schedCell(rs)} | ` : '') +
        (GC ? `${gcCell(rs)} | ` : '') +
        (config === 'off'
          ? '— | — | — |'
          : `${signed(added)} (${verdict(added)}; median of rounds ${signed(addedMedian)}) | ` +
            `${fmt(rowsPerSec)} | ${logged === sent ? 'yes' : 'NO'}: ${fmt(logged)} of ${fmt(sent)} requests, ` +
            `${rs.reduce((s, r) => s + r.errors, 0)} errors |`)
      );
    });

    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    const markdown = [
      DIAGNOSIS.length
        ? `## ${SECTION} — where the prediction log's p99 goes (a diagnostic run of the monitor bench)`
        : '## monitor — prediction log cost on the API at a constant 2,000 req/s',
      '',
      `Command: \`flock /tmp/heavy.lock timeout 1200 npx tsx tools/bench/monitor/run.ts --bundle tmp/bench-monitor-bundle` +
        `${DIAGNOSIS.map((d) => ` --${d.flag}`).join('')}\` — ` +
        `${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${git('rev-parse', '--short', 'HEAD')}, ${cpu} ` +
        `(2 cores shared by the API, the load generator, PostgreSQL and other engineers' work), Node ${process.version}, PostgreSQL 15 (tools/postgres/start.sh, fsync on).`,
      '',
      `Model and requests as in the api section (tmp/bench-monitor-bundle is a copy of its bundle; all ${fmt(applicants.length)} rows of application_train.csv, single applicants). ` +
        `Each round starts a fresh compiled API (\`PREDICTION_LOG=off\`, the default SQLite file, or \`DATABASE_URL\`), warms it up for ${WARM_SECONDS} s, then ` +
        `sends ${fmt(RATE)} req/s for ${SECONDS} s with the api bench's open-loop generator over ${CONNECTIONS} keep-alive connections (latency from each request's scheduled time). ` +
        `${ROUNDS} rounds per configuration, interleaved (off, SQLite, PostgreSQL, then reversed…)` +
        (discarded.length
          ? ` after ${WARM_ROUNDS} such round(s) not counted (their p99: ${discarded.map((d) => `${d.config} ${ms(d.load.p99)}`).join(', ')} ms)`
          : '') +
        `; the table gives the percentiles of all of a configuration's requests (its rounds as one window), the target judged on that p99, and every round's p99 with their median. ` +
        `Batch window: the default ${DEFAULT_WRITER.flushIntervalMs} ms / ${DEFAULT_WRITER.batchRows} rows.` +
        DIAGNOSIS.map((d) => ` ${d.note}`).join(''),
      '',
      '| configuration | req/s | p50 ms | p90 ms | p99 ms | max ms | p99 per round | ' +
        (SCHED ? 'CPU waits > 2 ms per round: event loop / load generator (median) | ' : '') +
        (GC ? 'event-loop GC pauses per round: total / > 2 ms (median) | ' : '') +
        'p99 added (target ≤ 1 ms) | rows/s written | every request logged |',
      `|---|---:|---:|---:|---:|---:|---|${SCHED ? '---|' : ''}${GC ? '---|' : ''}---:|---:|---|`,
      ...rows,
      '',
      `Insert capacity of the stores in-process (the BatchWriter, ${DEFAULT_WRITER.batchRows}-row transactions of real applications, no HTTP; ${capacitySeconds} s for SQLite and for each PostgreSQL schema, in two interleaved halves of which the faster counts): ` +
        `SQLite **${fmt(sqliteCapacity.rowsPerSecond)} rows/s**, ${postgresNote} — the headroom above the ${fmt(RATE)} rows/s the load above writes.`,
    ].join('\n');
    console.log(`\n${markdown}`);
    // A diagnostic run (--sched, --gc, --pin) measures something else than the deployed API: its table goes to a
    // section of its own, beside the latencies of record.
    if (!QUICK) writeSection(SECTION, markdown);
  } finally {
    if (databaseUrl && !process.env.DATABASE_URL) {
      spawnSync(path.join(root, 'tools', 'postgres', 'stop.sh'), ['--purge'], {
        env: { ...process.env, PG_CLUSTER_DIR: path.join(work, 'postgres') },
      });
    }
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

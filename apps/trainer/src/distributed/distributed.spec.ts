// `trainer run --workers` with real `trainer worker` processes on loopback, LightGBM's own sockets between them, and
// a real MLflow server: the model matches the single-process one, each worker holds ~1/N of the data, and a worker
// that never comes or dies fails the run quickly, FAILED in MLflow, with no process left behind.
import { MlflowClient } from '@credit-scoring/tracking';
import { startLocalServer, type LocalServer } from '@credit-scoring/tracking/server';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  isAlive,
  killGroups,
  startCoordinator,
  startWorker,
  waitFor,
  type Proc,
  type WorkerProc,
} from '../testing/cluster';

jest.setTimeout(1_200_000);

/**
 * Generated applicants (application table only): enough rows that the data outweighs a worker's fixed memory.
 * DISTRIBUTED_SPEC_ROWS overrides it (more rows: a clearer 1/N; fewer: a quicker run).
 */
const ROWS = Number(process.env.DISTRIBUTED_SPEC_ROWS ?? 100_000);
const experiment = `distributed-${process.pid}-${Date.now()}`;

let server: LocalServer | undefined;
let store: string;
let client: MlflowClient;
const started: Proc[] = [];

beforeAll(async () => {
  store = mkdtempSync(join(tmpdir(), 'trainer-distributed-'));
  server = await startLocalServer({ storeDir: join(store, 'mlruns') });
  client = new MlflowClient({ trackingUri: server.uri });
});

afterEach(() => killGroups(started.splice(0)));

afterAll(async () => {
  await server?.stop();
  if (store) rmSync(store, { recursive: true, force: true });
});

async function workers(n: number): Promise<WorkerProc[]> {
  const list = await Promise.all(Array.from({ length: n }, () => startWorker(['--once'])));
  started.push(...list);
  return list;
}

function coordinator(workerAddresses: string[], extra: string[] = []): Proc {
  const proc = startCoordinator([
    '--workers',
    workerAddresses.join(','),
    '--rows',
    String(ROWS),
    '--no-side-tables',
    '--tracking-uri',
    server!.uri,
    '--experiment',
    experiment,
    ...extra,
  ]);
  started.push(proc);
  return proc;
}

/** Every worker's node process has ended within `ms`. */
async function expectAllGone(list: WorkerProc[], ms: number): Promise<void> {
  const pids = await Promise.all(list.map((w) => w.pid()));
  const deadline = Date.now() + ms;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  expect(pids.filter(isAlive)).toEqual([]);
}

async function latestRun() {
  const experimentId = (await client.getExperimentByName(experiment))!.experimentId;
  const { runs } = await client.searchRuns({ experimentIds: [experimentId], orderBy: ['attributes.start_time DESC'] });
  return runs[0];
}

describe('trainer run --workers (LightGBM data-parallel on loopback)', () => {
  it('trains with 2 and 3 workers to the single-process AUC, each worker holding about 1/N of the data', async () => {
    const outcomes: Array<{ n: number; testAuc: number; dataMb: number[]; peakMb: number[]; seconds: number }> = [];
    for (const n of [1, 2, 3]) {
      const list = await workers(n);
      const t0 = Date.now();
      const coord = coordinator(
        list.map((w) => w.address),
        ['--step-timeout', '300'],
      );
      const code = await coord.exited;
      if (code !== 0) {
        // The workers' logs too: a worker that ended says why only there (seen once in CI, not reproduced alone).
        const logs = list.map((w, rank) => `worker ${rank} (exit ${w.child.exitCode}):\n${w.output()}`);
        throw new Error(`coordinator exited ${code}:\n${coord.output()}\n${logs.join('\n')}`);
      }
      expect(await Promise.all(list.map((w) => w.exited))).toEqual(list.map(() => 0));
      const result = JSON.parse(/^RESULT (.*)$/m.exec(coord.output())![1]) as { runId: string; testAuc: number };
      const run = await client.getRun(result.runId);
      expect(run.info.status).toBe('FINISHED');
      expect(run.params.workers).toBe(String(n));
      const byRank = async (key: string) =>
        (await client.getMetricHistory(result.runId, key)).sort((a, b) => a.step - b.step).map((m) => m.value);
      const dataMb = await byRank('worker_data_rss_mb');
      expect(dataMb).toHaveLength(n);
      expect(await byRank('worker_boosting_seconds')).toHaveLength(n);
      // The model is the run's MLflow 3 logged model (`model`), not a folder of the run's artifacts.
      const logged = (
        await client.searchLoggedModels({ experimentIds: [run.info.experimentId], filter: "name = 'model'" })
      ).filter((m) => m.sourceRunId === result.runId);
      expect(logged).toHaveLength(1);
      expect((await client.listLoggedModelArtifacts(logged[0])).map((f) => f.path)).toContain('model.lgb');
      outcomes.push({
        n,
        testAuc: result.testAuc,
        dataMb,
        peakMb: await byRank('worker_peak_rss_mb'),
        seconds: (Date.now() - t0) / 1000,
      });
      await expectAllGone(list, 10_000);
    }
    // The numbers, for the record (docs/benchmarks.md has the benchmark's).
    console.log(
      outcomes
        .map(
          (o) =>
            `${o.n} worker(s): test AUC ${o.testAuc.toFixed(4)}, ` +
            `data RSS per worker ${o.dataMb.map((m) => m.toFixed(0)).join('/')} MB` +
            `, peak RSS ${o.peakMb.map((m) => m.toFixed(0)).join('/')} MB, ${o.seconds.toFixed(1)} s`,
        )
        .join('\n'),
    );
    const single = outcomes[0];
    for (const o of outcomes.slice(1)) {
      expect(Math.abs(o.testAuc - single.testAuc)).toBeLessThanOrEqual(0.002);
      // About 1/N: no worker above 1/N of the single process's data memory plus a half (the allocator's rounding
      // and LightGBM's per-process buffers; a third was exceeded by 0.01 MB in a bare-clone run: RSS is noisy),
      // nor below a third of it (it does hold its share).
      for (const mb of o.dataMb) {
        expect(mb).toBeLessThanOrEqual((single.dataMb[0] / o.n) * 1.5);
        expect(mb).toBeGreaterThanOrEqual(single.dataMb[0] / o.n / 3);
      }
    }
  });

  it('fails within the connect time-out when a worker never answers: exit 2, run FAILED, no process left', async () => {
    const [present] = await workers(1);
    const missing = `127.0.0.1:${await freePort()}`;
    const t0 = Date.now();
    const coord = coordinator([present.address, missing], ['--connect-timeout', '5']);
    expect(await coord.exited).toBe(2);
    expect((Date.now() - t0) / 1000).toBeLessThan(60);
    expect(coord.output()).toMatch(
      new RegExp(`^trainer: worker 1 \\(${missing}\\) did not accept a connection within 5 s`, 'm'),
    );
    const run = await latestRun();
    expect(run.info.status).toBe('FAILED');
    expect(await present.exited).toBe(2); // told to give up by the coordinator
    await expectAllGone([present], 10_000);
  });

  it('fails within the connect time-out when the address answers but is no worker (silent, as an HTTP server)', async () => {
    const silent = net.createServer(() => undefined); // accepts, never speaks
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    try {
      const t0 = Date.now();
      const coord = coordinator([address], ['--connect-timeout', '3']);
      expect(await coord.exited).toBe(2);
      expect((Date.now() - t0) / 1000).toBeLessThan(60); // was the step time-out: 5 minutes
      expect(coord.output()).toMatch(
        new RegExp(`^trainer: worker 0 \\(${address}\\) sent nothing for 3 s during the greeting \\(is it a`, 'm'),
      );
    } finally {
      silent.close();
    }
  });

  it('fails at once when a worker dies mid-job: exit 2 naming it, run FAILED, the other worker gone too', async () => {
    const [survivor, victim] = await workers(2);
    const coord = coordinator([survivor.address, victim.address], ['--step-timeout', '120']);
    await waitFor(victim, /job: rank 1 of 2/, 600_000);
    const t0 = Date.now();
    process.kill(await victim.pid(), 'SIGKILL');
    expect(await coord.exited).toBe(2);
    expect((Date.now() - t0) / 1000).toBeLessThan(30);
    expect(coord.output()).toMatch(
      new RegExp(`^trainer: worker 1 \\(${victim.address}\\) (closed the connection|connection error)`, 'm'),
    );
    const run = await latestRun();
    expect(run.info.status).toBe('FAILED');
    expect(run.tags['credit.failure']).toMatch(/^worker 1 /);
    expect(await survivor.exited).toBe(2);
    await expectAllGone([survivor, victim], 10_000);
  });
});

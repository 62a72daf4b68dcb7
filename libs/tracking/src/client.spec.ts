import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { chunkBatch } from './batch';
import { MlflowClient } from './client';
import { ExperimentDeletedError, MlflowConnectionError, MlflowError } from './errors';
import { mlflowExecutable, startLocalServer, type LocalServer } from './server';
import { tempDir, testClient, unique } from './testing/helpers';

const client = testClient();

// The second server (stopped on purpose below) boots while the other tests run: its startup takes ~15 s.
let doomedServer: Promise<LocalServer>;
beforeAll(() => {
  doomedServer = startLocalServer({ storeDir: path.join(tempDir('stopped'), 'store') });
  doomedServer.catch(() => undefined); // awaited (and reported) in its test
});
afterAll(async () => {
  await (await doomedServer.catch(() => undefined))?.stop();
});

describe('experiments', () => {
  it('creates, finds by name and reuses an experiment', async () => {
    const name = unique('exp');
    expect(await client.getExperimentByName(name)).toBeUndefined();
    const id = await client.getOrCreateExperiment(name);
    expect(await client.getOrCreateExperiment(name)).toBe(id);
    const exp = await client.getExperimentByName(name);
    expect(exp).toMatchObject({
      experimentId: id,
      name,
      lifecycleStage: 'active',
      tags: { 'mlflow.experimentKind': 'custom_model_development' },
    });
    expect((await client.getExperiment(id)).name).toBe(name);
  });

  it('refuses a deleted experiment by name with the way to restore it, which works', async () => {
    const name = unique('deleted');
    const id = await client.getOrCreateExperiment(name);
    const rest = (action: string) =>
      fetch(`${client.trackingUri}/api/2.0/mlflow/experiments/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ experiment_id: id }),
      });
    expect((await rest('delete')).status).toBe(200);
    const err = await client.getOrCreateExperiment(name).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExperimentDeletedError);
    expect(err).toBeInstanceOf(MlflowError); // a trainer command's exit 2, like any refusal of MLflow
    expect((err as Error).message).toBe(
      `MLflow experiment '${name}' is deleted (id ${id}): restore it with ` +
        `\`mlflow experiments restore --experiment-id ${id}\`, or choose another experiment name`,
    );
    // The advice, followed as given (the mlflow CLI, pointed at the same server): the name works again.
    const restored = spawnSync(mlflowExecutable(), ['experiments', 'restore', '--experiment-id', id], {
      env: { ...process.env, MLFLOW_TRACKING_URI: client.trackingUri },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(restored.status).toBe(0);
    expect(await client.getOrCreateExperiment(name)).toBe(id);
  });

  it("surfaces MLflow's error_code on a 4xx", async () => {
    const name = unique('dup');
    await client.createExperiment(name);
    const err = await client.createExperiment(name).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowError);
    expect(err).toMatchObject({ errorCode: 'RESOURCE_ALREADY_EXISTS', status: 400 });
    expect((err as Error).message).toContain(name);
    await expect(client.getRun('0123456789abcdef0123456789abcdef')).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      status: 404,
    });
  });
});

describe('runs, params, metrics, tags', () => {
  let experimentId: string;
  beforeAll(async () => {
    experimentId = await client.getOrCreateExperiment(unique('runs'));
  });

  it('creates a child run under a parent, updates, ends and searches them', async () => {
    const parent = await client.createRun({ experimentId, runName: 'parent', tags: { purpose: 'test' } });
    const child = await client.createRun({ experimentId, runName: 'fold-1', parentRunId: parent.info.runId });
    expect(child.info.status).toBe('RUNNING');
    expect(child.tags['mlflow.parentRunId']).toBe(parent.info.runId);
    expect(child.info.artifactUri).toMatch(/^mlflow-artifacts:\//);

    await client.updateRun(child.info.runId, { runName: 'fold-1-renamed' });
    const ended = await client.endRun(child.info.runId);
    expect(ended.status).toBe('FINISHED');
    const got = await client.getRun(child.info.runId);
    expect(got.info).toMatchObject({ runName: 'fold-1-renamed', status: 'FINISHED' });
    expect(got.info.endTime).toBeGreaterThanOrEqual(got.info.startTime);

    const { runs } = await client.searchRuns({
      experimentIds: [experimentId],
      filter: `tags.mlflow.parentRunId = '${parent.info.runId}'`,
    });
    expect(runs.map((r) => r.info.runId)).toEqual([child.info.runId]);
    const page1 = await client.searchRuns({
      experimentIds: [experimentId],
      maxResults: 1,
      orderBy: ['attributes.start_time ASC'],
    });
    expect(page1.runs).toHaveLength(1);
    expect(page1.nextPageToken).toBeDefined();
    const page2 = await client.searchRuns({
      experimentIds: [experimentId],
      maxResults: 1,
      orderBy: ['attributes.start_time ASC'],
      pageToken: page1.nextPageToken,
    });
    expect(page2.runs[0].info.runId).not.toBe(page1.runs[0].info.runId);
  });

  it('chunks a batch of >1000 metrics and >100 params within MLflow limits and reads it all back', async () => {
    const run = await client.createRun({ experimentId, runName: 'big-batch' });
    const metrics = Array.from({ length: 2500 }, (_, i) => ({
      key: `auc_fold_${i % 5}`,
      value: i / 2500,
      step: Math.floor(i / 5),
    }));
    metrics.push({ key: 'undefined_metric', value: NaN, step: 0 });
    const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, i]));
    const tags = Object.fromEntries(Array.from({ length: 130 }, (_, i) => [`t${i}`, `v${i}`]));
    await client.logBatch(run.info.runId, { metrics, params, tags });

    const got = await client.getRun(run.info.runId);
    expect(Object.keys(got.params)).toHaveLength(250);
    expect(got.params.p249).toBe('249');
    expect(got.tags.t129).toBe('v129');
    expect(Number.isNaN(got.metrics.undefined_metric)).toBe(true);
    const history = await client.getMetricHistory(run.info.runId, 'auc_fold_3');
    expect(history).toHaveLength(500);
    expect(history.map((m) => m.step).sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(history.find((m) => m.step === 499)?.value).toBeCloseTo(2498 / 2500, 12);
  });

  it('splits batches so that every request respects each limit', () => {
    const m = Array.from({ length: 2345 }, (_, i) => ({ key: `m${i}`, value: i, timestamp: 0, step: 0 }));
    const p = Array.from({ length: 250 }, (_, i) => ({ key: `p${i}`, value: 'x' }));
    const t = Array.from({ length: 150 }, (_, i) => ({ key: `t${i}`, value: 'y'.repeat(7000) })); // ~1 MB of tags
    const chunks = [...chunkBatch(m, p, t)];
    for (const c of chunks) {
      expect(c.metrics.length).toBeLessThanOrEqual(1000);
      expect(c.params.length).toBeLessThanOrEqual(100);
      expect(c.tags.length).toBeLessThanOrEqual(100);
      expect(c.metrics.length + c.params.length + c.tags.length).toBeLessThanOrEqual(1000);
      expect(JSON.stringify(c).length).toBeLessThan(1_000_000);
    }
    expect(chunks.flatMap((c) => c.metrics)).toEqual(m);
    expect(chunks.flatMap((c) => c.params)).toEqual(p);
    expect(chunks.flatMap((c) => c.tags)).toEqual(t);
  });

  it('rejects bad batch input before logging anything', async () => {
    const run = await client.createRun({ experimentId });
    await expect(
      client.logBatch(run.info.runId, {
        params: { ok: 1 },
        metrics: [
          { key: 'fine', value: 1 },
          { key: 'bad', value: '0.5' as unknown as number },
        ],
      }),
    ).rejects.toThrow(/metric 'bad' must be a number/);
    await expect(client.logBatch(run.info.runId, { params: { ok: 1, long: 'x'.repeat(6001) } })).rejects.toThrow(
      /param 'long' value is 6001 characters; MLflow accepts at most 6000/,
    );
    await expect(
      client.logBatch(run.info.runId, {
        params: [
          { key: 'lr', value: '0.1' },
          { key: 'lr', value: '0.2' },
        ],
      }),
    ).rejects.toThrow(/param 'lr' is given twice with different values/);
    await expect(client.logBatch(run.info.runId, { tags: { ['k'.repeat(251)]: 'v' } })).rejects.toThrow(/at most 250/);
    const got = await client.getRun(run.info.runId);
    expect(got.params).toEqual({});
    expect(got.metrics).toEqual({});
  });

  it("passes MLflow's own validation errors through (params are immutable)", async () => {
    const run = await client.createRun({ experimentId });
    await client.logParams(run.info.runId, { lr: 0.1 });
    await client.logParams(run.info.runId, { lr: 0.1 }); // same value: idempotent
    await expect(client.logParams(run.info.runId, { lr: 0.2 })).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE',
      status: 400,
    });
  });
});

describe('artifacts through the proxy', () => {
  let runId: string;
  beforeAll(async () => {
    const experimentId = await client.getOrCreateExperiment(unique('artifacts'));
    runId = (await client.createRun({ experimentId })).info.runId;
  });

  it('round-trips binary bytes exactly', async () => {
    const bytes = Buffer.concat([randomBytes(300_000), Buffer.from([0, 255, 0, 10, 13])]);
    await client.uploadArtifactBytes(runId, 'blobs/random.bin', bytes);
    expect((await client.downloadArtifactBytes(runId, 'blobs/random.bin')).equals(bytes)).toBe(true);
    const dest = path.join(tempDir('file'), 'copy.bin');
    await client.downloadArtifactFile(runId, 'blobs/random.bin', dest);
    expect(fs.readFileSync(dest).equals(bytes)).toBe(true);
  });

  it('uploads a folder (nested, odd names) and downloads an identical tree; lists children', async () => {
    const src = tempDir('src');
    const files: Record<string, Buffer> = {
      'report.json': Buffer.from('{"auc":0.75}'),
      'plots/roc curve.svg': Buffer.from('<svg/>'),
      'plots/deep/weights.bin': randomBytes(70_000),
      'empty.txt': Buffer.alloc(0),
    };
    for (const [rel, b] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(src, rel)), { recursive: true });
      fs.writeFileSync(path.join(src, rel), b);
    }
    const uploaded = await client.uploadArtifactDir(runId, src, 'bundle');
    expect(uploaded.sort()).toEqual(
      Object.keys(files)
        .map((f) => `bundle/${f}`)
        .sort(),
    );
    expect(await client.uploadArtifactFile(runId, path.join(src, 'report.json'))).toBe('report.json');

    const top = await client.listArtifacts(runId, 'bundle');
    expect(top.map((f) => [f.path, f.isDir]).sort()).toEqual([
      ['bundle/empty.txt', false],
      ['bundle/plots', true],
      ['bundle/report.json', false],
    ]);
    expect(top.find((f) => f.path === 'bundle/report.json')?.fileSize).toBe(12);

    const dest = tempDir('dest');
    const written = await client.downloadArtifactDir(runId, 'bundle', dest);
    expect(written).toHaveLength(4);
    for (const [rel, b] of Object.entries(files)) expect(fs.readFileSync(path.join(dest, rel)).equals(b)).toBe(true);
  });

  it('reports a missing artifact and refuses paths escaping the run', async () => {
    await expect(client.downloadArtifactBytes(runId, 'nope.txt')).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      status: 404,
    });
    await expect(client.uploadArtifactBytes(runId, '../other-run/x', 'x')).rejects.toThrow(/must be relative without/);
  });
});

describe('an unreachable server', () => {
  it('gives a clear connection error quickly once a server is stopped', async () => {
    const server = await doomedServer;
    const second = new MlflowClient({ trackingUri: server.uri, retries: 2, backoffMs: 100 });
    expect(await second.getOrCreateExperiment('alive')).toBeDefined();
    await server.stop();
    const started = Date.now();
    const err = await second.getExperimentByName('alive').catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err).toBeInstanceOf(MlflowConnectionError);
    expect((err as Error).message).toMatch(
      new RegExp(`MLflow server at ${server.uri} is not reachable .*3 attempts.*ECONNREFUSED`),
    );
  });

  it('times out instead of hanging when a server accepts but never answers', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => {
      sockets.push(s);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const c = new MlflowClient({
        trackingUri: `http://127.0.0.1:${port}`,
        retries: 1,
        timeoutMs: 300,
        backoffMs: 50,
      });
      const started = Date.now();
      await expect(c.getExperimentByName('x')).rejects.toThrow(/not reachable .*no answer within 300 ms/);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((r) => silent.close(r));
    }
  });

  it('keeps an answer that came while the event loop was busy past the time-out, without asking twice', async () => {
    // A server in another process (this one is about to block) that answers each request after 100 ms.
    const script = [
      "const http = require('node:http');",
      'let requests = 0;',
      'const server = http.createServer((req, res) => {',
      '  requests++;',
      '  process.send({ requests });',
      "  setTimeout(() => res.end(JSON.stringify({ experiment_id: '7' })), 100);",
      '});',
      "server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));",
    ].join('\n');
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const said: Array<{ port?: number; requests?: number }> = [];
    child.on('message', (m: { port?: number; requests?: number }) => said.push(m));
    const heard = async (what: (m: { port?: number; requests?: number }) => boolean) => {
      while (!said.some(what)) await new Promise((r) => setTimeout(r, 10));
      return said.find(what);
    };
    try {
      const port = (await heard((m) => m.port !== undefined))?.port;
      const c = new MlflowClient({ trackingUri: `http://127.0.0.1:${port}`, retries: 2, timeoutMs: 300 });
      const created = c.createExperiment('x');
      await heard((m) => m.requests === 1); // the request has arrived
      // Busy from the check phase, as after a file read: the timers run before the answer is read on waking.
      await new Promise((r) => setImmediate(r));
      const end = Date.now() + 1500;
      while (Date.now() < end); // busy past the time-out while the server answers
      await expect(created).resolves.toBe('7');
      await new Promise((r) => setTimeout(r, 500)); // time for a second request, were one sent
      expect(said.filter((m) => m.requests !== undefined)).toEqual([{ requests: 1 }]);
    } finally {
      child.kill();
    }
  });

  it('rejects a tracking URI that is not http(s)', () => {
    expect(() => new MlflowClient({ trackingUri: 'file:///tmp/mlruns' })).toThrow(/http\(s\) URL/);
  });
});

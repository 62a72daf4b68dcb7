// Registration as the last step, against a real MLflow server of this file's own. MLflow is reached through a small
// HTTP relay that can stop the real server right after a chosen request has been answered, so "MLflow dies after
// model-versions/create" happens for real, at that exact moment.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MlflowClient } from '@credit-scoring/tracking';
import { freePort, startLocalServer, type LocalServer } from '@credit-scoring/tracking/server';
import { registerChampion } from './register';

jest.setTimeout(300_000);

type Hook = () => Promise<unknown>;

/**
 * Forwards every request to MLflow. For the first request matching `afterAnswer`, MLflow's answer is held back until
 * the hook (which stops MLflow) has finished, so the client gets its answer from a server that is already dead.
 */
async function relay(
  targetPort: number,
): Promise<{ uri: string; afterAnswer(path: string, hook: Hook): void; close(): Promise<void> }> {
  let trigger: { path: string; hook: Hook } | undefined;
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      { host: '127.0.0.1', port: targetPort, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', async () => {
          if (trigger && req.url?.startsWith(trigger.path)) {
            const { hook } = trigger;
            trigger = undefined;
            await hook();
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(Buffer.concat(chunks));
        });
      },
    );
    upstream.on('error', () => res.destroy()); // MLflow gone: the client sees a dropped connection
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as import('node:net').AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}`,
    afterAnswer: (path, hook) => {
      trigger = { path, hook };
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let mlflow: LocalServer | undefined;
let port: number;
let storeDir: string;
let proxy: Awaited<ReturnType<typeof relay>>;
let client: MlflowClient;
let experimentId: string;
const name = `register-test-${process.pid}-${Date.now()}`;

const start = async () => {
  mlflow = await startLocalServer({ port, storeDir });
  return mlflow;
};
const stop = async () => {
  await mlflow?.stop();
  mlflow = undefined;
};

/** A finished run with a model directory logged, as runPipeline leaves the best-model run. */
async function candidateRun(): Promise<string> {
  const run = await client.createRun({ experimentId, runName: 'best model' });
  await client.uploadArtifactBytes(run.info.runId, 'model/MLmodel', 'flavors: {}\n');
  await client.endRun(run.info.runId);
  return run.info.runId;
}
const versionsOf = async (runId: string) =>
  (await client.searchModelVersions(`name='${name}' and run_id='${runId}'`)).map((v) => v.version);
const champion = async () => (await client.getModelVersionByAlias(name, 'champion')).version;

beforeAll(async () => {
  port = await freePort();
  storeDir = mkdtempSync(join(tmpdir(), 'trainer-register-'));
  await start();
  proxy = await relay(port);
  client = new MlflowClient({ trackingUri: proxy.uri, retries: 1, backoffMs: 50, timeoutMs: 5000 });
  experimentId = await client.getOrCreateExperiment(`${name}-experiment`);
});

afterAll(async () => {
  await proxy?.close();
  await stop();
  rmSync(storeDir, { recursive: true, force: true });
});

describe('registerChampion', () => {
  it('creates the version, runs the steps that name it, and promotes it only after them', async () => {
    const runId = await candidateRun();
    const seen: Array<{ version: string; aliasBefore?: string }> = [];
    const version = await registerChampion(client, { runId, name, alias: 'champion' }, async (created) => {
      seen.push({ version: created, aliasBefore: (await client.getRegisteredModel(name))?.aliases.champion });
    });
    expect(seen).toEqual([{ version: '1', aliasBefore: undefined }]);
    expect(version).toBe('1');
    expect(await champion()).toBe('1');
    expect((await client.getRun(runId)).tags['credit.registered_version']).toBe('1');
  });

  it('leaves no version and the alias where it was when a step before promotion fails (e.g. the report)', async () => {
    const runId = await candidateRun();
    const failing = registerChampion(client, { runId, name, alias: 'champion' }, async () => {
      throw new Error("EACCES: permission denied, open '/results.md'");
    });
    await expect(failing).rejects.toThrow('EACCES');
    expect(await versionsOf(runId)).toEqual([]);
    expect(await champion()).toBe('1');
  });

  it('removes the registered model too when the failed run had created it, and only then', async () => {
    const fresh = `${name}-fresh`;
    const runId = await candidateRun();
    const failing = registerChampion(client, { runId, name: fresh, alias: 'champion' }, async () => {
      throw new Error('ENOSPC: no space left on device');
    });
    await expect(failing).rejects.toThrow('ENOSPC');
    expect(await client.getRegisteredModel(fresh)).toBeUndefined();
    expect(await client.getRegisteredModel(name)).toBeDefined(); // the earlier test's failure left its model
  });

  it('removes the version when MLflow dies right after model-versions/create, once MLflow is back', async () => {
    const runId = await candidateRun();
    let restarted: Promise<LocalServer> | undefined;
    proxy.afterAnswer('/api/2.0/mlflow/model-versions/create', async () => {
      await stop();
      restarted = start(); // back in ~15 s: within the clean-up's retry window
    });
    const registering = registerChampion(client, { runId, name, alias: 'champion' }, undefined, {
      cleanupRetry: { attempts: 9, firstDelayMs: 1000 },
    });
    await expect(registering).rejects.toThrow(/not reachable|fetch failed|ECONNRE/);
    await restarted;
    expect(await versionsOf(runId)).toEqual([]);
    expect(await champion()).toBe('1');
  });

  it('says on stderr how to remove the version when MLflow stays away, and that command works', async () => {
    const runId = await candidateRun();
    proxy.afterAnswer('/api/2.0/mlflow/model-versions/create', stop);
    const stderr: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
    try {
      await expect(
        registerChampion(client, { runId, name, alias: 'champion' }, undefined, {
          cleanupRetry: { attempts: 2, firstDelayMs: 100 },
        }),
      ).rejects.toThrow();
    } finally {
      spy.mockRestore();
    }
    const said = stderr.join('');
    expect(said).toContain(`Versions of ${name} from run ${runId} may be left`);
    await start();
    const left = await versionsOf(runId);
    expect(left).toHaveLength(1);
    const remove = (/^\s+(curl -X DELETE .*)$/m.exec(said)?.[1] ?? 'no delete command printed').replace('<N>', left[0]);
    // Asynchronously: the command goes through the relay, which lives in this process.
    await promisify(execFile)('sh', ['-c', `${remove} --silent --fail`]);
    expect(await versionsOf(runId)).toEqual([]);
    expect(await champion()).toBe('1');
  });
});

// Ending runs when MLflow is gone at the end, against a real MLflow server of this file's own that is stopped while the
// run works: the run is not left RUNNING when MLflow comes back within the retry window, and when it does not, stderr
// names the run and a command that closes it (run here, once MLflow is back).
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { MlflowClient } from './client';
import { RunNotClosedError, withRun } from './run';
import { freePort, startLocalServer, type LocalServer } from './server';
import { tempDir, unique } from './testing/helpers';

let server: LocalServer | undefined;
let port: number;
let storeDir: string;
let client: MlflowClient;
let experimentId: string;

const startServer = async () => {
  server = await startLocalServer({ port, storeDir });
  return server;
};
const stopServer = async () => {
  await server?.stop();
  server = undefined;
};

beforeAll(async () => {
  port = await freePort();
  storeDir = path.join(tempDir('run-end'), 'store');
  await startServer();
  client = new MlflowClient({ trackingUri: `http://127.0.0.1:${port}`, retries: 1, backoffMs: 50, timeoutMs: 5000 });
  experimentId = await client.getOrCreateExperiment(unique('run-end'));
});
afterAll(stopServer);

describe('ending a run when MLflow is unreachable at the end', () => {
  it('says on stderr which run stays RUNNING and how to close it; the command works once MLflow is back', async () => {
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      errors.push(args.join(' '));
    });
    let runId = '';
    try {
      const ended = withRun(
        client,
        { experimentId, runName: 'orphan', endRetry: { attempts: 3, firstDelayMs: 100 } },
        async (run) => {
          runId = run.runId;
          await stopServer();
          return 'trained';
        },
      );
      await expect(ended).rejects.toBeInstanceOf(RunNotClosedError);
    } finally {
      spy.mockRestore();
    }
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`run ${runId} could not be marked FINISHED and stays RUNNING`);
    const command = /^\s+(curl .*)$/m.exec(errors[0])?.[1];
    expect(command).toContain(`http://127.0.0.1:${port}/api/2.0/mlflow/runs/update`);

    await startServer();
    expect((await client.getRun(runId)).info.status).toBe('RUNNING');
    execFileSync('sh', ['-c', `${command} --silent --fail`], { stdio: 'ignore' });
    const closed = await client.getRun(runId);
    expect(closed.info.status).toBe('FINISHED');
    expect(closed.info.endTime).toBeGreaterThanOrEqual(closed.info.startTime);
  }, 180_000);

  it('keeps trying with a bounded backoff and ends the run once MLflow is back', async () => {
    let runId = '';
    let restarted: Promise<LocalServer> | undefined;
    const stoppedAt = await withRun(
      client,
      { experimentId, runName: 'survivor', endRetry: { attempts: 8, firstDelayMs: 1000 } },
      async (run) => {
        runId = run.runId;
        await stopServer();
        restarted = startServer(); // back in ~15 s, while withRun is retrying
        return Date.now();
      },
    );
    await restarted;
    const got = await client.getRun(runId);
    expect(got.info.status).toBe('FINISHED');
    // The end time is when the work ended, not when MLflow came back.
    expect((got.info.endTime ?? Infinity) - stoppedAt).toBeLessThan(2000);
  }, 180_000);
});

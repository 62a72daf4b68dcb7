import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { withRun } from './run';
import { workspaceRoot } from '@credit-scoring/data';
import { testClient, unique } from './testing/helpers';

const client = testClient();
let experimentId: string;
beforeAll(async () => {
  experimentId = await client.getOrCreateExperiment(unique('with-run'));
});

describe('withRun', () => {
  it('ends the run FINISHED and returns what fn returned; logs go into the run', async () => {
    const listenersBefore = process.listenerCount('SIGTERM');
    let seenId = '';
    const result = await withRun(client, { experimentId, runName: 'ok', tags: { stage: 'cv' } }, async (run) => {
      seenId = run.runId;
      expect(process.listenerCount('SIGTERM')).toBe(listenersBefore + 1);
      await run.logParams({ num_leaves: 31 });
      await run.logMetrics({ auc: 0.75, cost: 1234.5 }, 3);
      return 42;
    });
    expect(result).toBe(42);
    expect(process.listenerCount('SIGTERM')).toBe(listenersBefore);
    const got = await client.getRun(seenId);
    expect(got.info.status).toBe('FINISHED');
    expect(got.info.runName).toBe('ok');
    expect(got.tags.stage).toBe('cv');
    expect(got.params.num_leaves).toBe('31');
    expect(got.metrics).toEqual({ auc: 0.75, cost: 1234.5 });
  });

  it('leaves the run FAILED and rethrows when fn throws; nested runs point at their parent', async () => {
    let childId = '';
    let parentId = '';
    await expect(
      withRun(client, { experimentId, runName: 'parent' }, async (parent) => {
        parentId = parent.runId;
        await withRun(client, { experimentId, runName: 'fold', parentRunId: parent.runId }, async (child) => {
          childId = child.runId;
          throw new Error('fold exploded');
        });
      }),
    ).rejects.toThrow('fold exploded');
    const child = await client.getRun(childId);
    expect(child.info.status).toBe('FAILED');
    expect(child.tags['mlflow.parentRunId']).toBe(parentId);
    expect((await client.getRun(parentId)).info.status).toBe('FAILED');
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'marks the run KILLED when the process gets %s, and the process still stops',
    async (signal) => {
      // node itself (tsx as a loader, not its CLI wrapper) so the signal reaches the process that owns the run.
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', path.join(__dirname, 'testing', 'signal-child.ts'), client.trackingUri, experimentId],
        { cwd: workspaceRoot(), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const runId = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /RUN ([0-9a-f]{32})/.exec(out);
          if (m) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`child exited (${code}) before starting its run: ${stderr}`)));
      });
      expect((await client.getRun(runId)).info.status).toBe('RUNNING');
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
      child.kill(signal);
      expect(await exited).toBe(signal);
      const got = await client.getRun(runId);
      expect(got.info.status).toBe('KILLED');
      expect(got.info.endTime).toBeDefined();
    },
  );

  it('starts no run once a stop signal came, while the program finishes its own grace period', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, 'testing', 'signal-child.ts'), client.trackingUri, experimentId, 'late'],
      { cwd: workspaceRoot(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    for (let i = 0; i < 300 && !/RUN [0-9a-f]{32}/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
    const runId = /RUN ([0-9a-f]{32})/.exec(out)![1];
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(out).toMatch(/REFUSED not starting run 'late': the process is stopping \(SIGTERM\)/);
    expect((await client.getRun(runId)).info.status).toBe('KILLED');
    const runs = await client.searchRuns({ experimentIds: [experimentId], filter: "attributes.run_name = 'late'" });
    expect(runs.runs).toEqual([]);
  }, 60_000);

  it('marks the run FAILED when the process runs out of work with the run still open', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(__dirname, 'testing', 'signal-child.ts'),
        client.trackingUri,
        experimentId,
        'stranded',
      ],
      { cwd: workspaceRoot(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    const runId = /RUN ([0-9a-f]{32})/.exec(stdout)?.[1];
    expect(runId).toBeDefined();
    expect(stdout).not.toContain('RETURNED');
    expect(code).toBe(0); // Node's own status for a drained loop: why the trainer checks for it (apps/trainer main.ts)
    expect(stderr).toContain(`run ${runId}: the process has nothing left to wait on; marking the run FAILED`);
    const got = await client.getRun(runId as string);
    expect(got.info.status).toBe('FAILED');
    expect(got.info.endTime).toBeDefined();
  });
});

import type { MlflowClient } from './client';
import type { BatchItems, Run } from './types';

/** The run a `withRun` callback works in: its ids plus shortcuts that log into it. */
export class ActiveRun {
  constructor(readonly client: MlflowClient, readonly run: Run) {}

  get runId(): string { return this.run.info.runId; }
  get experimentId(): string { return this.run.info.experimentId; }
  get artifactUri(): string { return this.run.info.artifactUri; }

  logParams(params: Record<string, string | number | boolean>): Promise<void> { return this.client.logParams(this.runId, params); }
  logMetric(key: string, value: number, step = 0): Promise<void> { return this.client.logMetric(this.runId, key, value, step); }
  logMetrics(metrics: Record<string, number>, step = 0): Promise<void> {
    return this.client.logBatch(this.runId, { metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, step })) });
  }
  setTags(tags: Record<string, string>): Promise<void> { return this.client.setTags(this.runId, tags); }
  logBatch(items: BatchItems): Promise<void> { return this.client.logBatch(this.runId, items); }
  uploadArtifactBytes(artifactPath: string, bytes: Uint8Array | string): Promise<void> {
    return this.client.uploadArtifactBytes(this.runId, artifactPath, bytes);
  }
  uploadArtifactFile(localFile: string, artifactDir?: string): Promise<string> {
    return this.client.uploadArtifactFile(this.runId, localFile, artifactDir);
  }
}

export interface WithRunOptions {
  experimentId: string;
  runName?: string;
  parentRunId?: string;
  tags?: Record<string, string>;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Runs `fn` inside a new MLflow run and always closes it: FINISHED when fn resolves, FAILED when it throws
 * (the error is rethrown), KILLED when the process gets SIGINT/SIGTERM meanwhile. The signal handlers exist
 * only while the run is open; after marking the run, the signal is re-raised so the process still stops
 * (unless some other handler of the program is there to decide).
 */
export async function withRun<T>(client: MlflowClient, opts: WithRunOptions, fn: (run: ActiveRun) => Promise<T>): Promise<T> {
  const run = await client.createRun(opts);
  const active = new ActiveRun(client, run);
  let closed = false;
  const close = async (status: 'FINISHED' | 'FAILED' | 'KILLED') => {
    if (closed) return;
    closed = true;
    await client.endRun(run.info.runId, status);
  };

  const onSignal = (signal: NodeJS.Signals) => {
    removeHandlers();
    close('KILLED')
      .catch((err: unknown) => console.error(`[tracking] could not mark run ${run.info.runId} KILLED: ${String(err)}`))
      .finally(() => {
        // Our handler replaced Node's default "exit on signal"; restore it unless the program handles the signal.
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
  };
  const removeHandlers = () => { for (const s of SIGNALS) process.removeListener(s, onSignal); };
  for (const s of SIGNALS) process.on(s, onSignal);

  try {
    const result = await fn(active);
    await close('FINISHED');
    return result;
  } catch (err) {
    try {
      await close('FAILED');
    } catch (closeErr) {
      // Keep the caller's error as the one thrown; the tracking failure is secondary.
      console.error(`[tracking] could not mark run ${run.info.runId} FAILED: ${String(closeErr)}`);
    }
    throw err;
  } finally {
    removeHandlers();
  }
}

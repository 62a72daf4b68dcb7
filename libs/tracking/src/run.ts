import type { MlflowClient } from './client';
import { MlflowError } from './errors';
import { sleep } from './transport';
import type { BatchItems, Run } from './types';

/** The run a `withRun` callback works in: its ids plus shortcuts that log into it. */
export class ActiveRun {
  constructor(
    readonly client: MlflowClient,
    readonly run: Run,
  ) {}

  get runId(): string {
    return this.run.info.runId;
  }
  get experimentId(): string {
    return this.run.info.experimentId;
  }
  get artifactUri(): string {
    return this.run.info.artifactUri;
  }

  logParams(params: Record<string, string | number | boolean>): Promise<void> {
    return this.client.logParams(this.runId, params);
  }
  logMetric(key: string, value: number, step = 0): Promise<void> {
    return this.client.logMetric(this.runId, key, value, step);
  }
  logMetrics(metrics: Record<string, number>, step = 0): Promise<void> {
    return this.client.logBatch(this.runId, {
      metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, step })),
    });
  }
  setTags(tags: Record<string, string>): Promise<void> {
    return this.client.setTags(this.runId, tags);
  }
  logBatch(items: BatchItems): Promise<void> {
    return this.client.logBatch(this.runId, items);
  }
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
  /** How hard to try closing the run when MLflow does not answer at the end (default: 5 attempts from 1 s). */
  endRetry?: EndRetry;
}

/** Bounded backoff for ending a run: `attempts` tries, waiting firstDelayMs, then twice that, and so on. */
export interface EndRetry {
  attempts: number;
  firstDelayMs: number;
}

export const DEFAULT_END_RETRY: EndRetry = { attempts: 5, firstDelayMs: 1000 };

/** The run stays RUNNING in MLflow: every attempt to end it failed. */
export class RunNotClosedError extends MlflowError {
  constructor(
    readonly runId: string,
    readonly runStatus: string,
    readonly command: string,
    cause: unknown,
  ) {
    super(
      `run ${runId} could not be marked ${runStatus} and stays RUNNING in MLflow; once MLflow answers, close it with:\n` +
        `  ${command}\n  (cause: ${(cause as Error)?.message ?? String(cause)})`,
      { errorCode: 'RUN_NOT_CLOSED', cause },
    );
    this.name = 'RunNotClosedError';
  }
}

/**
 * Ends a run, retrying with a bounded backoff when MLflow is unreachable or failing (a 4xx is final at once). When
 * every attempt fails it throws RunNotClosedError, whose message names the run and the command that closes it.
 */
export async function endRunWithRetry(
  client: MlflowClient,
  runId: string,
  status: 'FINISHED' | 'FAILED' | 'KILLED',
  retry: EndRetry = DEFAULT_END_RETRY,
): Promise<void> {
  const endTime = Date.now(); // when the work ended, not when MLflow came back
  let lastError: unknown;
  for (let attempt = 0; attempt < Math.max(1, retry.attempts); attempt++) {
    if (attempt > 0) await sleep(retry.firstDelayMs * 2 ** (attempt - 1));
    try {
      await client.updateRun(runId, { status, endTime });
      return;
    } catch (err) {
      lastError = err;
      const status4xx =
        err instanceof MlflowError && err.status !== undefined && err.status < 500 && err.status !== 429;
      if (status4xx) break;
    }
  }
  const body = JSON.stringify({ run_id: runId, status, end_time: endTime });
  const command = `curl -X POST ${client.trackingUri}/api/2.0/mlflow/runs/update -H 'Content-Type: application/json' -d '${body}'`;
  throw new RunNotClosedError(runId, status, command, lastError);
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** The stop signal an open run received, if any: from then on no run starts (it would stay RUNNING at the exit). */
let stopSignal: NodeJS.Signals | undefined;

/**
 * Runs `fn` inside a new MLflow run and always closes it: FINISHED when fn resolves, FAILED when it throws
 * (the error is rethrown) or when the process runs out of work with fn still pending, KILLED when the process gets
 * SIGINT/SIGTERM meanwhile. The signal handlers exist only while the run is open; after marking the run, the signal
 * is re-raised so the process still stops (unless some other handler of the program is there to decide).
 */
export async function withRun<T>(
  client: MlflowClient,
  opts: WithRunOptions,
  fn: (run: ActiveRun) => Promise<T>,
): Promise<T> {
  if (stopSignal)
    throw new MlflowError(`not starting run '${opts.runName ?? ''}': the process is stopping (${stopSignal})`);
  const run = await client.createRun(opts);
  const active = new ActiveRun(client, run);
  let closed = false;
  const close = async (status: 'FINISHED' | 'FAILED' | 'KILLED', retry = opts.endRetry) => {
    if (closed) return;
    closed = true;
    try {
      await endRunWithRetry(client, run.info.runId, status, retry);
    } catch (err) {
      // Said here, on stderr, whatever the caller does with the error: an operator must learn which run to close.
      console.error(`[tracking] ${(err as Error).message}`);
      throw err;
    }
  };

  const onSignal = (signal: NodeJS.Signals) => {
    stopSignal ??= signal;
    removeHandlers();
    // Short retry: the program exits soon after a signal, and must still get to say which run stays open.
    close('KILLED', { attempts: 2, firstDelayMs: 500 })
      .catch(() => undefined) // close() has said which run stays open and how to close it
      .finally(() => {
        // Our handler replaced Node's default "exit on signal"; restore it unless the program handles the signal.
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
  };
  // Node exits once nothing keeps its event loop alive, even with fn still pending (a bug of the caller's: session
  // 17's trainer waited on worker threads that held nothing). fn can then never finish and the run would stay
  // RUNNING for good: it is marked FAILED first, the request keeping the process alive until it is answered.
  const onStranded = () => {
    process.removeListener('beforeExit', onStranded);
    console.error(`[tracking] run ${run.info.runId}: the process has nothing left to wait on; marking the run FAILED`);
    void close('FAILED', { attempts: 2, firstDelayMs: 500 }).catch(() => undefined);
  };
  const removeHandlers = () => {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    process.removeListener('beforeExit', onStranded);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('beforeExit', onStranded);

  try {
    const result = await fn(active);
    await close('FINISHED');
    return result;
  } catch (err) {
    try {
      await close('FAILED');
    } catch {
      // Keep the caller's error as the one thrown; close() has said which run stays open and how to close it.
    }
    throw err;
  } finally {
    removeHandlers();
  }
}

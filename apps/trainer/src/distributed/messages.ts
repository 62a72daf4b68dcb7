import type { Params } from '@credit-scoring/lightgbm';

/** What the coordinator asks of one worker (the 'job' frame; its payloads are the rank's rows). */
export interface JobSpec {
  rank: number;
  /** LightGBM's machine list, "ip:port" per rank in rank order */
  machines: string[];
  /** LightGBM's time_out (minutes) */
  timeOutMinutes: number;
  /** the worker gives up (and exits) when its LightGBM thread makes no progress for this long */
  stepTimeoutSeconds: number;
  params: Params;
  numBoostRound: number;
  nCols: number;
  featureNames: string[];
  categoricalFeatures: number[];
  trainRows: number;
  validRows: number;
}

/** Handed to the LightGBM thread (the arrays are transferred, not copied). */
export interface ThreadInput {
  job: JobSpec;
  trainX: Float32Array;
  trainY: Float32Array;
  validX: Float32Array;
  validY: Float32Array;
}

/** A worker's account of its job, sent with 'done': seconds per phase and memory. */
export interface WorkerReport {
  rank: number;
  pid: number;
  iterations: number;
  seconds: { receive: number; network: number; dataset: number; boosting: number; decisions: number; total: number };
  /** RSS before the job's data arrived, and the process's peak RSS (getrusage maxrss) at the end */
  baselineRssBytes: number;
  peakRssBytes: number;
}

/** "host:port" → parts; the port in [1, 65535]. */
export function parseAddress(text: string, what: string): { host: string; port: number } {
  const match = /^(.+):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535 || /[\s,]/.test(match[1])) {
    throw new Error(`${what} must be host:port with a port in [1, 65535], got '${text}'`);
  }
  return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port };
}

// Reads the API's settings from the environment once, at start-up, so the rest of the code receives typed values and
// a misspelt number fails loudly before the server listens.
import { DEFAULT_BUNDLE_DIR, DEFAULT_MODEL_URI } from '@credit-scoring/tracking';
import { DEFAULT_BODY_LIMIT_BYTES } from './app';
import { DEFAULT_SQLITE_FILE, WRITER_PRIORITIES, type WriterPriority } from '@credit-scoring/monitoring';

export interface MlflowModelSourceConfig {
  kind: 'mlflow';
  trackingUri: string;
  name: string;
  alias: string;
  /** Exported bundle to fall back on when MLflow cannot be reached at start. */
  fallbackBundleDir?: string;
}
export interface BundleModelSourceConfig {
  kind: 'bundle';
  dir: string;
}
export type ModelSourceConfig = MlflowModelSourceConfig | BundleModelSourceConfig;

export interface ApiConfig {
  host: string;
  port: number;
  model: ModelSourceConfig;
  /** Poll the registry alias every N seconds and swap to a new version; 0 = load once. */
  followAliasSeconds: number;
  apiKey?: string;
  /** Wrong API keys per client IP per minute before 429 (API_KEY_MAX_FAILURES). */
  apiKeyMaxFailures: number;
  rateLimitMax?: number;
  rateLimitWindow: string;
  clientsCsv?: string;
  /** The prediction log (PREDICTION_LOG=on|off, default on): PostgreSQL with DATABASE_URL, else a SQLite file. */
  predictionLog?: PredictionLogConfig;
  /** DRIFT_REPORT_DIR: the latest drift report served at /monitoring/drift (default reports/monitor). */
  driftReportDir: string;
  /** The in-API drift monitor (MONITOR_INTERVAL_MINUTES > 0), off by default: cron `trainer monitor` instead. */
  driftMonitor?: { referenceCsv: string; intervalMinutes: number; windowHours: number };
  bodyLimitBytes: number;
  maxBatch: number;
  logLevel: string;
  /** Deadline to receive a whole request (REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
  /** Idle keep-alive connections are closed after this (KEEP_ALIVE_TIMEOUT_MS). */
  keepAliveTimeoutMs: number;
  /** On SIGTERM/SIGINT, in-flight requests get this long before connections are force-closed (SHUTDOWN_TIMEOUT_MS). */
  shutdownTimeoutMs: number;
  /** On SIGTERM, how long the server keeps answering (Connection: close, /ready 503) before it closes (SHUTDOWN_DRAIN_MS). */
  shutdownDrainMs: number;
}

export interface PredictionLogConfig {
  databaseUrl?: string;
  /** PREDICTION_LOG_FILE (SQLite; default data/monitoring/predictions.sqlite). */
  sqliteFile: string;
  /** PREDICTION_LOG_HASH_KEY: store HMAC-SHA256(key, SK_ID_CURR) instead of the id. */
  hashKey?: string;
  /** PREDICTION_LOG_RETENTION_DAYS (0 = keep everything). */
  retentionDays: number;
  /** PREDICTION_LOG_FLUSH_MS: the batch window. */
  flushIntervalMs: number;
  /** PREDICTION_LOG_BATCH_ROWS: rows per transaction at most. */
  batchRows: number;
  /** PREDICTION_LOG_RETRY_SECONDS: how long a failing batch is retried (with back-off) before it is dropped. */
  retrySeconds: number;
  /** PREDICTION_LOG_WAIT_MS: how long a request waits for room in a full queue (0 = drop its rows at once). */
  waitMs: number;
  /** PREDICTION_LOG_WRITER_PRIORITY: idle (default), low or normal (see ThreadedStore). */
  writerPriority: WriterPriority;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** `models:/<name>@<alias>` → name and alias (the only registry URI form the API follows). */
export function parseModelUri(uri: string): { name: string; alias: string } {
  const match = /^models:\/([^@/]+)@([^@/]+)$/.exec(uri.trim());
  if (!match) throw new ConfigError(`MODEL_URI must look like models:/<name>@<alias>, got "${uri}"`);
  return { name: match[1], alias: match[2] };
}

function integer(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number): number {
  const text = env[key];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new ConfigError(`${key} must be an integer >= ${min}, got "${text}"`);
  return value;
}

function optional(env: NodeJS.ProcessEnv, key: string): string | undefined {
  const text = env[key]?.trim();
  return text ? text : undefined;
}

/**
 * A secret that turns a protection on (API_KEY, PREDICTION_LOG_HASH_KEY): set but blank is a mistake (an unfilled
 * secret in a deployment), refused rather than read as "off", which would serve or store in the clear.
 */
function secret(env: NodeJS.ProcessEnv, key: string): string | undefined {
  if (env[key] !== undefined && env[key]?.trim() === '') {
    throw new ConfigError(`${key} is set but blank: give it a value, or unset it to turn it off`);
  }
  return optional(env, key);
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const { name, alias } = parseModelUri(env.MODEL_URI ?? DEFAULT_MODEL_URI);
  const trackingUri = optional(env, 'MLFLOW_TRACKING_URI');
  const bundleDir = optional(env, 'MODEL_BUNDLE_DIR');
  // Without either, serve the folder `trainer export` writes by default (relative to the working directory).
  const model: ModelSourceConfig = trackingUri
    ? { kind: 'mlflow', trackingUri, name, alias, fallbackBundleDir: bundleDir }
    : { kind: 'bundle', dir: bundleDir ?? DEFAULT_BUNDLE_DIR };

  const rateLimitMax = integer(env, 'RATE_LIMIT_MAX', 0, 0);
  return {
    host: env.HOST ?? '127.0.0.1',
    port: integer(env, 'PORT', 8000, 0),
    model,
    followAliasSeconds: integer(env, 'MODEL_POLL_SECONDS', 0, 0),
    apiKey: secret(env, 'API_KEY'),
    apiKeyMaxFailures: integer(env, 'API_KEY_MAX_FAILURES', 10, 1),
    rateLimitMax: rateLimitMax > 0 ? rateLimitMax : undefined,
    rateLimitWindow: env.RATE_LIMIT_WINDOW ?? '1 minute',
    clientsCsv: optional(env, 'CLIENTS_CSV'),
    predictionLog: predictionLogFromEnv(env),
    driftReportDir: optional(env, 'DRIFT_REPORT_DIR') ?? 'reports/monitor',
    driftMonitor: driftMonitorFromEnv(env),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', DEFAULT_BODY_LIMIT_BYTES, 1024),
    maxBatch: integer(env, 'MAX_BATCH', 1000, 1),
    logLevel: env.LOG_LEVEL ?? 'info',
    requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', 30_000, 100),
    keepAliveTimeoutMs: integer(env, 'KEEP_ALIVE_TIMEOUT_MS', 65_000, 100),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0),
    shutdownDrainMs: integer(env, 'SHUTDOWN_DRAIN_MS', 1_000, 0),
  };
}

function predictionLogFromEnv(env: NodeJS.ProcessEnv): PredictionLogConfig | undefined {
  // The JSONL traffic file is gone: a deployment still setting it must hear so, not silently lose its log.
  if (optional(env, 'TRAFFIC_LOG')) {
    throw new ConfigError(
      'TRAFFIC_LOG is replaced by the prediction log (PREDICTION_LOG, DATABASE_URL); export JSONL with `trainer monitor export`',
    );
  }
  const mode = (env.PREDICTION_LOG ?? 'on').trim().toLowerCase();
  if (mode === 'off') return undefined;
  if (mode !== 'on') throw new ConfigError(`PREDICTION_LOG must be on or off, got "${env.PREDICTION_LOG}"`);
  const databaseUrl = optional(env, 'DATABASE_URL');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  return {
    databaseUrl,
    sqliteFile: optional(env, 'PREDICTION_LOG_FILE') ?? DEFAULT_SQLITE_FILE,
    hashKey: secret(env, 'PREDICTION_LOG_HASH_KEY'),
    retentionDays: integer(env, 'PREDICTION_LOG_RETENTION_DAYS', 0, 0),
    flushIntervalMs: integer(env, 'PREDICTION_LOG_FLUSH_MS', 50, 1),
    batchRows: integer(env, 'PREDICTION_LOG_BATCH_ROWS', 500, 1),
    retrySeconds: integer(env, 'PREDICTION_LOG_RETRY_SECONDS', 30, 0),
    waitMs: integer(env, 'PREDICTION_LOG_WAIT_MS', 1_000, 0),
    writerPriority: writerPriority(env),
  };
}

function writerPriority(env: NodeJS.ProcessEnv): WriterPriority {
  const given = (optional(env, 'PREDICTION_LOG_WRITER_PRIORITY') ?? 'idle').toLowerCase();
  const known = WRITER_PRIORITIES.find((p) => p === given);
  if (!known) {
    const choices = WRITER_PRIORITIES.join(', ');
    throw new ConfigError(`PREDICTION_LOG_WRITER_PRIORITY must be one of ${choices}, got "${given}"`);
  }
  return known;
}

function driftMonitorFromEnv(env: NodeJS.ProcessEnv): ApiConfig['driftMonitor'] {
  const intervalMinutes = integer(env, 'MONITOR_INTERVAL_MINUTES', 0, 0);
  if (intervalMinutes === 0) return undefined;
  const referenceCsv = optional(env, 'MONITOR_REFERENCE_CSV');
  if (!referenceCsv)
    throw new ConfigError('MONITOR_INTERVAL_MINUTES needs MONITOR_REFERENCE_CSV (raw application rows)');
  if ((env.PREDICTION_LOG ?? 'on').trim().toLowerCase() === 'off') {
    throw new ConfigError('MONITOR_INTERVAL_MINUTES needs the prediction log (PREDICTION_LOG=on)');
  }
  return { referenceCsv, intervalMinutes, windowHours: integer(env, 'MONITOR_WINDOW_HOURS', 24, 1) };
}

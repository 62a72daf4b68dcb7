import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MlflowClient } from '../client';

/** A client for the real server the global setup started (or the one MLFLOW_TRACKING_URI names). */
export function testClient(opts: { retries?: number; timeoutMs?: number } = {}): MlflowClient {
  const uri = process.env.MLFLOW_TRACKING_URI;
  if (!uri) throw new Error('MLFLOW_TRACKING_URI is not set: the tracking global setup should have started a server');
  return new MlflowClient({ trackingUri: uri, ...opts });
}

/** Names unique per test run, so tests can share a long-lived server (CI's) without colliding. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tracking-${prefix}-`));
}

export const FIXTURES = path.join(__dirname, 'fixtures');

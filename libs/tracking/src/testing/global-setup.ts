import * as fs from 'node:fs';
import * as path from 'node:path';
import { workspaceRoot } from '@credit-scoring/data';
import { startLocalServer, type LocalServer } from '../server';

/** Starts a throw-away MLflow server unless MLFLOW_TRACKING_URI points at one; workers inherit the env var. */
export default async function globalSetup(): Promise<void> {
  if (process.env.MLFLOW_TRACKING_URI) return;
  const storeDir = path.join(workspaceRoot(), 'tmp', 'tracking-tests', `store-${process.pid}`);
  fs.rmSync(storeDir, { recursive: true, force: true });
  const server = await startLocalServer({ storeDir });
  process.env.MLFLOW_TRACKING_URI = server.uri;
  (globalThis as { __trackingServer?: LocalServer }).__trackingServer = server;
}

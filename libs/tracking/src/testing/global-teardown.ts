import * as fs from 'node:fs';
import type { LocalServer } from '../server';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __trackingServer?: LocalServer }).__trackingServer;
  if (!server) return;
  await server.stop();
  delete process.env.MLFLOW_TRACKING_URI;
  fs.rmSync(server.storeDir, { recursive: true, force: true });
}

// The decision desk as its browser tests and screenshot script see it: the API on a loopback port serving a small
// real model (trained on the real sample's first rows, with its population.json) and the real application_test.csv
// as the client lookup, and the system's headless Chromium driven by puppeteer-core. Nothing is faked.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import puppeteer, { type Browser } from 'puppeteer-core';
import { realDataDir } from '@credit-scoring/data';
import { buildApp } from '../app';
import { ClientsDataset, loadClients } from '../clients';
import { BundleSource } from '../model/sources';
import { realTables, trainSmallModel, writeBundle } from './trained-model';

/** Debian's Chromium (CHROMIUM_PATH to use another build). */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH || '/usr/bin/chromium';
}

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserUnavailable(): string | undefined {
  const exe = chromiumPath();
  return fs.existsSync(exe) ? undefined : `no Chromium at ${exe} (apt-get install chromium, or set CHROMIUM_PATH)`;
}

/** Written into the title of a browser suite skipped for want of Chromium, with the reason. */
export const BROWSER_SKIP_MARK = 'browser tests skipped: ';

export interface DeskServer {
  app: FastifyInstance;
  url: string;
  clients: ClientsDataset;
  /** application_test.csv of the real sample (the lookup's file). */
  clientsCsv: string;
  work: string;
  close(): Promise<void>;
}

/** Trains the small real model, writes its bundle and serves it with the real clients on 127.0.0.1:<free port>. */
export async function startDesk(): Promise<DeskServer> {
  const tables = await realTables();
  const model = await trainSmallModel(tables, { rounds: 40 });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-'));
  const bundle = await writeBundle(path.join(work, 'bundle'), model.package, {
    name: 'credit-scoring',
    version: '1',
    alias: 'champion',
  });
  const clientsCsv = path.join(realDataDir(), 'application_test.csv');
  const clients = await loadClients(clientsCsv);
  const app = await buildApp({
    modelSource: new BundleSource(bundle),
    clients,
    defaultMetrics: false,
    autoLoadModel: false,
  });
  await app.ready();
  await app.modelStore.refresh();
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    url: address,
    clients,
    clientsCsv,
    work,
    close: async () => {
      await app.close();
      model.booster.free();
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}

export function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    // Root in a container: Chromium's sandbox needs user namespaces it may not have.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

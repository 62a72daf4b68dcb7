// Starts the API from environment variables (see README.md): builds the app, listens, and closes gracefully on
// SIGINT/SIGTERM (stops accepting connections, lets in-flight requests finish, stops the model poller) within a
// deadline, after which open connections are cut so that the process exits anyway.
import { DEFAULT_BUNDLE_DIR } from '@credit-scoring/tracking';
import { buildApp } from './app';
import { loadClients } from './clients';
import { ApiConfig, configFromEnv } from './config';
import { BundleSource, MlflowAliasSource, ModelSource } from './model/sources';
import { SETTLE_MS, stopAccepting } from './plugins/shutdown';

export function sourcesFromConfig(config: ApiConfig): { modelSource: ModelSource; fallbackSource?: ModelSource } {
  const model = config.model;
  if (model.kind === 'bundle') return { modelSource: new BundleSource(model.dir) };
  // The fallback is always there: MODEL_BUNDLE_DIR, or the folder `trainer run`/`export` writes by default. A missing
  // folder only means the fallback fails too (logged); the store keeps retrying the registry either way.
  return {
    modelSource: new MlflowAliasSource({ trackingUri: model.trackingUri, name: model.name, alias: model.alias }),
    fallbackSource: new BundleSource(model.fallbackBundleDir ?? DEFAULT_BUNDLE_DIR),
  };
}

async function main(): Promise<void> {
  const config = configFromEnv();
  const clients = config.clientsCsv ? await loadClients(config.clientsCsv) : undefined;
  const app = await buildApp({
    ...sourcesFromConfig(config),
    followIntervalMs: config.followAliasSeconds * 1000,
    apiKey: config.apiKey,
    apiKeyMaxFailures: config.apiKeyMaxFailures,
    rateLimit: config.rateLimitMax ? { max: config.rateLimitMax, timeWindow: config.rateLimitWindow } : undefined,
    clients,
    predictionLog: config.predictionLog && {
      databaseUrl: config.predictionLog.databaseUrl,
      sqliteFile: config.predictionLog.sqliteFile,
      hashKey: config.predictionLog.hashKey,
      retentionDays: config.predictionLog.retentionDays,
      writerPriority: config.predictionLog.writerPriority,
      writer: {
        flushIntervalMs: config.predictionLog.flushIntervalMs,
        batchRows: config.predictionLog.batchRows,
        retryForMs: config.predictionLog.retrySeconds * 1000,
        waitForRoomMs: config.predictionLog.waitMs,
      },
    },
    driftReportDir: config.driftReportDir,
    driftMonitor: config.driftMonitor && {
      referenceCsv: config.driftMonitor.referenceCsv,
      intervalMs: config.driftMonitor.intervalMinutes * 60_000,
      windowMs: config.driftMonitor.windowHours * 3_600_000,
    },
    bodyLimitBytes: config.bodyLimitBytes,
    maxBatch: config.maxBatch,
    logger: { level: config.logLevel },
    timeouts: { requestMs: config.requestTimeoutMs, keepAliveMs: config.keepAliveTimeoutMs },
  });
  if (clients) app.log.info({ clients: clients.size, source: clients.source }, 'clients dataset loaded');

  let closing = false;
  const close = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'shutting down');
    // A client that holds a request open (a stalled upload, a slow reader) must not keep the process alive: at the
    // deadline its connection is cut, which lets close() finish; should anything still hang, exit regardless.
    const deadline = setTimeout(() => {
      app.log.warn({ deadlineMs: config.shutdownTimeoutMs }, 'shutdown deadline reached: closing open connections');
      app.server.closeAllConnections();
      setTimeout(() => process.exit(1), 1000).unref();
    }, config.shutdownTimeoutMs);
    deadline.unref();
    // SIGTERM is an orchestrator's stop: drain first (plugins/shutdown.ts). Ctrl-C (SIGINT) is a person: close now.
    app.shutdown.drain();
    const drainMs = signal === 'SIGTERM' ? Math.min(config.shutdownDrainMs, config.shutdownTimeoutMs) : 0;
    const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    wait(drainMs)
      .then(() => {
        if (drainMs === 0) return;
        stopAccepting(app.server);
        return wait(SETTLE_MS);
      })
      .then(() => app.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          app.log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => close('SIGINT'));
  process.on('SIGTERM', () => close('SIGTERM'));

  await app.listen({ host: config.host, port: config.port });
  app.log.info({ model: app.modelStore.source.description, docs: '/docs' }, 'credit-scoring API listening');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    // Configuration mistakes end here, before the server listens: one line, exit 2 (bad input or environment).
    process.stderr.write(`credit-scoring API failed to start: ${(error as Error).message}\n`);
    process.exit(2);
  });
}

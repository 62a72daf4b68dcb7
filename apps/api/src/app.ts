// buildApp(options) assembles the Fastify application without listening, so tests drive it with inject() and main.ts
// only adds the network and signals. Order matters: schemas and swagger first (routes registered after swagger are
// the ones documented), then cross-cutting plugins, then routes.
import type * as http from 'node:http';
import Fastify, { FastifyInstance, FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import { ClientsDataset } from './clients';
import { ModelStore } from './model/model-store';
import { ModelSource } from './model/sources';
import { apiKeyPlugin } from './plugins/api-key';
import { contentEncodingPlugin } from './plugins/content-encoding';
import { shutdownPlugin } from './plugins/shutdown';
import { errorsPlugin } from './plugins/errors';
import { methodsPlugin } from './plugins/methods';
import { metricsPlugin } from './plugins/metrics';
import { modelPlugin } from './plugins/model';
import { driftReportPlugin, type DriftMonitorOptions } from './plugins/drift-report';
import { predictionLogPlugin, type PredictionLogOptions } from './plugins/prediction-log';
import { bodyStrictValidatorFactory, formatSchemaErrors } from './plugins/validation';
import { deskRoutes, populationRoutes } from './routes/desk';
import { modelInfoRoutes } from './routes/model-info';
import { operationsRoutes } from './routes/operations';
import { predictionsRoutes } from './routes/predictions';
import { scoringRoutes } from './routes/scoring';
import { sharedSchemas, UNKNOWN_FIELDS_RULE } from './schemas';

export interface BuildAppOptions {
  /** Where the served model comes from (MLflow alias or exported bundle). */
  modelSource: ModelSource;
  /** Served while the source cannot be reached and nothing is loaded yet. */
  fallbackSource?: ModelSource;
  /** Re-check the source every N ms and swap to a new version; 0 = off. */
  followIntervalMs?: number;
  retryIntervalMs?: number;
  /** Bound of the retry backoff toward the primary source (after a fallback or while nothing is loaded). */
  maxRetryIntervalMs?: number;
  /** Start loading when the app is ready (default true); tests may drive `app.modelStore.refresh()` themselves. */
  autoLoadModel?: boolean;
  apiKey?: string;
  /** Wrong API keys one client IP may send per minute before it gets 429 (default 10). */
  apiKeyMaxFailures?: number;
  rateLimit?: { max: number; timeWindow: string | number };
  clients?: ClientsDataset;
  /** The prediction log (SQLite file or PostgreSQL); off when absent. */
  predictionLog?: PredictionLogOptions;
  /** Folder of the latest drift report (served, and read into gauges); default reports/monitor. */
  driftReportDir?: string;
  /** Check the log's last window for drift every N minutes inside the API (needs the prediction log). */
  driftMonitor?: DriftMonitorOptions;
  bodyLimitBytes?: number;
  maxBatch?: number;
  logger?: FastifyServerOptions['logger'];
  /** Process metrics (event loop lag, memory...) in /metrics; default true. */
  defaultMetrics?: boolean;
  /** Connection deadlines (DEFAULT_TIMEOUTS when absent). */
  timeouts?: Partial<ServerTimeouts>;
}

export interface ServerTimeouts {
  /** Longest time to receive a whole request (headers and body); a stalled upload is answered 408 and cut. */
  requestMs: number;
  /** An idle keep-alive connection is closed after this long (above the load balancer's own idle timeout). */
  keepAliveMs: number;
}

export const DEFAULT_TIMEOUTS: ServerTimeouts = { requestMs: 30_000, keepAliveMs: 65_000 };

/**
 * Largest request body by default (BODY_LIMIT_BYTES): a full batch of 1,000 applicants with their history must fit.
 * On the real sample, 1,000 consecutive applicants with their side-table rows make a 5.7 MB body (1,000 without
 * history ~3.4 MB); 16 MiB leaves room for about three times that history. JSON.parse holds a body's objects in
 * memory at about 3-4 times its size, so the limit bounds the memory of a request (~60 MB at most).
 */
export const DEFAULT_BODY_LIMIT_BYTES = 16 * 1024 * 1024;

// Node checks request deadlines on a timer (30 s by default), so a 1 s deadline could be enforced 30 s late: check
// at a tenth of the deadline, at least every second.
function serverTimeoutOptions(timeouts: ServerTimeouts): FastifyServerOptions & { http: http.ServerOptions } {
  return {
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    http: {
      headersTimeout: timeouts.requestMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(timeouts.requestMs / 10))),
    },
  };
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const maxBatch = options.maxBatch ?? 1000;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    requestIdHeader: 'x-request-id',
    schemaController: { compilersFactory: { buildValidator: bodyStrictValidatorFactory() } },
    schemaErrorFormatter: formatSchemaErrors,
    // Keep-alive lets load balancers and benchmarks reuse connections; a request deadline stops a client that announces
    // a body and never sends it from holding a connection (and graceful shutdown) forever.
    ...serverTimeoutOptions({ ...DEFAULT_TIMEOUTS, ...options.timeouts }),
  });
  // JSON only: without this, Fastify's built-in text/plain parser would hand a string to the body validator.
  app.removeContentTypeParser('text/plain');
  await app.register(contentEncodingPlugin);
  await app.register(shutdownPlugin);
  // First, so that it sees every route (swagger's too) as it is declared.
  await app.register(methodsPlugin);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  for (const schema of sharedSchemas()) app.addSchema(schema);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'credit-scoring API',
        version: '1.0.0',
        description:
          'Scores Home Credit loan applications with the registered LightGBM model. ' +
          UNKNOWN_FIELDS_RULE +
          ` A batch holds at most ${maxBatch} applicants. Errors are { statusCode, error, message, fields? }.`,
      },
      components: options.apiKey
        ? { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } } }
        : undefined,
    },
    // Name the components after the shared schemas' $id instead of def-0, def-1...
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(errorsPlugin);
  await app.register(metricsPlugin, { defaultMetrics: options.defaultMetrics });
  const store = new ModelStore(options.modelSource, app.log, {
    followIntervalMs: options.followIntervalMs,
    retryIntervalMs: options.retryIntervalMs,
    maxRetryIntervalMs: options.maxRetryIntervalMs,
    fallback: options.fallbackSource,
  });
  await app.register(modelPlugin, { store, autoStart: options.autoLoadModel });
  await app.register(predictionLogPlugin, { log: options.predictionLog });
  await app.register(driftReportPlugin, {
    dir: options.driftReportDir ?? 'reports/monitor',
    monitor: options.driftMonitor,
  });

  await app.register(operationsRoutes);
  await app.register(modelInfoRoutes);
  await app.register(deskRoutes);
  await app.register(async (scope) => {
    if (options.apiKey) {
      await scope.register(apiKeyPlugin, { apiKey: options.apiKey, maxFailures: options.apiKeyMaxFailures });
    }
    if (options.rateLimit) await scope.register(rateLimit, options.rateLimit);
    await scope.register(scoringRoutes, { maxBatch, clients: options.clients, secured: Boolean(options.apiKey) });
    await scope.register(predictionsRoutes, { secured: Boolean(options.apiKey) });
    await scope.register(populationRoutes, { secured: Boolean(options.apiKey) });
  });
  return app;
}

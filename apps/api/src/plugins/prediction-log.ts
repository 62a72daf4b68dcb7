// The prediction log: every scored applicant (raw application fields, probability, decision, threshold, model
// version, request id, latency, time) goes to the monitoring store — SQLite by default, PostgreSQL with
// DATABASE_URL — through a batching writer, off the request path. Logging problems (full disk, dropped connection)
// are counted in /metrics and logged; they never fail or slow a scoring request. Replaces the TRAFFIC_LOG file.
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import {
  BatchWriter,
  clientKey,
  DAY_MS,
  ThreadedStore,
  type ApplicationSource,
  type JsonText,
  type PredictionRecord,
  type PredictionStore,
  type ThreadedStoreConfig,
  type WriterOptions,
} from '@credit-scoring/monitoring';
import type { ApplicantInput } from '../scoring';
import type { Prediction } from '../schemas';
import { bodyValidationKeepsParse } from './validation';

export interface PredictionLogOptions extends ThreadedStoreConfig {
  /** Store HMAC-SHA256(hashKey, SK_ID_CURR) instead of the id (and drop SK_ID_CURR from the stored fields). */
  hashKey?: string;
  /** Delete rows older than this many days (checked at start and hourly); 0 or absent keeps everything. */
  retentionDays?: number;
  writer?: WriterOptions;
}

export interface PredictionLog {
  readonly store: PredictionStore;
  readonly writer: BatchWriter;
  /**
   * Queues one row per applicant; never rejects. Resolves at once unless the queue is full: then once the rows are
   * queued or, after the writer's wait for room (PREDICTION_LOG_WAIT_MS), dropped and counted (BatchWriter.push).
   */
  record(reply: FastifyReply, applicants: readonly ApplicantInput[], predictions: readonly Prediction[]): Promise<void>;
  /** The stored form of a client id (its hash when the log is pseudonymised), to filter reads with. */
  clientOf(id: number): string | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    predictionLog: PredictionLog | null;
  }
  interface FastifyRequest {
    /** The JSON body's text, kept for the log's writer thread (null for other bodies, or with the log off). */
    jsonBodyText: JsonText | null;
  }
}

const RETENTION_CHECK_MS = 3_600_000;

/**
 * Replaces the application/json parser with Fastify's own default one (the same errors, the same __proto__ and
 * constructor checks, per the server's options) that also keeps each body's text on its request, for the writer
 * thread. On the request, not in a WeakMap keyed by it: with a WeakMap, each text outlived V8's young-generation
 * collections although its request was gone, was promoted, and the old generation grew by every body scored (~6 MB/s
 * at 2,000 req/s, 24 to 100 MB in 12 s) until a mark-compact paused the event loop (tools/bench/monitor --gc).
 */
function keepJsonBodyTexts(app: FastifyInstance): void {
  app.decorateRequest('jsonBodyText', null);
  const { onProtoPoisoning, onConstructorPoisoning } = app.initialConfig;
  const parse = app.getDefaultJsonParser(onProtoPoisoning ?? 'error', onConstructorPoisoning ?? 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, text: string, done) => {
    parse(request, text, (error, body) => {
      // The text the parser read: it skips a leading byte-order mark, which JSON.parse (the writer's) refuses.
      if (!error) request.jsonBodyText = { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
      done(error, body);
    });
  });
}

export const predictionLogPlugin = fp(
  async (app: FastifyInstance, opts: { log?: PredictionLogOptions }) => {
    if (!opts.log) {
      app.decorate('predictionLog', null);
      return;
    }
    const config = opts.log;
    const registers = [app.metrics.registry];
    const errors = new Counter({
      name: 'prediction_log_errors_total',
      help: 'Prediction log failures by kind (flush: a batch write failed; connection: an idle connection dropped)',
      labelNames: ['kind'] as const,
      registers,
    });
    const written = new Counter({ name: 'prediction_log_rows_written_total', help: 'Rows written', registers });
    const dropped = new Counter({
      name: 'prediction_log_rows_dropped_total',
      help: 'Rows given up (queue full, write failed after retries, or arriving at shutdown)',
      labelNames: ['reason'] as const,
      registers,
    });
    errors.inc({ kind: 'flush' }, 0);
    // Writes run on a worker thread (ThreadedStore): a flush must not stall the requests being scored meanwhile.
    const store: PredictionStore = new ThreadedStore({
      ...config,
      onIdleError: (error) => {
        errors.inc({ kind: 'connection' });
        app.log.error({ err: error, store: store.location }, 'prediction log: database connection lost');
      },
    });
    // Migrations run before the API listens: a database that cannot be reached or migrated is a start-up error.
    const version = await store.migrate();
    app.log.info({ engine: store.engine, store: store.location, schemaVersion: version }, 'prediction log ready');

    const writer = new BatchWriter(store, config.writer, {
      written: (rows) => written.inc(rows),
      failed: (error, rows, attempt) => {
        errors.inc({ kind: 'flush' });
        app.log.error({ err: error, rows, attempt }, 'prediction log: batch write failed');
      },
      dropped: (rows, reason) => {
        dropped.inc({ reason }, rows);
        app.log.error({ rows, reason }, 'prediction log: rows dropped');
      },
    });
    new Counter({
      name: 'prediction_log_waits_total',
      help: 'Scored requests that waited for room in a full queue (the writer slower than scoring)',
      registers,
      collect() {
        this.reset();
        this.inc(writer.totals.waited);
      },
    });
    new Gauge({
      name: 'prediction_log_queue_rows',
      help: 'Rows waiting to be written',
      registers,
      collect() {
        this.set(writer.pendingRows);
      },
    });

    const retention = config.retentionDays ? config.retentionDays * DAY_MS : 0;
    const applyRetention = () => {
      store.deleteBefore(Date.now() - retention).then(
        (n) => n && app.log.info({ rows: n, days: config.retentionDays }, 'prediction log: retention applied'),
        (error: unknown) => {
          errors.inc({ kind: 'retention' });
          app.log.error({ err: error }, 'prediction log: retention failed');
        },
      );
    };
    let retentionTimer: NodeJS.Timeout | undefined;
    if (retention) {
      applyRetention();
      retentionTimer = setInterval(applyRetention, RETENTION_CHECK_MS).unref();
    }

    const clientOf = (id: unknown) => clientKey(id, config.hashKey);
    /** An application's stored JSON when the body text cannot stand for it: without SK_ID_CURR when hashing. */
    const storedJson = (application: Record<string, unknown>) => {
      if (!config.hashKey) return JSON.stringify(application);
      const copy = { ...application };
      delete copy.SK_ID_CURR;
      return JSON.stringify(copy);
    };
    const omit = config.hashKey ? ['SK_ID_CURR'] : undefined;
    keepJsonBodyTexts(app);
    const keepsParse = new Map<unknown, boolean>();
    /**
     * Where each applicant's application sits in the request body's text, when the applicants are that body as
     * parsed and validated (not, e.g., a client read from the dataset): the writer thread serialises them from the
     * text, not this thread. Undefined otherwise (today's path: serialised here).
     */
    const sourcesOf = (request: FastifyRequest, applicants: readonly ApplicantInput[]) => {
      const body = request.jsonBodyText;
      if (!body) return undefined;
      const schema = request.routeOptions.schema?.body;
      let keeps = keepsParse.get(schema);
      if (keeps === undefined) {
        keeps = bodyValidationKeepsParse([schema, Object.values(app.getSchemas())]);
        keepsParse.set(schema, keeps);
      }
      if (!keeps) return undefined;
      if (applicants === request.body) {
        return (i: number): ApplicationSource => ({ body, path: [i, 'application'], omit });
      }
      if (applicants.length === 1 && applicants[0] === request.body) {
        return (): ApplicationSource => ({ body, path: ['application'], omit });
      }
      return undefined;
    };
    app.decorate('predictionLog', {
      store,
      writer,
      clientOf,
      record(reply, applicants, predictions) {
        const time = Date.now();
        const { request } = reply;
        // Since Fastify received the request: parsing, validation and scoring, not the response's serialisation.
        const latencyMs = Math.round(reply.elapsedTime * 1000) / 1000;
        const sourceOf = sourcesOf(request, applicants);
        const rows: PredictionRecord[] = applicants.map((applicant, i) => {
          const p = predictions[i];
          return {
            time,
            requestId: String(request.id),
            route: request.routeOptions.url ?? request.url,
            client: clientOf(applicant.application.SK_ID_CURR),
            modelVersion: p.modelVersion,
            probability: p.probability,
            decision: p.decision,
            threshold: p.threshold,
            latencyMs,
            // The body text stands for the parsed application, which is not kept (see PredictionRecord.application).
            ...(sourceOf ? { applicationSource: sourceOf(i) } : { applicationJson: storedJson(applicant.application) }),
          };
        });
        return writer.push(rows);
      },
    });

    app.addHook('onClose', async () => {
      if (retentionTimer) clearInterval(retentionTimer);
      await writer.close();
      await store.close();
    });
  },
  { name: 'prediction-log', dependencies: ['metrics'] },
);

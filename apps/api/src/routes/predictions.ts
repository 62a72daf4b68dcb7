// Read side of the prediction log: the logged predictions (paged, newest first, filtered), per-day decision
// counts and score distributions, and the latest drift check (summary and web report). Registered in the scoring
// scope, so the API key protects them when one is set: the rows hold applicants' personal fields.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { FromSchema } from 'json-schema-to-ts';
import type { PredictionFilter, PredictionStore, StoredPrediction } from '@credit-scoring/monitoring';
import { errorResponses } from '../schemas';

export const MAX_PAGE = 1000;

const filterProperties = {
  from: { type: 'string', format: 'date-time', description: 'Logged at or after this time (ISO 8601)' },
  to: { type: 'string', format: 'date-time', description: 'Logged before this time (ISO 8601)' },
  // No NUL: PostgreSQL text cannot hold one, so no logged version has it and the query would be refused.
  modelVersion: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[^\\u0000]+$' },
} as const;

const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...filterProperties,
    decision: { type: 'string', enum: ['granted', 'refused'] },
    client: { type: 'integer', minimum: 0, maximum: 2147483647, description: 'SK_ID_CURR' },
    limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 100 },
    // Ids are bigints in PostgreSQL and exact in JavaScript only up to 2^53: a larger cursor is no page of ours.
    before: {
      type: 'integer',
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description: "The previous page's `next`: rows older than it",
    },
  },
} as const;

const dailyQuery = { type: 'object', additionalProperties: false, properties: filterProperties } as const;

export const loggedPredictionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'time', 'route', 'modelVersion', 'probability', 'decision', 'application'],
  properties: {
    id: { type: 'integer' },
    time: { type: 'string', format: 'date-time' },
    requestId: { type: ['string', 'null'] },
    route: { type: 'string' },
    client: { type: ['string', 'null'], description: 'SK_ID_CURR, or its keyed hash when the log is pseudonymised' },
    modelVersion: { type: 'string' },
    probability: { type: 'number' },
    decision: { type: 'string', enum: ['granted', 'refused'] },
    threshold: { type: ['number', 'null'] },
    latencyMs: { type: ['number', 'null'] },
    application: { type: 'object', additionalProperties: true, description: 'The raw fields as sent' },
  },
} as const;

const daySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['day', 'total', 'granted', 'refused', 'refusalRate', 'meanProbability', 'scoreHistogram'],
  properties: {
    day: { type: 'string', format: 'date' },
    total: { type: 'integer' },
    granted: { type: 'integer' },
    refused: { type: 'integer' },
    refusalRate: { type: 'number' },
    meanProbability: { type: 'number' },
    scoreHistogram: {
      type: 'array',
      items: { type: 'integer' },
      description: 'Applicants per probability bin of width 0.1: [0, 0.1), ..., [0.9, 1]',
    },
  },
} as const;

type LoggedPrediction = FromSchema<typeof loggedPredictionSchema>;

function toWire(row: StoredPrediction): LoggedPrediction {
  return { ...row, time: new Date(row.time).toISOString() };
}

/**
 * A read of the log's database. Its failure (the server down, the file unreadable) is the service's state, not a
 * bug: 503 with a message that names the engine, not the driver's text (which may name hosts, databases or files).
 */
async function readLog<T>(engine: PredictionStore['engine'], read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    const message = `the prediction log's database (${engine}) cannot be read now; scoring goes on, retry later`;
    throw Object.assign(new Error(message, { cause: error }), { statusCode: 503 });
  }
}

/**
 * Milliseconds of a schema-valid date-time. RFC 3339 allows a leap second (…:60), which Date.parse refuses: it is
 * read as the instant after …:59, as POSIX clocks count it.
 */
function timeOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const leap = /^(.*T\d\d:\d\d:)60(.*)$/i.exec(text);
  return leap ? Date.parse(`${leap[1]}59${leap[2]}`) + 1000 : Date.parse(text);
}

export const predictionsRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { secured: boolean } }> = async (
  app,
  opts,
) => {
  const security = opts.secured ? [{ apiKey: [] }] : undefined;
  const logOf = () => {
    if (!app.predictionLog) {
      throw Object.assign(new Error('the prediction log is off (PREDICTION_LOG=off)'), { statusCode: 404 });
    }
    return app.predictionLog;
  };

  app.get(
    '/predictions',
    {
      schema: {
        tags: ['monitoring'],
        summary: 'Logged predictions, newest first, paged and filtered',
        description: "Page with `before` = the previous answer's `next` (null on the last page).",
        security,
        querystring: pageQuery,
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['predictions', 'next'],
            properties: {
              predictions: { type: 'array', items: loggedPredictionSchema },
              next: { type: ['integer', 'null'] },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const log = logOf();
      const q = request.query;
      const filter: PredictionFilter = {
        from: timeOf(q.from),
        to: timeOf(q.to),
        decision: q.decision,
        modelVersion: q.modelVersion,
        client: q.client === undefined ? undefined : (log.clientOf(q.client) ?? undefined),
      };
      const limit = q.limit ?? 100;
      const rows = await readLog(log.store.engine, () => log.store.page({ ...filter, limit, before: q.before }));
      return { predictions: rows.map(toWire), next: rows.length === limit ? rows[rows.length - 1].id : null };
    },
  );

  app.get(
    '/predictions/daily',
    {
      schema: {
        tags: ['monitoring'],
        summary: 'Per UTC day: decision counts, refusal rate and the score distribution',
        security,
        querystring: dailyQuery,
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['days'],
            properties: { days: { type: 'array', items: daySchema } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const filter = { from: timeOf(q.from), to: timeOf(q.to), modelVersion: q.modelVersion };
      const { store } = logOf();
      const days = await readLog(store.engine, () => store.daily(filter));
      return { days };
    },
  );

  const noReport = () =>
    Object.assign(
      new Error('no drift report yet: run `trainer monitor --out <DRIFT_REPORT_DIR>` or set MONITOR_INTERVAL_MINUTES'),
      {
        statusCode: 404,
      },
    );

  app.get(
    '/monitoring/drift',
    {
      schema: {
        tags: ['monitoring'],
        summary: 'The latest drift check of the prediction log: window, drift share, drifted columns',
        security,
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['writtenAt', 'datasetDrift', 'shareOfDriftedColumns', 'driftShare', 'driftedColumns', 'report'],
            properties: {
              writtenAt: { type: 'string', format: 'date-time' },
              window: {
                type: 'object',
                properties: {
                  from: { type: 'integer' },
                  to: { type: 'integer' },
                  rows: { type: 'integer' },
                  refusalRate: { type: 'number' },
                  modelVersion: { type: 'string' },
                },
              },
              datasetDrift: { type: 'boolean' },
              shareOfDriftedColumns: { type: 'number' },
              driftShare: { type: 'number' },
              driftedColumns: { type: 'array', items: { type: 'string' } },
              report: { type: 'string', description: 'Where the HTML report is served' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async () => {
      const found = app.driftReports.latest();
      if (!found) {
        // Not "no report yet" when there is one: its verdict exists but cannot be shown; the next check replaces it.
        const unreadable = app.driftReports.unreadable();
        if (unreadable) {
          throw Object.assign(new Error(`the latest drift report cannot be read (${unreadable})`), { statusCode: 503 });
        }
        throw noReport();
      }
      const { report, writtenAt } = found;
      return {
        writtenAt: writtenAt.toISOString(),
        window: report.window,
        datasetDrift: report.dataset.dataset_drift,
        shareOfDriftedColumns: report.dataset.share_of_drifted_columns,
        driftShare: report.dataset.drift_share,
        driftedColumns: report.columns.filter((c) => c.drift_detected).map((c) => c.column_name),
        report: '/monitoring/drift/report',
      };
    },
  );

  app.get(
    '/monitoring/drift/report',
    {
      schema: {
        tags: ['monitoring'],
        summary: 'The latest drift report as a self-contained web page',
        security,
        // No route-wide `produces`: the page is text/html, its errors (404 before any report…) are JSON.
        response: {
          200: { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } },
          ...errorResponses,
        },
      },
    },
    async (_request, reply) => {
      const file = path.join(app.driftReports.dir, 'report.html');
      if (!fs.existsSync(file)) throw noReport();
      // The page is self-contained (inline CSS/SVG/JS): nothing else may load from it.
      reply
        .type('text/html; charset=utf-8')
        .header(
          'content-security-policy',
          "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:",
        );
      return fs.readFileSync(file, 'utf8');
    },
  );
};

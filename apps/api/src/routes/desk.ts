// The decision desk: a page for loan officers (apps/api/desk: plain HTML, CSS and a JS module, no CDN, no build
// step) served at /app, and the one read it needs beyond the scoring routes: the training population of the
// strongest features, to draw the client on it. Nothing here runs on the scoring path. The page is open (it holds no
// data); the population is registered with the scoring routes, behind the same API key and rate limit: its 0 % and
// 100 % quantiles are single training applicants' values.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { workspaceRoot } from '@credit-scoring/data';
import { requireModel } from '../plugins/model';
import { featureTitle } from '../reasons';
import { errorResponses } from '../schemas';

/** The page's files, read once at start (a handful of kB). */
const ASSETS: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'desk.js': 'text/javascript; charset=utf-8',
  'desk.css': 'text/css; charset=utf-8',
};

/** Summaries one request may ask for: the page asks for its strongest features only. */
const MAX_POPULATION_FEATURES = 20;

export function deskDir(): string {
  return path.join(workspaceRoot(), 'apps', 'api', 'desk');
}

const populationQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['features'],
  properties: {
    features: {
      type: 'string',
      // 20 names of up to 42 characters fit; a longer value, percent-encoded, could pass Node's 16 KB header
      // limit and be refused with 431 before validation could answer 400.
      maxLength: 1000,
      description: `Comma-separated feature names (at most ${MAX_POPULATION_FEATURES}), as /explain names them.`,
    },
  },
} as const;

const summarySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['feature', 'title', 'kind', 'fields', 'count', 'missing'],
  properties: {
    feature: { type: 'string' },
    title: { type: 'string', description: 'The feature in plain words.' },
    kind: { type: 'string', enum: ['numeric', 'category'] },
    fields: { type: 'array', items: { type: 'string' }, description: 'Raw application fields behind it.' },
    count: { type: 'integer', description: 'Training rows with a value.' },
    missing: { type: 'number', description: 'Share of training rows without a value.' },
    quantiles: { type: 'array', items: { type: 'number' }, description: 'The 0 %, 1 %, ..., 100 % quantiles.' },
    labels: { type: 'array', items: { type: 'string' } },
    shares: { type: 'array', items: { type: 'number' }, description: 'Share of training rows per label.' },
  },
} as const;

export async function deskRoutes(app: FastifyInstance): Promise<void> {
  const dir = deskDir();
  // An install without the page's folder (an image assembled by hand) still serves the API: the page is a 404.
  const assets = new Map<string, { type: string; body: Buffer }>();
  for (const [file, type] of Object.entries(ASSETS)) {
    try {
      assets.set(file, { type, body: fs.readFileSync(path.join(dir, file)) });
    } catch {
      app.log.warn(`decision desk: ${file} not found in ${dir}; /app is not served`);
    }
  }
  const send = (file: string) => {
    const asset = assets.get(file);
    if (!asset)
      throw Object.assign(new Error('the decision desk is not installed on this server'), { statusCode: 404 });
    return asset;
  };
  for (const [route, file] of [
    ['/app', 'index.html'],
    ['/app/desk.js', 'desk.js'],
    ['/app/desk.css', 'desk.css'],
  ]) {
    app.get(route, { schema: { hide: true } }, async (_request, reply) => {
      const asset = send(file);
      return reply
        .type(asset.type)
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .header(
          'content-security-policy',
          "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        )
        .send(asset.body);
    });
  }
}

export async function populationRoutes(app: FastifyInstance, opts: { secured: boolean }): Promise<void> {
  app.get(
    '/model/population',
    {
      preHandler: requireModel,
      schema: {
        tags: ['model'],
        security: opts.secured ? [{ apiKey: [] }] : undefined,
        summary: "The training population's distribution of some features (from the model's population.json)",
        description:
          'Quantiles (numeric features) or shares per label (category codes) computed at training time; no raw ' +
          'rows. A feature the model has no summary of (or a model packaged without population.json) is left out.',
        querystring: populationQuery,
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['modelVersion', 'rows', 'features'],
            properties: {
              modelVersion: { type: 'string' },
              rows: { type: 'integer', description: 'Training rows summarised (0 without population.json).' },
              features: { type: 'array', items: summarySchema },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const model = request.model;
      const names = (request.query as { features: string }).features.split(',').filter(Boolean);
      if (names.length > MAX_POPULATION_FEATURES) {
        throw Object.assign(new Error(`at most ${MAX_POPULATION_FEATURES} features per request`), {
          statusCode: 400,
        });
      }
      const index = new Map(model.featureNames.map((name, j) => [name, j]));
      const features = names.flatMap((feature) => {
        const j = index.get(feature);
        const summary = model.population?.features[feature];
        if (j === undefined || !summary) return [];
        const lineage = model.lineage[j];
        return [{ feature, title: featureTitle(lineage), fields: lineage.fields, ...summary }];
      });
      return { modelVersion: model.version, rows: model.population?.rows ?? 0, features };
    },
  );
}

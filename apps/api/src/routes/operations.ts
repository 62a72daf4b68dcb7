// Routes for people and probes: the welcome page with links, liveness and readiness.
import type { FastifyInstance } from 'fastify';

// /ready is unauthenticated: its reason keeps what went wrong but not where (server paths, the MLflow URI and its
// credentials); the full message is in the log.
export async function operationsRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/',
    {
      schema: {
        tags: ['operations'],
        summary: 'Welcome: what this API does and where everything is',
        response: {
          200: {
            type: 'object',
            required: ['name', 'description', 'modelVersion', 'links'],
            properties: {
              name: { type: 'string' },
              description: { type: 'string' },
              modelVersion: { type: ['string', 'null'] },
              links: { type: 'object', additionalProperties: { type: 'string' } },
            },
          },
        },
      },
    },
    async () => ({
      name: 'credit-scoring API',
      description:
        'Scores Home Credit loan applications: probability of default, a granted/refused decision at the ' +
        'cost-optimal threshold, and SHAP explanations.',
      modelVersion: app.modelStore.current?.version ?? null,
      links: {
        desk: '/app',
        docs: '/docs',
        openapi: '/docs/json',
        health: '/health',
        ready: '/ready',
        model: '/model',
        features: '/features',
        predict: 'POST /predict',
        explain: 'POST /explain',
        client: '/clients/{id}',
        clientPrediction: '/clients/{id}/prediction',
        clientExplanation: '/clients/{id}/explanation',
        metrics: '/metrics',
      },
    }),
  );

  app.get(
    '/health',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process answers',
        response: {
          200: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } },
        },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  const readiness = {
    type: 'object',
    required: ['ready'],
    properties: {
      ready: { type: 'boolean' },
      modelVersion: { type: 'string' },
      source: { type: 'string', description: 'What serves: models:/<name>@<alias> (the registry) or bundle.' },
      sourceKind: { type: 'string', enum: ['registry', 'bundle'] },
      fallback: {
        type: 'boolean',
        description: 'true while the fallback bundle serves because the registry failed; the API keeps retrying it.',
      },
      reason: {
        type: 'string',
        description: 'Why no model is loaded, or why the fallback serves (no paths, no URIs).',
      },
    },
  };
  app.get(
    '/ready',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: 200 once a model is loaded (and from which source), 503 before',
        response: { 200: readiness, 503: readiness },
      },
    },
    async (_request, reply) => {
      if (app.shutdown.draining) return reply.code(503).send({ ready: false, reason: 'shutting down' });
      const store = app.modelStore;
      const model = store.current;
      const serving = store.serving;
      if (model && serving) {
        return {
          ready: true,
          modelVersion: model.version,
          source: serving.label,
          sourceKind: serving.kind,
          fallback: serving.fallback,
          reason: serving.fallback ? store.publicError : undefined,
        };
      }
      const reason = store.publicError ?? `loading ${store.source.label}`;
      return reply.code(503).send({ ready: false, reason });
    },
  );
}

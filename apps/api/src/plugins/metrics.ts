// Prometheus metrics. Each app instance owns its registry (tests build many apps in one process), exposed at
// GET /metrics. Request metrics are labelled by route pattern, not URL, so /clients/:id stays one series.
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Decision } from '@credit-scoring/decision';

export interface ApiMetrics {
  registry: Registry;
  countDecisions(decisions: Iterable<Decision>): void;
  setModelVersion(version: string): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ApiMetrics;
  }
}

export const metricsPlugin = fp(
  async (app: FastifyInstance, opts: { defaultMetrics?: boolean }) => {
    const registry = new Registry();
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
    const requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by method, route and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      registers: [registry],
    });
    const latency = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from request received to response sent',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    const decisions = new Counter({
      name: 'credit_decisions_total',
      help: 'Scored applicants by decision',
      labelNames: ['decision'] as const,
      registers: [registry],
    });
    const modelInfo = new Gauge({
      name: 'credit_model_info',
      help: 'The model version being served (value 1)',
      labelNames: ['version'] as const,
      registers: [registry],
    });
    // Zero-initialise so dashboards see both outcomes from the start.
    decisions.inc({ decision: 'granted' }, 0);
    decisions.inc({ decision: 'refused' }, 0);

    app.decorate('metrics', {
      registry,
      countDecisions(outcomes: Iterable<Decision>) {
        let granted = 0;
        let refused = 0;
        for (const outcome of outcomes)
          if (outcome === 'granted') granted++;
          else refused++;
        if (granted) decisions.inc({ decision: 'granted' }, granted);
        if (refused) decisions.inc({ decision: 'refused' }, refused);
      },
      setModelVersion(version: string) {
        modelInfo.reset();
        modelInfo.set({ version }, 1);
      },
    });

    app.addHook('onResponse', async (request, reply) => {
      const labels = {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      };
      requests.inc(labels);
      latency.observe(labels, reply.elapsedTime / 1000);
    });

    app.get(
      '/metrics',
      {
        schema: {
          tags: ['operations'],
          summary: 'Prometheus metrics',
          description: 'Request count, latency histogram, decisions by outcome, served model version, process metrics.',
          // Prometheus' text exposition format, not JSON: documented under its own media type.
          produces: ['text/plain'],
          response: {
            200: {
              description: 'Prometheus text format (text/plain; version=0.0.4)',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
          },
        },
      },
      async (_request, reply) => {
        reply.type(registry.contentType);
        return registry.metrics();
      },
    );
  },
  { name: 'metrics' },
);

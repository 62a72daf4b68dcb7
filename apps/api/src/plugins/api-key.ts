// Optional shared-secret check (header x-api-key) for the scoring routes. Registered inside the scoring scope only,
// so health, readiness, docs and metrics stay open for probes and scrapers.
import fp from 'fastify-plugin';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { errorBody } from './errors';

const digest = (text: string) => createHash('sha256').update(text).digest();

export const apiKeyPlugin = fp(
  async (app: FastifyInstance, opts: { apiKey: string }) => {
    // Compare fixed-length digests in constant time, so the comparison does not reveal the key's prefix or length.
    const expected = digest(opts.apiKey);
    app.addHook('onRequest', async (request, reply) => {
      const given = request.headers['x-api-key'];
      if (typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) {
        return reply.code(401).send(errorBody(401, 'missing or wrong API key; send it in the x-api-key header'));
      }
    });
  },
  { name: 'api-key' },
);

// 405 Method Not Allowed for a known path asked with a method it does not serve (RFC 9110 §15.5.6), with the Allow
// header listing the methods it does serve; an unknown path stays 404. Fastify's router only knows "no route", so
// every route's path and methods are recorded as they are declared (onRoute) and a request that found no route is
// checked against them in onRequest: before body parsing, so a body-carrying method such as QUERY without a
// Content-Type is answered 405, not Fastify's 400 for the missing media type. Register before any route.
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { errorBody } from './errors';

interface KnownPath {
  pattern: RegExp;
  methods: Set<string>;
}

/** '/clients/:id/prediction' → /^\/clients\/[^/]+\/prediction$/ ; a '*' wildcard matches the rest of the path. */
function pathPattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*';
      if (segment.startsWith(':')) return '[^/]+';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}$`);
}

export const methodsPlugin = fp(
  async (app: FastifyInstance) => {
    const paths = new Map<string, KnownPath>();
    app.addHook('onRoute', (route) => {
      const known = paths.get(route.url) ?? { pattern: pathPattern(route.url), methods: new Set<string>() };
      for (const method of [route.method].flat()) known.methods.add(method);
      paths.set(route.url, known);
    });

    // A callback hook, not an async one: it runs on every request, and the routed ones should not pay a promise.
    app.addHook('onRequest', (request, reply, done) => {
      if (!request.is404) return done();
      const path = request.url.split('?', 1)[0];
      const allowed = new Set<string>();
      for (const known of paths.values()) {
        if (known.pattern.test(path)) for (const method of known.methods) allowed.add(method);
      }
      if (allowed.size === 0) return done(); // unknown path: the not-found handler answers 404
      const allow = [...allowed].sort().join(', ');
      reply
        .code(405)
        .header('allow', allow)
        .send(errorBody(405, `${request.method} is not allowed on ${path}; allowed: ${allow}`));
    });
  },
  { name: 'methods' },
);

// Optional shared-secret check (header x-api-key) for the scoring routes. Registered inside the scoring scope only,
// so health, readiness, docs and metrics stay open for probes and scrapers.
import fp from 'fastify-plugin';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { errorBody } from './errors';

const digest = (text: string) => createHash('sha256').update(text).digest();

export interface ApiKeyOptions {
  apiKey: string;
  /** Wrong or missing keys one client IP may send per window before every request from it gets 429 (default 10). */
  maxFailures?: number;
  /** The window, from the first failure (default 60 s). */
  failureWindowMs?: number;
}

// Failed attempts per client IP in fixed windows. Bounded: expired entries are swept when the map grows, so a flood
// of distinct addresses cannot grow it without limit.
class FailureCounter {
  private readonly byIp = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Seconds until `ip` may try again, or 0 when it is not blocked. */
  blockedFor(ip: string, now: number): number {
    const entry = this.byIp.get(ip);
    if (!entry || entry.resetAt <= now || entry.count < this.max) return 0;
    return Math.ceil((entry.resetAt - now) / 1000);
  }

  fail(ip: string, now: number): void {
    const entry = this.byIp.get(ip);
    if (entry && entry.resetAt > now) entry.count++;
    else this.byIp.set(ip, { count: 1, resetAt: now + this.windowMs });
    if (this.byIp.size > 10_000) this.sweep(now);
  }

  private sweep(now: number): void {
    for (const [ip, entry] of this.byIp) if (entry.resetAt <= now) this.byIp.delete(ip);
  }
}

export const apiKeyPlugin = fp(
  async (app: FastifyInstance, opts: ApiKeyOptions) => {
    // Compare fixed-length digests in constant time, so the comparison does not reveal the key's prefix or length.
    const expected = digest(opts.apiKey);
    // Guessing the key is bounded per client: after maxFailures wrong keys, 429 until the window ends.
    const failures = new FailureCounter(opts.maxFailures ?? 10, opts.failureWindowMs ?? 60_000);
    app.addHook('onRequest', async (request, reply) => {
      const now = Date.now();
      const wait = failures.blockedFor(request.ip, now);
      if (wait > 0) {
        return reply
          .code(429)
          .header('retry-after', String(wait))
          .send(errorBody(429, `too many wrong API keys from this client; retry in ${wait} s`));
      }
      const given = request.headers['x-api-key'];
      if (typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) {
        failures.fail(request.ip, now);
        return reply.code(401).send(errorBody(401, 'missing or wrong API key; send it in the x-api-key header'));
      }
    });
  },
  { name: 'api-key' },
);

// Wrong API keys are bounded per client IP: 401 up to the limit, then 429 with Retry-After until the window ends.
import Fastify, { type FastifyInstance } from 'fastify';
import { apiKeyPlugin } from './api-key';

describe('api-key plugin', () => {
  let app: FastifyInstance;

  beforeEach(async () => {
    app = Fastify();
    await app.register(apiKeyPlugin, { apiKey: 's3cret', maxFailures: 3, failureWindowMs: 300 });
    app.get('/scored', async () => ({ ok: true }));
    await app.ready();
  });
  afterEach(() => app.close());

  const call = (key: string | undefined, ip = '10.0.0.1') =>
    app.inject({ url: '/scored', remoteAddress: ip, headers: key === undefined ? {} : { 'x-api-key': key } });

  it('answers 401 to the first wrong keys, then 429 from that IP only, until the window ends', async () => {
    expect((await call('s3cret')).statusCode).toBe(200);
    for (const key of ['nope', undefined, 'S3CRET']) expect((await call(key)).statusCode).toBe(401);
    const blocked = await call('guess');
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(blocked.json().message).toMatch(/too many wrong API keys/);
    expect((await call('s3cret')).statusCode).toBe(429); // no more tries, right or wrong, until the window ends
    expect((await call('s3cret', '10.0.0.2')).statusCode).toBe(200); // other clients are not affected
    await new Promise((r) => setTimeout(r, 350));
    expect((await call('s3cret')).statusCode).toBe(200);
  });
});

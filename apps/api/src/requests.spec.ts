// Bad requests are answered with 4xx and a message naming the problem, before any model work; a server with no model
// yet stays up, says so on /ready and refuses to score with 503.
import * as os from 'node:os';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app';
import { BundleSource } from './model/sources';

const missingBundle = path.join(os.tmpdir(), 'credit-scoring-no-such-bundle');

describe('requests without a loaded model', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildApp({ modelSource: new BundleSource(missingBundle), retryIntervalMs: 60_000, defaultMetrics: false });
    await app.ready();
    await app.modelStore.refresh();
  });
  afterAll(() => app.close());

  const predict = (payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/predict', payload: payload as string, headers });

  it('is alive but not ready, and says why', async () => {
    expect((await app.inject('/health')).json()).toEqual({ status: 'ok' });
    const ready = await app.inject('/ready');
    expect(ready.statusCode).toBe(503);
    expect(ready.json().ready).toBe(false);
    expect(ready.json().reason).toContain('MLmodel');
  });

  it('refuses to score a valid applicant with 503 until a model is loaded', async () => {
    const res = await predict({ application: { SK_ID_CURR: 100001 } });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect((await app.inject('/model')).statusCode).toBe(503);
  });

  it('names unknown fields', async () => {
    const res = await predict({ application: { SK_ID_CURR: 1, AMT_CREDITT: 5, colour: 'red' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().fields).toEqual(['body.application.AMT_CREDITT', 'body.application.colour']);
    expect(res.json().message).toContain('body.application.AMT_CREDITT is not a known field');
  });

  it('names fields with the wrong type, including numbers sent as text', async () => {
    const res = await predict({ application: { SK_ID_CURR: 1, AMT_CREDIT: '1000', CNT_CHILDREN: 1.5, FLAG_OWN_CAR: 1 } });
    expect(res.statusCode).toBe(400);
    const { message, fields } = res.json();
    expect([...fields].sort()).toEqual(['body.application.AMT_CREDIT', 'body.application.CNT_CHILDREN', 'body.application.FLAG_OWN_CAR']);
    expect(message).toContain('body.application.AMT_CREDIT must be a number or null, got the text "1000"');
    expect(message).toContain('body.application.CNT_CHILDREN must be an integer or null, got number 1.5');
  });

  it('requires SK_ID_CURR and the application object', async () => {
    const a = await predict({ application: { AMT_CREDIT: 1 } });
    expect(a.statusCode).toBe(400);
    expect(a.json().fields).toEqual(['body.application.SK_ID_CURR']);
    const b = await predict({ AMT_CREDIT: 1 });
    expect(b.statusCode).toBe(400);
    expect(b.json().message).toContain('body.application is required');
  });

  it('names the batch item at fault', async () => {
    const res = await predict([{ application: { SK_ID_CURR: 1 } }, { application: { SK_ID_CURR: 2, DAYS_BIRTH: 'old' } }]);
    expect(res.statusCode).toBe(400);
    expect(res.json().fields).toEqual(['body[1].application.DAYS_BIRTH']);
  });

  it('rejects side-table rows with unknown fields', async () => {
    const res = await predict({ application: { SK_ID_CURR: 1 }, history: { bureau: [{ AMT_CREDIT_SUM: 1, nope: 2 }] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().fields).toEqual(['body.history.bureau[0].nope']);
  });

  it('rejects NaN and Infinity (not JSON) and malformed JSON', async () => {
    for (const text of ['{"application":{"SK_ID_CURR":1,"AMT_CREDIT":NaN}}', '{"application":{"SK_ID_CURR":1,"AMT_CREDIT":Infinity}}', '{"application":']) {
      const res = await predict(text, { 'content-type': 'application/json' });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toContain('not valid JSON');
    }
  });

  it('rejects numbers too large for a double (1e400 parses to Infinity)', async () => {
    const res = await predict('{"application":{"SK_ID_CURR":1,"AMT_CREDIT":1e400}}', { 'content-type': 'application/json' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('body.application.AMT_CREDIT must be a number or null, got a number out of range (Infinity)');
  });

  it('rejects an empty body, a body that is not an applicant, and a wrong media type', async () => {
    const empty = await predict('', { 'content-type': 'application/json' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().message).toContain('empty');
    const none = await app.inject({ method: 'POST', url: '/predict' });
    expect(none.statusCode).toBe(400);
    expect(none.json().message).toBe('body must be one applicant object or an array of applicant objects');
    const scalar = await predict('42', { 'content-type': 'application/json' });
    expect(scalar.statusCode).toBe(400);
    const text = await predict('SK_ID_CURR=1', { 'content-type': 'text/plain' });
    expect(text.statusCode).toBe(415);
  });

  it('bounds the batch size', async () => {
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ application: { SK_ID_CURR: i } }));
    const res = await predict(tooMany);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('too many items (at most 1000)');
    const none = await predict([]);
    expect(none.statusCode).toBe(400);
    expect(none.json().message).toContain('at least 1');
  });

  it('answers 404 with a hint for unknown routes and bad client ids', async () => {
    const res = await app.inject('/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json().message).toContain('GET /');
    const bad = await app.inject('/clients/abc');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().fields).toEqual(['params.id']);
  });
});

describe('body limit', () => {
  it('answers 413 for an oversized body', async () => {
    const app = await buildApp({ modelSource: new BundleSource(missingBundle), autoLoadModel: false, bodyLimitBytes: 2048, defaultMetrics: false });
    const big = { application: { SK_ID_CURR: 1, NAME_TYPE_SUITE: 'x'.repeat(150) }, history: { bureau: Array(200).fill({ AMT_CREDIT_SUM: 1 }) } };
    const res = await app.inject({ method: 'POST', url: '/predict', payload: big });
    expect(res.statusCode).toBe(413);
    expect(res.json().message).toContain('larger than the limit');
    await app.close();
  });
});

// A known path asked with a method it does not serve answers 405 with Allow and the API's error body; unknown paths
// stay 404; routes declared in nested scopes, with a prefix or a path parameter, are known too.
import Fastify, { type FastifyInstance } from 'fastify';
import { errorsPlugin } from './errors';
import { methodsPlugin } from './methods';

describe('methods plugin', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = Fastify();
    await app.register(methodsPlugin);
    await app.register(errorsPlugin);
    app.post('/predict', async () => ({ ok: true }));
    await app.register(
      async (scope) => {
        scope.get('/clients/:id', async () => ({ ok: true }));
        scope.delete('/clients/:id', async () => ({ ok: true }));
      },
      { prefix: '/v1' },
    );
    await app.ready();
  });
  afterAll(() => app.close());

  it('answers 405 with Allow and a JSON message to an unsupported method on a known path', async () => {
    const res = await app.inject({ method: 'GET', url: '/predict?x=1' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({
      statusCode: 405,
      error: 'Method Not Allowed',
      message: 'GET is not allowed on /predict; allowed: POST',
    });
  });

  it('answers 405 to QUERY without a Content-Type (not the 400 of a body method without media type)', async () => {
    const res = await app.inject({ method: 'QUERY', url: '/predict' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('POST');
  });

  it('knows prefixed routes with a path parameter, and HEAD that Fastify adds for GET', async () => {
    const res = await app.inject({ method: 'PUT', url: '/v1/clients/42' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('DELETE, GET, HEAD');
    expect((await app.inject({ method: 'GET', url: '/v1/clients/42' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'PUT', url: '/v1/clients/42/more' })).statusCode).toBe(404);
  });

  it('leaves unknown paths to the not-found handler (404)', async () => {
    const res = await app.inject({ method: 'QUERY', url: '/nowhere', payload: {} });
    expect(res.statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/predict/x' })).statusCode).toBe(404);
    expect(res.headers.allow).toBeUndefined();
    expect(res.json().message).toMatch(/no route QUERY \/nowhere/);
  });
});

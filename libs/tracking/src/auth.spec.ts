import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authorizationHeader } from './transport';
import { MlflowClient } from './index';

describe('credentials for a secured MLflow server', () => {
  it('reads a bearer token or basic auth like the Python client, token first', () => {
    expect(authorizationHeader({}, {})).toBeUndefined();
    expect(authorizationHeader({}, { MLFLOW_TRACKING_TOKEN: 't0k' })).toBe('Bearer t0k');
    expect(authorizationHeader({}, { MLFLOW_TRACKING_USERNAME: 'ann', MLFLOW_TRACKING_PASSWORD: 'pw' })).toBe(
      `Basic ${Buffer.from('ann:pw').toString('base64')}`,
    );
    expect(
      authorizationHeader({ token: 'mine' }, { MLFLOW_TRACKING_USERNAME: 'ann', MLFLOW_TRACKING_PASSWORD: 'pw' }),
    ).toBe('Bearer mine');
    expect(authorizationHeader({}, { MLFLOW_TRACKING_USERNAME: 'ann' })).toBeUndefined();
  });

  /** A server that answers every call with an experiment and records the request headers; `fn` gets its port. */
  async function withHeaderRecorder(fn: (port: number, seen: IncomingHttpHeaders[]) => Promise<void>): Promise<void> {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ experiment: { experiment_id: '7', name: 'x', lifecycle_stage: 'active', tags: [] } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      await fn((server.address() as AddressInfo).port, seen);
    } finally {
      server.close();
    }
  }

  it('sends the header on every call', () =>
    withHeaderRecorder(async (port, seen) => {
      const client = new MlflowClient({ trackingUri: `http://127.0.0.1:${port}`, token: 'secret' });
      await client.getExperimentByName('x');
      expect(seen[0].authorization).toBe('Bearer secret');
    }));

  it('takes user:password in the URI as basic auth, and never shows them', async () => {
    await withHeaderRecorder(async (port, seen) => {
      const client = new MlflowClient({ trackingUri: `http://ann:p%40ss@127.0.0.1:${port}/` });
      expect(client.trackingUri).toBe(`http://127.0.0.1:${port}`);
      await client.getExperimentByName('x');
      expect(seen[0].authorization).toBe(`Basic ${Buffer.from('ann:p@ss').toString('base64')}`);
    });
    const gone = new MlflowClient({ trackingUri: 'http://ann:secret@127.0.0.1:9', retries: 0, timeoutMs: 2000 });
    const error = await gone.getExperimentByName('x').catch((e: Error) => e);
    expect(String(error)).toMatch(/MLflow server at http:\/\/127\.0\.0\.1:9 is not reachable/);
    expect(String(error)).not.toContain('secret');
  });
});

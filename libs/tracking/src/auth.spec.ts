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

  it('sends the header on every call', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ experiment: { experiment_id: '7', name: 'x', lifecycle_stage: 'active', tags: [] } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const client = new MlflowClient({ trackingUri: `http://127.0.0.1:${port}`, token: 'secret' });
      await client.getExperimentByName('x');
      expect(seen[0].authorization).toBe('Bearer secret');
    } finally {
      server.close();
    }
  });
});

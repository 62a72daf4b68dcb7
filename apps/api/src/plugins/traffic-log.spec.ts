// The traffic log holds applicants' personal fields: the file is the API user's alone (mode 0600).
import Fastify from 'fastify';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { trafficLogPlugin } from './traffic-log';

async function logOnce(file: string): Promise<void> {
  const app = Fastify();
  await app.register(trafficLogPlugin, { file });
  await app.ready();
  app.trafficLog?.record(
    '/predict',
    [{ application: { SK_ID_CURR: 1 } }],
    [{ SK_ID_CURR: 1, probability: 0.1, decision: 'granted', threshold: 0.16, modelVersion: '1' }],
  );
  await app.close();
}

describe('traffic log file', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'traffic-'));

  it('is created with mode 0600', async () => {
    const file = path.join(dir, 'new', 'traffic.jsonl');
    await logOnce(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ route: '/predict', decision: 'granted' });
  });

  it('is narrowed to 0600 when it existed with a wider mode, and appended to', async () => {
    const file = path.join(dir, 'old.jsonl');
    writeFileSync(file, '{"old":true}\n', { mode: 0o644 });
    await logOnce(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
  });
});

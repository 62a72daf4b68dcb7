// Test helpers: a fresh PostgreSQL database per test on the suite's server (DATABASE_URL, which the global setup
// provides), and v1-shaped rows for migration tests.
import { Client } from 'pg';
import { randomBytes } from 'node:crypto';
import type { PredictionRecord } from '../records';

export function testDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url)
    throw new Error('DATABASE_URL is unset: run the tests through jest (global setup) or tools/postgres/start.sh');
  return url;
}

/** Creates an empty database next to DATABASE_URL's and returns its URL and a function that drops it. */
export async function freshPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = new URL(testDatabaseUrl());
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new Client({ connectionString: base.toString() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A scored applicant with deterministic fields. */
export function sampleRecord(i: number, overrides: Partial<PredictionRecord> = {}): PredictionRecord {
  const probability = (i % 97) / 97;
  return {
    time: Date.UTC(2026, 0, 1) + i * 60_000,
    requestId: `req-${i}`,
    route: '/predict',
    client: String(100000 + i),
    modelVersion: i % 2 ? '2' : '1',
    probability,
    decision: probability >= 0.5 ? 'refused' : 'granted',
    threshold: 0.5,
    latencyMs: 1.5,
    application: {
      SK_ID_CURR: 100000 + i,
      AMT_CREDIT: 1000 * i,
      NAME_CONTRACT_TYPE: i % 3 ? 'Cash loans' : 'Revolving',
    },
    ...overrides,
  };
}

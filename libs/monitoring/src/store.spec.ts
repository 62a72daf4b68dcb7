import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { workspaceRoot } from '@credit-scoring/data';
import { LATEST_VERSION, MIGRATIONS, PostgresStore, SqliteStore, type PredictionStore } from './index';
import { freshPostgresDatabase, sampleRecord } from './testing';

const tmp = path.join(workspaceRoot(), 'tmp', 'monitoring-tests', `store-${process.pid}`);
beforeAll(() => fs.mkdirSync(tmp, { recursive: true }));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Engine {
  name: string;
  open(): Promise<{ store: PredictionStore; rawV1Insert: (rows: object[]) => Promise<void>; cleanup(): Promise<void> }>;
}

let fileCount = 0;
const engines: Engine[] = [
  {
    name: 'sqlite',
    async open() {
      const file = path.join(tmp, `log-${fileCount++}.sqlite`);
      const store = new SqliteStore({ file });
      return {
        store,
        rawV1Insert: async (rows) => {
          const db = new Database(file);
          const insert = db.prepare(
            'INSERT INTO predictions (logged_at, route, model_version, probability, decision, application) VALUES (?, ?, ?, ?, ?, ?)',
          );
          for (const r of rows as V1Row[]) insert.run(r.time, r.route, r.version, r.probability, r.decision, r.app);
          db.close();
        },
        cleanup: () => store.close(),
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const database = await freshPostgresDatabase();
      const store = new PostgresStore({ url: database.url });
      return {
        store,
        rawV1Insert: async (rows) => {
          const client = new Client({ connectionString: database.url });
          await client.connect();
          for (const r of rows as V1Row[]) {
            await client.query(
              'INSERT INTO predictions (logged_at, route, model_version, probability, decision, application) VALUES ($1, $2, $3, $4, $5, $6)',
              [r.time, r.route, r.version, r.probability, r.decision, r.app],
            );
          }
          await client.end();
        },
        cleanup: async () => {
          await store.close();
          await database.drop();
        },
      };
    },
  },
];

interface V1Row {
  time: number;
  route: string;
  version: string;
  probability: number;
  decision: string;
  app: string;
}

describe.each(engines)('prediction store on $name', (engine) => {
  let opened: Awaited<ReturnType<Engine['open']>>;
  beforeEach(async () => {
    opened = await engine.open();
  });
  afterEach(() => opened.cleanup());

  it('migrates an empty database to the latest version, and a second run changes nothing', async () => {
    const { store } = opened;
    expect(await store.version()).toBe(0);
    expect(await store.migrate()).toBe(LATEST_VERSION);
    expect(await store.migrate()).toBe(LATEST_VERSION);
    await store.insert([sampleRecord(1)]);
    expect(await store.count()).toBe(1);
  });

  it('migrates from the previous version (v1, the TRAFFIC_LOG fields) keeping its rows', async () => {
    const { store } = opened;
    expect(await store.migrate(1)).toBe(1);
    await opened.rawV1Insert([
      {
        time: Date.UTC(2025, 11, 31, 23),
        route: '/predict',
        version: '1',
        probability: 0.7,
        decision: 'refused',
        app: JSON.stringify({ SK_ID_CURR: 100002, AMT_CREDIT: 406597.5 }),
      },
      {
        time: Date.UTC(2025, 11, 31, 23, 30),
        route: '/explain',
        version: '1',
        probability: 0.1,
        decision: 'granted',
        app: JSON.stringify({ AMT_CREDIT: 1000 }),
      },
    ]);
    expect(await store.migrate()).toBe(LATEST_VERSION);
    const rows = await store.page({ limit: 10 });
    expect(rows).toHaveLength(2);
    const [explain, predict] = rows;
    expect(predict).toMatchObject({
      route: '/predict',
      client: '100002',
      probability: 0.7,
      decision: 'refused',
      requestId: null,
      threshold: null,
      latencyMs: null,
      application: { SK_ID_CURR: 100002, AMT_CREDIT: 406597.5 },
    });
    expect(explain.client).toBeNull();
    // New rows go in beside the migrated ones, and the v2 filters see both.
    await store.insert([sampleRecord(5, { client: '100002' })]);
    expect(await store.count({ client: '100002' })).toBe(2);
    expect((await store.daily()).map((d) => [d.day, d.total])).toEqual([
      ['2025-12-31', 2],
      ['2026-01-01', 1],
    ]);
  });

  it('pages newest first with filters, summarises days and applies retention', async () => {
    const { store } = opened;
    await store.migrate();
    const records = Array.from({ length: 3000 }, (_, i) => sampleRecord(i));
    await store.insert(records);
    expect(await store.count()).toBe(3000);

    const first = await store.page({ limit: 50, decision: 'refused', modelVersion: '2' });
    expect(first).toHaveLength(50);
    for (const row of first) expect(row).toMatchObject({ decision: 'refused', modelVersion: '2' });
    const second = await store.page({ limit: 50, decision: 'refused', modelVersion: '2', before: first[49].id });
    expect(second[0].id).toBeLessThan(first[49].id);
    const expected = records.filter((r) => r.decision === 'refused' && r.modelVersion === '2').reverse();
    expect([...first, ...second].map((r) => r.requestId)).toEqual(expected.slice(0, 100).map((r) => r.requestId));

    const from = Date.UTC(2026, 0, 2);
    const to = Date.UTC(2026, 0, 2, 12);
    const inRange = records.filter((r) => r.time >= from && r.time < to);
    expect(await store.count({ from, to })).toBe(inRange.length);
    expect((await store.page({ limit: 1, client: '100042' }))[0].requestId).toBe('req-42');

    const days = await store.daily();
    expect(days.map((d) => d.day)).toEqual(['2026-01-01', '2026-01-02', '2026-01-03']);
    for (const day of days) {
      const own = records.filter((r) => new Date(r.time).toISOString().startsWith(day.day));
      expect(day.total).toBe(own.length);
      expect(day.refused).toBe(own.filter((r) => r.decision === 'refused').length);
      expect(day.scoreHistogram.reduce((a, b) => a + b, 0)).toBe(own.length);
      expect(day.scoreHistogram[9]).toBe(own.filter((r) => r.probability >= 0.9).length);
      expect(day.meanProbability).toBeCloseTo(own.reduce((a, r) => a + r.probability, 0) / own.length, 9);
    }

    let scanned = 0;
    let last = 0;
    expect(
      await store.scan(
        { from },
        (chunk) => {
          for (const row of chunk) {
            expect(row.id).toBeGreaterThan(last);
            last = row.id;
          }
          scanned += chunk.length;
        },
        700,
      ),
    ).toBe(records.filter((r) => r.time >= from).length);
    expect(scanned).toBe(records.filter((r) => r.time >= from).length);

    expect(await store.deleteBefore(from)).toBe(records.filter((r) => r.time < from).length);
    expect(await store.count()).toBe(records.filter((r) => r.time >= from).length);
  });
});

describe('migrations on PostgreSQL from several processes at once', () => {
  it('applies each step once when stores start together', async () => {
    const database = await freshPostgresDatabase();
    const stores = Array.from({ length: 4 }, () => new PostgresStore({ url: database.url }));
    try {
      expect(await Promise.all(stores.map((s) => s.migrate()))).toEqual(Array(4).fill(LATEST_VERSION));
      const client = new Client({ connectionString: database.url });
      await client.connect();
      const applied = await client.query('SELECT version FROM schema_migrations ORDER BY version');
      await client.end();
      expect(applied.rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await database.drop();
    }
  });
});

describe('prediction store on postgres, v3', () => {
  it('compresses the application of rows written after v3 with lz4; rows from before keep pglz', async () => {
    const database = await freshPostgresDatabase();
    const store = new PostgresStore({ url: database.url });
    // ~3 kB of JSON like a real application: above the size PostgreSQL compresses a value at.
    const fields = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`FIELD_${i}`, i * 1.5]));
    const large = (i: number) => sampleRecord(i, { application: { SK_ID_CURR: 100000 + i, ...fields } });
    try {
      expect(await store.migrate(2)).toBe(2);
      await store.insert([large(1)]);
      expect(await store.migrate()).toBe(3);
      await store.insert([large(2)]);
      const client = new Client({ connectionString: database.url });
      await client.connect();
      const methods = await client.query<{ method: string }>(
        'SELECT pg_column_compression(application) AS method FROM predictions ORDER BY id',
      );
      await client.end();
      expect(methods.rows.map((r) => r.method)).toEqual(['pglz', 'lz4']);
      expect((await store.page({ limit: 2 })).map((r) => r.application)).toEqual([
        large(2).application,
        large(1).application,
      ]);
    } finally {
      await store.close();
      await database.drop();
    }
  });
});

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { workspaceRoot } from '@credit-scoring/data';
import { BatchWriter, PostgresStore, SqliteStore, ThreadedStore } from './index';
import { freshPostgresDatabase, sampleRecord, testDatabaseUrl } from './testing';

const tmp = path.join(workspaceRoot(), 'tmp', 'monitoring-tests', `writer-${process.pid}`);
beforeAll(() => fs.mkdirSync(tmp, { recursive: true }));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const records = (from: number, n: number) => Array.from({ length: n }, (_, i) => sampleRecord(from + i));

describe('BatchWriter', () => {
  it('writes pushed rows in batches within the flush interval, and everything on close', async () => {
    const file = path.join(tmp, 'batches.sqlite');
    const store = new SqliteStore({ file });
    await store.migrate();
    // Applicants' personal fields: the file is the API user's only.
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const batches: number[] = [];
    const writer = new BatchWriter(store, { flushIntervalMs: 20, batchRows: 100 }, { written: (n) => batches.push(n) });
    writer.push(records(0, 250));
    expect(await store.count()).toBe(0); // nothing on the caller's path
    await new Promise((r) => setTimeout(r, 100));
    expect(await store.count()).toBe(250);
    expect(batches).toEqual([100, 100, 50]);
    writer.push(records(250, 7));
    await writer.close();
    expect(await store.count()).toBe(257);
    expect(writer.totals).toEqual({ written: 257, failedFlushes: 0, dropped: 0, waited: 0 });
    await store.close();
  });

  it('drops and counts rows beyond the queue bound instead of growing without limit (no wait for room)', async () => {
    const store = new SqliteStore({ file: path.join(tmp, 'bound.sqlite') });
    await store.migrate();
    const dropped: string[] = [];
    const writer = new BatchWriter(
      store,
      { flushIntervalMs: 10_000, batchRows: 1000, maxQueueRows: 500, waitForRoomMs: 0 },
      { dropped: (n, why) => dropped.push(`${n} ${why}`) },
    );
    void writer.push(records(0, 400));
    await writer.push(records(400, 300));
    expect(dropped).toEqual(['200 queue full']);
    await writer.close();
    expect(await store.count()).toBe(500);
    await store.close();
  });

  it('makes a push that finds the queue full wait for room while the store writes: every row kept', async () => {
    const store = new SqliteStore({ file: path.join(tmp, 'wait.sqlite') });
    await store.migrate();
    const dropped: string[] = [];
    const writer = new BatchWriter(
      store,
      { flushIntervalMs: 20, batchRows: 100, maxQueueRows: 300, waitForRoomMs: 5_000 },
      { dropped: (n, why) => dropped.push(`${n} ${why}`) },
    );
    // Faster than any writer: 20 pushes of 100 at once, 2,000 rows against a bound of 300.
    const order: number[] = [];
    const pushes = Array.from({ length: 20 }, (_, k) => writer.push(records(k * 100, 100)).then(() => order.push(k)));
    expect(writer.pendingRows).toBe(300);
    await Promise.all(pushes);
    expect(order).toEqual([...order].sort((a, b) => a - b)); // admitted in arrival order
    await writer.close();
    expect(dropped).toEqual([]);
    expect(writer.totals).toMatchObject({ written: 2000, dropped: 0, waited: 17 });
    expect(await store.count()).toBe(2000);
    await store.close();
  });

  it('gives up waiting after waitForRoomMs, and at once while a batch is failing', async () => {
    const file = path.join(tmp, 'wait-failing.sqlite');
    const store = new SqliteStore({ file });
    await store.migrate();
    const dropped: string[] = [];
    const slow = new BatchWriter(
      store,
      { flushIntervalMs: 60_000, batchRows: 1000, maxQueueRows: 100, waitForRoomMs: 50 },
      { dropped: (n, why) => dropped.push(`${n} ${why}`) },
    );
    void slow.push(records(0, 100));
    const started = performance.now();
    await slow.push(records(100, 10)); // no flush for a minute: no room comes
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(dropped).toEqual(['10 queue full']);
    await slow.close();

    // A table that refuses inserts: the first flush fails, and from then on nothing waits.
    const db = new Database(file);
    db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON predictions BEGIN SELECT RAISE(ABORT, 'refused'); END`);
    db.close();
    dropped.length = 0;
    const failing = new BatchWriter(
      store,
      { flushIntervalMs: 5, batchRows: 100, maxQueueRows: 100, waitForRoomMs: 60_000, closeRetryForMs: 0 },
      { dropped: (n, why) => dropped.push(`${n} ${why}`) },
    );
    void failing.push(records(200, 100));
    const waiting = failing.push(records(300, 10)); // waits: the store has not failed yet
    await waiting; // the flush fails, the waiter is given up at once, not after a minute
    expect(dropped).toEqual(['10 queue full']);
    const t = performance.now();
    await failing.push(records(400, 10)); // a batch is failing: dropped without waiting
    expect(performance.now() - t).toBeLessThan(20);
    expect(dropped).toEqual(['10 queue full', '10 queue full']);
    await failing.close();
    await store.close();
  }, 20_000);

  // Directly, and through the writer thread that keeps each batch for its retries (PredictionStore.hold), as the API.
  const stores = {
    direct: {
      sqlite: (file: string, maxPageCount?: number) => new SqliteStore({ file, maxPageCount }),
      postgres: (url: string, onIdleError: (e: Error) => void) => new PostgresStore({ url, onIdleError }),
    },
    threaded: {
      sqlite: (file: string, maxPageCount?: number) =>
        new ThreadedStore({ sqliteFile: file, sqliteMaxPageCount: maxPageCount }),
      postgres: (url: string, onIdleError: (e: Error) => void) => new ThreadedStore({ databaseUrl: url, onIdleError }),
    },
  };

  it.each(Object.keys(stores) as Array<keyof typeof stores>)(
    'a full SQLite database fails flushes (counted) and never throws to the caller (%s)',
    async (kind) => {
      // max_page_count bounds the file like a full disk: SQLITE_FULL on the insert that needs one more page.
      const file = path.join(tmp, `full-${kind}.sqlite`);
      const setup = new SqliteStore({ file });
      await setup.migrate();
      await setup.close();
      const pages = 24;
      const store = stores[kind].sqlite(file, pages);
      await store.migrate();
      const failures: string[] = [];
      const writer = new BatchWriter(
        store,
        { flushIntervalMs: 10, batchRows: 50, retryForMs: 30, closeRetryForMs: 100 },
        { failed: (error) => failures.push(error.message) },
      );
      for (let i = 0; i < 40; i++) expect(() => writer.push(records(i * 50, 50))).not.toThrow();
      await writer.close();
      expect(failures.length).toBeGreaterThan(0);
      expect(failures[0]).toMatch(/full/i);
      expect(writer.totals.failedFlushes).toBe(failures.length);
      expect(writer.totals.written + writer.totals.dropped).toBe(2000);
      expect(await store.count()).toBe(writer.totals.written);
      await store.close();
    },
  );

  it.each(Object.keys(stores) as Array<keyof typeof stores>)(
    'a dropped PostgreSQL connection fails one flush, then the batch is retried and nothing is lost (%s)',
    async (kind) => {
      const database = await freshPostgresDatabase();
      const idleErrors: Error[] = [];
      const store = stores[kind].postgres(database.url, (e) => idleErrors.push(e));
      await store.migrate();
      const failures: string[] = [];
      const writer = new BatchWriter(
        store,
        { flushIntervalMs: 20, batchRows: 100 },
        { failed: (error) => failures.push(error.message) },
      );
      writer.push(records(0, 100));
      await writer.flush();
      // End every connection of the pool from the server's side, as a restart or a network cut would.
      const admin = new Client({ connectionString: database.url });
      await admin.connect();
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      writer.push(records(100, 100));
      await new Promise((r) => setTimeout(r, 300));
      await writer.close();
      expect(await store.count()).toBe(200);
      expect(writer.totals).toMatchObject({ written: 200, dropped: 0 });
      expect(idleErrors.length + failures.length).toBeGreaterThan(0);
      await admin.end();
      await store.close();
      await database.drop();
    },
  );
});

describe('BatchWriter retries', () => {
  const stores = {
    direct: (file: string) => new SqliteStore({ file }),
    threaded: (file: string) => new ThreadedStore({ sqliteFile: file }),
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** Waits for `done()` (the writer thread runs at SCHED_IDLE: on a busy machine it may wait for a core). */
  const until = async (done: () => boolean, timeoutMs = 10_000) => {
    for (const end = performance.now() + timeoutMs; !done() && performance.now() < end; ) await sleep(10);
  };
  /** Refuses every insert into the log's table until the returned function is called (set from another connection). */
  const refuseWrites = (file: string) => {
    const admin = new Database(file);
    admin.exec("CREATE TRIGGER refuse BEFORE INSERT ON predictions BEGIN SELECT RAISE(ABORT, 'refused'); END");
    return () => {
      admin.exec('DROP TRIGGER refuse');
      admin.close();
    };
  };

  it.each(Object.keys(stores) as Array<keyof typeof stores>)(
    'a database away for half a second (a restart) loses nothing, and the retries back off (%s)',
    async (kind) => {
      const file = path.join(tmp, `away-${kind}.sqlite`);
      const store = stores[kind](file);
      await store.migrate();
      const allow = refuseWrites(file);
      const writer = new BatchWriter(store, { flushIntervalMs: 10, batchRows: 100 });
      writer.push(records(0, 250));
      await until(() => writer.totals.failedFlushes > 0);
      await sleep(500);
      allow();
      // Doubling from 10 ms, the next try comes within ~0.35 s of the database's return.
      await until(() => writer.totals.written === 250);
      expect(writer.totals).toMatchObject({ written: 250, dropped: 0 });
      // One try per tick would be ~50 in 0.5 s; doubling waits make ~6.
      expect(writer.totals.failedFlushes).toBeGreaterThan(2);
      expect(writer.totals.failedFlushes).toBeLessThan(12);
      await writer.close();
      expect(await store.count()).toBe(250);
      await store.close();
    },
  );

  it.each(Object.keys(stores) as Array<keyof typeof stores>)(
    'gives a batch up after the retry window, and close() gives up within its own bound (%s)',
    async (kind) => {
      const file = path.join(tmp, `gone-${kind}.sqlite`);
      const store = stores[kind](file);
      await store.migrate();
      const allow = refuseWrites(file);
      const dropped: string[] = [];
      const writer = new BatchWriter(
        store,
        { flushIntervalMs: 10, batchRows: 100, retryForMs: 150, closeRetryForMs: 100 },
        { dropped: (n, why) => dropped.push(`${n} ${why}`) },
      );
      writer.push(records(0, 100));
      await until(() => dropped.length > 0);
      expect(dropped).toEqual(['100 write failed']);
      writer.push(records(100, 30));
      const closing = performance.now();
      await writer.close();
      expect(performance.now() - closing).toBeLessThan(1_000);
      expect(dropped).toEqual(['100 write failed', '30 closed']);
      allow();
      expect(await store.count()).toBe(0);
      await store.close();
    },
  );

  it.each(Object.keys(stores) as Array<keyof typeof stores>)(
    'a log file deleted while open is noticed: a failed write, then a new file takes the rows (%s)',
    async (kind) => {
      const file = path.join(tmp, `deleted-${kind}.sqlite`);
      const store = stores[kind](file);
      await store.migrate();
      const failures: string[] = [];
      const writer = new BatchWriter(
        store,
        { flushIntervalMs: 10, batchRows: 100 },
        { failed: (error) => failures.push(error.message) },
      );
      writer.push(records(0, 100));
      await writer.flush();
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
      writer.push(records(100, 50));
      await until(() => writer.totals.written === 150);
      // Before, SQLite went on writing into the unlinked file: no error, no file, every later row lost at exit.
      expect(failures).toEqual([expect.stringMatching(/was deleted or replaced while open: a new one was created/)]);
      expect(fs.existsSync(file)).toBe(true);
      expect(await store.count()).toBe(50); // the reads see the new file too
      await writer.close();
      await store.close();
      const reader = new SqliteStore({ file, readOnly: true });
      expect(await reader.count()).toBe(50);
      await reader.close();
    },
  );

  it('a PostgreSQL server refusing connections for a second (a restart) loses nothing', async () => {
    const database = await freshPostgresDatabase();
    const name = new URL(database.url).pathname.slice(1);
    const store = new ThreadedStore({ databaseUrl: database.url, onIdleError: () => undefined });
    await store.migrate();
    const failures: string[] = [];
    const writer = new BatchWriter(
      store,
      { flushIntervalMs: 20, batchRows: 50 },
      { failed: (error) => failures.push(error.message) },
    );
    writer.push(records(0, 50));
    await writer.flush();
    // As a restart looks to a client: every connection ended, and new ones refused until the server is back.
    const admin = new Client({ connectionString: testDatabaseUrl() });
    await admin.connect();
    await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    writer.push(records(50, 100));
    await until(() => failures.length > 0);
    await sleep(1_000);
    await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`);
    await admin.end();
    await until(() => writer.totals.written === 150);
    expect(writer.totals).toMatchObject({ written: 150, dropped: 0 });
    await writer.close();
    expect(await store.count()).toBe(150);
    await store.close();
    await database.drop();
  });
});

describe('ThreadedStore.hold', () => {
  it('keeps a batch in the writer thread through failed writes until it is written or released', async () => {
    const file = path.join(tmp, 'held.sqlite');
    const store = new ThreadedStore({ sqliteFile: file });
    await store.migrate();
    const batch = store.hold(records(0, 20));
    const other = store.hold(records(20, 5));
    // A trigger (set from another connection) fails the write and leaves the batch held: once it is gone, the retry
    // writes it.
    const admin = new Database(file);
    admin.exec("CREATE TRIGGER refuse BEFORE INSERT ON predictions BEGIN SELECT RAISE(ABORT, 'refused'); END");
    await expect(batch.write()).rejects.toThrow(/refused/);
    admin.exec('DROP TRIGGER refuse');
    admin.close();
    await batch.write();
    expect(await store.count()).toBe(20);
    other.release();
    await expect(other.write()).rejects.toThrow(/not held/);
    expect(await store.count()).toBe(20);
    await store.close();
  });
});

/** Field `n` (1-based, as proc(5) counts) of each thread's /proc/<tid>/stat, counted after the parenthesised name. */
function threadStat(n: number): Map<string, number> {
  const values = new Map<string, number>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    values.set(tid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[n - 3]));
  }
  return values;
}
/** Each thread's scheduling policy (field 41; 5 = IDLE). */
const threadPolicies = () => threadStat(41);
/** Each thread's nice value (field 19). */
const threadNices = () => threadStat(19);
const SCHED_IDLE = 5;
const hasChrt = process.platform === 'linux' && spawnSync('chrt', ['--version']).status === 0;

describe('ThreadedStore', () => {
  // Linux with util-linux's chrt, as on the project's machines and in the image (elsewhere it falls back to nice).
  (hasChrt ? it : it.skip)('runs its writer thread as SCHED_IDLE and leaves every other thread as it was', async () => {
    const before = threadPolicies();
    const store = new ThreadedStore({ sqliteFile: path.join(tmp, 'threaded.sqlite') });
    await store.migrate();
    await store.insert(records(0, 3)); // answered by the writer thread, so its start-up has run
    const after = threadPolicies();
    const idle = [...after].filter(([, policy]) => policy === SCHED_IDLE).map(([tid]) => tid);
    expect(idle).toHaveLength(1);
    expect(before.has(idle[0])).toBe(false);
    for (const [tid, policy] of before) if (after.has(tid)) expect(after.get(tid)).toBe(policy);
    expect(await store.count()).toBe(3);
    await store.close();
  });

  (process.platform === 'linux' ? it : it.skip)(
    "runs it at nice 10 with writerPriority 'low', and as the process with 'normal'",
    async () => {
      for (const [writerPriority, nice] of [
        ['low', 10],
        ['normal', 0],
      ] as const) {
        const before = threadNices();
        const store = new ThreadedStore({ sqliteFile: path.join(tmp, `${writerPriority}.sqlite`), writerPriority });
        await store.migrate();
        await store.insert(records(0, 3));
        const added = [...threadNices()].filter(([tid]) => !before.has(tid));
        const policies = threadPolicies();
        expect(added.every(([tid]) => policies.get(tid) !== SCHED_IDLE)).toBe(true);
        expect(added.filter(([, n]) => n === 10).length).toBe(nice === 10 ? 1 : 0);
        await store.close();
      }
    },
  );
});

// SQLite engine (better-sqlite3): one file, WAL journal so readers never block the writer. better-sqlite3 is
// synchronous; the BatchWriter calls insert() off the request path, in batches, so a flush costs one short
// transaction on the event loop (measured in tools/bench/monitor).
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LATEST_VERSION, MIGRATIONS } from './migrations';
import { DAY_MS, dayOf, SCORE_BINS, type DailySummary, type PredictionFilter } from './records';
import type { PredictionPage, PredictionRecord, StoredPrediction } from './records';
import {
  fromRaw,
  INSERT_COLUMNS,
  insertValues,
  SELECT_COLUMNS,
  whereClause,
  type PredictionStore,
  type RawRow,
} from './store';

export interface SqliteOptions {
  file: string;
  /** Upper bound on the file size in pages (PRAGMA max_page_count); a full database behaves like a full disk. */
  maxPageCount?: number;
  /**
   * For readers (`trainer monitor`): the file must exist and is neither created, migrated nor changed (no chmod, no
   * journal mode), so a log owned by the API's user can be read by anyone allowed to read it.
   */
  readOnly?: boolean;
}

const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`;

export class SqliteStore implements PredictionStore {
  readonly engine = 'sqlite' as const;
  readonly location: string;
  private db: Database.Database;
  private insertStatement?: Database.Statement;
  /** The file this connection has open (device and inode), to notice it deleted or replaced under it. */
  private opened?: { dev: number; ino: number };

  constructor(private readonly opts: SqliteOptions) {
    this.location = path.resolve(opts.file);
    if (opts.readOnly) {
      this.db = new Database(this.location, { readonly: true, fileMustExist: true });
      this.db.pragma('busy_timeout = 5000');
      return;
    }
    this.db = this.open();
  }

  private open(): Database.Database {
    fs.mkdirSync(path.dirname(this.location), { recursive: true });
    const db = new Database(this.location);
    // The file holds applicants' personal fields: readable by the API's user only.
    fs.chmodSync(this.location, 0o600);
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a committed transaction survives a process crash (kill -9); only a power loss may drop
    // the last commits. The batch window bounds what a crash loses, not fsync.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    if (this.opts.maxPageCount) db.pragma(`max_page_count = ${Math.floor(this.opts.maxPageCount)}`);
    const { dev, ino } = fs.statSync(this.location);
    this.opened = { dev, ino };
    return db;
  }

  /**
   * A log file deleted (or replaced) while open would take every later row with it, unseen: SQLite keeps writing
   * to the unlinked inode. Checked before each use (one stat); a new file is created and migrated. Returns whether
   * it had to.
   */
  private reopenIfGone(): boolean {
    if (!this.opened) return false; // read-only: a reader keeps what it opened
    const now = fs.statSync(this.location, { throwIfNoEntry: false });
    if (now && now.dev === this.opened.dev && now.ino === this.opened.ino) return false;
    this.db.close();
    this.db = this.open();
    this.insertStatement = undefined;
    this.migrateNow(LATEST_VERSION);
    return true;
  }

  async version(): Promise<number> {
    // Read without creating anything: readers ask too, and a file that is not a log stays as it was.
    const table = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
    if (!table.get()) return 0;
    const row = this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    return row.v ?? 0;
  }

  async migrate(target = LATEST_VERSION): Promise<number> {
    if (this.reopenIfGone()) return this.version(); // reopened: migrated already
    this.migrateNow(target);
    return this.version();
  }

  private migrateNow(target: number): void {
    // IMMEDIATE takes the write lock first, so two processes opening the same file migrate one after the other.
    const run = this.db.transaction(() => {
      this.db.exec(MIGRATIONS_TABLE);
      const done = (this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v;
      for (const step of MIGRATIONS) {
        if (step.version <= (done ?? 0) || step.version > target) continue;
        for (const sql of step.sqlite) this.db.exec(sql);
        this.db
          .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
          .run(step.version, step.name, Date.now());
      }
    });
    run.immediate();
    this.insertStatement = undefined;
  }

  async insert(rows: readonly PredictionRecord[]): Promise<void> {
    if (rows.length === 0) return;
    if (this.reopenIfGone()) {
      // A failed write, so it is counted and logged where write errors are; its retry goes to the new file.
      throw new Error(
        `the prediction log ${this.location} was deleted or replaced while open: a new one was created; ` +
          'the rows written before are gone with the old file',
      );
    }
    this.insertStatement ??= this.db.prepare(
      `INSERT INTO predictions (${INSERT_COLUMNS.join(', ')}) VALUES (${INSERT_COLUMNS.map(() => '?').join(', ')})`,
    );
    const statement = this.insertStatement;
    this.db.transaction(() => {
      for (const row of rows) statement.run(insertValues(row));
    })();
  }

  async page(query: PredictionPage): Promise<StoredPrediction[]> {
    this.reopenIfGone();
    const where = whereClause(query, () => '?');
    const rows = this.db
      .prepare(`SELECT ${SELECT_COLUMNS} FROM predictions ${where.sql} ORDER BY id DESC LIMIT ?`)
      .all(...where.values, query.limit) as RawRow[];
    return rows.map(fromRaw);
  }

  async scan(filter: PredictionFilter, visit: (rows: StoredPrediction[]) => void, chunk = 5000): Promise<number> {
    this.reopenIfGone();
    const where = whereClause(filter, () => '?');
    const statement = this.db.prepare(`SELECT ${SELECT_COLUMNS} FROM predictions ${where.sql} ORDER BY id`);
    let batch: StoredPrediction[] = [];
    let total = 0;
    for (const row of statement.iterate(...where.values) as IterableIterator<RawRow>) {
      batch.push(fromRaw(row));
      if (batch.length >= chunk) {
        visit(batch);
        total += batch.length;
        batch = [];
      }
    }
    if (batch.length) visit(batch);
    return total + batch.length;
  }

  async count(filter: PredictionFilter = {}): Promise<number> {
    this.reopenIfGone();
    const where = whereClause(filter, () => '?');
    const row = this.db.prepare(`SELECT COUNT(*) AS n FROM predictions ${where.sql}`).get(...where.values) as {
      n: number;
    };
    return row.n;
  }

  async daily(filter: PredictionFilter = {}): Promise<DailySummary[]> {
    this.reopenIfGone();
    const where = whereClause(filter, () => '?');
    const rows = this.db
      .prepare(
        `SELECT logged_at / ${DAY_MS} AS day, MIN(CAST(probability * ${SCORE_BINS} AS INTEGER), ${SCORE_BINS - 1}) AS bin,
                decision, COUNT(*) AS n, SUM(probability) AS p
           FROM predictions ${where.sql} GROUP BY day, bin, decision ORDER BY day`,
      )
      .all(...where.values) as Array<{ day: number; bin: number; decision: string; n: number; p: number }>;
    return summarizeDays(rows);
  }

  async deleteBefore(time: number): Promise<number> {
    return this.db.prepare('DELETE FROM predictions WHERE logged_at < ?').run(time).changes;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** Folds (day, bin, decision) counts into one summary per day; shared by both engines. */
export function summarizeDays(
  rows: Array<{ day: number | string; bin: number | string; decision: string; n: number | string; p: number }>,
): DailySummary[] {
  const byDay = new Map<number, DailySummary & { sum: number }>();
  for (const row of rows) {
    const day = Number(row.day);
    let summary = byDay.get(day);
    if (!summary) {
      summary = {
        day: dayOf(day),
        total: 0,
        granted: 0,
        refused: 0,
        refusalRate: 0,
        meanProbability: 0,
        scoreHistogram: new Array<number>(SCORE_BINS).fill(0),
        sum: 0,
      };
      byDay.set(day, summary);
    }
    const n = Number(row.n);
    summary.total += n;
    if (row.decision === 'refused') summary.refused += n;
    else summary.granted += n;
    summary.scoreHistogram[Math.max(0, Math.min(SCORE_BINS - 1, Number(row.bin)))] += n;
    summary.sum += Number(row.p);
  }
  return [...byDay.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, { sum, ...s }]) => ({ ...s, refusalRate: s.refused / s.total, meanProbability: sum / s.total }));
}

// PostgreSQL engine (pg): a small pool per process; several API processes append to the same table (BIGSERIAL ids,
// one transaction per batch). Migrations hold an advisory lock so that processes starting together apply each step
// once. A dropped connection fails the batch in flight (the writer retries it); the pool reconnects on the next one.
import { Pool, type PoolClient } from 'pg';
import { LATEST_VERSION, MIGRATIONS } from './migrations';
import type { DailySummary, PredictionFilter, PredictionPage, PredictionRecord, StoredPrediction } from './records';
import { DAY_MS, SCORE_BINS } from './records';
import { summarizeDays } from './sqlite-store';
import {
  fromRaw,
  INSERT_COLUMNS,
  insertValues,
  SELECT_COLUMNS,
  whereClause,
  type PredictionStore,
  type RawRow,
} from './store';

export interface PostgresOptions {
  url: string;
  /** Connections per process (default 4: one writer, readers for the API's routes). */
  poolSize?: number;
  /** Called for errors of idle connections (e.g. the server ended them), which would otherwise crash the process. */
  onIdleError?: (error: Error) => void;
}

/** Arbitrary constant naming this schema's migration lock. */
const MIGRATION_LOCK = 160_016;
const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`;
const dollar = (i: number) => `$${i}`;

/** postgres://user:secret@host/db → postgres://user@host/db */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return 'postgres (unparsable DATABASE_URL)';
  }
}

export class PostgresStore implements PredictionStore {
  readonly engine = 'postgres' as const;
  readonly location: string;
  private readonly pool: Pool;

  constructor(opts: PostgresOptions) {
    this.location = withoutPassword(opts.url);
    this.pool = new Pool({ connectionString: opts.url, max: opts.poolSize ?? 4, connectionTimeoutMillis: 5000 });
    this.pool.on('error', (error) => opts.onIdleError?.(error));
  }

  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      // A connection that failed its ROLLBACK is dead: destroy it rather than give it back to the pool.
      client.release(broken);
    }
  }

  async version(): Promise<number> {
    // Read without creating anything: readers (trainer monitor) may have SELECT rights only.
    const table = await this.pool.query<{ t: string | null }>("SELECT to_regclass('schema_migrations') AS t");
    if (table.rows[0].t === null) return 0;
    const result = await this.pool.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
    return result.rows[0].v ?? 0;
  }

  async migrate(target = LATEST_VERSION): Promise<number> {
    await this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(MIGRATIONS_TABLE);
      const done = (await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations')).rows[0]
        .v;
      for (const step of MIGRATIONS) {
        if (step.version <= (done ?? 0) || step.version > target) continue;
        for (const sql of step.postgres) await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          step.version,
          step.name,
          Date.now(),
        ]);
      }
    });
    return this.version();
  }

  async insert(rows: readonly PredictionRecord[]): Promise<void> {
    if (rows.length === 0) return;
    // One multi-row INSERT per batch (10 parameters a row, far below PostgreSQL's 65,535).
    const width = INSERT_COLUMNS.length;
    const values: Array<string | number | null> = [];
    const tuples = rows.map((row, r) => {
      values.push(...insertValues(row));
      return `(${INSERT_COLUMNS.map((_, c) => `$${r * width + c + 1}`).join(', ')})`;
    });
    await this.pool.query(`INSERT INTO predictions (${INSERT_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, values);
  }

  async page(query: PredictionPage): Promise<StoredPrediction[]> {
    const where = whereClause(query, dollar);
    const result = await this.pool.query<RawRow>(
      `SELECT ${SELECT_COLUMNS} FROM predictions ${where.sql} ORDER BY id DESC LIMIT ${dollar(where.values.length + 1)}`,
      [...where.values, query.limit],
    );
    return result.rows.map(fromRaw);
  }

  async scan(filter: PredictionFilter, visit: (rows: StoredPrediction[]) => void, chunk = 5000): Promise<number> {
    // Keyset over the id instead of a cursor: no transaction held open across the whole export.
    let after = 0;
    let total = 0;
    for (;;) {
      const where = whereClause(filter, dollar);
      const idAt = where.values.length + 1;
      const result = await this.pool.query<RawRow>(
        `SELECT ${SELECT_COLUMNS} FROM predictions ${where.sql ? `${where.sql} AND` : 'WHERE'} id > $${idAt}
          ORDER BY id LIMIT ${chunk}`,
        [...where.values, after],
      );
      if (result.rows.length === 0) return total;
      const rows = result.rows.map(fromRaw);
      visit(rows);
      total += rows.length;
      after = rows[rows.length - 1].id;
    }
  }

  async count(filter: PredictionFilter = {}): Promise<number> {
    const where = whereClause(filter, dollar);
    const result = await this.pool.query<{ n: string }>(
      `SELECT COUNT(*) AS n FROM predictions ${where.sql}`,
      where.values,
    );
    return Number(result.rows[0].n);
  }

  async daily(filter: PredictionFilter = {}): Promise<DailySummary[]> {
    const where = whereClause(filter, dollar);
    const result = await this.pool.query<{ day: string; bin: number; decision: string; n: string; p: number }>(
      `SELECT logged_at / ${DAY_MS} AS day, LEAST(FLOOR(probability * ${SCORE_BINS})::int, ${SCORE_BINS - 1}) AS bin,
              decision, COUNT(*) AS n, SUM(probability) AS p
         FROM predictions ${where.sql} GROUP BY 1, 2, 3 ORDER BY 1`,
      where.values,
    );
    return summarizeDays(result.rows);
  }

  async deleteBefore(time: number): Promise<number> {
    const result = await this.pool.query('DELETE FROM predictions WHERE logged_at < $1', [time]);
    return result.rowCount ?? 0;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

// Picks the engine: PostgreSQL when a DATABASE_URL is given, otherwise the SQLite file (default
// data/monitoring/predictions.sqlite under the working directory, git-ignored with the rest of data/).
import { createHmac } from 'node:crypto';
import { PostgresStore } from './postgres-store';
import { SqliteStore } from './sqlite-store';
import type { PredictionStore } from './store';

export const DEFAULT_SQLITE_FILE = 'data/monitoring/predictions.sqlite';

export interface StoreConfig {
  databaseUrl?: string;
  sqliteFile?: string;
  /** SQLite only: PRAGMA max_page_count (bounds the file, e.g. to test a full disk). */
  sqliteMaxPageCount?: number;
  onIdleError?: (error: Error) => void;
  /** SQLite: open an existing file without changing it (readers); see SqliteOptions.readOnly. */
  readOnly?: boolean;
}

export function openPredictionStore(config: StoreConfig = {}): PredictionStore {
  if (config.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(config.databaseUrl))
      throw new Error('DATABASE_URL must be a postgres:// or postgresql:// URL');
    return new PostgresStore({ url: config.databaseUrl, onIdleError: config.onIdleError });
  }
  return new SqliteStore({
    file: config.sqliteFile ?? DEFAULT_SQLITE_FILE,
    maxPageCount: config.sqliteMaxPageCount,
    readOnly: config.readOnly,
  });
}

/**
 * The client column: SK_ID_CURR as text, or HMAC-SHA256(key, id) in hex when a key is set, so the log can still
 * group and filter by client (the API hashes a queried id the same way) without holding the id itself.
 */
export function clientKey(id: unknown, hashKey?: string): string | null {
  if (id === undefined || id === null || id === '') return null;
  const text = String(id);
  return hashKey ? createHmac('sha256', hashKey).update(text).digest('hex') : text;
}

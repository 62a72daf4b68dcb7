// Versioned schema of the prediction log, one list for both engines. Each step runs once, in order, inside the
// engine's migration lock; schema_migrations records what ran. Never edit a released step: add the next one.
//
// v1 is the first database form of the log: exactly what the TRAFFIC_LOG JSONL lines held (time, route, model
// version, probability, decision, application fields), so `importJsonl` turns an old traffic file into v1-shaped
// rows. v2 adds what issue 16 asks the log to answer (request id, threshold, latency, the client as its own indexed
// column) and the indexes the read side filters on; v1 rows keep nulls there, except the client, filled from
// the stored application's SK_ID_CURR. v3 (PostgreSQL only) compresses the application column with lz4 instead of
// pglz: a real application is ~3 kB of JSON, above the size PostgreSQL compresses, and pglz took ~45 µs of the
// server's CPU a row against ~25 with lz4 (tools/bench/monitor), for a table ~20 % larger; rows already stored keep
// pglz. A server built without lz4 (or older than 14) keeps pglz and says so in a notice.
export interface Migration {
  version: number;
  name: string;
  sqlite: string[];
  postgres: string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'predictions table (the TRAFFIC_LOG fields)',
    sqlite: [
      `CREATE TABLE predictions (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         logged_at INTEGER NOT NULL,
         route TEXT NOT NULL,
         model_version TEXT NOT NULL,
         probability REAL NOT NULL,
         decision TEXT NOT NULL,
         application TEXT NOT NULL)`,
      'CREATE INDEX predictions_logged_at ON predictions (logged_at)',
    ],
    postgres: [
      `CREATE TABLE predictions (
         id BIGSERIAL PRIMARY KEY,
         logged_at BIGINT NOT NULL,
         route TEXT NOT NULL,
         model_version TEXT NOT NULL,
         probability DOUBLE PRECISION NOT NULL,
         decision TEXT NOT NULL,
         application TEXT NOT NULL)`,
      'CREATE INDEX predictions_logged_at ON predictions (logged_at)',
    ],
  },
  {
    version: 2,
    name: 'request id, threshold, latency, client column and read-side indexes',
    sqlite: [
      'ALTER TABLE predictions ADD COLUMN request_id TEXT',
      'ALTER TABLE predictions ADD COLUMN threshold REAL',
      'ALTER TABLE predictions ADD COLUMN latency_ms REAL',
      'ALTER TABLE predictions ADD COLUMN client TEXT',
      `UPDATE predictions SET client = CAST(json_extract(application, '$.SK_ID_CURR') AS TEXT)
         WHERE json_extract(application, '$.SK_ID_CURR') IS NOT NULL`,
      'CREATE INDEX predictions_client ON predictions (client)',
      'CREATE INDEX predictions_model_version ON predictions (model_version, logged_at)',
    ],
    postgres: [
      'ALTER TABLE predictions ADD COLUMN request_id TEXT',
      'ALTER TABLE predictions ADD COLUMN threshold DOUBLE PRECISION',
      'ALTER TABLE predictions ADD COLUMN latency_ms DOUBLE PRECISION',
      'ALTER TABLE predictions ADD COLUMN client TEXT',
      `UPDATE predictions SET client = (application::jsonb ->> 'SK_ID_CURR')
         WHERE application::jsonb ? 'SK_ID_CURR'`,
      'CREATE INDEX predictions_client ON predictions (client)',
      'CREATE INDEX predictions_model_version ON predictions (model_version, logged_at)',
    ],
  },
  {
    version: 3,
    name: 'application column compressed with lz4 (PostgreSQL)',
    sqlite: [],
    postgres: [
      // EXECUTE defers the statement to run time, so a server without the feature raises an error caught here.
      `DO $$ BEGIN
         EXECUTE 'ALTER TABLE predictions ALTER COLUMN application SET COMPRESSION lz4';
       EXCEPTION WHEN feature_not_supported OR syntax_error THEN
         RAISE NOTICE 'lz4 is not available: the application column keeps pglz';
       END $$`,
    ],
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

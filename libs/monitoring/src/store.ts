// The prediction log's storage behind one interface, two engines: SQLite (a file, the default) and PostgreSQL
// (DATABASE_URL; several API processes may share it). The API writes through BatchWriter, never directly.
import type { DailySummary, PredictionFilter, PredictionPage, PredictionRecord, StoredPrediction } from './records';

export type Engine = 'sqlite' | 'postgres';

export interface PredictionStore {
  readonly engine: Engine;
  /** Where the rows live, without credentials (logs, errors). */
  readonly location: string;
  /** Applies the pending migrations up to `target` (default: the latest); returns the schema version after. */
  migrate(target?: number): Promise<number>;
  /** The schema version recorded in the database (0 when empty). */
  version(): Promise<number>;
  /** Appends rows in one transaction: all of them or none. */
  insert(rows: readonly PredictionRecord[]): Promise<void>;
  /**
   * Optional: takes a batch into the store's own keeping (ThreadedStore: the writer thread's copy), so the caller
   * can drop its rows at once instead of holding them until the commit and through the retries.
   */
  hold?(rows: readonly PredictionRecord[]): HeldBatch;
  /** Newest first, keyset-paged. */
  page(query: PredictionPage): Promise<StoredPrediction[]>;
  /** Oldest first, for exports and drift windows; `visit` gets chunks of at most `chunk` rows. */
  scan(filter: PredictionFilter, visit: (rows: StoredPrediction[]) => void, chunk?: number): Promise<number>;
  count(filter?: PredictionFilter): Promise<number>;
  /** Per UTC day: decision counts and the score distribution. */
  daily(filter?: PredictionFilter): Promise<DailySummary[]>;
  /** Retention: deletes rows logged before `time` (ms); returns how many. */
  deleteBefore(time: number): Promise<number>;
  close(): Promise<void>;
}

/** A batch a store keeps for the caller (see PredictionStore.hold). */
export interface HeldBatch {
  /** Inserts the held rows in one transaction; after a failure it may be called again (a retry). */
  write(): Promise<void>;
  /** Forgets the rows (given up after failures; a written batch is forgotten by itself). */
  release(): void;
}

/** Where clauses shared by both engines' SQL; `param(i)` spells the i-th placeholder (? or $i). */
export function whereClause(
  filter: PredictionFilter & { before?: number },
  param: (index: number) => string,
): { sql: string; values: Array<string | number> } {
  const parts: string[] = [];
  const values: Array<string | number> = [];
  const add = (column: string, op: string, value: string | number | undefined) => {
    if (value === undefined) return;
    values.push(value);
    parts.push(`${column} ${op} ${param(values.length)}`);
  };
  add('logged_at', '>=', filter.from);
  add('logged_at', '<', filter.to);
  add('decision', '=', filter.decision);
  add('model_version', '=', filter.modelVersion);
  add('client', '=', filter.client);
  add('id', '<', filter.before);
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', values };
}

export const SELECT_COLUMNS =
  'id, logged_at, request_id, route, client, model_version, probability, decision, threshold, latency_ms, application';

export interface RawRow {
  id: number | string;
  logged_at: number | string;
  request_id: string | null;
  route: string;
  client: string | null;
  model_version: string;
  probability: number;
  decision: string;
  threshold: number | null;
  latency_ms: number | null;
  application: string;
}

export function fromRaw(row: RawRow): StoredPrediction {
  return {
    id: Number(row.id),
    time: Number(row.logged_at),
    requestId: row.request_id,
    route: row.route,
    client: row.client,
    modelVersion: row.model_version,
    probability: row.probability,
    decision: row.decision === 'refused' ? 'refused' : 'granted',
    threshold: row.threshold,
    latencyMs: row.latency_ms,
    application: JSON.parse(row.application) as Record<string, unknown>,
  };
}

export const INSERT_COLUMNS = [
  'logged_at',
  'request_id',
  'route',
  'client',
  'model_version',
  'probability',
  'decision',
  'threshold',
  'latency_ms',
  'application',
] as const;

/** One row's values in INSERT_COLUMNS order; `application` stands in for the application column when given. */
export function insertValues<A = never>(row: PredictionRecord, application?: A): Array<string | number | null | A> {
  return [
    row.time,
    row.requestId,
    row.route,
    row.client,
    row.modelVersion,
    row.probability,
    row.decision,
    row.threshold,
    row.latencyMs,
    application ?? applicationJsonOf(row),
  ];
}

/** The application column of a record: its JSON as given, or serialised from the object or from the body text. */
export function applicationJsonOf(row: PredictionRecord): string {
  if (row.applicationJson !== undefined) return row.applicationJson;
  if (row.application) return JSON.stringify(row.application);
  if (!row.applicationSource) throw new Error('a prediction record without its application');
  const { body, path, omit } = row.applicationSource;
  let value: unknown = JSON.parse(body.text);
  for (const key of path) value = (value as Record<string | number, unknown>)[key];
  const application = { ...(value as Record<string, unknown>) };
  for (const key of omit ?? []) delete application[key];
  return JSON.stringify(application);
}

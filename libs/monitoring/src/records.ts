// What the prediction log holds and how it is read. One owner for the row shape: both engines, the API and the
// trainer's monitor/export commands use these types.
import type { Decision } from '@credit-scoring/decision';

/** Raw application fields as the client sent them (Kaggle names), minus SK_ID_CURR when the client id is hashed. */
export type ApplicationFields = Record<string, unknown>;

/** One scored applicant, as the API hands it to the log. */
export interface PredictionRecord {
  /** Milliseconds since the epoch, when the response was produced. */
  time: number;
  requestId: string;
  route: string;
  /** SK_ID_CURR as text, or its keyed hash (hex) when the log is pseudonymised; null when absent. */
  client: string | null;
  modelVersion: string;
  probability: number;
  decision: Decision;
  threshold: number;
  /** Time spent on the request until the prediction was ready (ms). */
  latencyMs: number;
  /**
   * The application as an object. Left out when `applicationJson` or `applicationSource` carries it: a record waits
   * in the writer's queue for up to a batch window, and at 2,000 requests/s keeping each parsed application (120-odd
   * fields) alive that long promotes them to V8's old generation, whose collections then pause the event loop.
   */
  application?: ApplicationFields;
  /**
   * `application` already serialised, when the caller did it (the API does, per request, so that a flush does not
   * serialise a whole batch at once on the event loop).
   */
  applicationJson?: string;
  /**
   * Where `application` sits in the JSON text it was parsed from (the request body), when the caller kept the text
   * and `application` is that parse unchanged (minus `omit`): the writer thread then parses the text once per request
   * and serialises each application from it, so the event loop serialises nothing. Ignored when `applicationJson`
   * is given; stores without a writer thread serialise `application` itself (the same JSON).
   */
  applicationSource?: ApplicationSource;
}

/** The text of one JSON document, shared by the records parsed from it (compared by identity, never hashed). */
export interface JsonText {
  readonly text: string;
}

export interface ApplicationSource {
  body: JsonText;
  /** Keys from the document's root to the application object, e.g. [3, 'application'] for a batch's 4th applicant. */
  path: ReadonlyArray<string | number>;
  /** Fields left out of the stored JSON (SK_ID_CURR when the client id is hashed). */
  omit?: readonly string[];
}

/** A logged row as read back. Rows from the v1 schema (before request ids, thresholds, latencies) carry nulls. */
export interface StoredPrediction
  extends Omit<PredictionRecord, 'requestId' | 'threshold' | 'latencyMs' | 'applicationJson' | 'applicationSource'> {
  id: number;
  application: ApplicationFields;
  requestId: string | null;
  threshold: number | null;
  latencyMs: number | null;
}

export interface PredictionFilter {
  /** Inclusive lower bound, ms since the epoch. */
  from?: number;
  /** Exclusive upper bound, ms since the epoch. */
  to?: number;
  decision?: Decision;
  modelVersion?: string;
  /** Stored client value (already hashed when the log hashes ids). */
  client?: string;
}

export interface PredictionPage extends PredictionFilter {
  /** Rows at most (newest first). */
  limit: number;
  /** Only rows with an id below this one: the `next` of the previous page (keyset paging, stable under inserts). */
  before?: number;
}

/** Scores are summarised in this many equal-width bins of the probability over [0, 1]. */
export const SCORE_BINS = 10;

export interface DailySummary {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  total: number;
  granted: number;
  refused: number;
  refusalRate: number;
  meanProbability: number;
  /** Counts per probability bin: [0, 0.1), [0.1, 0.2), ... [0.9, 1]. */
  scoreHistogram: number[];
}

export const DAY_MS = 86_400_000;

export function dayOf(bucket: number): string {
  return new Date(bucket * DAY_MS).toISOString().slice(0, 10);
}

export type {
  ApplicationFields,
  ApplicationSource,
  JsonText,
  DailySummary,
  PredictionFilter,
  PredictionPage,
  PredictionRecord,
  StoredPrediction,
} from './records';
export { DAY_MS, SCORE_BINS } from './records';
export type { Engine, PredictionStore } from './store';
export { LATEST_VERSION, MIGRATIONS } from './migrations';
export type { Migration } from './migrations';
export { SqliteStore } from './sqlite-store';
export { ThreadedStore, WRITER_PRIORITIES, type ThreadedStoreConfig, type WriterPriority } from './threaded-store';
export type { SqliteOptions } from './sqlite-store';
export { PostgresStore, withoutPassword } from './postgres-store';
export type { PostgresOptions } from './postgres-store';
export { clientKey, DEFAULT_SQLITE_FILE, openPredictionStore } from './open';
export type { StoreConfig } from './open';
export { BatchWriter, DEFAULT_WRITER } from './writer';
export type { WriterEvents, WriterOptions } from './writer';
export { toJsonlLine } from './jsonl';
export { applicationColumns, driftOfWindow, DEFAULT_EXCLUDED } from './drift-window';
export type { DriftBounds, WindowDrift, WindowOptions } from './drift-window';

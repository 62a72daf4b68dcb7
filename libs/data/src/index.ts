export {
  SCHEMAS,
  TABLE_NAMES,
  SIDE_TABLE_NAMES,
  POLARS_DTYPES,
  type TableName,
  type SideTableName,
  type ColumnType,
} from './schemas';
export { DataError } from './errors';
export { checkCsvStructure, readHeader, splitCsvLine } from './csv-checks';
export { Mulberry32Random, Random } from './random';
export {
  loadTables,
  readKeys,
  readTable,
  tablePath,
  realDataDir,
  realDataStatus,
  workspaceRoot,
  type HomeCreditTables,
  type LoadOptions,
  type RowFilter,
} from './load';
export { generateSynthetic, type GenerateOptions, type GenerateResult } from './synthetic/generate';
export { readApplicationChunks, type ApplicationChunk } from './read-chunks';
export { ScanThreads } from './scan-threads';

// The data a study used, as MLflow datasets (name, digest, source, schema, profile) for log-inputs: the parent run
// records every file read, each model run the training and test parts it was fitted and scored on.
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { SCHEMAS, tablePath, type ColumnType, type TableName } from '@credit-scoring/data';
import type { DatasetInput } from '@credit-scoring/tracking';
import type { LoadedData } from './data';

/**
 * MLflow's column types (mlflow.types.DataType) for ours. Integers as `long`: pandas reads the Kaggle files' int
 * columns as int64, which mlflow.data.from_pandas records so, as the registered model's signature does.
 */
const MLFLOW_TYPES: Record<ColumnType, string> = { int: 'long', float: 'double', str: 'string' };

/** One file of the study: its dataset (whole file) and what the split datasets derive from it. */
export interface SourceFile {
  table: TableName;
  rows: number;
  columns: number;
  input: DatasetInput;
}

/** MLflow's digests are short hex strings; 8 hex digits of the content's md5, as its pandas digest does. */
const shortDigest = (hex: string) => hex.slice(0, 8);

/** Streams a file through md5 and posts the hex digest (a CommonJS worker, the same under tsx and compiled). */
const DIGEST_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { createReadStream } = require('node:fs');
const hash = createHash('md5');
createReadStream(workerData.file)
  .on('data', (chunk) => hash.update(chunk))
  .on('error', (error) => parentPort.postMessage({ error: error.message }))
  .on('end', () => parentPort.postMessage({ hex: hash.digest('hex') }));
`;

/**
 * The file's digest, hashed on a worker thread: the side tables (GBs at Kaggle scale) are hashed while the main thread
 * aggregates them, where hashing on the event loop took ~3.5 s of the features stage.
 */
function fileDigest(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(DIGEST_WORKER, { eval: true, workerData: { file } });
    worker.once('message', (reply: { hex?: string; error?: string }) => {
      if (reply.hex) resolve(shortDigest(reply.hex));
      else reject(new Error(`cannot read ${file} for its digest: ${reply.error}`));
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

/** The colspec MLflow writes for a pandas frame: every column in file order, `required` false where any is missing. */
type Frame = LoadedData['tables']['application'];

function schemaOf(table: TableName, frame: Frame): string {
  const types = SCHEMAS[table];
  const colspec = frame.columns.map((name) => ({
    type: MLFLOW_TYPES[types[name]],
    name,
    required: frame.getColumn(name).nullCount() === 0,
  }));
  return JSON.stringify({ mlflow_colspec: colspec });
}

/** Every file the study read (the application file, then the side tables found), with its digest and schema. */
export async function sourceDatasets(data: LoadedData): Promise<SourceFile[]> {
  const out = [await sourceDataset(data.source.dir, 'application_train', data.tables.application)];
  for (const [name, frame] of Object.entries(data.tables)) {
    if (name !== 'application' && frame) out.push(await sourceDataset(data.source.dir, name as TableName, frame));
  }
  return out;
}

/**
 * One file of the study as an MLflow dataset. Its frame gives the schema and size, read at once (the caller may free
 * the frame as soon as this returns); the digest follows.
 */
export function sourceDataset(dir: string, table: TableName, frame: Frame): Promise<SourceFile> {
  const file = tablePath(dir, table);
  const rows = frame.height;
  const columns = frame.width;
  const schema = schemaOf(table, frame);
  return fileDigest(file).then((digest) => ({
    table,
    rows,
    columns,
    input: {
      dataset: {
        name: table,
        digest,
        sourceType: 'local',
        source: JSON.stringify({ uri: file }),
        schema,
        profile: JSON.stringify({ num_rows: rows, num_elements: rows * columns }),
      },
      tags: { 'mlflow.data.context': 'training' },
    },
  }));
}

/**
 * A part of the application file (the training or the held-out test applicants) as its own dataset: same source and
 * schema, a digest of the file's digest and the rows chosen, so the same split of the same file gets the same digest.
 */
export function splitDataset(
  application: SourceFile,
  part: 'train' | 'test',
  rows: Int32Array,
  context: 'training' | 'evaluation',
): DatasetInput {
  const hash = createHash('md5').update(`${application.input.dataset.digest}:${part}:`);
  hash.update(Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength));
  const columns = application.columns;
  return {
    dataset: {
      ...application.input.dataset,
      name: `${application.table} (${part})`,
      digest: shortDigest(hash.digest('hex')),
      profile: JSON.stringify({ num_rows: rows.length, num_elements: rows.length * columns }),
    },
    tags: { 'mlflow.data.context': context },
  };
}

// A table of known clients (CLIENTS_CSV: a Kaggle application_test.csv or application_train.csv) so a client can be
// looked up and scored by id. Read once at start through @credit-scoring/data, with the explicit Kaggle types.
import { readHeader, readTable, SCHEMAS } from '@credit-scoring/data';
import type { ApplicationBody } from './schemas';

export interface ClientsDataset {
  source: string;
  size: number;
  get(id: number): ApplicationBody | undefined;
}

export async function loadClients(csvPath: string): Promise<ClientsDataset> {
  // A labelled file (with TARGET) is accepted too; TARGET is dropped since it is not an input.
  const table = readHeader(csvPath).includes('TARGET') ? 'application_train' : 'application_test';
  const frame = await readTable(csvPath, table);
  const inputColumns = Object.keys(SCHEMAS.application_test);
  const byId = new Map<number, ApplicationBody>();
  for (const record of frame.select(...inputColumns).toRecords() as ApplicationBody[]) {
    byId.set(Number(record.SK_ID_CURR), record);
  }
  return { source: csvPath, size: byId.size, get: (id) => byId.get(id) };
}

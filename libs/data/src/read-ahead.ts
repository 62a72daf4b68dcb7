import fs from 'node:fs';
import type pl from 'nodejs-polars';
import { readTable, tablePath } from './load';
import { ScanThreads } from './scan-threads';
import { SIDE_TABLE_NAMES, type SideTableName } from './schemas';

/** Side tables read on demand, each one's successor read meanwhile (readSideTablesAhead). */
export interface SideTableReader {
  /** The table's frame; undefined when its file is absent (nobody has history of that kind) or side tables are off. */
  read(table: SideTableName): Promise<pl.DataFrame | undefined>;
  /** Ends the thread that checks the files; reads not yet asked for are dropped, later ones rejected. */
  close(): Promise<void>;
}

/**
 * Reads the side tables of `dir` one ahead: asked for a table, it starts reading the next one in SIDE_TABLE_NAMES
 * order (the order a features stage asks for them), so that polars parses it and a worker thread checks its lines
 * while the caller's thread works on the table it has (at Kaggle scale, checking and parsing the 2.6 GB of side tables
 * took ~20 s of that thread, with the other core idle while it aggregated). At most two tables are in memory beside
 * what the caller keeps: the one it works on and the next. A read's failure is the error of its table, raised when
 * that table is asked for; a table asked for out of order is read then.
 */
export function readSideTablesAhead(dir: string, opts: { enabled?: boolean } = {}): SideTableReader {
  const enabled = opts.enabled ?? true;
  // A missing side-table file is a normal case (as in loadTables): nobody has history of that kind.
  const present = SIDE_TABLE_NAMES.filter((table) => enabled && fs.existsSync(tablePath(dir, table)));
  const reads = new Map<SideTableName, Promise<pl.DataFrame>>();
  let threads: ScanThreads | undefined;
  let closed = false;
  const start = (table: SideTableName) => {
    let read = reads.get(table);
    if (!read) {
      threads ??= new ScanThreads(1);
      read = readTable(tablePath(dir, table), table, { threads });
      read.catch(() => undefined); // a read ahead that nobody asks for (an earlier table failed): not unhandled
      reads.set(table, read);
    }
    return read;
  };
  return {
    read: async (table) => {
      if (closed) throw new Error(`cannot read ${table}: the side-table reader is closed`);
      if (!present.includes(table)) return undefined;
      const read = start(table);
      const next = present[present.indexOf(table) + 1];
      if (next) start(next);
      reads.delete(table); // its frame is the caller's now: nothing here keeps it alive
      return read;
    },
    close: async () => {
      closed = true;
      reads.clear();
      await threads?.close();
      threads = undefined;
    },
  };
}

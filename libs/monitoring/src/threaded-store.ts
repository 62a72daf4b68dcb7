// Writes on a worker thread. better-sqlite3 is synchronous and pg builds each multi-row INSERT on the calling
// thread: on the API's event loop a 100-row flush of real applications blocked it 4.2 ms (SQLite) and 1.8 ms
// (PostgreSQL), which every request arriving meanwhile waits out (measured: tools/bench/monitor). Here the event loop
// only posts the rows' column values and the worker's own connection runs the transaction. The application JSON is
// built here too when the row says where its application sits in a request body's text (`applicationSource`): the
// text is posted once per batch and parsed once per request, and each application serialised from that parse. On
// the event loop, JSON.stringify of each real application (~10 µs for 3 kB) and the garbage of the strings waiting
// for their flush took ~13 % + ~10 % (GC) of the API's time under 1,000-applicant bodies (tools/bench/api --cpu-prof).
// The writer thread also keeps each batch until it is written or given up (`hold`), so the BatchWriter's retries need
// no copy on the event loop.
// Reads, migrations and retention stay on the calling thread's connection (SQLite WAL lets readers and the writer
// overlap).
import { Worker } from 'node:worker_threads';
import { insertValues, INSERT_COLUMNS, type HeldBatch, type PredictionStore } from './store';
import type {
  DailySummary,
  JsonText,
  PredictionFilter,
  PredictionPage,
  PredictionRecord,
  StoredPrediction,
} from './records';
import { openPredictionStore, type StoreConfig } from './open';

// Plain CommonJS run with `eval`, so it needs no build step and works alike under tsx, ts-jest and the compiled API;
// the drivers are required by the absolute paths the parent resolved.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
// The writer gives way to the threads that answer requests. On Linux a thread has its own scheduling policy and nice
// value, set through its id (/proc/thread-self). SCHED_IDLE (util-linux's chrt) runs it only on CPU time no other
// thread wants, and a waking thread preempts it at once; a nice value only weights its share: at nice 10 the event
// loop and the other processes on the cores waited up to ~10 ms behind a flush (perf sched, tools/bench/monitor).
// Without chrt the nice value is the fallback; elsewhere, or if both are refused, the process's priority.
// workerData.priority: 'idle' (that), 'low' (the nice value only) or 'normal' (the process's priority).
try {
  const tid = String(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  const nice = () => require('node:os').setPriority(Number(tid), workerData.nice);
  if (workerData.priority === 'idle') {
    try {
      require('node:child_process').execFileSync('chrt', ['--idle', '--pid', '0', tid], { stdio: 'ignore' });
    } catch {
      nice();
    }
  } else if (workerData.priority === 'low') nice();
} catch {}
const { engine, file, url, maxPageCount, modules, columns } = workerData;
const applicationColumn = columns.indexOf('application');
// The last few request bodies parsed, by id: the rows of one request may be split over two batches.
const parsedBodies = new Map();
function parsedBody(body) {
  let value = parsedBodies.get(body.id);
  if (value === undefined) {
    value = JSON.parse(body.text);
    parsedBodies.set(body.id, value);
    if (parsedBodies.size > 4) parsedBodies.delete(parsedBodies.keys().next().value);
  }
  return value;
}
function applicationJson(source, bodies) {
  let value = parsedBody(bodies[source.body]);
  for (const key of source.path) value = value[key];
  if (source.omit) {
    value = { ...value };
    for (const key of source.omit) delete value[key];
  }
  return JSON.stringify(value);
}
let insertBatch;
let close;
if (engine === 'sqlite') {
  const Database = require(modules.sqlite);
  const fs = require('node:fs');
  // The file open, its inode, and its batch statement; none after the file was found deleted or replaced.
  let open;
  const openLog = () => {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    if (maxPageCount) db.pragma('max_page_count = ' + Math.floor(maxPageCount));
    const statement = db.prepare('INSERT INTO predictions (' + columns.join(', ') + ') VALUES (' + columns.map(() => '?').join(', ') + ')');
    const { dev, ino } = fs.statSync(file);
    return { db, dev, ino, many: db.transaction((rows) => { for (const row of rows) statement.run(row); }) };
  };
  open = openLog();
  // SQLite would go on writing into a deleted file's inode, every row lost unseen: checked before each batch (one
  // stat). The event loop's side recreates and migrates the file (LOG_FILE_GONE), then the retry opens it here.
  insertBatch = async (rows) => {
    const now = fs.statSync(file, { throwIfNoEntry: false });
    if (open && (!now || now.dev !== open.dev || now.ino !== open.ino)) {
      open.db.close();
      open = undefined;
      throw Object.assign(new Error('the prediction log ' + file + ' was deleted or replaced while open: a new one was created; the rows written before are gone with the old file'), { code: 'LOG_FILE_GONE' });
    }
    open ??= openLog();
    open.many(rows);
  };
  close = async () => open?.db.close();
} else {
  const { Pool } = require(modules.pg);
  const pool = new Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 5000 });
  pool.on('error', (error) => parentPort.postMessage({ event: 'idle-error', message: error.message }));
  const width = columns.length;
  insertBatch = async (rows) => {
    const values = [];
    const tuples = rows.map((row, r) => {
      for (const v of row) values.push(v);
      return '(' + columns.map((_, c) => '$' + (r * width + c + 1)).join(', ') + ')';
    });
    await pool.query('INSERT INTO predictions (' + columns.join(', ') + ') VALUES ' + tuples.join(', '), values);
  };
  close = () => pool.end();
}
// Batches held for the event loop until written or released: their rows (or why they could not be built) by id.
const held = new Map();
function hold(message) {
  try {
    for (const row of message.rows) {
      const application = row[applicationColumn];
      if (typeof application !== 'string') row[applicationColumn] = applicationJson(application, message.bodies);
    }
    held.set(message.batch, message.rows);
  } catch (error) {
    held.set(message.batch, error);
  }
}
async function write(message) {
  try {
    const rows = held.get(message.batch);
    if (rows === undefined) throw new Error('internal: batch ' + message.batch + ' is not held');
    if (rows instanceof Error) throw rows;
    await insertBatch(rows);
    held.delete(message.batch);
    parentPort.postMessage({ id: message.id });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: error.message, code: error.code });
  }
}
parentPort.on('message', async (message) => {
  if (message.op === 'hold') hold(message);
  else if (message.op === 'write') await write(message);
  else if (message.op === 'release') held.delete(message.batch);
  else if (message.op === 'close') {
    await close().catch(() => undefined);
    parentPort.close();
  }
});
`;

/** An application column the writer thread fills: `body` indexes the message's bodies. */
interface SourceRef {
  body: number;
  path: ReadonlyArray<string | number>;
  omit?: readonly string[];
}

/** The writer thread's nice value where SCHED_IDLE cannot be set: a flush waits rather than a request being scored. */
const WRITER_NICE = 10;

/**
 * How the writer thread yields the CPU. `idle` (default): SCHED_IDLE, only CPU time nothing else on the machine wants,
 * the least added latency for requests, but other busy processes on every core starve it (the batch window stretches).
 * `low`: nice 10, a small share even then. `normal`: the process's own priority.
 */
export type WriterPriority = 'idle' | 'low' | 'normal';
export const WRITER_PRIORITIES: readonly WriterPriority[] = ['idle', 'low', 'normal'];

export interface ThreadedStoreConfig extends StoreConfig {
  writerPriority?: WriterPriority;
}

interface Reply {
  id?: number;
  error?: string;
  code?: string;
  event?: string;
  message?: string;
}

export class ThreadedStore implements PredictionStore {
  readonly engine: PredictionStore['engine'];
  readonly location: string;
  private readonly local: PredictionStore;
  private worker: Worker | undefined;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private nextBatch = 0;
  /** Ids of the request bodies posted to the writer thread (its cache of parsed bodies is keyed by them). */
  private readonly bodyIds = new WeakMap<JsonText, number>();
  private nextBodyId = 0;
  private dead: Error | undefined;

  constructor(private readonly config: ThreadedStoreConfig) {
    this.local = openPredictionStore(config);
    this.engine = this.local.engine;
    this.location = this.local.location;
  }

  /** Migrates on this thread's connection, then starts the writer thread on the migrated schema. */
  async migrate(target?: number): Promise<number> {
    const version = await this.local.migrate(target);
    this.worker ??= this.startWorker();
    return version;
  }

  private startWorker(): Worker {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        engine: this.engine,
        file: this.engine === 'sqlite' ? this.location : undefined,
        url: this.config.databaseUrl,
        maxPageCount: this.config.sqliteMaxPageCount,
        modules: { sqlite: require.resolve('better-sqlite3'), pg: require.resolve('pg') },
        columns: INSERT_COLUMNS,
        nice: WRITER_NICE,
        priority: this.config.writerPriority ?? 'idle',
      },
    });
    worker.on('message', (reply: Reply) => {
      if (reply.event === 'idle-error') {
        this.config.onIdleError?.(new Error(reply.message));
        return;
      }
      const waiting = reply.id === undefined ? undefined : this.pending.get(reply.id);
      if (!waiting || reply.id === undefined) return;
      this.pending.delete(reply.id);
      if (reply.error) waiting.reject(Object.assign(new Error(reply.error), { code: reply.code }));
      else waiting.resolve();
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      if (code !== 0) this.fail(new Error(`prediction log writer thread exited with ${code}`));
    });
    return worker;
  }

  private fail(error: Error): void {
    this.dead = error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  async insert(rows: readonly PredictionRecord[]): Promise<void> {
    if (rows.length === 0) return;
    const batch = this.hold(rows);
    try {
      await batch.write();
    } catch (error) {
      batch.release();
      throw error;
    }
  }

  /**
   * Posts the rows' column values to the writer thread, which keeps them until written or released: the event loop
   * drops its rows now, where holding them through a commit (and PostgreSQL's takes longer than SQLite's) kept them
   * alive across young-generation collections (tools/bench/monitor, --cpu-prof).
   */
  hold(rows: readonly PredictionRecord[]): HeldBatch {
    const worker = this.worker;
    if (!worker) return this.unusable(new Error('the prediction log is not migrated yet'));
    if (this.dead) return this.unusable(this.dead);
    const batch = this.nextBatch++;
    worker.postMessage({ op: 'hold', batch, ...this.columnValues(rows) });
    let written = false;
    return {
      write: () =>
        this.request({ op: 'write', batch }).then(
          () => {
            written = true;
          },
          async (error: Error & { code?: string }) => {
            // A new file, migrated on this thread's connection, for the retry to write into.
            if (error.code === 'LOG_FILE_GONE') await this.local.migrate().catch(() => undefined);
            throw error;
          },
        ),
      release: () => {
        if (!written) this.worker?.postMessage({ op: 'release', batch });
      },
    };
  }

  private unusable(error: Error): HeldBatch {
    return { write: () => Promise.reject(error), release: () => undefined };
  }

  /** Sends one message that the writer thread answers, and waits for the answer. */
  private request(message: { op: 'write'; batch: number }): Promise<void> {
    if (this.dead) return Promise.reject(this.dead);
    const worker = this.worker;
    if (!worker) return Promise.reject(new Error('the prediction log is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...message, id });
    });
  }

  /** Each row's INSERT values; an application still in its request body's text travels as that text, once a body. */
  private columnValues(rows: readonly PredictionRecord[]) {
    const bodies: Array<{ id: number; text: string }> = [];
    const posted = new Map<JsonText, number>();
    const values = rows.map((row) => {
      const source = row.applicationJson === undefined ? row.applicationSource : undefined;
      if (!source) return insertValues(row);
      let body = posted.get(source.body);
      if (body === undefined) {
        body = bodies.length;
        posted.set(source.body, body);
        bodies.push({ id: this.bodyId(source.body), text: source.body.text });
      }
      return insertValues<SourceRef>(row, { body, path: source.path, omit: source.omit });
    });
    return { rows: values, bodies };
  }

  private bodyId(body: JsonText): number {
    let id = this.bodyIds.get(body);
    if (id === undefined) {
      id = this.nextBodyId++;
      this.bodyIds.set(body, id);
    }
    return id;
  }

  version(): Promise<number> {
    return this.local.version();
  }
  page(query: PredictionPage): Promise<StoredPrediction[]> {
    return this.local.page(query);
  }
  scan(filter: PredictionFilter, visit: (rows: StoredPrediction[]) => void, chunk?: number): Promise<number> {
    return this.local.scan(filter, visit, chunk);
  }
  count(filter?: PredictionFilter): Promise<number> {
    return this.local.count(filter);
  }
  daily(filter?: PredictionFilter): Promise<DailySummary[]> {
    return this.local.daily(filter);
  }
  deleteBefore(time: number): Promise<number> {
    return this.local.deleteBefore(time);
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage({ op: 'close' });
      await exited;
    }
    await this.local.close();
  }
}

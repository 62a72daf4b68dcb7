/**
 * The checked CSV scan (csv-scan.ts) on worker threads: the pass over every line of a side-table file costs more CPU
 * than parsing the rows kept, so a caller reading several files scans them on other cores while its own thread
 * parses and aggregates the files already scanned. This file is also the workers' entry point: a worker loads it and
 * serves scan requests with the same CsvScanner, so the scanning rules keep one owner.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { CsvScanner, keySet, type ScannedRows } from './csv-scan';
import { DataError } from './errors';

/** One scan for a worker: every line of `file` checked, the rows whose `column` holds one of `keys` kept. */
interface ScanRequest {
  id: number;
  file: string;
  nColumns: number;
  column: number;
  keys: Int32Array;
}

type ScanReply =
  | { id: number; ok: true; bytes: Uint8Array; rows: Int32Array; nRows: number }
  | { id: number; ok: false; message: string; where: { file?: string; column?: string; row?: number } };

const WORKER_MARK = 'credit-scoring/data scan thread';

/** A scan on the worker thread: the reply transfers the kept bytes (no copy). */
function serve(request: ScanRequest): { reply: ScanReply; transfer: ArrayBuffer[] } {
  const scanner = new CsvScanner(request.file, request.nColumns, {
    collect: true,
    keep: { column: request.column, wanted: keySet(request.keys) },
  });
  try {
    const kept = scanner.next();
    // copied out of the scanner's growing buffer: the reply owns exactly its bytes
    const bytes = new Uint8Array(kept.bytes);
    const rows = kept.rows.slice();
    const reply: ScanReply = { id: request.id, ok: true, bytes, rows, nRows: kept.nRows };
    return { reply, transfer: [bytes.buffer, rows.buffer] };
  } catch (error) {
    const where = error instanceof DataError ? { file: error.file, column: error.column, row: error.row } : {};
    return { reply: { id: request.id, ok: false, message: (error as Error).message, where }, transfer: [] };
  } finally {
    scanner.close();
  }
}

if (!isMainThread && workerData === WORKER_MARK && parentPort) {
  const port = parentPort;
  port.on('message', (request: ScanRequest) => {
    const { reply, transfer } = serve(request);
    port.postMessage(reply, transfer);
  });
}

/**
 * The worker's code: this file, through tsx when the project runs from TypeScript sources (a worker does not
 * inherit the main thread's tsx loader), directly when it runs compiled.
 */
function workerSource(): string {
  const tsx = __filename.endsWith('.ts') ? require.resolve('tsx/cjs/api') : undefined;
  const register = tsx ? `require(${JSON.stringify(tsx)}).register();` : '';
  return `${register}require(${JSON.stringify(__filename)});`;
}

/**
 * A few worker threads that scan CSV files (each scan on one thread; more scans than threads wait their turn in the
 * order given). close() ends the threads; a pool that is not closed keeps the process alive.
 */
export class ScanThreads {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Array<{ request: ScanRequest; settle: (reply: ScanReply | Error) => void }> = [];
  private readonly pending = new Map<Worker, (reply: ScanReply | Error) => void>();
  private nextId = 0;
  private closed = false;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`scan threads: size must be >= 1, got ${size}`);
  }

  /**
   * The checked scan of `file` (see CsvScanner) keeping the rows whose `column` (0-based) holds one of `keys`, on a
   * worker thread. Rejects with the scanner's DataError (same message, file and row) for a bad line.
   */
  scan(file: string, nColumns: number, keep: { column: number; keys: ArrayLike<number> }): Promise<ScannedRows> {
    if (this.closed) return Promise.reject(new Error('scan threads: closed'));
    const keys = Int32Array.from(keep.keys);
    const request: ScanRequest = { id: this.nextId++, file, nColumns, column: keep.column, keys };
    return new Promise<ScannedRows>((resolve, reject) => {
      this.queue.push({
        request,
        settle: (reply) => {
          if (reply instanceof Error) reject(reply);
          else if (!reply.ok) reject(new DataError(reply.message, reply.where));
          else {
            const bytes = Buffer.from(reply.bytes.buffer, reply.bytes.byteOffset, reply.bytes.byteLength);
            resolve({ bytes, rows: reply.rows, nRows: reply.nRows });
          }
        },
      });
      this.dispatch();
    });
  }

  /** Ends the threads; scans not finished reject. */
  async close(): Promise<void> {
    this.closed = true;
    for (const { settle } of this.queue.splice(0)) settle(new Error('scan threads: closed'));
    await Promise.all(this.all.map((worker) => worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? this.start();
      if (!worker) return;
      const { request, settle } = this.queue.shift() as (typeof this.queue)[number];
      this.pending.set(worker, settle);
      worker.postMessage(request);
    }
  }

  /** A new thread while the pool is below its size, else undefined. */
  private start(): Worker | undefined {
    if (this.all.length >= this.size) return undefined;
    const worker = new Worker(workerSource(), { eval: true, workerData: WORKER_MARK });
    this.all.push(worker);
    const done = (reply: ScanReply | Error) => {
      const settle = this.pending.get(worker);
      this.pending.delete(worker);
      settle?.(reply);
    };
    worker.on('message', (reply: ScanReply) => {
      done(reply);
      this.idle.push(worker);
      this.dispatch();
    });
    worker.on('error', (error) => done(error));
    worker.on('exit', (code) => {
      // a thread that died is replaced by the next dispatch
      this.all.splice(this.all.indexOf(worker), 1);
      if (this.idle.includes(worker)) this.idle.splice(this.idle.indexOf(worker), 1);
      if (!this.closed) done(new Error(`scan threads: a worker stopped (exit code ${code})`));
    });
    return worker;
  }
}

import { lookup } from 'node:dns/promises';
import { connect, isIP, type Socket } from 'node:net';
import { readFrames, sendFrame, type Frame, type Message, type Payload } from './protocol';

/** A distributed run that cannot go on: which worker, in which phase, and why. Exit status 2 (environment). */
export class WorkerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerError';
  }
}

/** The coordinator's control connection to one `trainer worker`, with a deadline on every wait. */
export class WorkerLink {
  private readonly frames: Frame[] = [];
  private waiter: { resolve: (f: Frame) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;

  private constructor(
    readonly rank: number,
    /** "host:port" as given on the command line */
    readonly address: string,
    /** the worker's IP address (LightGBM's machine list takes addresses, not names) */
    readonly ip: string,
    private readonly socket: Socket,
  ) {
    socket.setNoDelay(true);
    readFrames(
      socket,
      (frame) => {
        if (frame.message.type === 'error') this.fail(`failed: ${String(frame.message.message)}`);
        else if (this.waiter) {
          const { resolve } = this.waiter;
          this.waiter = null;
          resolve(frame);
        } else this.frames.push(frame);
      },
      (err) => this.fail(`sent a malformed frame: ${err.message}`),
    );
    socket.on('error', (err) => this.fail(`connection error: ${err.message}`));
    socket.on('close', () => this.fail('closed the connection (the worker process ended?)'));
  }

  get name(): string {
    return `worker ${this.rank} (${this.address})`;
  }

  /**
   * Connects to a worker, retrying refused connections (it may still be starting) until `timeoutMs` has passed.
   */
  static async open(rank: number, host: string, port: number, timeoutMs: number): Promise<WorkerLink> {
    const address = `${host}:${port}`;
    const deadline = Date.now() + timeoutMs;
    let ip = host;
    if (!isIP(host)) {
      // LightGBM's machine list takes addresses: resolve names here, once, for every rank.
      try {
        ip = (await lookup(host, { family: 4 })).address;
      } catch (err) {
        throw new WorkerError(`worker ${rank} (${address}): cannot resolve ${host} (${(err as Error).message})`);
      }
    }
    let lastError = '';
    while (Date.now() < deadline) {
      try {
        const socket = await connectOnce(ip, port, Math.max(1, deadline - Date.now()));
        return new WorkerLink(rank, address, ip, socket);
      } catch (err) {
        lastError = (err as Error).message;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    throw new WorkerError(
      `worker ${rank} (${address}) did not accept a connection within ${timeoutMs / 1000} s (${lastError}); ` +
        'is `trainer worker` running there?',
    );
  }

  send(message: Message, payloads: Payload[] = []): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return sendFrame(this.socket, message, payloads).catch((err: Error) => {
      throw new WorkerError(`${this.name}: could not send '${message.type}': ${err.message}`);
    });
  }

  /** The next frame, which must be of `type`; rejects if the worker fails, leaves or stays silent past timeoutMs. */
  next(type: string, timeoutMs: number, phase: string): Promise<Frame> {
    // Frames that arrived before the worker closed still count: a worker sends 'done' and exits, and under load the
    // close can come before the coordinator asks for that frame.
    const queued = this.frames.shift();
    if (!queued && this.failure) return Promise.reject(this.failure);
    const got = queued
      ? Promise.resolve(queued)
      : new Promise<Frame>((resolve, reject) => {
          const timer = setTimeout(() => {
            this.waiter = null;
            reject(new WorkerError(`${this.name} sent nothing for ${timeoutMs / 1000} s during ${phase}`));
          }, timeoutMs);
          this.waiter = {
            resolve: (f) => {
              clearTimeout(timer);
              resolve(f);
            },
            reject: (e) => {
              clearTimeout(timer);
              reject(e);
            },
          };
        });
    return got.then((frame) => {
      if (frame.message.type !== type) {
        throw new WorkerError(`${this.name} sent '${frame.message.type}' during ${phase}, expected '${type}'`);
      }
      return frame;
    });
  }

  /** Tells the worker to give up (it exits) and closes the connection. */
  abort(reason: string): void {
    if (!this.socket.destroyed) {
      void sendFrame(this.socket, { type: 'abort', reason })
        .catch(() => undefined)
        .finally(() => this.socket.destroy());
    }
  }

  close(): void {
    this.socket.end();
  }

  private fail(what: string): void {
    if (this.failure) return;
    this.failure = new WorkerError(`${this.name} ${what}`);
    this.waiter?.reject(this.failure);
    this.waiter = null;
  }

  /** Marks the link finished, so its closing is no longer a failure. */
  settle(): void {
    this.failure ??= new WorkerError(`${this.name}: the job is over`);
  }
}

function connectOnce(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('connect timed out'));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    });
  });
}

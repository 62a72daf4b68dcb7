import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { hardExit, type DataParallelResult } from '@credit-scoring/lightgbm';
import { parseFlags, toInt, UsageError } from '../cli-args';
import { parseAddress, type JobSpec, type ThreadInput, type WorkerReport } from '../distributed/messages';
import { readFrames, sendFrame, type Frame } from '../distributed/protocol';

export const WORKER_HELP = `Usage: trainer worker --listen HOST:PORT [options]

One machine of a distributed LightGBM training (trainer run --workers ...). Listens for the coordinator on
HOST:PORT, receives its partition of the rows, trains data-parallel with the other workers over LightGBM's own
sockets (LightGBM port), sends its report (rank 0 also the model) and waits for the next job (--once: exits).

  --listen HOST:PORT     control address the coordinator connects to (e.g. 0.0.0.0:7000)
  --lightgbm-port PORT   port LightGBM listens on for the other workers (default: the control port + 1)
  --once                 serve one job, then exit: status 0 when it succeeded, 2 when it failed or when the
                         coordinator that connected left before sending it (for scripts and tests)
  -h, --help             this text

A job that fails (a peer or the coordinator gone, no progress within the job's step time-out) ends the process with
status 2: LightGBM's socket calls cannot be interrupted, so the process leaves rather than risk a stuck thread.
Run it under a supervisor that restarts it (Docker Compose restart: unless-stopped, a Kubernetes Deployment).
`;

const FLAGS = {
  listen: { type: 'string' },
  'lightgbm-port': { type: 'string' },
  once: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Exit status of a failed job (the environment: a peer, the network, the coordinator). */
const JOB_FAILED = 2;

const log = (text: string) => process.stderr.write(`[worker ${process.pid}] ${text}\n`);

export async function workerCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, FLAGS);
  if (values.help) {
    process.stdout.write(WORKER_HELP);
    return 0;
  }
  if (!values.listen) throw new UsageError('--listen HOST:PORT is required');
  let address: { host: string; port: number };
  try {
    address = parseAddress(values.listen, '--listen');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const lightgbmPort = toInt('lightgbm-port', values['lightgbm-port'], 1, 65535) ?? address.port + 1;
  if (lightgbmPort > 65535) throw new UsageError('--lightgbm-port is needed when the control port is 65535');
  if (lightgbmPort === address.port) throw new UsageError('--lightgbm-port must differ from the control port');
  return serve(address, lightgbmPort, values.once === true);
}

function serve(address: { host: string; port: number }, lightgbmPort: number, once: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    let busy = false;
    const server = createServer((socket) => {
      socket.setNoDelay(true);
      if (busy) {
        void sendFrame(socket, { type: 'error', message: 'this worker is busy with another job' }).finally(() =>
          socket.end(),
        );
        return;
      }
      busy = true;
      log(`coordinator connected from ${socket.remoteAddress}:${socket.remotePort}`);
      void runJob(socket, lightgbmPort).then((outcome) => {
        busy = false;
        if (!once) return;
        // The first coordinator was the one job: it did not happen if it left before sending it, so not status 0.
        const status = outcome === 'served' ? 0 : JOB_FAILED;
        log(`${outcome === 'served' ? 'job served' : 'the coordinator left before sending a job'}: exiting (--once)`);
        server.close(() => resolve(status));
      });
    });
    server.on('error', (err) => reject(err));
    server.listen(address.port, address.host, () => {
      log(`listening on ${address.host}:${address.port} (LightGBM port ${lightgbmPort})`);
    });
  });
}

/**
 * Serves one coordinator connection; resolves when the job is over and the LightGBM thread has ended ('served'), or
 * when the coordinator left before sending a job ('no job'). A failed job never resolves: the process leaves.
 */
function runJob(socket: Socket, lightgbmPort: number): Promise<'served' | 'no job'> {
  return new Promise((resolve) => {
    const baselineRssBytes = process.memoryUsage.rss();
    let started = performance.now(); // reset when the job arrives: waiting for the coordinator's data is not work
    let thread: Worker | null = null;
    let job: JobSpec | null = null;
    let lastProgress = Date.now();
    let finished = false;
    let watchdog: NodeJS.Timeout | undefined;

    // A job that cannot finish: say why (to the coordinator if it still listens) and leave at once.
    const fail = (reason: string) => {
      if (finished) return;
      finished = true;
      log(`job failed: ${reason}`);
      const leave = () => hardExit(JOB_FAILED);
      if (socket.destroyed) leave();
      void sendFrame(socket, { type: 'error', message: reason }).then(leave, leave);
      setTimeout(leave, 2000).unref();
    };

    socket.on('close', () => {
      if (!finished && job) fail('the coordinator closed the connection');
      else if (!finished) resolve('no job'); // nothing to clean up
    });
    socket.on('error', () => undefined); // 'close' follows and says what matters

    const start = (frame: Frame) => {
      const current = frame.message.job as JobSpec;
      job = current;
      started = performance.now();
      const [trainX, trainY, validX, validY] = frame.payloads as Float32Array[];
      const input: ThreadInput = { job, trainX, trainY, validX, validY };
      log(
        `job: rank ${job.rank} of ${job.machines.length}, ${job.trainRows} training rows, ` +
          `${job.validRows} validation rows`,
      );
      thread = startThread(input);
      lastProgress = Date.now();
      watchdog = setInterval(() => {
        const idle = (Date.now() - lastProgress) / 1000;
        if (job && idle > job.stepTimeoutSeconds) {
          fail(`rank ${job.rank}: no progress for ${Math.round(idle)} s (a peer is gone or unreachable)`);
        }
      }, 500);
      thread.on('message', (m: ThreadMessage) => {
        lastProgress = Date.now();
        if (m.type === 'iteration') {
          void sendFrame(socket, { type: 'iteration', iteration: m.iteration }, [m.predictions]).catch(() => undefined);
        } else if (m.type === 'error') {
          fail(`rank ${current.rank}: ${m.message}`);
        } else if (m.type === 'done') {
          const report: WorkerReport = {
            rank: current.rank,
            pid: process.pid,
            iterations: m.result.iterations,
            seconds: { ...m.result.timings, receive: 0, total: (performance.now() - started) / 1000 },
            baselineRssBytes,
            peakRssBytes: process.resourceUsage().maxRSS * 1024,
          };
          const model = current.rank === 0 ? m.result.model : undefined;
          finished = true;
          clearInterval(watchdog);
          // Its LightGBM work is over (network closed, handles freed); the tsx loader would keep it alive.
          void thread?.terminate();
          void sendFrame(socket, { type: 'done', report, model, bestIteration: m.result.bestIteration })
            .catch(() => undefined)
            .finally(() => socket.end());
        }
      });
      thread.on('error', (err) => fail(`rank ${job?.rank}: ${err.message}`));
      thread.on('exit', () => {
        clearInterval(watchdog);
        if (!finished) fail(`rank ${job?.rank}: the LightGBM thread ended without a result`);
        else {
          log(`job done (rank ${job?.rank})`);
          resolve('served');
        }
      });
    };

    readFrames(
      socket,
      (frame) => {
        const type = frame.message.type;
        if (type === 'job' && !job) start(frame);
        else if (type === 'decision' && thread) {
          lastProgress = Date.now();
          thread.postMessage(frame.message);
        } else if (type === 'abort') fail(`aborted by the coordinator: ${String(frame.message.reason)}`);
        else fail(`unexpected '${type}' message from the coordinator`);
      },
      (err) => fail(`bad data from the coordinator: ${err.message}`),
    );
    void sendFrame(socket, { type: 'hello', lightgbmPort, pid: process.pid, rssBytes: baselineRssBytes }).catch(
      () => undefined,
    );
  });
}

type ThreadMessage =
  | { type: 'iteration'; iteration: number; predictions: Float64Array }
  | { type: 'done'; result: DataParallelResult }
  | { type: 'error'; message: string };

/** The LightGBM thread; under tsx (TypeScript sources) it registers tsx's loader first. */
function startThread(input: ThreadInput): Worker {
  const transfer = [input.trainX, input.trainY, input.validX, input.validY].map((a) => a.buffer as ArrayBuffer);
  if (__filename.endsWith('.ts')) {
    const file = join(__dirname, '..', 'distributed', 'worker-thread.ts');
    return new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(file)});`, {
      eval: true,
      workerData: input,
      transferList: transfer,
    });
  }
  return new Worker(join(__dirname, '..', 'distributed', 'worker-thread.js'), {
    workerData: input,
    transferList: transfer,
  });
}

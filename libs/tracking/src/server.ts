import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { workspaceRoot } from '@credit-scoring/data';
import { MlflowError } from './errors';
import { patientTimeout } from './patient-timeout';

export interface LocalServer {
  /** Tracking URI, e.g. http://127.0.0.1:41234 */
  uri: string;
  storeDir: string;
  pid: number;
  /** Ends the server (and its worker processes); resolves once it has exited. */
  stop(): Promise<void>;
}

/** The mlflow executable of tools/mlflow/.venv (created by tools/mlflow/setup.sh on npm ci). */
export function mlflowExecutable(root = workspaceRoot()): string {
  return path.join(root, 'tools', 'mlflow', '.venv', 'bin', 'mlflow');
}

/** A free loopback TCP port (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts an MLflow tracking server like tools/mlflow/start.sh does (sqlite store + proxied artifacts on
 * 127.0.0.1) as a child of this process, waits for /health and returns its URI. Used by the trainer when no
 * MLFLOW_TRACKING_URI is given, and by tests. Default store: <repo>/mlruns; default port: a free one.
 */
export async function startLocalServer(
  opts: { port?: number; storeDir?: string; startupTimeoutMs?: number } = {},
): Promise<LocalServer> {
  const root = workspaceRoot();
  const exe = mlflowExecutable(root);
  if (!fs.existsSync(exe)) {
    throw new MlflowError(`${exe} is missing: run tools/mlflow/setup.sh (npm ci runs it) to install the MLflow server`);
  }
  const storeDir = path.resolve(opts.storeDir ?? path.join(root, 'mlruns'));
  fs.mkdirSync(path.join(storeDir, 'artifacts'), { recursive: true });
  const port = opts.port || (await freePort());
  const uri = `http://127.0.0.1:${port}`;
  // Logs beside start.sh's, outside the store, so the store holds only MLflow's own data.
  const logDir = path.join(root, 'tmp', 'mlflow');
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `server-${port}.log`);
  const log = fs.openSync(logFile, 'a');
  const child = spawn(
    'sh',
    [
      '-c',
      OUTLIVE_NOT,
      'mlflow-server',
      exe,
      'server',
      '--backend-store-uri',
      `sqlite:///${storeDir}/mlflow.db`,
      '--artifacts-destination',
      path.join(storeDir, 'artifacts'),
      '--serve-artifacts',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      '1',
    ],
    {
      detached: true, // own process group, so stop() reaches uvicorn's worker too
      // stdin: a pipe nobody writes to; it closes when this process dies, however it dies (see OUTLIVE_NOT).
      stdio: ['pipe', log, log],
      // Same as start.sh: no background job runner (seven idle Python processes we never use).
      env: { MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false', ...process.env },
    },
  );
  fs.closeSync(log);
  child.unref();
  (child.stdin as net.Socket | null)?.unref(); // the watch's pipe must not keep this process alive
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  // A server this process started must not outlive it (e.g. the trainer exiting on an uncaught error).
  const killOnExit = () => killGroup(child, 'SIGTERM');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  const timeoutMs = opts.startupTimeoutMs ?? 120_000;
  // The time-out counts the time this process spent asking, not the time its event loop was busy elsewhere (the
  // trainer computes its features while the server starts: see patientTimeout): each attempt is charged at most its
  // request time-out and the pause after it.
  let waited = 0;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new MlflowError(
        `the MLflow server exited during startup (code ${child.exitCode}); see ${logFile}:\n${tail(logFile)}`,
      );
    }
    const asked = Date.now();
    if (await healthy(uri)) return { uri, storeDir, pid: child.pid ?? -1, stop };
    await new Promise((r) => setTimeout(r, HEALTH_PAUSE_MS));
    waited += Math.min(Date.now() - asked, HEALTH_TIMEOUT_MS + HEALTH_PAUSE_MS);
    if (waited > timeoutMs) {
      await stop();
      throw new MlflowError(`the MLflow server did not answer ${uri}/health within ${timeoutMs} ms; see ${logFile}`);
    }
  }
}

const HEALTH_TIMEOUT_MS = 2000;
const HEALTH_PAUSE_MS = 300;

/**
 * The server under a watch that ends its process group when this process is gone: `exit` handlers do not run after
 * a SIGKILL (tsx kills a child whose event loop is busy when Ctrl-C comes), and the server, in its own process group,
 * outlived the trainer. The watch reads the pipe on stdin, which only closes when this process dies; then it stops
 * the group, server and uvicorn worker alike. The shell ignores that SIGTERM and exits with the server's status.
 */
const OUTLIVE_NOT = [
  'exec 3<&0', // asynchronous lists read /dev/null, so the watch reads the pipe through fd 3
  '"$@" <&- 3<&- & server=$!',
  '{ read -r _ <&3; kill -TERM -$$; } &',
  "trap '' TERM",
  'wait $server; status=$?',
  'kill -TERM -$$ 2>/dev/null', // the watch, and anything the server left
  'exit $status',
].join('\n');

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    child.kill(signal); // the group is gone already or was never made
  }
}

async function healthy(uri: string): Promise<boolean> {
  const timeout = patientTimeout(HEALTH_TIMEOUT_MS);
  try {
    const res = await fetch(`${uri}/health`, { signal: timeout.signal });
    return res.ok;
  } catch {
    return false;
  } finally {
    timeout.cancel();
  }
}

function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// Test and benchmark helper: `trainer worker` processes and a `trainer run --workers` coordinator on loopback, as a
// user starts them (tsx CLI, separate processes), with every process accounted for afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const main = join(root, 'apps', 'trainer', 'src', 'main.ts');

/** A port nobody listens on right now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Proc {
  child: ChildProcess;
  /** stdout + stderr so far */
  output: () => string;
  /** resolves with the exit status (signal → 128 + n) */
  exited: Promise<number>;
}

function start(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  // Own process group: tsx runs the program in a child process, and cleanup must reach both.
  const child = spawn(tsx, [main, ...args], {
    cwd: root,
    detached: true,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.base.json'), OMP_WAIT_POLICY: 'PASSIVE', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15))),
  );
  return { child, output: () => text, exited };
}

export interface WorkerProc extends Proc {
  address: string;
  /** pid of the node process running the worker (tsx's child), from its log line */
  pid: () => Promise<number>;
}

export async function startWorker(extra: string[] = []): Promise<WorkerProc> {
  const [control, lightgbm] = [await freePort(), await freePort()];
  const proc = start(['worker', '--listen', `127.0.0.1:${control}`, '--lightgbm-port', String(lightgbm), ...extra]);
  const pid = () => waitFor(proc, /\[worker (\d+)\] listening/, 60_000).then((m) => Number(m[1]));
  return { ...proc, address: `127.0.0.1:${control}`, pid };
}

export function startCoordinator(args: string[]): Proc {
  return start(['run', ...args], { MLFLOW_TRACKING_URI: '' });
}

/** Waits until the process's output matches `pattern`. */
export async function waitFor(proc: Proc, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(proc.output());
    if (match) return match;
    if (proc.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`no ${pattern} in the output of ${proc.child.spawnargs.join(' ')}:\n${proc.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Ends whatever is left of these processes' groups (cleanup after a failed assertion). */
export function killGroups(procs: Proc[]): void {
  for (const p of procs) {
    try {
      if (p.child.pid) process.kill(-p.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

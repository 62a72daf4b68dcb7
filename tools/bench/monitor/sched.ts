// Where a latency percentile goes when the CPU is shared: `perf sched` (Linux perf) records every context switch of
// the machine while a round runs, and `perf sched timehist` gives, per switch, how long the thread had waited runnable
// for a CPU (its scheduling delay). Counting those waits for the API's event-loop thread and the load generator's
// tells a slow request path (the event loop busy) from a crowded machine (threads queued behind others).
// The recording has a cost of its own: at 2,000 req/s it inflated the log-off p99 from 3-5 ms to 25-100 ms, so its
// counts compare configurations recorded alike; the latency target is measured without it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface SchedRecording {
  file: string;
  process: ChildProcess;
  done: Promise<void>;
}

/** Fails at once with the reason when perf cannot record scheduler events here (not installed, no permission). */
export function checkPerf(): void {
  const probe = spawnSync('perf', ['sched', 'record', '-a', '-o', '/dev/null', '--', 'true'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0)
    throw new Error(`--sched needs Linux perf with scheduler tracepoints: ${probe.error?.message ?? probe.stderr}`);
}

export function recordSched(file: string, seconds: number): SchedRecording {
  const child = spawn('perf', ['sched', 'record', '-a', '-o', file, '--', 'sleep', String(seconds)], {
    stdio: 'ignore',
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`perf sched record exited with ${code}`))));
  });
  return { file, process: child, done };
}

export interface ThreadWaits {
  /** Times the thread waited more than 2 ms for a CPU. */
  over2ms: number;
  /** Its longest wait, ms. */
  maxMs: number;
  /** Its CPU time in the recording, ms. */
  cpuMs: number;
}

/** Waits of the main threads of `pids` (the thread whose id is the process id: Node's event loop). */
export function mainThreadWaits(file: string, pids: Record<string, number>): Record<string, ThreadWaits> {
  const out = spawnSync('perf', ['sched', 'timehist', '-i', file], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (out.status !== 0) throw new Error(`perf sched timehist failed: ${out.stderr}`);
  const byTid = new Map<number, ThreadWaits>(
    Object.values(pids).map((pid) => [pid, { over2ms: 0, maxMs: 0, cpuMs: 0 }]),
  );
  // "  time [cpu]  name[tid/pid] or name[tid]  wait  sch-delay  run" (ms); a main thread prints as name[pid].
  const line = /^\s*[\d.]+\s+\[\d+\]\s+.*\[(\d+)\]\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$/;
  for (const text of out.stdout.split('\n')) {
    const m = line.exec(text);
    const waits = m && byTid.get(Number(m[1]));
    if (!m || !waits) continue;
    const delay = Number(m[3]);
    waits.cpuMs += Number(m[4]);
    if (delay > 2) waits.over2ms++;
    waits.maxMs = Math.max(waits.maxMs, delay);
  }
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, byTid.get(pid) as ThreadWaits]));
}

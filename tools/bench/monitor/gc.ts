// How much of a latency percentile is the API's own garbage collection. Node's --trace-gc prints a line per collection
// of each isolate: "[pid:isolate] <ms since the isolate started> ms: <kind> ..., <pause> / <external> ms ...". The
// event loop's isolate is the first to collect (the bundle and the model load before any worker thread starts); the
// others are worker threads (the log's writer), whose pauses stop no request. Only the pauses are counted: an
// incremental mark's steps run interleaved with requests and are listed as CPU in a profile, not here.
// The trace is written synchronously to the API's stdout and costs a little itself: compare configurations traced
// alike; the latency target is measured without it.
import type { Readable } from 'node:stream';

export interface GcPauses {
  scavenges: number;
  scavengeMs: number;
  markCompacts: number;
  markCompactMs: number;
  /** Pauses longer than 2 ms, of either kind. */
  over2ms: number;
  longestMs: number;
}

interface Collection {
  isolate: string;
  /** Ms since the isolate started. */
  at: number;
  kind: 'scavenge' | 'mark-compact';
  pauseMs: number;
}

const LINE =
  /^\[\d+:(0x[0-9a-f]+)\]\s+(\d+) ms: (Scavenge|Minor Mark-Compact|Mark-Compact)[^,]*, ([\d.]+) \/ [\d.]+ ms/;

/** Collects the --trace-gc lines of a process's stdout from the moment it is spawned. */
export class GcTrace {
  private readonly collections: Collection[] = [];
  private pending = '';

  constructor(stdout: Readable) {
    stdout.setEncoding('utf8');
    stdout.on('data', (chunk: string) => {
      const lines = (this.pending + chunk).split('\n');
      this.pending = lines.pop() ?? '';
      for (const line of lines) this.parse(line);
    });
  }

  private parse(line: string): void {
    const m = LINE.exec(line);
    if (!m) return;
    const kind = m[3] === 'Mark-Compact' ? 'mark-compact' : 'scavenge';
    this.collections.push({ isolate: m[1], at: Number(m[2]), kind, pauseMs: Number(m[4]) });
  }

  /** The event loop's pauses between `fromMs` and `toMs` after the process was spawned (its isolate's clock). */
  eventLoopPauses(fromMs: number, toMs: number): GcPauses {
    const main = this.collections[0]?.isolate;
    const pauses: GcPauses = {
      scavenges: 0,
      scavengeMs: 0,
      markCompacts: 0,
      markCompactMs: 0,
      over2ms: 0,
      longestMs: 0,
    };
    for (const c of this.collections) {
      if (c.isolate !== main || c.at < fromMs || c.at > toMs) continue;
      if (c.kind === 'scavenge') {
        pauses.scavenges++;
        pauses.scavengeMs += c.pauseMs;
      } else {
        pauses.markCompacts++;
        pauses.markCompactMs += c.pauseMs;
      }
      if (c.pauseMs > 2) pauses.over2ms++;
      pauses.longestMs = Math.max(pauses.longestMs, c.pauseMs);
    }
    return pauses;
  }
}

export const gcNote = (p: GcPauses) =>
  `${p.scavenges} scavenges ${p.scavengeMs.toFixed(0)} ms, ${p.markCompacts} mark-compacts ` +
  `${p.markCompactMs.toFixed(0)} ms, ${p.over2ms} pauses > 2 ms (longest ${p.longestMs.toFixed(1)} ms)`;

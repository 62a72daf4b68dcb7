/**
 * Progress lines with an ETA for long steps (folds, boosting rounds, search trials).
 * Writes to stderr so stdout stays clean for the summary table; throttled so a tight loop does not flood the terminal.
 */
export class Progress {
  private readonly startedAt = Date.now();
  private lastPrint = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly out: NodeJS.WritableStream = process.stderr,
  ) {}

  tick(done: number, detail = ''): void {
    const now = Date.now();
    if (done < this.total && now - this.lastPrint < 1000) return;
    this.lastPrint = now;
    const elapsed = (now - this.startedAt) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : NaN;
    const pct = this.total > 0 ? ((100 * done) / this.total).toFixed(0) : '100';
    const etaText = Number.isFinite(eta) && done < this.total ? ` ETA ${formatSeconds(eta)}` : '';
    this.out.write(
      `  ${this.label} ${done}/${this.total} (${pct}%) ${formatSeconds(elapsed)}${etaText}${detail ? ` ${detail}` : ''}\n`,
    );
  }
}

export function formatSeconds(seconds: number): string {
  if (seconds < 59.95) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds); // round first, so 179.6 s prints 3m00s, not 2m60s
  return `${Math.floor(whole / 60)}m${(whole % 60).toString().padStart(2, '0')}s`;
}

/** Times a stage and remembers its duration for the final summary (and docs/benchmarks.md). */
export class StageClock {
  readonly durations: Array<{ stage: string; seconds: number }> = [];
  private readonly started = process.hrtime.bigint();

  /** Seconds since the clock was made: the run's wall time, which stages running side by side do not add up to. */
  elapsedSeconds(): number {
    return Number(process.hrtime.bigint() - this.started) / 1e9;
  }

  async time<T>(stage: string, fn: () => Promise<T>): Promise<T> {
    const start = process.hrtime.bigint();
    process.stderr.write(`▶ ${stage}\n`);
    const elapsed = () => Number(process.hrtime.bigint() - start) / 1e9;
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      // A failed stage is marked as failed (the error itself is reported once, by the caller); not timed.
      process.stderr.write(`✖ ${stage} failed after ${formatSeconds(elapsed())}\n`);
      throw error;
    }
    const seconds = elapsed();
    this.durations.push({ stage, seconds });
    process.stderr.write(`✔ ${stage} (${formatSeconds(seconds)})\n`);
    return result;
  }
}

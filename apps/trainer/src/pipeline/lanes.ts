/**
 * Model families trained side by side, two at a time by default.
 *
 * Why: one family alone leaves a core idle for much of its time (the logistic regression's single-threaded encoding
 * passes, LightGBM's dataset binning on the main thread, plots and MLflow uploads): at Kaggle scale the trainer used
 * 1.5 of the 2 cores. Two families at once keep both busy. What keeps the results and the memory as they were:
 * - LightGBM fits take the threads their family's share allows (`threads()`): with `deterministic` LightGBM builds the
 *   same trees on any number of threads. The logistic regression keeps its own thread count: its loss is summed in
 *   that many row blocks, and the block count is part of its arithmetic.
 * - The final fits on the whole training part take turns (`finalFit`): each holds about 2 GB at Kaggle scale (the
 *   logistic design, a binned LightGBM dataset), so two at once would raise the peak by that much. The searches, on
 *   the 8,000-applicant sample, run beside them.
 */
export class FamilyLanes {
  private running = 0;
  private waiting = 0;
  private finalTurn: Promise<void> = Promise.resolve();

  /** `lanes` families at once; `threads` shared among the families running. */
  constructor(
    private readonly lanes: number,
    private readonly totalThreads: number,
  ) {
    if (!(Number.isInteger(lanes) && lanes >= 1)) throw new Error(`lanes must be an integer >= 1, got ${lanes}`);
  }

  /**
   * Trains every family, at most `lanes` at once, taking them in `order`; results in the families' own order. After a
   * failure no new family starts; the ones running are waited for (so none is left half-logged), then the first error
   * is thrown.
   */
  async run<T, R>(families: T[], order: (a: T, b: T) => number, train: (family: T) => Promise<R>): Promise<R[]> {
    const queue = families.map((family, index) => ({ family, index })).sort((a, b) => order(a.family, b.family));
    const results: R[] = new Array(families.length);
    const failures: unknown[] = [];
    const lane = async () => {
      for (let next = queue.shift(); next && failures.length === 0; next = queue.shift()) {
        this.waiting = queue.length;
        this.running++;
        try {
          results[next.index] = await train(next.family);
        } catch (error) {
          failures.push(error);
        } finally {
          this.running--;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.lanes, families.length) }, lane));
    if (failures.length > 0) throw failures[0];
    return results;
  }

  /**
   * Threads for a LightGBM fit starting now: all of them when its family is the last one running, else its family's
   * share (a family waiting for a lane counts: it takes one as soon as the lanes start).
   */
  threads(): number {
    const sharing = Math.min(this.lanes, this.running + this.waiting);
    return Math.max(1, Math.floor(this.totalThreads / Math.max(1, sharing)));
  }

  /** Runs `fit` once no other final fit is running (in the order asked). */
  async finalFit<R>(fit: () => Promise<R>): Promise<R> {
    const previous = this.finalTurn;
    let release: (() => void) | undefined;
    this.finalTurn = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await fit();
    } finally {
      release?.();
    }
  }
}

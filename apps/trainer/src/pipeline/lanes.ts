/**
 * Model families trained side by side: up to `lanes` searches at once, and the memory-heavy part of the final fits
 * one at a time.
 *
 * Why: one family alone leaves a core idle for much of its time (the logistic regression's single-threaded encoding
 * passes, LightGBM's dataset binning on the main thread, depth-limited trees whose OpenMP regions are too short to
 * share, plots and MLflow uploads): at Kaggle scale the trainer used 1.5 of the 2 cores. Several families at once
 * keep both busy. What keeps the results and the memory as they were:
 * - Every fit keeps the threads it had: LightGBM with `deterministic` builds the same trees on any number of threads
 *   anyway, and the logistic regression sums its loss in as many row blocks as it has threads. Threads beyond the
 *   cores only take turns on them.
 * - The final fits on the whole training part take turns for their memory-heavy part: the logistic regression's
 *   whole fit (its standardised design, about 2 GB at Kaggle scale), a booster's dataset building (LightGBM's
 *   bin-finding sample, about 1.3 GB). Two at once would raise the peak by that much; a booster's boosting, which
 *   keeps only the binned rows (a few hundred MB), runs beside the next one's turn. A family leaves its search lane
 *   when it reaches its final fit, so that the next family's search (on the 8,000-applicant sample, a few MB) runs
 *   beside the final fits rather than waiting behind them.
 */
export interface Lane {
  /**
   * Leaves the family's lane and runs its final fit once the fits asked before have passed their memory-heavy part.
   * `fit` calls `heavyPartDone` when its own has passed (at the latest, the turn passes when it ends).
   */
  finalFit<R>(fit: (heavyPartDone: () => void) => Promise<R>): Promise<R>;
  /** Leaves the family's search lane, its search being over, so that the next family's starts while it waits. */
  leave(): void;
}

export class FamilyLanes {
  private busy = 0;
  private readonly waiting: Array<() => void> = [];
  private finalTurn: Promise<void> = Promise.resolve();
  private failed = false;

  constructor(private readonly lanes: number) {
    if (!(Number.isInteger(lanes) && lanes >= 1)) throw new Error(`lanes must be an integer >= 1, got ${lanes}`);
  }

  /**
   * Trains every family, taking them in `order`; results in the families' own order. After a failure no new family
   * starts; the ones running are waited for (so none is left half-logged), then the first error is thrown.
   */
  async run<T, R>(
    families: T[],
    order: (a: T, b: T) => number,
    train: (family: T, lane: Lane) => Promise<R>,
  ): Promise<R[]> {
    const results: R[] = new Array(families.length);
    const queue = families.map((family, index) => ({ family, index })).sort((a, b) => order(a.family, b.family));
    const settled = await Promise.allSettled(
      queue.map(async ({ family, index }) => {
        await this.takeLane();
        let holding = true;
        const leaveLane = () => {
          if (holding) this.freeLane();
          holding = false;
        };
        try {
          if (this.failed) return;
          const lane: Lane = {
            finalFit: (fit) => {
              leaveLane();
              return this.takeFinalTurn(fit);
            },
            leave: leaveLane,
          };
          results[index] = await train(family, lane);
        } catch (error) {
          this.failed = true;
          throw error;
        } finally {
          leaveLane();
        }
      }),
    );
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) throw failure.reason;
    return results;
  }

  private takeLane(): Promise<void> {
    if (this.busy < this.lanes) {
      this.busy++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** The lane goes to the next family waiting, if any (it keeps the count), else it is free. */
  private freeLane(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy--;
  }

  private async takeFinalTurn<R>(fit: (heavyPartDone: () => void) => Promise<R>): Promise<R> {
    const previous = this.finalTurn;
    let release: () => void = () => undefined;
    this.finalTurn = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await fit(() => release());
    } finally {
      release();
    }
  }
}

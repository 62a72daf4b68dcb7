/**
 * Which model families are fitted on the whole training part and scored on the test set.
 *
 * Every family is searched and cross-validated on the search sample, and the champion is the booster with the lowest
 * CV cost: the final fits do not choose anything. They buy each family's test figures (the comparison's test columns,
 * a logged model per family). On the 14,368 real applicants they cost seconds; at Kaggle scale (246,009 training
 * applicants x 833 features) the three losing families' final fits took ~260 of the job's ~1,000 core-seconds
 * (tools/bench/pipeline/notes.md, session 9). So above FINAL_FITS_ALL_MAX_ROWS only the champion is fitted, unless
 * asked otherwise (`--final-fits all`).
 */
export type FinalFits = 'all' | 'champion';
export type FinalFitsSetting = FinalFits | 'auto';

/**
 * Up to this many training applicants, `auto` fits every family: seconds to a minute each (the real rows: 11,494).
 * The size where libs/scoring's REFIT_MAX_ROWS also stops a booster's refit, though the two rules are independent.
 */
export const FINAL_FITS_ALL_MAX_ROWS = 50_000;

export function resolveFinalFits(setting: FinalFitsSetting, trainRows: number): FinalFits {
  if (setting !== 'auto') return setting;
  return trainRows <= FINAL_FITS_ALL_MAX_ROWS ? 'all' : 'champion';
}

/** A family's search outcome as the champion rule reads it. */
export interface SearchedFamily {
  name: string;
  /** Only a LightGBM booster can be served, so only boosters are candidates. */
  booster: boolean;
  cvCost: number;
}

/**
 * The champion among searched families: the booster with the lowest CV cost (ties: the one listed first). The one
 * place this rule lives; the pipeline applies it to its searches whether or not every family was fitted.
 */
export function championOf(families: SearchedFamily[]): string {
  const boosters = families.filter((f) => f.booster);
  if (boosters.length === 0)
    throw new Error('no booster model among --models: the registry needs lightgbm, lightgbm_rf or gbm_plain');
  return boosters.reduce((a, b) => (b.cvCost < a.cvCost ? b : a)).name;
}

/**
 * Collects every family's search outcome and tells each, once all are in, whether it is the champion. A family that
 * fails calls `fail`, which answers every family waiting (and any later) with that error, so none waits forever.
 */
export class ChampionBallot {
  private readonly entries: SearchedFamily[] = [];
  private readonly decided: Promise<string>;
  private settle!: { resolve: (champion: string) => void; reject: (error: unknown) => void };

  /** `order`: the families' names in the order ties are broken (the configured order). */
  constructor(private readonly order: readonly string[]) {
    this.decided = new Promise<string>((resolve, reject) => (this.settle = { resolve, reject }));
    this.decided.catch(() => undefined); // a failure is reported to the families that vote, not as unhandled
  }

  /** Resolves to true for the champion, false for every other family, once every family has voted. */
  async isChampion(family: SearchedFamily): Promise<boolean> {
    if (!this.order.includes(family.name)) throw new Error(`ChampionBallot: ${family.name} is not a listed family`);
    if (this.entries.some((e) => e.name === family.name)) throw new Error(`ChampionBallot: ${family.name} voted twice`);
    this.entries.push(family);
    if (this.entries.length === this.order.length) {
      const ordered = this.order.flatMap((name) => this.entries.filter((e) => e.name === name));
      try {
        this.settle.resolve(championOf(ordered));
      } catch (error) {
        this.settle.reject(error);
      }
    }
    return (await this.decided) === family.name;
  }

  fail(error: unknown): void {
    this.settle.reject(error);
  }
}

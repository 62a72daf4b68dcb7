/**
 * Whether the search stops clearly losing trials early (SearchOptions.prune in libs/scoring).
 *
 * A pruned trial gets no CV cost and can never be chosen, so pruning changes what the search logs, and a margin too
 * small could stop the trial the cost would have chosen (trials are ranked by cost, pruned by AUC). On the real rows a
 * search costs a minute or two: nothing to gain. At Kaggle scale (307,511 generated applicants) it is most of the job,
 * and pruning 0.02 below the best trial's AUC after two folds stopped 3 of 16 trials after 2-3 folds and left every
 * family's chosen trial, the champion and its figures as they were, 40-50 s sooner (tools/bench/pipeline/notes.md,
 * sessions 10, 12 and 13). So `auto` prunes at that margin above PRUNE_AUTO_MIN_ROWS training applicants.
 */
export type PruneSetting = number | 'off' | 'auto';

/** Above this many training applicants, `auto` prunes (the size where only the champion gets a final fit too). */
export const PRUNE_AUTO_MIN_ROWS = 50_000;
export const PRUNE_AUTO_MARGIN = 0.02;

/** The AUC margin the search prunes at, or undefined for no pruning. */
export function resolvePrune(setting: PruneSetting, trainRows: number): number | undefined {
  if (setting === 'off') return undefined;
  if (setting === 'auto') return trainRows > PRUNE_AUTO_MIN_ROWS ? PRUNE_AUTO_MARGIN : undefined;
  return setting;
}

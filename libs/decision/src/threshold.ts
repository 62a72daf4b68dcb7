import { bayesThreshold, CostModel, errorPrices, validateCostModel } from './cost';
import { checkBinaryLabels, checkProbabilities, checkSameLength, Numbers } from './validate';

export interface CostCurve {
  thresholds: number[];
  costs: number[];
  normalizedCosts: number[];
}

export interface ThresholdSearchResult {
  /** Threshold with the lowest cost (refuse when probability >= threshold). */
  threshold: number;
  cost: number;
  /** Cost per applicant. */
  normalizedCost: number;
  curve: CostCurve;
}

/** Thresholds 0, step, 2·step, …, 1 (rounded so that 0.001 steps print as 0.123, not 0.12300000000000001). */
export function thresholdGrid(step = 0.001): number[] {
  if (!(step > 0 && step <= 0.5)) throw new Error(`thresholdGrid: step must be in (0, 0.5], got ${step}`);
  const count = Math.round(1 / step);
  const decimals = Math.max(0, Math.ceil(-Math.log10(step)) + 2);
  return Array.from({ length: count + 1 }, (_, i) => Number(Math.min(1, i * step).toFixed(decimals)));
}

/**
 * Business cost at every threshold of `grid` (default: 0.001 steps), in one sweep over the applicants sorted by
 * probability: raising the threshold accepts more applicants, turning their FP cost into an FN cost (or nothing).
 * The chosen threshold is the middle of the first run of equal minimal costs: the curve is a step function, and the
 * middle of a flat optimum is the least sensitive choice.
 */
export function thresholdSearch(
  yTrue: Numbers,
  prob: Numbers,
  amtCredit: Numbers | undefined,
  costModel: CostModel,
  opts: { grid?: number[] } = {},
): ThresholdSearchResult {
  const what = 'thresholdSearch';
  validateCostModel(costModel);
  const n = checkSameLength(what, { yTrue, prob });
  checkBinaryLabels(what, yTrue);
  checkProbabilities(what, 'prob', prob);
  if (costModel.kind === 'credit' && (!amtCredit || amtCredit.length !== n)) {
    throw new Error(`${what}: the credit cost model needs amtCredit with one amount per applicant (${n})`);
  }
  const grid = opts.grid ?? thresholdGrid(0.001);
  if (grid.length === 0) throw new Error(`${what}: empty grid`);
  for (let g = 1; g < grid.length; g++) {
    if (!(grid[g] > grid[g - 1]))
      throw new Error(`${what}: grid must be strictly increasing (grid[${g}] = ${grid[g]})`);
  }

  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => prob[a] - prob[b]);
  // At threshold -∞ everyone is refused: the cost is every good client's FP price.
  let cost = 0;
  for (let i = 0; i < n; i++) if (yTrue[i] === 0) cost += errorPrices(costModel, amtCredit ? amtCredit[i] : 0).fp;
  const costs: number[] = [];
  let k = 0;
  for (const t of grid) {
    // Applicants with prob < t are accepted now.
    while (k < n && prob[order[k]] < t) {
      const i = order[k];
      const prices = errorPrices(costModel, amtCredit ? amtCredit[i] : 0);
      cost += yTrue[i] === 1 ? prices.fn : -prices.fp;
      k++;
    }
    costs.push(Math.max(0, cost)); // clamp float residue of the running sum
  }

  let best = 0;
  for (let g = 1; g < costs.length; g++) if (costs[g] < costs[best] - 1e-9 * Math.max(1, costs[best])) best = g;
  let runEnd = best;
  while (runEnd + 1 < costs.length && Math.abs(costs[runEnd + 1] - costs[best]) <= 1e-9 * Math.max(1, costs[best]))
    runEnd++;
  const chosen = Math.floor((best + runEnd) / 2);
  return {
    threshold: grid[chosen],
    cost: costs[chosen],
    normalizedCost: costs[chosen] / n,
    curve: { thresholds: grid.slice(), costs, normalizedCosts: costs.map((c) => c / n) },
  };
}

export interface BayesCheck {
  searched: number;
  bayes: number;
  /** searched − bayes */
  difference: number;
  costAtSearched: number;
  costAtBayes: number;
  /** (costAtBayes − costAtSearched) / costAtSearched: how much the theoretical threshold loses on this data. */
  relativeCostGap: number;
  agrees: boolean;
}

/**
 * Compares the searched threshold with the decision-theory one, FP/(FP+FN). On calibrated probabilities they should
 * agree: either the thresholds are within `thresholdTolerance` or — because cost curves are flat near their minimum —
 * the Bayes threshold costs at most `costTolerance` more than the searched one.
 */
export function checkBayesThreshold(
  yTrue: Numbers,
  prob: Numbers,
  amtCredit: Numbers | undefined,
  costModel: CostModel,
  opts: { grid?: number[]; thresholdTolerance?: number; costTolerance?: number } = {},
): BayesCheck {
  const bayes = bayesThreshold(costModel);
  const result = thresholdSearch(yTrue, prob, amtCredit, costModel, { grid: opts.grid });
  const bayesPoint = thresholdSearch(yTrue, prob, amtCredit, costModel, { grid: [bayes] });
  const relativeCostGap =
    result.cost === 0 ? (bayesPoint.cost === 0 ? 0 : Infinity) : (bayesPoint.cost - result.cost) / result.cost;
  const difference = result.threshold - bayes;
  return {
    searched: result.threshold,
    bayes,
    difference,
    costAtSearched: result.cost,
    costAtBayes: bayesPoint.cost,
    relativeCostGap,
    agrees:
      Math.abs(difference) <= (opts.thresholdTolerance ?? 0.02) || relativeCostGap <= (opts.costTolerance ?? 0.005),
  };
}

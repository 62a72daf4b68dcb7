import { checkBinaryLabels, checkSameLength, Numbers } from './validate';

/**
 * How much a wrong decision costs the lender.
 * - `credit`: a false negative (a defaulter we accepted) loses `fnLoss × AMT_CREDIT`; a false positive (a good
 *   client we refused) loses the fees we would have earned, `fpLoss × AMT_CREDIT`.
 * - `unit`: a flat price per error, the classic "a missed default costs 10 refusals" rule.
 */
export type CostModel = CreditCostModel | UnitCostModel;
export interface CreditCostModel {
  kind: 'credit';
  fnLoss: number;
  fpLoss: number;
}
export interface UnitCostModel {
  kind: 'unit';
  fn: number;
  fp: number;
}

export const DEFAULT_CREDIT_COST: CreditCostModel = { kind: 'credit', fnLoss: 1, fpLoss: 0.19 };
export const DEFAULT_UNIT_COST: UnitCostModel = { kind: 'unit', fn: 10, fp: 1 };

export function validateCostModel(costModel: CostModel): void {
  const prices: Record<string, unknown> =
    costModel?.kind === 'credit'
      ? { fnLoss: costModel.fnLoss, fpLoss: costModel.fpLoss }
      : costModel?.kind === 'unit'
        ? { fn: costModel.fn, fp: costModel.fp }
        : {};
  if (costModel?.kind !== 'credit' && costModel?.kind !== 'unit') {
    throw new Error(`cost model: kind must be 'credit' or 'unit', got ${JSON.stringify(costModel)}`);
  }
  for (const [name, value] of Object.entries(prices)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      // A free error decides the study alone: the cheapest threshold grants (fn free) or refuses (fp free) everyone.
      const everyone = name.startsWith('fn') ? 'grant' : 'refuse';
      throw new Error(
        `cost model (${costModel.kind}): ${name} must be a finite number > 0 (at 0 the cheapest decision is to ` +
          `${everyone} everyone, whatever the model), got ${String(value)}`,
      );
    }
  }
}

/** Price of one false negative / false positive for an applicant borrowing `amount`. */
export function errorPrices(costModel: CostModel, amount: number): { fn: number; fp: number } {
  return costModel.kind === 'credit'
    ? { fn: costModel.fnLoss * amount, fp: costModel.fpLoss * amount }
    : { fn: costModel.fn, fp: costModel.fp };
}

function checkAmounts(what: string, costModel: CostModel, amtCredit: Numbers | undefined, n: number): void {
  if (costModel.kind !== 'credit') return;
  if (!amtCredit) throw new Error(`${what}: the credit cost model needs amtCredit`);
  if (amtCredit.length !== n) throw new Error(`${what}: amtCredit has ${amtCredit.length} values for ${n} applicants`);
  for (let i = 0; i < n; i++) {
    if (!(amtCredit[i] >= 0) || !Number.isFinite(amtCredit[i])) {
      throw new Error(`${what}: amtCredit[${i}] = ${amtCredit[i]} is not a finite amount >= 0`);
    }
  }
}

/**
 * Total business cost of hard decisions `yPred` (1 = refuse, predicted default) against outcomes `yTrue`.
 * `amtCredit` is required for the credit cost model and ignored by the unit model.
 */
export function businessCost(
  yTrue: Numbers,
  yPred: Numbers,
  amtCredit: Numbers | undefined,
  costModel: CostModel,
): number {
  const what = 'businessCost';
  validateCostModel(costModel);
  const n = checkSameLength(what, { yTrue, yPred });
  checkBinaryLabels(what, yTrue);
  for (let i = 0; i < n; i++) {
    if (yPred[i] !== 0 && yPred[i] !== 1)
      throw new Error(`${what}: yPred[${i}] = ${yPred[i]} is not a decision (0 or 1)`);
  }
  checkAmounts(what, costModel, amtCredit, n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (yTrue[i] === yPred[i]) continue;
    const prices = errorPrices(costModel, amtCredit ? amtCredit[i] : 0);
    total += yTrue[i] === 1 ? prices.fn : prices.fp;
  }
  return total;
}

/** Cost per applicant, so that folds, test sets and samples of different sizes compare. */
export function normalizedBusinessCost(
  yTrue: Numbers,
  yPred: Numbers,
  amtCredit: Numbers | undefined,
  costModel: CostModel,
): number {
  return businessCost(yTrue, yPred, amtCredit, costModel) / yTrue.length;
}

/**
 * Decision-theory threshold: refuse when p·FN > (1-p)·FP, i.e. p > FP / (FP + FN). For the credit model the
 * applicant's amount cancels out (both prices scale with it), so the threshold is fpLoss / (fpLoss + fnLoss).
 * Valid when the probabilities are calibrated.
 */
export function bayesThreshold(costModel: CostModel): number {
  validateCostModel(costModel);
  const { fn, fp } = costModel.kind === 'credit' ? { fn: costModel.fnLoss, fp: costModel.fpLoss } : costModel;
  return fp / (fp + fn);
}

/** A short label such as "credit(fn=1×AMT, fp=0.19×AMT)" for reports and MLflow params. */
export function describeCostModel(costModel: CostModel): string {
  return costModel.kind === 'credit'
    ? `credit(fn=${costModel.fnLoss}×AMT_CREDIT, fp=${costModel.fpLoss}×AMT_CREDIT)`
    : `unit(fn=${costModel.fn}, fp=${costModel.fp})`;
}

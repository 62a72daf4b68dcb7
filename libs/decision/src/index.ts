// The decision rules: what a wrong decision costs, how good the probabilities are, which threshold to decide at,
// and the decision itself. Light (no data frames, no LightGBM, no plots), so the API decides by the same rule the
// trainer chose its threshold with.
export { checkBinaryLabels, type Numbers } from './validate';
export { decide, decideAll, type Decision } from './decide';
export {
  bayesThreshold,
  businessCost,
  DEFAULT_CREDIT_COST,
  DEFAULT_UNIT_COST,
  describeCostModel,
  errorPrices,
  normalizedBusinessCost,
  validateCostModel,
  type CostModel,
  type CreditCostModel,
  type UnitCostModel,
} from './cost';
export {
  accuracy,
  classificationReport,
  confusionMatrix,
  f1,
  prAuc,
  precision,
  recall,
  rocAuc,
  rocCurve,
  type ClassificationReport,
  type ConfusionMatrix,
  type RocCurve,
} from './metrics';
export {
  checkBayesThreshold,
  thresholdGrid,
  thresholdSearch,
  type BayesCheck,
  type CostCurve,
  type ThresholdSearchResult,
} from './threshold';

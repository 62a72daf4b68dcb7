// The modelling: folds, model families (logistic regression and the LightGBM boosters), cross-validation,
// hyper-parameter search, comparison tables, importance/SHAP and plots. The decision rules it scores with (cost,
// metrics, threshold search, the decide rule) are @credit-scoring/decision's.
export { stratifiedKFold, stratifiedSplit, type Fold } from './folds';
export type { LabelledMatrix, MatrixLike } from './matrix';
export { LogisticRegression, type LogisticOptions, type LogisticState } from './logistic';
export {
  dummySpec,
  logisticSpec,
  type FitOptions,
  type HyperParams,
  type ModelSpec,
  type ParamDomain,
  type ParamSpace,
  type Predictor,
} from './models';
export {
  lightgbmSpec,
  MODEL_SPECS,
  plainGbmSpec,
  randomForestSpec,
  REFIT_MAX_ROWS,
  type BoosterPredictor,
  type BoosterSpec,
  type BoosterTrainingSetup,
} from './boosters';
export {
  crossValidate,
  PreparedFolds,
  reuseFoldPipelines,
  type CvMetrics,
  type FoldMatrices,
  type CvOptions,
  type CvResult,
  type FoldAuc,
  type FoldResult,
  TrialPruned,
  type PipelineFitter,
  type RowTransformer,
} from './cv';
export { applicationTarget, featurePipelineFitter } from './feature-folds';
export { FoldDatasets, type DatasetPart } from './fold-datasets';
export {
  hyperparameterSearch,
  type PrunedTrial,
  type SearchOptions,
  type SearchProgress,
  type SearchResult,
  type Trial,
  type TrialControl,
} from './search';
export {
  comparisonCells,
  comparisonMarkdown,
  comparisonRow,
  NOT_TESTED,
  searchedRow,
  type ComparisonRow,
  type TestedRow,
} from './compare';
export {
  gainImportance,
  importanceTable,
  shapSummary,
  summarizeContributions,
  topContributions,
  type Contribution,
  type ExplainableBooster,
  type ImportanceTableRow,
  type ShapSummary,
} from './importance';
export {
  confusionMatrixPlot,
  costCurvePlot,
  importancePlot,
  rocCurvePlot,
  rocOverlayPlot,
  rocOverlaySpec,
  shapSummaryPlot,
  type ImportanceRow,
  type RocSeries,
  type ShapPoint,
} from './plots/charts';
export type { Plot } from './plots/render';

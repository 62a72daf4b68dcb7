// @credit-scoring/lightgbm: our node-addon-api binding to LightGBM's C API (LightGBM built from source at install).
export { Booster } from './booster';
export { Dataset, type DatasetOptions } from './dataset';
export { LightGBMError } from './errors';
export { type ModelTextSummary, validateModelText } from './model-text';
export {
  hardExit,
  trainDataParallel,
  type DataParallelOptions,
  type DataParallelResult,
  type IterationDecision,
  type NetworkSetup,
} from './network';
export { type Params, paramsToString } from './params';
export { EarlyStopping, train, type EvalResult, type Feval, type IterationEvent, type TrainOptions } from './train';

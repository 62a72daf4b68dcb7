// @credit-scoring/lightgbm: our node-addon-api binding to LightGBM's C API (LightGBM built from source at install).
export { Booster } from './booster';
export { Dataset, type DatasetOptions } from './dataset';
export { LightGBMError } from './errors';
export { type ModelTextSummary, validateModelText } from './model-text';
export { type Params, paramsToString } from './params';
export { train, type EvalResult, type Feval, type IterationEvent, type TrainOptions } from './train';

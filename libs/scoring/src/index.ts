export * from './cost';
export * from './metrics';
export * from './folds';
export * from './threshold';
export { Random } from './random';
export * from './matrix';
export { LogisticRegression, type LogisticOptions, type LogisticState } from './logistic';
export { minimizeLbfgs, type LbfgsOptions, type LbfgsResult } from './lbfgs';

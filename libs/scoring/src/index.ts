export * from './cost';
export * from './metrics';
export * from './folds';
export * from './threshold';
export { Random } from './random';

// Loads the compiled addon (build/Release/lightgbm_node.node) once, on first use.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LightGBMError } from './errors';

/** The C++ dataset object (src/native/dataset.cc). */
export interface NativeDataset {
  setField(name: 'label' | 'weight' | 'init_score' | 'group', values: Float32Array | Float64Array | Int32Array): void;
  setFeatureNames(names: string[]): void;
  numData(): number;
  numFeature(): number;
  free(): void;
  isFreed(): boolean;
}

export interface NativeUpdateResult {
  /** iterations done (fewer than asked when LightGBM found nothing left to split) */
  iterations: number;
  finished: boolean;
  /** per requested dataset: its metrics after each iteration done, iteration after iteration */
  evals: Float64Array[];
}

/** The C++ booster object (src/native/booster.cc). Iteration arguments <= 0 mean "all". */
export interface NativeBooster {
  addValidData(dataset: NativeDataset): void;
  /** logParameters: e.g. "verbosity=-1", applied to the worker thread's (thread-local) LightGBM log level */
  updateAsync(iterations: number, evalDataIndices: number[], logParameters: string): Promise<NativeUpdateResult>;
  evalNames(): string[];
  getPredict(dataIndex: number): Float64Array;
  currentIteration(): number;
  numFeature(): number;
  numClasses(): number;
  featureNames(): string[];
  saveModelToString(startIteration: number, numIteration: number, importanceType: number): string;
  dumpModel(startIteration: number, numIteration: number): string;
  predictForMat(
    data: Float64Array | Float32Array,
    nRows: number,
    predictType: number,
    startIteration: number,
    numIteration: number,
    parameters: string,
  ): Float64Array;
  /** predictForMat on a libuv worker thread; the booster is busy (its other methods throw) until it settles */
  predictForMatAsync(
    data: Float64Array | Float32Array,
    nRows: number,
    predictType: number,
    startIteration: number,
    numIteration: number,
    parameters: string,
  ): Promise<Float64Array>;
  predictSingle(row: Float64Array | number[], contrib: boolean, numIteration: number): number | Float64Array;
  featureImportance(numIteration: number, importanceType: number): Float64Array;
  free(): void;
  isFreed(): boolean;
}

interface NativeModule {
  NativeDataset: (new (
    data: Float64Array | Float32Array,
    nRows: number,
    nCols: number,
    parameters: string,
    reference: NativeDataset | null,
    rows?: Int32Array,
  ) => NativeDataset) & {
    releaseFreedMemory(): boolean;
    /** throws LightGBM's error when `asked` changes a dataset-level parameter of a dataset built with `built` */
    checkParamUpdate(built: string, asked: string): void;
  };
  NativeBooster: new (train: NativeDataset | null, parametersOrModel: string) => NativeBooster;
  setErrorClass(ctor: new (message: string) => Error): void;
  /** src/native/network.cc: LightGBM's socket network; thread-local in LightGBM, so one thread does all of it */
  networkInit(machines: string, localListenPort: number, timeOutMinutes: number, numMachines: number): void;
  networkFree(): void;
  /** one boosting iteration on the calling thread (updateAsync would run it on a pool thread without the network) */
  boostOneIteration(booster: NativeBooster): boolean;
  hardExit(status: number): never;
}

// C API constants (include/LightGBM/c_api.h).
export const PREDICT_NORMAL = 0;
export const PREDICT_RAW_SCORE = 1;
export const PREDICT_CONTRIB = 3;
export const IMPORTANCE_SPLIT = 0;
export const IMPORTANCE_GAIN = 1;

export const ADDON_PATH = path.resolve(__dirname, '..', 'build', 'Release', 'lightgbm_node.node');

let loaded: NativeModule | undefined;

export function native(): NativeModule {
  if (loaded) return loaded;
  if (!fs.existsSync(ADDON_PATH)) {
    throw new Error(
      `the LightGBM native addon is not built (${ADDON_PATH} is missing): run \`npm ci\` at the ` +
        'repository root, or `bash libs/lightgbm/scripts/build.sh`',
    );
  }
  const mod = require(ADDON_PATH) as NativeModule;
  mod.setErrorClass(LightGBMError);
  loaded = mod;
  return mod;
}

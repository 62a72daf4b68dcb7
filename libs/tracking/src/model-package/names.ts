// The model package's names and defaults, in one place: the trainer writes them, the API and `trainer predict` read
// them, and a default changed here changes for all of them.

/**
 * Versions written into the model's MLmodel / environment files; tools/mlflow/requirements.txt pins the same (a test
 * checks).
 */
export const MODEL_ENV = {
  mlflow: '3.17.2',
  lightgbm: '4.7.0',
  numpy: '2.3.5',
  pandas: '2.3.3',
  python: '3.11.7',
} as const;

/** The artifact directory (below the run's root) that holds the model. */
export const MODEL_ARTIFACT_PATH = 'model';

/** The registered model the trainer writes and the API follows unless told otherwise. */
export const DEFAULT_MODEL_NAME = 'credit-scoring';
/** The alias the trainer moves to a new champion and the API follows. */
export const DEFAULT_MODEL_ALIAS = 'champion';
/** Where `trainer run` and `trainer export` write the bundle, relative to the workspace root / working directory. */
export const DEFAULT_BUNDLE_DIR = 'dist/model-bundle';
/** `models:/credit-scoring@champion` */
export const DEFAULT_MODEL_URI = `models:/${DEFAULT_MODEL_NAME}@${DEFAULT_MODEL_ALIAS}`;

/** The files of a package directory (an MLflow lightgbm-flavour model directory plus ours). */
export const PACKAGE_FILES = {
  /** YAML, MLflow lightgbm flavour; written last, so a reader that finds it can rely on the rest. */
  mlmodel: 'MLmodel',
  /** LightGBM text model (Booster.saveModel), cut at the best iteration. */
  booster: 'model.lgb',
  /** FittedPipelineState of @credit-scoring/features. */
  pipeline: 'feature_pipeline.json',
  /** { "threshold": number, "cost": { kind, ... } } (a bare number is accepted on read). */
  threshold: 'threshold.json',
  /** { "<metric>": number, ... } */
  metrics: 'metrics.json',
  /** { "<file>": "sha256:<hex>" } for the files above the model's answers depend on, checked on read. */
  checksums: 'checksums.json',
  /** Optional: the training population's quantiles / category shares per feature (population.ts); checksummed. */
  population: 'population.json',
  /** Optional, written by an export from the registry: { "name", "version", "alias" }. */
  registered: 'registered_model.json',
  /** The feature spec as JSON, run by the Python executor in code/ (packages with Python scoring). */
  featureSpec: 'feature_spec.json',
  /** MLflow input examples in raw fields (pandas split orient; the serving request body). */
  inputExample: 'input_example.json',
  servingInputExample: 'serving_input_example.json',
  conda: 'conda.yaml',
  pythonEnv: 'python_env.yaml',
  requirements: 'requirements.txt',
} as const;

/** Files whose bytes change the model's answers: a checksum of each is recorded at write time and checked at read. */
export const CHECKSUMMED_FILES = [
  PACKAGE_FILES.booster,
  PACKAGE_FILES.pipeline,
  PACKAGE_FILES.threshold,
  PACKAGE_FILES.metrics,
] as const;

/** A bad package: missing or corrupt file, checksum mismatch, invalid content. The message names the file. */
export class ModelPackageError extends Error {
  override name = 'ModelPackageError';
}

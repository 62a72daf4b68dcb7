// The model package: one module owns its format (names, defaults, write, read). The trainer writes it, the registry
// stores it, the API and `trainer predict` read it.
export {
  CHECKSUMMED_FILES,
  DEFAULT_BUNDLE_DIR,
  DEFAULT_MODEL_ALIAS,
  DEFAULT_MODEL_NAME,
  DEFAULT_MODEL_URI,
  MODEL_ARTIFACT_PATH,
  MODEL_ENV,
  ModelPackageError,
  PACKAGE_FILES,
} from './names';
export {
  modelFiles,
  checkReplaceableDirectory,
  replaceDirectory,
  sha256,
  writeFiles,
  writeIdentity,
  writeModelPackage,
  writeOrder,
  type LoggedModelRef,
  type ModelPackage,
  type RegisteredIdentity,
} from './write';
export {
  parseMetrics,
  parseThreshold,
  readModelPackage,
  readPackageIdentity,
  type PackageIdentity,
  type ReadModelPackage,
} from './read';
export { PYFUNC_MODULE, rawSignature, type PythonScoring } from './python-flavour';
export {
  parsePopulation,
  POPULATION_FORMAT,
  QUANTILE_STEPS,
  shareBelow,
  summarizePopulation,
  type CategorySummary,
  type FeatureSummary,
  type NumericSummary,
  type PopulationInput,
  type PopulationSummary,
} from './population';

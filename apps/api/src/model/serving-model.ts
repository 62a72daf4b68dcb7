// What the API serves: a booster, the feature pipeline it was trained behind, and the decision settings that came with
// it. One immutable object per model version, so swapping versions is a single reference assignment.
import type { Booster } from '@credit-scoring/lightgbm';
import type { FeatureLineage, FeaturePipeline, RawFieldSpec } from '@credit-scoring/features';
import type { PopulationSummary } from '@credit-scoring/tracking';

/** Cost settings as the trainer records them (e.g. { kind: 'credit', fnLoss: 1, fpLoss: 0.19 }). */
export type CostSettings = Record<string, string | number | boolean>;

export interface ServingModel {
  name: string;
  version: string;
  alias?: string;
  /** Where it came from: `models:/name/version` or the bundle folder. */
  source: string;
  runId?: string;
  /** MLmodel utc_time_created (when the trainer wrote the model). */
  trainedAt?: string;
  loadedAt: string;
  booster: Booster;
  pipeline: FeaturePipeline;
  featureNames: string[];
  rawFields: RawFieldSpec[];
  /** Application fields the pipeline cannot do without (rawFields with required: true). */
  requiredFields: string[];
  /** Per feature (in featureNames order), the raw application fields or side-table columns behind it. */
  lineage: FeatureLineage[];
  /**
   * The application fields the booster actually reads (through a feature it splits on), in rawFields order: the
   * "model inputs" a request is told it lacks.
   */
  modelInputs: string[];
  /** The training population's summaries (population.json), when the package has them. */
  population?: PopulationSummary;
  /** Probability of default at or above which the application is refused. */
  threshold: number;
  cost: CostSettings;
  metrics: Record<string, number>;
}

export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

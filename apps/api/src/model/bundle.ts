// A ServingModel assembled from a model package (the folder format is owned by @credit-scoring/tracking's
// model-package module: names, checksums, identity). Here: restore the pipeline, parse the booster, check they agree.
import { Booster } from '@credit-scoring/lightgbm';
import { FeaturePipeline, type FeatureLineage, type RawFieldSpec } from '@credit-scoring/features';
import {
  ModelPackageError,
  readModelPackage,
  type PackageIdentity,
  type ReadModelPackage,
} from '@credit-scoring/tracking';
import { ModelLoadError, ServingModel } from './serving-model';

/** The package as read, with its identity possibly overridden by where it came from (an MLflow alias). */
export type ModelParts = Pick<
  ReadModelPackage,
  'modelText' | 'featurePipeline' | 'threshold' | 'cost' | 'metrics' | 'population'
> & {
  identity: PackageIdentity;
};

/** Builds a ServingModel from a checked package, checking that booster and pipeline agree on the feature columns. */
export function assembleModel(parts: ModelParts, source: string): ServingModel {
  let pipeline: FeaturePipeline;
  try {
    pipeline = FeaturePipeline.fromJSON(parts.featurePipeline as Parameters<typeof FeaturePipeline.fromJSON>[0]);
  } catch (error) {
    throw new ModelLoadError(`${source}: feature pipeline cannot be restored (${(error as Error).message})`);
  }
  let booster: Booster;
  try {
    booster = Booster.fromString(parts.modelText);
  } catch (error) {
    throw new ModelLoadError(`${source}: LightGBM model cannot be parsed (${(error as Error).message})`);
  }
  const featureNames = pipeline.featureNames;
  if (booster.numFeature !== featureNames.length) {
    booster.free();
    throw new ModelLoadError(
      `${source}: booster has ${booster.numFeature} features but the pipeline produces ${featureNames.length}`,
    );
  }
  const rawFields = pipeline.rawFields();
  const lineage = pipeline.lineage();
  const { identity } = parts;
  return {
    name: identity.name,
    version: identity.version,
    alias: identity.alias,
    runId: identity.runId,
    trainedAt: identity.trainedAt,
    source,
    loadedAt: new Date().toISOString(),
    booster,
    pipeline,
    featureNames,
    rawFields,
    requiredFields: rawFields.filter((field) => field.required).map((field) => field.name),
    lineage,
    modelInputs: modelInputs(booster, lineage, rawFields),
    population: parts.population,
    threshold: parts.threshold,
    cost: parts.cost,
    metrics: parts.metrics,
  };
}

/** Application fields behind the features the booster splits on (SK_ID_CURR, an id, is no input). */
function modelInputs(booster: Booster, lineage: FeatureLineage[], rawFields: RawFieldSpec[]): string[] {
  const splits = booster.featureImportance('split');
  const used = new Set(lineage.filter((_, j) => splits[j] > 0).flatMap((entry) => entry.fields));
  return rawFields.map((field) => field.name).filter((name) => used.has(name) && name !== 'SK_ID_CURR');
}

/** Reads a package folder (an exported bundle) and assembles it; every failure is a ModelLoadError with the reason. */
export async function loadBundle(dir: string): Promise<ServingModel> {
  return assembleModel(await readPackage(dir), dir);
}

/** readModelPackage with its errors as ModelLoadError, the API's "cannot serve this" (503 with the reason). */
export async function readPackage(dir: string): Promise<ReadModelPackage> {
  try {
    return await readModelPackage(dir);
  } catch (error) {
    if (error instanceof ModelPackageError) throw new ModelLoadError(error.message);
    throw error;
  }
}

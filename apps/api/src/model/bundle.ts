// A model bundle is the MLflow model directory of a registered version, copied to disk, so the API runs the same files
// with or without an MLflow server:
//
//   <dir>/MLmodel                 YAML, MLflow lightgbm flavour (the API reads run_id, utc_time_created)
//   <dir>/model.lgb               LightGBM text model (Booster.saveModel), cut at the best iteration
//   <dir>/feature_pipeline.json   FittedPipelineState (FeaturePipeline.toJSON())
//   <dir>/threshold.json          { "threshold": number, "cost": { kind, ... } }   (a bare number is accepted too)
//   <dir>/metrics.json            { "<metric>": number, ... }
//   <dir>/registered_model.json   optional, written by the trainer's export: { "name", "version", "alias" }
//   (conda.yaml, python_env.yaml, requirements.txt ... may be present; the API ignores them)
//
// Without registered_model.json the version is reported as `run-<first 8 chars of run_id>`.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Booster } from '@credit-scoring/lightgbm';
import { FeaturePipeline } from '@credit-scoring/features';
import { CostSettings, ModelLoadError, ServingModel } from './serving-model';

export const BUNDLE_FILES = {
  mlmodel: 'MLmodel',
  booster: 'model.lgb',
  pipeline: 'feature_pipeline.json',
  threshold: 'threshold.json',
  metrics: 'metrics.json',
  registered: 'registered_model.json',
} as const;

export interface BundleIdentity {
  name: string;
  version: string;
  alias?: string;
  runId?: string;
  trainedAt?: string;
}

async function readText(dir: string, file: string): Promise<string> {
  try {
    return await readFile(path.join(dir, file), 'utf8');
  } catch (error) {
    throw new ModelLoadError(`model bundle ${dir}: cannot read ${file} (${(error as Error).message})`);
  }
}

async function readJson(dir: string, file: string): Promise<unknown> {
  const text = await readText(dir, file);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ModelLoadError(`model bundle ${dir}: ${file} is not valid JSON (${(error as Error).message})`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseThreshold(value: unknown, where: string): { threshold: number; cost: CostSettings } {
  const threshold = isRecord(value) ? value.threshold : value;
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1)) {
    throw new ModelLoadError(`${where}: threshold must be a number in [0, 1], got ${JSON.stringify(threshold)}`);
  }
  const cost = isRecord(value) && isRecord(value.cost) ? (value.cost as CostSettings) : {};
  return { threshold, cost };
}

export function parseMetrics(value: unknown, where: string): Record<string, number> {
  if (!isRecord(value)) throw new ModelLoadError(`${where}: metrics must be an object of numbers`);
  const metrics: Record<string, number> = {};
  for (const [key, metric] of Object.entries(value)) if (typeof metric === 'number') metrics[key] = metric;
  return metrics;
}

/** Who the bundle is: registered_model.json when the export wrote one, otherwise the MLmodel's run. */
export async function readBundleIdentity(dir: string): Promise<BundleIdentity> {
  const mlmodel = parseYaml(await readText(dir, BUNDLE_FILES.mlmodel)) as unknown;
  if (!isRecord(mlmodel)) throw new ModelLoadError(`model bundle ${dir}: MLmodel is not a YAML mapping`);
  const runId = typeof mlmodel.run_id === 'string' ? mlmodel.run_id : undefined;
  const trainedAt = typeof mlmodel.utc_time_created === 'string' ? mlmodel.utc_time_created : undefined;
  let registered: Record<string, unknown> = {};
  try {
    const value = JSON.parse(await readFile(path.join(dir, BUNDLE_FILES.registered), 'utf8')) as unknown;
    if (isRecord(value)) registered = value;
  } catch {
    // optional file: a bundle written straight from a run has no registry identity
  }
  return {
    name: typeof registered.name === 'string' ? registered.name : 'credit-scoring',
    version: registered.version !== undefined ? String(registered.version) : `run-${(runId ?? 'unknown').slice(0, 8)}`,
    alias: typeof registered.alias === 'string' ? registered.alias : undefined,
    runId,
    trainedAt,
  };
}

/** Builds a ServingModel from parsed parts, checking that booster and pipeline agree on the feature columns. */
export function assembleModel(parts: {
  identity: BundleIdentity;
  source: string;
  modelText: string;
  pipelineState: unknown;
  threshold: unknown;
  metrics: unknown;
}): ServingModel {
  const where = parts.source;
  const { threshold, cost } = parseThreshold(parts.threshold, where);
  const metrics = parseMetrics(parts.metrics, where);
  let pipeline: FeaturePipeline;
  try {
    pipeline = FeaturePipeline.fromJSON(parts.pipelineState as Parameters<typeof FeaturePipeline.fromJSON>[0]);
  } catch (error) {
    throw new ModelLoadError(`${where}: feature pipeline cannot be restored (${(error as Error).message})`);
  }
  let booster: Booster;
  try {
    booster = Booster.fromString(parts.modelText);
  } catch (error) {
    throw new ModelLoadError(`${where}: LightGBM model cannot be parsed (${(error as Error).message})`);
  }
  const featureNames = pipeline.featureNames;
  if (booster.numFeature !== featureNames.length) {
    booster.free();
    throw new ModelLoadError(
      `${where}: booster has ${booster.numFeature} features but the pipeline produces ${featureNames.length}`,
    );
  }
  const rawFields = pipeline.rawFields();
  return {
    name: parts.identity.name,
    version: parts.identity.version,
    alias: parts.identity.alias,
    runId: parts.identity.runId,
    trainedAt: parts.identity.trainedAt,
    source: where,
    loadedAt: new Date().toISOString(),
    booster,
    pipeline,
    featureNames,
    rawFields,
    requiredFields: rawFields.filter((field) => field.required).map((field) => field.name),
    threshold,
    cost,
    metrics,
  };
}

/** Reads an exported bundle folder (layout above). `identity` overrides what the folder says (MLflow downloads). */
export async function loadBundle(dir: string, identity?: Partial<BundleIdentity> & { source?: string }): Promise<ServingModel> {
  const [fromFolder, modelText, pipelineState, threshold, metrics] = await Promise.all([
    readBundleIdentity(dir),
    readText(dir, BUNDLE_FILES.booster),
    readJson(dir, BUNDLE_FILES.pipeline),
    readJson(dir, BUNDLE_FILES.threshold),
    readJson(dir, BUNDLE_FILES.metrics),
  ]);
  const { source, ...override } = identity ?? {};
  const merged: BundleIdentity = { ...fromFolder };
  for (const [key, value] of Object.entries(override)) if (value !== undefined) Object.assign(merged, { [key]: value });
  return assembleModel({ identity: merged, source: source ?? dir, modelText, pipelineState, threshold, metrics });
}

// The model package in MLflow: log a package as an MLflow 3 logged model of a run, register it, download a registered
// version back. The package format itself (files, checks, defaults) is owned by ./model-package.
import * as fs from 'node:fs';
import type { MlflowClient } from './client';
import { MlflowError } from './errors';
import {
  MODEL_ARTIFACT_PATH,
  modelFiles,
  PACKAGE_FILES,
  readModelPackage,
  writeOrder,
  type LoggedModelRef,
  type ModelPackage,
  type ReadModelPackage,
} from './model-package';
import type { BatchItems, LoggedModel } from './types';

/** A registered model version fetched back from the registry: the checked package plus where it came from. */
export interface LoadedModelPackage extends ReadModelPackage {
  name: string;
  version: string;
  runId?: string;
}

/** What a logged model carries besides its files. */
export interface LoggedModelOptions {
  /** The logged model's name (default `model`, so Python's `runs:/<run_id>/model` still resolves to it). */
  name?: string;
  params?: Record<string, string | number | boolean>;
  tags?: Record<string, string>;
  /** Metrics linked to the model (and logged on the run), each optionally with the dataset it was computed on. */
  metrics?: NonNullable<BatchItems['metrics']>;
  modelType?: string;
}

/**
 * What MLflow 3's Python `log_model` does, over REST: creates a logged model of the run (PENDING), uploads its files
 * to the model's own artifact location, links the metrics and the run (log-outputs), then marks it READY; a failed
 * upload marks it UPLOAD_FAILED. `files` gets the new model's id and location (an MLmodel names them).
 */
export async function logModelFiles(
  client: MlflowClient,
  runId: string,
  files: (ref: LoggedModelRef) => Record<string, string | Buffer>,
  opts: LoggedModelOptions = {},
): Promise<LoggedModel> {
  const run = await client.getRun(runId);
  const model = await client.createLoggedModel({
    experimentId: run.info.experimentId,
    name: opts.name ?? MODEL_ARTIFACT_PATH,
    sourceRunId: runId,
    modelType: opts.modelType,
    params: opts.params,
    tags: opts.tags,
  });
  try {
    const content = files({ modelId: model.modelId, artifactUri: model.artifactUri });
    for (const name of writeOrder(content).filter((n) => n in content)) {
      await client.uploadLoggedModelArtifact(model, name, content[name]);
    }
    await client.logOutputs(runId, [{ modelId: model.modelId, step: 0 }]);
    if (opts.metrics?.length) {
      await client.logBatch(runId, { metrics: opts.metrics.map((m) => ({ ...m, modelId: model.modelId })) });
    }
    return await client.finalizeLoggedModel(model.modelId, 'LOGGED_MODEL_READY');
  } catch (err) {
    await client.finalizeLoggedModel(model.modelId, 'LOGGED_MODEL_UPLOAD_FAILED').catch(() => undefined);
    throw err;
  }
}

/**
 * Logs the model package as a logged model of the run (named `model` unless opts.name says otherwise), loadable by
 * mlflow.lightgbm / mlflow.pyfunc from `models:/<model_id>`. Bad input throws before anything is created.
 */
export async function logModel(
  client: MlflowClient,
  runId: string,
  model: ModelPackage,
  opts: LoggedModelOptions = {},
): Promise<LoggedModel> {
  modelFiles(runId, model); // validates the package before the logged model exists
  return logModelFiles(client, runId, (ref) => modelFiles(runId, model, new Date(), ref), opts);
}

/**
 * Where the run's model `artifactPath` is, as MLflow 3's Python registration resolves `runs:/<run_id>/<path>`: the
 * run's own artifacts when an MLmodel is there (models logged before logged models existed), else the logged model
 * of that name the run produced (the one at the largest output step), as `models:/<model_id>`.
 */
export async function resolveRunModel(
  client: MlflowClient,
  runId: string,
  artifactPath = MODEL_ARTIFACT_PATH,
): Promise<{ source: string; modelId?: string }> {
  const listed = await client.listArtifacts(runId, artifactPath).catch(() => []);
  if (listed.some((f) => f.path === `${artifactPath}/${PACKAGE_FILES.mlmodel}`)) {
    return { source: `${await client.artifactUri(runId)}/${artifactPath}` };
  }
  const run = await client.getRun(runId);
  const steps = new Map(run.outputs.map((o) => [o.modelId, o.step]));
  const candidates = (
    await client.searchLoggedModels({ experimentIds: [run.info.experimentId], filter: `name = '${artifactPath}'` })
  ).filter((m) => m.sourceRunId === runId && m.status === 'LOGGED_MODEL_READY');
  if (candidates.length === 0) {
    throw new MlflowError(`run ${runId} has no model '${artifactPath}' (no logged model, no MLmodel artifact)`);
  }
  const chosen = candidates.reduce((a, b) => ((steps.get(b.modelId) ?? 0) > (steps.get(a.modelId) ?? 0) ? b : a));
  return { source: `models:/${chosen.modelId}`, modelId: chosen.modelId };
}

/**
 * Registers the run's model (see resolveRunModel) as a new version of `name` (creating the registered model if
 * needed), waits until it is READY and, when asked, points `alias` (e.g. champion) at it. For a logged model the
 * server itself adds {name, version} to its mlflow.modelVersions tag (the Logged models view shows it).
 */
export async function registerModel(
  client: MlflowClient,
  runId: string,
  name: string,
  opts: { alias?: string } = {},
): Promise<{ version: string; modelId?: string }> {
  const { source, modelId } = await resolveRunModel(client, runId);
  await client.getOrCreateRegisteredModel(name);
  const created = await client.createModelVersion({ name, source, runId, modelId });
  await client.waitForModelVersion(name, created.version);
  await recordRegisteredVersion(client, runId, name, created.version, modelId);
  if (opts.alias) await client.setRegisteredModelAlias(name, opts.alias, created.version);
  return { version: created.version, modelId };
}

/**
 * Writes registered_model.json ({ name, version }) into the registered model's files once the version exists (the
 * logged model `modelId`, or the run's `model/` directory of an older run), so that a loader of the registered files
 * (mlflow.pyfunc, `mlflow models serve`, Spark) can answer with the model version as the API does. The alias is not
 * recorded: it moves, the version does not. Not checksummed: it changes no answer.
 */
export async function recordRegisteredVersion(
  client: MlflowClient,
  runId: string,
  name: string,
  version: string,
  modelId?: string,
): Promise<void> {
  const body = `${JSON.stringify({ name, version, alias: null }, null, 2)}\n`;
  if (modelId) {
    await client.uploadLoggedModelArtifact(await client.getLoggedModel(modelId), PACKAGE_FILES.registered, body);
  } else {
    await client.uploadArtifactBytes(runId, `${MODEL_ARTIFACT_PATH}/${PACKAGE_FILES.registered}`, body);
  }
}

/** Downloads a registered version (by number or alias) into destDir and reads the package back, checked. */
export async function downloadModel(
  client: MlflowClient,
  name: string,
  aliasOrVersion: string,
  destDir: string,
): Promise<LoadedModelPackage> {
  const mv = /^\d+$/.test(aliasOrVersion)
    ? await client.getModelVersion(name, aliasOrVersion)
    : await client.getModelVersionByAlias(name, aliasOrVersion);
  const uri = await client.getModelVersionDownloadUri(name, mv.version);
  await fs.promises.mkdir(destDir, { recursive: true });
  await client.downloadArtifactsFromUri(uri, destDir);
  const read = await readModelPackage(destDir);
  return { ...read, name, version: mv.version, runId: mv.runId };
}

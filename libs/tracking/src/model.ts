// The model package in the MLflow registry: upload a package as a run's `model/` artifact, register it, download a
// registered version back. The package format itself (files, checks, defaults) is owned by ./model-package.
import * as fs from 'node:fs';
import type { MlflowClient } from './client';
import { MlflowError } from './errors';
import {
  MODEL_ARTIFACT_PATH,
  modelFiles,
  PACKAGE_FILES,
  readModelPackage,
  writeOrder,
  type ModelPackage,
  type ReadModelPackage,
} from './model-package';

/** A registered model version fetched back from the registry: the checked package plus where it came from. */
export interface LoadedModelPackage extends ReadModelPackage {
  name: string;
  version: string;
  runId?: string;
}

/** Uploads the model directory under the run's artifact path `model/`. Bad input throws before any upload. */
export async function logModel(client: MlflowClient, runId: string, model: ModelPackage): Promise<void> {
  const files = modelFiles(runId, model);
  for (const name of writeOrder(files)) {
    await client.uploadArtifactBytes(runId, `${MODEL_ARTIFACT_PATH}/${name}`, files[name]);
  }
}

/**
 * Registers the run's `model/` directory as a new version of `name` (creating the registered model if needed),
 * waits until it is READY and, when asked, points `alias` (e.g. champion) at it.
 */
export async function registerModel(
  client: MlflowClient,
  runId: string,
  name: string,
  opts: { alias?: string } = {},
): Promise<{ version: string }> {
  const listed = await client.listArtifacts(runId, MODEL_ARTIFACT_PATH);
  if (!listed.some((f) => f.path === `${MODEL_ARTIFACT_PATH}/${PACKAGE_FILES.mlmodel}`)) {
    throw new MlflowError(`run ${runId} has no ${MODEL_ARTIFACT_PATH}/MLmodel artifact: call logModel first`);
  }
  await client.getOrCreateRegisteredModel(name);
  const source = `${await client.artifactUri(runId)}/${MODEL_ARTIFACT_PATH}`;
  const created = await client.createModelVersion({ name, source, runId });
  await client.waitForModelVersion(name, created.version);
  await recordRegisteredVersion(client, runId, name, created.version);
  if (opts.alias) await client.setRegisteredModelAlias(name, opts.alias, created.version);
  return { version: created.version };
}

/**
 * Writes registered_model.json ({ name, version }) into the run's model directory once the version exists, so that a
 * loader of the registered files (mlflow.pyfunc, `mlflow models serve`, Spark) can answer with the model version as
 * the API does. The alias is not recorded: it moves, the version does not. Not checksummed: it changes no answer.
 */
export async function recordRegisteredVersion(
  client: MlflowClient,
  runId: string,
  name: string,
  version: string,
): Promise<void> {
  const body = `${JSON.stringify({ name, version, alias: null }, null, 2)}\n`;
  await client.uploadArtifactBytes(runId, `${MODEL_ARTIFACT_PATH}/${PACKAGE_FILES.registered}`, body);
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

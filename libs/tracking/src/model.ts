import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import type { MlflowClient } from './client';
import { MlflowError } from './errors';

/** Versions written into the model's MLmodel / environment files; tools/mlflow/requirements.txt pins the same (a test checks). */
export const MODEL_ENV = { mlflow: '3.17.2', lightgbm: '4.7.0', numpy: '2.3.5', pandas: '2.3.3', python: '3.11.7' } as const;

/** The artifact directory (below the run's root) that holds the model. */
export const MODEL_ARTIFACT_PATH = 'model';

/** What the trainer hands over to be stored as one MLflow model. */
export interface ModelPackage {
  /** LightGBM text format, already cut at the best iteration. */
  modelText: string;
  /** The model's columns in order; must equal the model text's feature_names. */
  featureNames: string[];
  /** FittedPipelineState JSON of @credit-scoring/features. */
  featurePipeline: unknown;
  /** Decision threshold on the predicted default probability. */
  threshold: number;
  /** The cost model the threshold was chosen for. */
  cost: unknown;
  metrics: Record<string, number>;
  /** More files to put next to the model (e.g. plots, reports); names relative to the model dir. */
  extraFiles?: Record<string, string | Buffer>;
}

/** A registered model version fetched back from the registry: the stored package plus where it came from. */
export interface LoadedModelPackage extends Omit<ModelPackage, 'extraFiles'> {
  name: string;
  version: string;
  runId?: string;
  /** Local directory it was downloaded to. */
  dir: string;
  /** The parsed MLmodel file. */
  mlmodel: Record<string, unknown>;
}

const OWN_FILES = ['MLmodel', 'model.lgb', 'conda.yaml', 'python_env.yaml', 'requirements.txt',
  'feature_pipeline.json', 'threshold.json', 'metrics.json'];

/** The files of an MLflow model directory in the lightgbm flavour (loadable by mlflow.lightgbm and mlflow.pyfunc). */
export function modelFiles(runId: string, model: ModelPackage, now = new Date()): Record<string, string | Buffer> {
  validatePackage(model);
  const requirements = [`mlflow==${MODEL_ENV.mlflow}`, `lightgbm==${MODEL_ENV.lightgbm}`,
    `numpy==${MODEL_ENV.numpy}`, `pandas==${MODEL_ENV.pandas}`];
  const files: Record<string, string | Buffer> = {
    'model.lgb': model.modelText,
    'requirements.txt': requirements.join('\n') + '\n',
    'conda.yaml': YAML.stringify({
      channels: ['conda-forge'],
      dependencies: [`python=${MODEL_ENV.python}`, 'pip', { pip: requirements }],
      name: 'mlflow-env',
    }),
    'python_env.yaml': YAML.stringify({
      python: MODEL_ENV.python,
      build_dependencies: ['pip', 'setuptools', 'wheel'],
      dependencies: ['-r requirements.txt'],
    }),
    'feature_pipeline.json': JSON.stringify(model.featurePipeline),
    'threshold.json': JSON.stringify({ threshold: model.threshold, cost: model.cost }, null, 2),
    'metrics.json': JSON.stringify(model.metrics, null, 2),
    ...model.extraFiles,
  };
  const size = Object.values(files).reduce((n, f) => n + Buffer.byteLength(f), 0);
  // Signature: one optional double column per feature, in the model's order; pyfunc reorders input by name.
  const inputs = model.featureNames.map((name) => ({ type: 'double', name, required: false }));
  const outputs = [{ type: 'tensor', 'tensor-spec': { dtype: 'float64', shape: [-1] } }];
  files.MLmodel = YAML.stringify({
    artifact_path: MODEL_ARTIFACT_PATH,
    flavors: {
      lightgbm: { code: null, data: 'model.lgb', lgb_version: MODEL_ENV.lightgbm, model_class: 'lightgbm.basic.Booster' },
      python_function: {
        data: 'model.lgb',
        env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
        loader_module: 'mlflow.lightgbm',
        python_version: MODEL_ENV.python,
      },
    },
    mlflow_version: MODEL_ENV.mlflow,
    model_size_bytes: size,
    model_uuid: randomUUID().replace(/-/g, ''),
    run_id: runId,
    signature: { inputs: JSON.stringify(inputs), outputs: JSON.stringify(outputs), params: null },
    utc_time_created: now.toISOString().replace('T', ' ').replace('Z', '000'),
  }, { lineWidth: 0 });
  return files;
}

/** Uploads the model directory under the run's artifact path `model/`. Bad input throws before any upload. */
export async function logModel(client: MlflowClient, runId: string, model: ModelPackage): Promise<void> {
  const files = modelFiles(runId, model);
  // MLmodel last: a reader that finds it can rely on the rest being there.
  const names = Object.keys(files).filter((n) => n !== 'MLmodel').concat('MLmodel');
  for (const name of names) await client.uploadArtifactBytes(runId, `${MODEL_ARTIFACT_PATH}/${name}`, files[name]);
}

/**
 * Registers the run's `model/` directory as a new version of `name` (creating the registered model if needed),
 * waits until it is READY and, when asked, points `alias` (e.g. champion) at it.
 */
export async function registerModel(client: MlflowClient, runId: string, name: string, opts: { alias?: string } = {}): Promise<{ version: string }> {
  const listed = await client.listArtifacts(runId, MODEL_ARTIFACT_PATH);
  if (!listed.some((f) => f.path === `${MODEL_ARTIFACT_PATH}/MLmodel`)) {
    throw new MlflowError(`run ${runId} has no ${MODEL_ARTIFACT_PATH}/MLmodel artifact: call logModel first`);
  }
  await client.getOrCreateRegisteredModel(name);
  const source = `${await client.artifactUri(runId)}/${MODEL_ARTIFACT_PATH}`;
  const created = await client.createModelVersion({ name, source, runId });
  await client.waitForModelVersion(name, created.version);
  if (opts.alias) await client.setRegisteredModelAlias(name, opts.alias, created.version);
  return { version: created.version };
}

/** Downloads a registered version (by number or alias) into destDir and reads the package back. */
export async function downloadModel(client: MlflowClient, name: string, aliasOrVersion: string, destDir: string): Promise<LoadedModelPackage> {
  const mv = /^\d+$/.test(aliasOrVersion)
    ? await client.getModelVersion(name, aliasOrVersion)
    : await client.getModelVersionByAlias(name, aliasOrVersion);
  const uri = await client.getModelVersionDownloadUri(name, mv.version);
  await fs.promises.mkdir(destDir, { recursive: true });
  await client.downloadArtifactsFromUri(uri, destDir);

  const read = (file: string) => {
    const p = path.join(destDir, file);
    if (!fs.existsSync(p)) throw new MlflowError(`model ${name} version ${mv.version} (${uri}) has no ${file}`);
    return fs.readFileSync(p, 'utf8');
  };
  const mlmodel = YAML.parse(read('MLmodel')) as Record<string, unknown>;
  const flavors = mlmodel.flavors as { lightgbm?: { data?: string } } | undefined;
  if (!flavors?.lightgbm?.data) throw new MlflowError(`model ${name} version ${mv.version} is not in the lightgbm flavour`);
  const signature = mlmodel.signature as { inputs?: string } | undefined;
  const inputs = signature?.inputs ? (JSON.parse(signature.inputs) as Array<{ name: string }>) : [];
  const thresholdFile = JSON.parse(read('threshold.json')) as { threshold: number; cost: unknown };
  return {
    name, version: mv.version, runId: mv.runId, dir: destDir,
    modelText: read(flavors.lightgbm.data),
    featureNames: inputs.map((i) => i.name),
    featurePipeline: JSON.parse(read('feature_pipeline.json')) as unknown,
    threshold: thresholdFile.threshold,
    cost: thresholdFile.cost,
    metrics: JSON.parse(read('metrics.json')) as Record<string, number>,
    mlmodel,
  };
}

function validatePackage(m: ModelPackage): void {
  if (typeof m.modelText !== 'string' || !m.modelText.startsWith('tree')) {
    throw new MlflowError('modelText must be a LightGBM text model (it starts with "tree")');
  }
  if (!Array.isArray(m.featureNames) || m.featureNames.length === 0) throw new MlflowError('featureNames must be a non-empty array');
  if (new Set(m.featureNames).size !== m.featureNames.length) throw new MlflowError('featureNames contains duplicates');
  const line = /^feature_names=(.*)$/m.exec(m.modelText);
  const inModel = line ? line[1].trim().split(' ') : [];
  if (inModel.join('\u0000') !== m.featureNames.join('\u0000')) {
    const firstDiff = m.featureNames.findIndex((n, i) => n !== inModel[i]);
    throw new MlflowError(`featureNames (${m.featureNames.length}) differ from the model text's feature_names (${inModel.length})`
      + (firstDiff >= 0 ? ` at column ${firstDiff}: '${m.featureNames[firstDiff]}' vs '${inModel[firstDiff]}'` : ''));
  }
  if (typeof m.threshold !== 'number' || !(m.threshold >= 0 && m.threshold <= 1)) {
    throw new MlflowError(`threshold must be a probability in [0, 1], got ${m.threshold}`);
  }
  for (const [k, v] of Object.entries(m.metrics ?? {})) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new MlflowError(`metric '${k}' must be a finite number, got ${v}`);
  }
  for (const name of Object.keys(m.extraFiles ?? {})) {
    if (OWN_FILES.includes(name)) throw new MlflowError(`extra file '${name}' would overwrite a model file`);
    if (name.startsWith('/') || name.split('/').some((p) => p === '..' || p === '.' || p === '')) {
      throw new MlflowError(`extra file name '${name}' must be a relative path without '.' or '..'`);
    }
  }
}

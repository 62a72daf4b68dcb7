// Writing a model package: the files of an MLflow lightgbm-flavour model directory (loadable by mlflow.lightgbm and
// mlflow.pyfunc) plus our feature pipeline, threshold, metrics and their checksums. Folders on disk are replaced
// atomically: the new package is written into a temporary sibling and renamed over the target only when complete.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { CHECKSUMMED_FILES, MODEL_ARTIFACT_PATH, MODEL_ENV, ModelPackageError, PACKAGE_FILES } from './names';
import { pythonFiles, pythonMlmodel, validatePython, type PythonScoring } from './python-flavour';
import type { PopulationSummary } from './population';

/** What the trainer hands over to be stored as one model. */
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
  /** The training population's summaries (population.json), for explanations in the client's terms. */
  population?: PopulationSummary;
  /** More files to put next to the model (e.g. plots, reports); names relative to the model dir. */
  extraFiles?: Record<string, string | Buffer>;
  /**
   * The Python scoring: when given, mlflow.pyfunc scores raw applications (python-flavour.ts); without it the
   * python_function flavour is mlflow.lightgbm's, over the engineered features.
   */
  python?: PythonScoring;
}

/** Who a package is in the registry; written as registered_model.json by an export. */
export interface RegisteredIdentity {
  name: string;
  version: string;
  /** null when a version was exported by number rather than through an alias. */
  alias?: string | null;
}

const OWN_FILES: string[] = Object.values(PACKAGE_FILES);

export function sha256(content: string | Buffer): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

/** The MLflow 3 logged model the files are written for: MLmodel then names it, as Python's log_model does. */
export interface LoggedModelRef {
  modelId: string;
  artifactUri: string;
}

/** The files of the package directory, MLmodel included. Bad input throws before anything is written. */
export function modelFiles(
  runId: string,
  model: ModelPackage,
  now = new Date(),
  loggedModel?: LoggedModelRef,
): Record<string, string | Buffer> {
  validatePackage(model);
  const requirements = [
    `mlflow==${MODEL_ENV.mlflow}`,
    `lightgbm==${MODEL_ENV.lightgbm}`,
    `numpy==${MODEL_ENV.numpy}`,
    `pandas==${MODEL_ENV.pandas}`,
  ];
  const files: Record<string, string | Buffer> = {
    [PACKAGE_FILES.booster]: model.modelText,
    [PACKAGE_FILES.requirements]: requirements.join('\n') + '\n',
    [PACKAGE_FILES.conda]: YAML.stringify({
      channels: ['conda-forge'],
      dependencies: [`python=${MODEL_ENV.python}`, 'pip', { pip: requirements }],
      name: 'mlflow-env',
    }),
    [PACKAGE_FILES.pythonEnv]: YAML.stringify({
      python: MODEL_ENV.python,
      build_dependencies: ['pip', 'setuptools', 'wheel'],
      dependencies: ['-r requirements.txt'],
    }),
    [PACKAGE_FILES.pipeline]: JSON.stringify(model.featurePipeline),
    [PACKAGE_FILES.threshold]: JSON.stringify({ threshold: model.threshold, cost: model.cost }, null, 2),
    [PACKAGE_FILES.metrics]: JSON.stringify(model.metrics, null, 2),
    ...(model.python ? pythonFiles(model.python) : {}),
    ...model.extraFiles,
  };
  if (model.population) files[PACKAGE_FILES.population] = JSON.stringify(model.population);
  // A truncated or altered model.lgb must be refused before LightGBM parses it (its parser aborts the process).
  files[PACKAGE_FILES.checksums] = JSON.stringify(
    Object.fromEntries(
      [...CHECKSUMMED_FILES, PACKAGE_FILES.population].filter((n) => n in files).map((n) => [n, sha256(files[n])]),
    ),
    null,
    2,
  );
  const size = Object.values(files).reduce((n, f) => n + Buffer.byteLength(f), 0);
  const env = { conda: PACKAGE_FILES.conda, virtualenv: PACKAGE_FILES.pythonEnv };
  const raw = model.python ? pythonMlmodel(model.python, env) : undefined;
  // Without Python scoring: one optional double column per feature, in the model's order (pyfunc reorders by name).
  const inputs = model.featureNames.map((name) => ({ type: 'double', name, required: false }));
  const outputs = [{ type: 'tensor', 'tensor-spec': { dtype: 'float64', shape: [-1] } }];
  files[PACKAGE_FILES.mlmodel] = YAML.stringify(
    {
      artifact_path: loggedModel?.artifactUri ?? MODEL_ARTIFACT_PATH,
      flavors: {
        lightgbm: {
          code: null,
          data: PACKAGE_FILES.booster,
          lgb_version: MODEL_ENV.lightgbm,
          model_class: 'lightgbm.basic.Booster',
        },
        python_function: {
          ...(raw?.pythonFunction ?? { data: PACKAGE_FILES.booster, env, loader_module: 'mlflow.lightgbm' }),
          python_version: MODEL_ENV.python,
        },
      },
      mlflow_version: MODEL_ENV.mlflow,
      ...(loggedModel ? { model_id: loggedModel.modelId } : {}),
      model_size_bytes: size,
      model_uuid: loggedModel?.modelId ?? randomUUID().replace(/-/g, ''),
      run_id: runId,
      ...(raw ? { saved_input_example_info: raw.saved_input_example_info } : {}),
      signature: raw?.signature ?? { inputs: JSON.stringify(inputs), outputs: JSON.stringify(outputs), params: null },
      utc_time_created: now.toISOString().replace('T', ' ').replace('Z', '000'),
    },
    { lineWidth: 0 },
  );
  return files;
}

/** The names in upload/write order: MLmodel last, so a reader that finds it can rely on the rest being there. */
export function writeOrder(files: Record<string, unknown>): string[] {
  return Object.keys(files)
    .filter((n) => n !== PACKAGE_FILES.mlmodel)
    .concat(PACKAGE_FILES.mlmodel);
}

/**
 * Throws (code EEXIST) unless `dir` is absent, an empty folder, or a model package (a folder with an MLmodel file):
 * the only things a bundle may replace. A user's `--out ~/work` or `--bundle-out /tmp` must not be deleted (session
 * 17: `trainer export --out /tmp` replaced the whole of /tmp with a bundle).
 */
export function checkReplaceableDirectory(dir: string): void {
  const target = path.resolve(dir);
  // Absent, or under a file (ENOTDIR, which creating the folder reports): nothing there to lose.
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw error;
  }
  if (!stat.isDirectory()) throw notReplaceable(target, 'it is a file, not a folder');
  const entries = fs.readdirSync(target);
  if (entries.length === 0) return;
  // One of our bundles, not any folder with an MLmodel (an sklearn model, a folder of notes with one): its checksums
  // file and the files it names, and nothing a bundle of ours does not hold.
  const required = [PACKAGE_FILES.mlmodel, PACKAGE_FILES.checksums, PACKAGE_FILES.booster];
  const absent = required.filter((name) => !entries.includes(name));
  if (absent.length > 0)
    throw notReplaceable(target, `it is a folder with other files (no ${absent.join(', ')}), not a model bundle`);
  const foreign = entries.filter((name) => !BUNDLE_ENTRIES.has(name));
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? ', …' : '');
    throw notReplaceable(target, `it holds ${shown}, which no model bundle has (move it out first)`);
  }
}

/** What a bundle folder may hold: the package's files, the Python code folder, and the trainer's model_info.json. */
const BUNDLE_ENTRIES = new Set<string>([...Object.values(PACKAGE_FILES), 'code', 'model_info.json']);

function notReplaceable(target: string, why: string): Error {
  const message = `${target} exists and ${why}: refusing to replace it; give a new or empty folder, or an old bundle`;
  return Object.assign(new Error(message), { code: 'EEXIST' });
}

/**
 * Fills a fresh temporary sibling of `dir` with `fill`, then renames it over `dir`. If anything fails (a full disk,
 * a bad download, a check) the temporary folder is removed and `dir` is left exactly as it was. `dir` must pass
 * checkReplaceableDirectory, checked before anything is written.
 */
export async function replaceDirectory(dir: string, fill: (tempDir: string) => Promise<void>): Promise<void> {
  checkReplaceableDirectory(dir);
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  await fs.promises.mkdir(parent, { recursive: true });
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = path.join(parent, `.${path.basename(target)}.new-${suffix}`);
  const old = path.join(parent, `.${path.basename(target)}.old-${suffix}`);
  await fs.promises.mkdir(temp);
  try {
    await fill(temp);
  } catch (error) {
    await fs.promises.rm(temp, { recursive: true, force: true });
    throw error;
  }
  // rename(2) cannot replace a non-empty folder: move the old one aside first, and back if the swap fails.
  let movedAside = false;
  try {
    await fs.promises.rename(target, old);
    movedAside = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      await fs.promises.rm(temp, { recursive: true, force: true });
      throw error;
    }
  }
  try {
    await fs.promises.rename(temp, target);
  } catch (error) {
    if (movedAside) await fs.promises.rename(old, target);
    await fs.promises.rm(temp, { recursive: true, force: true });
    throw error;
  }
  if (movedAside) await fs.promises.rm(old, { recursive: true, force: true });
}

/** Writes every file of `files` into `dir` (MLmodel last), each flushed to disk so a crash cannot leave it short. */
export async function writeFiles(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const name of writeOrder(files)) {
    const file = path.join(dir, name);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const handle = await fs.promises.open(file, 'w');
    try {
      await handle.writeFile(files[name]);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

/** registered_model.json: the identity (name, version, alias) the API shows for an exported package. */
export async function writeIdentity(dir: string, identity: RegisteredIdentity): Promise<void> {
  const body = { name: identity.name, version: identity.version, alias: identity.alias ?? null };
  await fs.promises.writeFile(path.join(dir, PACKAGE_FILES.registered), `${JSON.stringify(body, null, 2)}\n`);
}

/**
 * Writes a package as a folder (what `trainer export` and the tests produce), atomically replacing `dir`.
 * `identity` adds registered_model.json.
 */
export async function writeModelPackage(
  dir: string,
  runId: string,
  model: ModelPackage,
  identity?: RegisteredIdentity,
): Promise<void> {
  const files = modelFiles(runId, model);
  await replaceDirectory(dir, async (temp) => {
    await writeFiles(temp, files);
    if (identity) await writeIdentity(temp, identity);
  });
}

function validatePackage(m: ModelPackage): void {
  if (typeof m.modelText !== 'string' || !m.modelText.startsWith('tree')) {
    throw new ModelPackageError('modelText must be a LightGBM text model (it starts with "tree")');
  }
  if (!Array.isArray(m.featureNames) || m.featureNames.length === 0) {
    throw new ModelPackageError('featureNames must be a non-empty array');
  }
  if (new Set(m.featureNames).size !== m.featureNames.length)
    throw new ModelPackageError('featureNames contains duplicates');
  const line = /^feature_names=(.*)$/m.exec(m.modelText);
  const inModel = line ? line[1].trim().split(' ') : [];
  if (inModel.join('\u0000') !== m.featureNames.join('\u0000')) {
    const firstDiff = m.featureNames.findIndex((n, i) => n !== inModel[i]);
    throw new ModelPackageError(
      `featureNames (${m.featureNames.length}) differ from the model text's feature_names (${inModel.length})` +
        (firstDiff >= 0 ? ` at column ${firstDiff}: '${m.featureNames[firstDiff]}' vs '${inModel[firstDiff]}'` : ''),
    );
  }
  if (typeof m.threshold !== 'number' || !(m.threshold >= 0 && m.threshold <= 1)) {
    throw new ModelPackageError(`threshold must be a probability in [0, 1], got ${m.threshold}`);
  }
  for (const [k, v] of Object.entries(m.metrics ?? {})) {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ModelPackageError(`metric '${k}' must be a finite number, got ${v}`);
    }
  }
  if (m.python) validatePython(m.python);
  for (const name of Object.keys(m.extraFiles ?? {})) {
    if (OWN_FILES.includes(name)) throw new ModelPackageError(`extra file '${name}' would overwrite a model file`);
    if (name.startsWith('/') || name.split('/').some((p) => p === '..' || p === '.' || p === '')) {
      throw new ModelPackageError(`extra file name '${name}' must be a relative path without '.' or '..'`);
    }
  }
}

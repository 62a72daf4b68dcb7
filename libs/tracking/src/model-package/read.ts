// Reading a model package folder back: every file checked (present, parseable, checksum as recorded at write time)
// before anything is handed to LightGBM, whose parser aborts the process on a truncated model.
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { CHECKSUMMED_FILES, DEFAULT_MODEL_NAME, ModelPackageError, PACKAGE_FILES } from './names';
import { parsePopulation, type PopulationSummary } from './population';
import { sha256 } from './write';

/** Who a package folder is: registered_model.json when an export wrote one, otherwise the MLmodel's run. */
export interface PackageIdentity {
  name: string;
  /** The registry version, or `run-<first 8 chars of run_id>` for a package written straight from a run. */
  version: string;
  alias?: string;
  runId?: string;
  /** MLmodel utc_time_created (when the trainer wrote the model). */
  trainedAt?: string;
}

/** A package read back from a folder, checked. */
export interface ReadModelPackage {
  dir: string;
  identity: PackageIdentity;
  /** LightGBM text; its checksum matched the one recorded at write time. */
  modelText: string;
  /** The model's columns, from the model text's feature_names. */
  featureNames: string[];
  /** FittedPipelineState JSON of @credit-scoring/features (restored by the caller). */
  featurePipeline: unknown;
  threshold: number;
  cost: Record<string, string | number | boolean>;
  metrics: Record<string, number>;
  /** population.json when the package has one (packages written before it have none). */
  population?: PopulationSummary;
  /** The parsed MLmodel file. */
  mlmodel: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readBytes(dir: string, file: string): Promise<Buffer> {
  try {
    return await fs.promises.readFile(path.join(dir, file));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it is missing' : (error as Error).message;
    throw new ModelPackageError(`model package ${dir}: cannot read ${file} (${reason})`);
  }
}

function parseJson(dir: string, file: string, bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ModelPackageError(`model package ${dir}: ${file} is not valid JSON (${(error as Error).message})`);
  }
}

async function readMlmodel(dir: string): Promise<Record<string, unknown>> {
  let mlmodel: unknown;
  try {
    mlmodel = YAML.parse((await readBytes(dir, PACKAGE_FILES.mlmodel)).toString('utf8'));
  } catch (error) {
    if (error instanceof ModelPackageError) throw error;
    throw new ModelPackageError(`model package ${dir}: MLmodel is not valid YAML (${(error as Error).message})`);
  }
  if (!isRecord(mlmodel)) throw new ModelPackageError(`model package ${dir}: MLmodel is not a YAML mapping`);
  return mlmodel;
}

async function readRegistered(dir: string): Promise<Record<string, unknown>> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(path.join(dir, PACKAGE_FILES.registered));
  } catch {
    return {}; // optional: a package written straight from a run has no registry identity
  }
  const value = parseJson(dir, PACKAGE_FILES.registered, bytes);
  return isRecord(value) ? value : {};
}

function identityOf(mlmodel: Record<string, unknown>, registered: Record<string, unknown>): PackageIdentity {
  const runId = typeof mlmodel.run_id === 'string' ? mlmodel.run_id : undefined;
  const trainedAt = typeof mlmodel.utc_time_created === 'string' ? mlmodel.utc_time_created : undefined;
  const version = registered.version;
  return {
    name: typeof registered.name === 'string' ? registered.name : DEFAULT_MODEL_NAME,
    version:
      typeof version === 'string' || typeof version === 'number'
        ? String(version)
        : `run-${(runId ?? 'unknown').slice(0, 8)}`,
    alias: typeof registered.alias === 'string' ? registered.alias : undefined,
    runId,
    trainedAt,
  };
}

/** The identity alone (MLmodel + registered_model.json): cheap enough to poll. */
export async function readPackageIdentity(dir: string): Promise<PackageIdentity> {
  const [mlmodel, registered] = await Promise.all([readMlmodel(dir), readRegistered(dir)]);
  return identityOf(mlmodel, registered);
}

/** `{ threshold, cost }` as written, or a bare number (older bundles). */
export function parseThreshold(value: unknown, where: string): Pick<ReadModelPackage, 'threshold' | 'cost'> {
  const threshold = isRecord(value) ? value.threshold : value;
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1)) {
    throw new ModelPackageError(`${where}: threshold must be a number in [0, 1], got ${JSON.stringify(threshold)}`);
  }
  const cost = isRecord(value) && isRecord(value.cost) ? (value.cost as ReadModelPackage['cost']) : {};
  return { threshold, cost };
}

/** The numeric entries of metrics.json. */
export function parseMetrics(value: unknown, where: string): Record<string, number> {
  if (!isRecord(value)) throw new ModelPackageError(`${where}: metrics must be an object of numbers`);
  const metrics: Record<string, number> = {};
  for (const [key, metric] of Object.entries(value)) if (typeof metric === 'number') metrics[key] = metric;
  return metrics;
}

function checkChecksums(dir: string, recorded: unknown, contents: Map<string, Buffer>): void {
  if (!isRecord(recorded))
    throw new ModelPackageError(`model package ${dir}: ${PACKAGE_FILES.checksums} is not an object`);
  for (const file of CHECKSUMMED_FILES) {
    const expected = recorded[file];
    if (typeof expected !== 'string') {
      throw new ModelPackageError(`model package ${dir}: ${PACKAGE_FILES.checksums} records no checksum for ${file}`);
    }
    const actual = sha256(contents.get(file) ?? Buffer.alloc(0));
    if (actual !== expected) {
      throw new ModelPackageError(
        `model package ${dir}: ${file} does not match its recorded checksum (truncated or altered since it was ` +
          `written; expected ${expected.slice(0, 19)}…, found ${actual.slice(0, 19)}…)`,
      );
    }
  }
}

/** population.json's bytes, checked against its recorded checksum; undefined when the package has none. */
async function readPopulation(dir: string, recorded: unknown): Promise<Buffer | undefined> {
  const expected = isRecord(recorded) ? recorded[PACKAGE_FILES.population] : undefined;
  if (expected === undefined) return undefined;
  const bytes = await readBytes(dir, PACKAGE_FILES.population);
  if (sha256(bytes) !== expected) {
    throw new ModelPackageError(
      `model package ${dir}: ${PACKAGE_FILES.population} does not match its recorded checksum (truncated or altered)`,
    );
  }
  return bytes;
}

/** Reads and checks a package folder. Throws ModelPackageError naming the folder and file for anything wrong. */
export async function readModelPackage(dir: string): Promise<ReadModelPackage> {
  // Said first: otherwise a mistyped folder reads as a package without checksums.
  if (!fs.existsSync(dir)) throw new ModelPackageError(`model package ${dir}: not found (no such folder)`);
  const [mlmodel, registered, checksums, ...bytes] = await Promise.all([
    readMlmodel(dir),
    readRegistered(dir),
    readBytes(dir, PACKAGE_FILES.checksums).catch((error: unknown) => {
      // Packages written before checksums were recorded: their model cannot be checked before LightGBM parses it.
      if (!fs.existsSync(path.join(dir, PACKAGE_FILES.checksums))) {
        throw new ModelPackageError(
          `model package ${dir}: no ${PACKAGE_FILES.checksums}, so its model cannot be checked before it is parsed ` +
            '(written by an older trainer: export or train it again)',
        );
      }
      throw error;
    }),
    ...CHECKSUMMED_FILES.map((file) => readBytes(dir, file)),
  ]);
  const contents = new Map<string, Buffer>(CHECKSUMMED_FILES.map((file, i) => [file, bytes[i]]));
  checkChecksums(dir, parseJson(dir, PACKAGE_FILES.checksums, checksums), contents);
  const flavors = mlmodel.flavors as { lightgbm?: { data?: unknown } } | undefined;
  if (flavors?.lightgbm?.data !== PACKAGE_FILES.booster) {
    throw new ModelPackageError(
      `model package ${dir}: MLmodel has no lightgbm flavour with data ${PACKAGE_FILES.booster}`,
    );
  }
  const modelText = (contents.get(PACKAGE_FILES.booster) as Buffer).toString('utf8');
  // The model's own column list (the MLmodel signature describes raw fields when the package scores raw input).
  const featureNames = /^feature_names=(.*)$/m.exec(modelText)?.[1].trim().split(' ') ?? [];
  const where = `model package ${dir}`;
  const json = (file: string) => parseJson(dir, file, contents.get(file) as Buffer);
  const population = await readPopulation(dir, parseJson(dir, PACKAGE_FILES.checksums, checksums));
  return {
    dir,
    identity: identityOf(mlmodel, registered),
    modelText,
    featureNames,
    featurePipeline: json(PACKAGE_FILES.pipeline),
    ...parseThreshold(json(PACKAGE_FILES.threshold), where),
    metrics: parseMetrics(json(PACKAGE_FILES.metrics), where),
    population: population && parsePopulation(parseJson(dir, PACKAGE_FILES.population, population), where),
    mlmodel,
  };
}

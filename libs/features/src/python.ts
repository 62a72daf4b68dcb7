/**
 * The feature spec for other engines: the declarative spec of feature-spec.ts as plain JSON (feature_spec.json,
 * shipped beside the model), and the Python executor of that JSON (python/credit_scoring_features, shipped in the
 * model's code/ folder), so that Python (mlflow.pyfunc, Spark) computes the same matrix as this library, bit for bit.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SCHEMAS } from '@credit-scoring/data';
import { inputsOf } from './expr';
import {
  aggregateOutputs,
  APPLICATION_DAYS_SENTINELS,
  APPLICATION_DERIVED,
  DAYS_SENTINEL,
  MAX_MAGNITUDE,
  SIDE_SPECS,
  TEXT_SENTINELS,
  type TableSpec,
} from './feature-spec';
import type { FeaturePipeline } from './pipeline';
import { REQUIRED_APPLICATION_FIELDS } from './pipeline-state';

/** The version of the JSON below; the Python executor refuses another. */
export const FEATURE_SPEC_JSON_VERSION = 1;

function tableJson(spec: TableSpec): unknown {
  const sets = { numeric: new Set<string>(), text: new Set<string>() };
  Object.values(spec.columns).forEach((e) => inputsOf(e, sets));
  spec.groups.forEach((g) => g.where && sets.text.add(g.where.col));
  const outputs = aggregateOutputs(spec);
  return {
    ...spec,
    child: spec.child
      ? {
          spec: tableJson(spec.child.spec),
          joinKey: spec.child.joinKey,
          zeroWhenEmpty: aggregateOutputs(spec.child.spec)
            .filter((o) => o.kind !== 'rows' && o.zeroWhenEmpty)
            .map((o) => o.name),
        }
      : undefined,
    groups: spec.groups.map((g) => ({ name: g.name, where: g.where, aggs: g.aggs })),
    inputs: { numeric: [...sets.numeric], text: [...sets.text] },
    outputs: outputs.map((o) => o.name),
    zeroWhenEmpty: outputs.filter((o) => o.zeroWhenEmpty).map((o) => o.name),
  };
}

/** The feature spec as JSON: cleaning constants, application fields and formulas, side-table specs in order. */
export function featureSpecJson(): Record<string, unknown> {
  const app = Object.entries(SCHEMAS.application_train).filter(([n]) => n !== 'SK_ID_CURR' && n !== 'TARGET');
  return {
    kind: 'credit-scoring/feature-spec',
    version: FEATURE_SPEC_JSON_VERSION,
    maxMagnitude: MAX_MAGNITUDE,
    textSentinels: TEXT_SENTINELS,
    daysSentinel: DAYS_SENTINEL,
    requiredFields: REQUIRED_APPLICATION_FIELDS,
    applicationNumeric: app.filter(([, t]) => t !== 'str').map(([n]) => n),
    // Whole numbers only, as the API's schema says (its 400): the pyfunc's signature no longer types them.
    applicationIntegers: app.filter(([, t]) => t === 'int').map(([n]) => n),
    applicationText: app.filter(([, t]) => t === 'str').map(([n]) => n),
    applicationDays: APPLICATION_DAYS_SENTINELS,
    applicationDerived: APPLICATION_DERIVED,
    sideSpecs: SIDE_SPECS.map(tableJson),
  };
}

/** Where the Python executor's sources live (libs/features/python). */
export const PYTHON_EXECUTOR_DIR = path.join(__dirname, '..', 'python');

/** The Python executor's package files, path (relative to a code/ folder) → source text. */
export function pythonExecutorFiles(): Record<string, string> {
  const pkg = 'credit_scoring_features';
  const dir = path.join(PYTHON_EXECUTOR_DIR, pkg);
  return Object.fromEntries(
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.py'))
      .sort()
      .map((f) => [`${pkg}/${f}`, fs.readFileSync(path.join(dir, f), 'utf8')]),
  );
}

/** What a model package needs to score a fitted pipeline's raw input in Python (tracking's PythonScoring). */
export interface PythonScoringParts {
  featureSpec: Record<string, unknown>;
  executor: Record<string, string>;
  rawFields: Array<{ name: string; type: 'integer' | 'number' | 'string'; required: boolean }>;
  sideTables: string[];
}

/** The Python scoring parts of a fitted pipeline: the spec JSON, the executor, its raw fields and side tables. */
export function pythonScoring(pipeline: FeaturePipeline): PythonScoringParts {
  return {
    featureSpec: featureSpecJson(),
    executor: pythonExecutorFiles(),
    rawFields: pipeline.rawFields().map(({ name, type, required }) => ({ name, type, required })),
    sideTables: [...pipeline.toJSON().options.sideTables],
  };
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { MlflowError } from './errors';
import { downloadModel, logModel, registerModel } from './model';
import { MODEL_ENV, modelFiles, type ModelPackage } from './model-package';
import { workspaceRoot } from '@credit-scoring/data';
import { FIXTURES, tempDir, testClient, unique } from './testing/helpers';

const client = testClient();
const modelText = fs.readFileSync(path.join(FIXTURES, 'interop-model.txt'), 'utf8');
const spec = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'interop-model.json'), 'utf8')) as {
  featureNames: string[];
};

function pkg(overrides: Partial<ModelPackage> = {}): ModelPackage {
  return {
    modelText,
    featureNames: spec.featureNames,
    featurePipeline: { version: 1, columns: spec.featureNames },
    threshold: 0.09,
    cost: { kind: 'credit', fnLoss: 1, fpLoss: 0.19 },
    metrics: { auc: 0.74, business_cost: 0.1 },
    ...overrides,
  };
}

let experimentId: string;
beforeAll(async () => {
  experimentId = await client.getOrCreateExperiment(unique('models'));
});

describe('model files (lightgbm flavour)', () => {
  it('writes an MLmodel with lightgbm + python_function flavours and a signature in model column order', () => {
    const files = modelFiles('abc123', pkg({ extraFiles: { 'plots/roc.svg': '<svg/>' } }));
    expect(Object.keys(files).sort()).toEqual([
      'MLmodel',
      'checksums.json',
      'conda.yaml',
      'feature_pipeline.json',
      'metrics.json',
      'model.lgb',
      'plots/roc.svg',
      'python_env.yaml',
      'requirements.txt',
      'threshold.json',
    ]);
    const mlmodel = YAML.parse(String(files.MLmodel)) as {
      flavors: Record<string, Record<string, unknown>>;
      run_id: string;
      model_size_bytes: number;
      signature: { inputs: string; outputs: string };
    };
    expect(mlmodel.flavors.lightgbm).toEqual({
      code: null,
      data: 'model.lgb',
      lgb_version: '4.7.0',
      model_class: 'lightgbm.basic.Booster',
    });
    expect(mlmodel.flavors.python_function).toMatchObject({
      loader_module: 'mlflow.lightgbm',
      data: 'model.lgb',
      env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
    });
    expect(mlmodel.run_id).toBe('abc123');
    const inputs = JSON.parse(mlmodel.signature.inputs) as Array<{ name: string; type: string; required: boolean }>;
    expect(inputs.map((i) => i.name)).toEqual(spec.featureNames);
    expect(inputs.every((i) => i.type === 'double' && i.required === false)).toBe(true);
    expect(JSON.parse(mlmodel.signature.outputs)).toEqual([
      { type: 'tensor', 'tensor-spec': { dtype: 'float64', shape: [-1] } },
    ]);
    expect(mlmodel.model_size_bytes).toBeGreaterThan(modelText.length);
    expect(files['model.lgb']).toBe(modelText);
    expect(JSON.parse(String(files['threshold.json']))).toEqual({
      threshold: 0.09,
      cost: { kind: 'credit', fnLoss: 1, fpLoss: 0.19 },
    });
  });

  it('pins the same versions as tools/mlflow/requirements.txt', () => {
    const req = fs.readFileSync(path.join(workspaceRoot(), 'tools', 'mlflow', 'requirements.txt'), 'utf8');
    for (const [pkgName, version] of Object.entries({
      mlflow: MODEL_ENV.mlflow,
      lightgbm: MODEL_ENV.lightgbm,
      numpy: MODEL_ENV.numpy,
      pandas: MODEL_ENV.pandas,
    })) {
      expect(req).toMatch(new RegExp(`^${pkgName}==${version.replace(/\./g, '\\.')}$`, 'm'));
    }
  });

  it.each([
    [{ featureNames: [...spec.featureNames].reverse() }, /differ from the model text's feature_names .* at column 0/],
    [{ featureNames: [] }, /non-empty/],
    [{ modelText: 'not a model' }, /LightGBM text model/],
    [{ threshold: 1.5 }, /threshold must be a probability/],
    [{ metrics: { auc: NaN } }, /metric 'auc' must be a finite number/],
    [{ extraFiles: { MLmodel: 'x' } }, /would overwrite a model file/],
    [{ extraFiles: { '../x': 'x' } }, /relative path/],
  ])('rejects a bad package (%o) before uploading anything', async (bad, message) => {
    const run = await client.createRun({ experimentId });
    await expect(logModel(client, run.info.runId, pkg(bad as Partial<ModelPackage>))).rejects.toThrow(message);
    expect(await client.listArtifacts(run.info.runId)).toEqual([]);
    const models = await client.searchLoggedModels({ experimentIds: [experimentId] });
    expect(models.filter((m) => m.sourceRunId === run.info.runId)).toEqual([]);
  });
});

describe('registry round trip', () => {
  it('logs, registers with an alias, moves the alias, and downloads the package back by alias and version', async () => {
    const name = unique('credit-scoring');
    const run1 = await client.createRun({ experimentId, runName: 'v1' });
    await logModel(client, run1.info.runId, pkg({ extraFiles: { 'plots/roc.svg': '<svg>1</svg>' } }));
    const v1 = await registerModel(client, run1.info.runId, name, { alias: 'champion' });
    expect(v1.version).toBe('1');

    // MLflow 3: the version's source is the run's logged model, which records the version in a tag.
    const mv1 = await client.getModelVersion(name, '1');
    expect(mv1).toMatchObject({ status: 'READY', runId: run1.info.runId, source: `models:/${v1.modelId}` });
    const logged = await client.getLoggedModel(v1.modelId!);
    expect(logged).toMatchObject({ name: 'model', sourceRunId: run1.info.runId, status: 'LOGGED_MODEL_READY' });
    expect(JSON.parse(logged.tags['mlflow.modelVersions'])).toEqual([{ name, version: 1 }]); // set by the server
    expect((await client.getRun(run1.info.runId)).outputs).toEqual([{ modelId: v1.modelId, step: 0 }]);
    expect((await client.getModelVersionByAlias(name, 'champion')).version).toBe('1');

    const run2 = await client.createRun({ experimentId, runName: 'v2' });
    await logModel(client, run2.info.runId, pkg({ threshold: 0.12, metrics: { auc: 0.76 } }));
    const v2 = await registerModel(client, run2.info.runId, name);
    expect(v2.version).toBe('2');
    await client.setRegisteredModelAlias(name, 'challenger', '1');
    await client.setRegisteredModelAlias(name, 'champion', '2');
    const registered = await client.getRegisteredModel(name);
    expect(registered?.aliases).toEqual({ champion: '2', challenger: '1' });
    expect((await client.searchModelVersions(`name='${name}'`)).map((v) => v.version).sort()).toEqual(['1', '2']);

    const champion = await downloadModel(client, name, 'champion', tempDir('champion'));
    expect(champion).toMatchObject({
      name,
      version: '2',
      runId: run2.info.runId,
      threshold: 0.12,
      metrics: { auc: 0.76 },
    });
    expect(champion.modelText).toBe(modelText);
    expect(champion.featureNames).toEqual(spec.featureNames);
    expect(champion.featurePipeline).toEqual({ version: 1, columns: spec.featureNames });
    expect(champion.cost).toEqual({ kind: 'credit', fnLoss: 1, fpLoss: 0.19 });

    const first = await downloadModel(client, name, '1', tempDir('v1'));
    expect(first).toMatchObject({ version: '1', threshold: 0.09 });
    expect(fs.readFileSync(path.join(first.dir, 'plots', 'roc.svg'), 'utf8')).toBe('<svg>1</svg>');

    await client.deleteRegisteredModelAlias(name, 'challenger');
    expect((await client.getRegisteredModel(name))?.aliases).toEqual({ champion: '2' });
    // MLflow 3.17 answers an unknown alias with INVALID_PARAMETER_VALUE (not RESOURCE_DOES_NOT_EXIST).
    await expect(client.getModelVersionByAlias(name, 'challenger')).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE',
      status: 400,
    });
    await expect(downloadModel(client, name, '7', tempDir('none'))).rejects.toBeInstanceOf(MlflowError);
  });

  it('refuses to register a run that has no logged model', async () => {
    const run = await client.createRun({ experimentId });
    await expect(registerModel(client, run.info.runId, unique('empty'))).rejects.toThrow(
      /has no model 'model' \(no logged model, no MLmodel artifact\)/,
    );
  });
});

// MLflow 3 conventions over REST against a real server: logged models (create, files, metrics linked, finalize,
// search), dataset inputs, run outputs, the context tags Python's client sets and the experiment kind tag.
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import { logModelFiles } from './model';
import { runContextTags } from './run-context';
import { testClient, unique } from './testing/helpers';
import type { DatasetInput } from './types';

const client = testClient();
let experimentId: string;

beforeAll(async () => {
  experimentId = await client.getOrCreateExperiment(unique('logged-models'));
});

const trainingSet: DatasetInput = {
  dataset: {
    name: 'application_train',
    digest: '0123abcd',
    sourceType: 'local',
    source: JSON.stringify({ uri: '/data/application_train.csv' }),
    schema: JSON.stringify({ mlflow_colspec: [{ type: 'double', name: 'AMT_CREDIT', required: false }] }),
    profile: JSON.stringify({ num_rows: 10, num_elements: 10 }),
  },
  tags: { 'mlflow.data.context': 'training' },
};

describe('logged models', () => {
  it('creates a model of a run, stores its files, links metrics per dataset and the run, and marks it READY', async () => {
    const run = await client.createRun({ experimentId, runName: 'Random Forest' });
    const model = await logModelFiles(
      client,
      run.info.runId,
      (ref) => ({ 'model_info.json': JSON.stringify({ id: ref.modelId }) }),
      {
        name: 'Random Forest',
        params: { num_leaves: 63 },
        tags: { 'credit.model': 'lightgbm_rf' },
        metrics: [{ key: 'test_auc', value: 0.75, dataset: { name: 'test', digest: 'feed0001' } }],
      },
    );
    expect(model).toMatchObject({
      name: 'Random Forest',
      status: 'LOGGED_MODEL_READY',
      sourceRunId: run.info.runId,
      experimentId,
      params: { num_leaves: '63' },
      tags: { 'credit.model': 'lightgbm_rf' },
    });
    expect(model.artifactUri).toBe(`mlflow-artifacts:/${experimentId}/models/${model.modelId}/artifacts`);
    expect(model.metrics).toEqual([
      expect.objectContaining({
        key: 'test_auc',
        value: 0.75,
        runId: run.info.runId,
        datasetName: 'test',
        datasetDigest: 'feed0001',
      }),
    ]);
    expect((await client.listLoggedModelArtifacts(model)).map((f) => f.path)).toEqual(['model_info.json']);
    expect((await client.getRun(run.info.runId)).outputs).toEqual([{ modelId: model.modelId, step: 0 }]);

    const found = await client.searchLoggedModels({ experimentIds: [experimentId], filter: "name = 'Random Forest'" });
    expect(found.map((m) => m.modelId)).toEqual([model.modelId]);
  });

  it('refuses a name MLflow would refuse, before creating anything', async () => {
    const run = await client.createRun({ experimentId });
    await expect(logModelFiles(client, run.info.runId, () => ({}), { name: 'a/b' })).rejects.toThrow(
      /must not contain \//,
    );
    const models = await client.searchLoggedModels({ experimentIds: [experimentId] });
    expect(models.filter((m) => m.sourceRunId === run.info.runId)).toEqual([]);
  });

  it('marks the model UPLOAD_FAILED when its files cannot be written', async () => {
    const run = await client.createRun({ experimentId });
    await expect(
      logModelFiles(client, run.info.runId, () => ({ '../escape': 'x' }), { name: 'broken' }),
    ).rejects.toThrow(/must be relative/);
    const [model] = (
      await client.searchLoggedModels({ experimentIds: [experimentId], filter: "name = 'broken'" })
    ).filter((m) => m.sourceRunId === run.info.runId);
    expect(model.status).toBe('LOGGED_MODEL_UPLOAD_FAILED');
  });
});

describe('run inputs and context', () => {
  it('records dataset inputs with their context, schema and profile', async () => {
    const run = await client.createRun({ experimentId });
    await client.logInputs(run.info.runId, [trainingSet]);
    expect((await client.getRun(run.info.runId)).inputs).toEqual([trainingSet]);
  });

  it('refuses a dataset without a digest before any request', async () => {
    const run = await client.createRun({ experimentId });
    const bad = { ...trainingSet, dataset: { ...trainingSet.dataset, digest: '' } };
    await expect(client.logInputs(run.info.runId, [bad])).rejects.toThrow(/digest must be a non-empty string/);
    expect((await client.getRun(run.info.runId)).inputs).toEqual([]);
  });

  it('tags runs as Python does: user, source name and type, and the git commit of a checkout', async () => {
    const tags = runContextTags({ sourceName: 'apps/trainer run', cwd: __dirname });
    expect(tags).toMatchObject({
      'mlflow.user': os.userInfo().username,
      'mlflow.source.name': 'apps/trainer run',
      'mlflow.source.type': 'LOCAL',
    });
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: __dirname }).toString().trim();
    expect(tags['mlflow.source.git.commit']).toBe(head);
    expect(runContextTags({ sourceName: 'x', cwd: os.tmpdir() })['mlflow.source.git.commit']).toBeUndefined();

    const run = await client.createRun({ experimentId, runName: 'LightGBM', tags });
    const got = await client.getRun(run.info.runId);
    expect(got.tags).toMatchObject({ ...tags, 'mlflow.runName': 'LightGBM' });
  });

  it('tags experiments for the model-training view, also ones made elsewhere without the tag', async () => {
    expect((await client.getExperiment(experimentId)).tags['mlflow.experimentKind']).toBe('custom_model_development');
    const name = unique('bare');
    const res = await fetch(`${client.trackingUri}/api/2.0/mlflow/experiments/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    const bare = ((await res.json()) as { experiment_id: string }).experiment_id;
    expect((await client.getExperiment(bare)).tags['mlflow.experimentKind']).toBeUndefined();
    expect(await client.getOrCreateExperiment(name)).toBe(bare);
    expect((await client.getExperiment(bare)).tags['mlflow.experimentKind']).toBe('custom_model_development');
  });
});

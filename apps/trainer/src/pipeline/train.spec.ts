import { realDataDir } from '@credit-scoring/data';
import { describeRealData, SYNTHETIC, syntheticDataDir } from '@credit-scoring/data/testing';
import { MlflowClient, type Run } from '@credit-scoring/tracking';
import { startLocalServer, type LocalServer } from '@credit-scoring/tracking/server';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { modelLabel, parseRunConfig, type TrainConfig } from '../config';
import { formatSeconds, StageClock } from '../progress';
import { registerChampion } from './register';
import { resultsMarkdown } from './report';
import { runPipeline, type PipelineResult, type TrainedPipeline } from './train';

/*
 * The whole pipeline against a real MLflow server (.ci/run's server when MLFLOW_TRACKING_URI is set, else one started
 * here on a free port with a throw-away store), on two tiers: generated Home Credit files (always) and the real
 * sample (HOME_CREDIT_DIR or ../shared; skipped with the reason when absent).
 */
jest.setTimeout(900_000);

let server: LocalServer | undefined;
let client: MlflowClient;
const experiment = `trainer-test-${process.pid}-${Date.now()}`;
const modelName = `credit-scoring-test-${process.pid}-${Date.now()}`;

function config(dataDir: string, extra: string[]): TrainConfig {
  return parseRunConfig(
    [
      '--data-dir',
      dataDir,
      '--folds',
      '3',
      '--budget',
      '2',
      '--search-rows',
      '4000',
      '--experiment',
      experiment,
      '--model-name',
      modelName,
      '--tag',
      'team=risk',
      ...extra,
    ],
    {},
  )!;
}

beforeAll(async () => {
  let uri = process.env.MLFLOW_TRACKING_URI;
  if (!uri) {
    server = await startLocalServer({ storeDir: mkdtempSync(join(tmpdir(), 'trainer-mlruns-')) });
    uri = server.uri;
  }
  client = new MlflowClient({ trackingUri: uri });
});

afterAll(async () => {
  await server?.stop();
});

/** Each suite's study, by title, for the suites that compare a variant with it. */
const studies = new Map<string, PipelineResult>();
const GENERATED = 'runPipeline on generated data';
const GENERATED_MODELS = ['dummy', 'logistic', 'lightgbm'];

function pipelineSuite(
  describeTier: (name: string, fn: () => void) => void,
  title: string,
  data: () => Promise<string>,
  minAuc: number,
  models: string[],
): void {
  describeTier(title, () => {
    let result: PipelineResult;
    let children: Run[];
    let dataDir: string;

    beforeAll(async () => {
      dataDir = await data();
      const trained = await runPipeline(config(dataDir, ['--models', models.join(',')]), client, new StageClock());
      const { runId, name, alias } = trained.champion;
      // As `trainer run` does, after everything else: register and promote.
      const version = await registerChampion(client, { runId, parentRunId: trained.parentRunId, name, alias });
      result = { ...trained, champion: { ...trained.champion, version } };
      studies.set(title, result);
      children = (
        await client.searchRuns({
          experimentIds: [result.experimentId],
          filter: `tags.mlflow.parentRunId = '${result.parentRunId}'`,
        })
      ).runs;
    });

    it('logs one parent run with a child per model, a threshold run and a best-model run, all FINISHED', async () => {
      const parent = await client.getRun(result.parentRunId);
      expect(parent.info.status).toBe('FINISHED');
      const names = children.map((r) => r.info.runName).sort();
      expect(names).toEqual(['Best model (LightGBM)', ...models.map(modelLabel), 'Threshold (LightGBM)'].sort());
      expect(parent.info.runName).toMatch(/^Model comparison \d{4}-\d\d-\d\d \d\d:\d\d$/);
      expect(children.every((r) => r.info.status === 'FINISHED')).toBe(true);
    });

    it('records CV and test metrics, and beats the dummy model', () => {
      const metric = (runName: string, key: string) => children.find((r) => r.info.runName === runName)!.metrics[key];
      expect(metric('Dummy (prior)', 'cv_auc')).toBeCloseTo(0.5, 6);
      expect(metric('LightGBM', 'cv_auc')).toBeGreaterThan(minAuc);
      expect(metric('LightGBM', 'test_auc')).toBeGreaterThan(minAuc);
      expect(metric('LightGBM', 'cv_cost_per_applicant')!).toBeLessThan(
        metric('Dummy (prior)', 'cv_cost_per_applicant')!,
      );
      const lightgbm = result.comparison.find((r) => r.model === 'lightgbm')!;
      const dummy = result.comparison.find((r) => r.model === 'dummy')!;
      expect(lightgbm.testCost).toBeLessThan(dummy.testCost!);
    });

    it('logs the cost curve as a metric series and the threshold as a param', async () => {
      const run = children.find((r) => r.info.runName?.startsWith('Threshold'))!;
      const history = await client.getMetricHistory(run.info.runId, 'cost_per_applicant_by_threshold_x1000');
      expect(history).toHaveLength(1001);
      const best = Math.min(...history.map((m) => m.value));
      const threshold = Number(run.params.threshold);
      expect(threshold).toBe(result.champion.threshold);
      expect(history.find((m) => m.step === Math.round(threshold * 1000))!.value).toBeCloseTo(best, 9);
    });

    it('stores plots, the model and the comparison as artifacts', async () => {
      const best = children.find((r) => r.info.runName?.startsWith('Best model'))!;
      const plots = (await client.listArtifacts(best.info.runId, 'plots')).map((f) => f.path).sort();
      for (const name of ['confusion_matrix', 'gain_importance', 'roc', 'shap_summary']) {
        expect(plots).toEqual(expect.arrayContaining([`plots/${name}.svg`, `plots/${name}.png`]));
      }
      const png = await client.downloadArtifactBytes(best.info.runId, 'plots/roc.png');
      expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      // MLflow 3: the model is the run's logged model `model`, its files in the model's own artifact location.
      const [logged] = await client.searchLoggedModels({
        experimentIds: [result.experimentId],
        filter: `source_run_id = '${best.info.runId}'`,
      });
      const files = (await client.listLoggedModelArtifacts(logged)).map((f) => f.path);
      expect(files).toEqual(
        expect.arrayContaining(['MLmodel', 'model.lgb', 'feature_pipeline.json', 'threshold.json', 'population.json']),
      );
      const comparison = (await client.downloadArtifactBytes(result.parentRunId, 'comparison.md')).toString();
      expect(comparison).toContain('| lightgbm |');
      const trials = (
        await client.downloadArtifactBytes(
          children.find((r) => r.info.runName === 'LightGBM')!.info.runId,
          'search_trials.csv',
        )
      ).toString();
      expect(trials.trim().split('\n')).toHaveLength(3); // header + budget 2
    });

    it('writes a results report with the comparison and every search trial, the chosen one in bold', () => {
      const markdown = resultsMarkdown(
        result,
        config(dataDir, ['--models', models.join(',')]),
        'npm start -- --report x.md',
        'http://mlflow',
      );
      const lightgbm = result.searches.find((s) => s.model === 'lightgbm')!;
      expect(lightgbm.trials.map((t) => t.trial)).toEqual([1, 2]);
      const chosen = lightgbm.trials.find((t) => t.trial === lightgbm.chosen)!;
      expect(chosen.cvCost).toBe(Math.min(...lightgbm.trials.map((t) => t.cvCost)));
      expect(markdown).toContain('## Search trials');
      expect(markdown).toContain(`**${chosen.cvCost.toFixed(2)} / ${chosen.cvAuc.toFixed(4)}**`);
      expect(markdown).toMatch(/^\| dummy \| \*\*[\d.]+ \/ 0\.5000\*\* \| — \|$/m); // one trial: nothing to search
      // The model stages overlap: the total is the wall time, at least the longest stage.
      expect(result.elapsedSeconds).toBeGreaterThanOrEqual(Math.max(...result.stages.map((st) => st.seconds)));
      expect(markdown).toContain(`| **total** | **${formatSeconds(result.elapsedSeconds)}** |`);
      // The data folder as given (relative to where the command ran), never this machine's absolute path.
      const shown = /^- Data: (.+) \(default rate/m.exec(markdown)?.[1] ?? '';
      expect(isAbsolute(shown)).toBe(false);
      expect(resolve(shown)).toBe(resolve(dataDir));
    });

    it('registers the champion and points the alias at it', async () => {
      const version = await client.getModelVersionByAlias(modelName, 'champion');
      expect(version.version).toBe(result.champion.version);
      const best = children.find((r) => r.info.runName?.startsWith('Best model'))!;
      expect(version.runId).toBe(best.info.runId);
      // The version's source is the best-model run's logged model, which lists the version (the server's tag).
      const logged = await client.getLoggedModel(version.source.replace(/^models:\//, ''));
      expect(logged).toMatchObject({ name: 'model', sourceRunId: best.info.runId, status: 'LOGGED_MODEL_READY' });
      expect(JSON.parse(logged.tags['mlflow.modelVersions'])).toEqual([
        { name: modelName, version: Number(result.champion.version) },
      ]);
      expect(best.info.runId).toBe(result.champion.runId);
      const parent = await client.getRun(result.parentRunId);
      expect(parent.tags['credit.registered_version']).toBe(result.champion.version);
    });

    it('gives every booster run a READY logged model with its params and test metrics on the test set', async () => {
      const logged = await client.searchLoggedModels({ experimentIds: [result.experimentId] });
      for (const run of children.filter((r) => r.tags['credit.stage'] === 'model')) {
        const mine = logged.filter((m) => m.sourceRunId === run.info.runId);
        const booster = ['lightgbm', 'lightgbm_rf', 'gbm_plain'].includes(run.tags['credit.model']);
        if (!booster) {
          // Not loadable anywhere else: no logged model; the fit and the test metrics are the run's.
          expect(mine).toHaveLength(0);
          expect(run.outputs ?? []).toEqual([]);
          expect((await client.listArtifacts(run.info.runId)).map((f) => f.path)).toContain('model_info.json');
          expect(run.metrics.test_auc).toEqual(expect.any(Number));
          continue;
        }
        expect(mine).toHaveLength(1);
        const [model] = mine;
        expect(model).toMatchObject({ name: run.info.runName, status: 'LOGGED_MODEL_READY' });
        expect(run.outputs).toEqual([{ modelId: model.modelId, step: 0 }]);
        expect(model.params).toEqual(run.params);
        const testSet = run.inputs.find((i) => i.tags['mlflow.data.context'] === 'evaluation')!.dataset;
        const auc = model.metrics.find((m) => m.key === 'test_auc')!;
        expect(auc).toMatchObject({ value: run.metrics.test_auc, datasetName: testSet.name });
        expect(auc.datasetDigest).toBe(testSet.digest);
        const files = (await client.listLoggedModelArtifacts(model)).map((f) => f.path);
        expect(files).toEqual(expect.arrayContaining(['MLmodel', 'model.lgb']));
      }
    });

    it('charts the evaluation of an early-stopped booster per round, as LightGBM autologging does', async () => {
      const fitted = children.filter((r) => r.tags['credit.final_fit.bestIteration'] !== undefined);
      expect(fitted.some((r) => r.tags['credit.final_fit.innerValidation'] === 'true')).toBe(true);
      for (const run of fitted) {
        const history = await client.getMetricHistory(run.info.runId, 'valid-auc');
        const stopping = run.tags['credit.final_fit.innerValidation'] === 'true';
        if (!stopping) {
          expect(history).toEqual([]); // the forest: a fixed number of trees, nothing to watch
          continue;
        }
        const best = Number(run.tags['credit.final_fit.bestIteration']);
        expect(history.map((m) => m.step)).toEqual(history.map((_, i) => i));
        expect(history.length).toBeGreaterThanOrEqual(best);
        // the optimum early stopping kept: no later round did better
        const later = history.slice(best).map((m) => m.value);
        expect(Math.max(...later)).toBeLessThanOrEqual(history[best - 1].value);
        expect(run.metrics['valid-auc']).toBe(history[history.length - 1].value);
      }
    });

    it('records the datasets used: every file on the parent, the train/test parts on model runs', async () => {
      const parent = await client.getRun(result.parentRunId);
      const application = parent.inputs.find((i) => i.dataset.name === 'application_train')!;
      const file = join(dataDir, 'application_train.csv');
      expect(application.dataset).toMatchObject({
        sourceType: 'local',
        source: JSON.stringify({ uri: file }),
        digest: createHash('md5').update(readFileSync(file)).digest('hex').slice(0, 8),
      });
      const applicants = result.data.applicants as number;
      expect(JSON.parse(application.dataset.profile!).num_rows).toBe(applicants);
      const colspec = JSON.parse(application.dataset.schema!).mlflow_colspec as Array<{ name: string; type: string }>;
      expect(colspec.find((c) => c.name === 'AMT_CREDIT')).toMatchObject({ type: 'double' });
      expect(colspec.find((c) => c.name === 'TARGET')).toMatchObject({ type: 'long', required: true });
      expect(parent.inputs.map((i) => i.dataset.name)).toEqual(expect.arrayContaining(['bureau']));

      const lightgbm = children.find((r) => r.info.runName === 'LightGBM')!;
      const parts = Object.fromEntries(lightgbm.inputs.map((i) => [i.tags['mlflow.data.context'], i.dataset]));
      expect(parts.training.name).toBe('application_train (train)');
      expect(parts.evaluation.name).toBe('application_train (test)');
      expect(JSON.parse(parts.training.profile!).num_rows).toBe(result.splits.train);
      expect(JSON.parse(parts.evaluation.profile!).num_rows).toBe(result.splits.test);
      expect(parts.training.digest).not.toBe(parts.evaluation.digest);
    });

    it("logs the data actually read as params, not the generator's defaults", async () => {
      const parent = await client.getRun(result.parentRunId);
      expect(Number(parent.params.rows)).toBe(result.data.applicants);
      expect(Number(parent.params.train_rows) + Number(parent.params.test_rows)).toBe(result.data.applicants);
      expect(parent.params.data_source).toBe('files');
      expect(parent.params.generated_rows).toBeUndefined();
    });

    it("tags every run as Python's client does, plus the user's --tag", async () => {
      const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: __dirname }).toString().trim();
      const parent = await client.getRun(result.parentRunId);
      for (const run of [parent, ...children]) {
        expect(run.tags).toMatchObject({
          'mlflow.source.name': 'apps/trainer/src/main.ts',
          'mlflow.source.type': 'LOCAL',
          'mlflow.source.git.commit': head,
          team: 'risk',
        });
        expect(run.tags['mlflow.user']).toBeTruthy();
      }
      const experiment = await client.getExperiment(result.experimentId);
      expect(experiment.tags['mlflow.experimentKind']).toBe('custom_model_development');
    });

    it('gives every model the same plots and the parent an ROC overlay and a comparison the UI renders', async () => {
      for (const run of children.filter((r) => r.tags['credit.stage'] === 'model')) {
        const plots = (await client.listArtifacts(run.info.runId, 'plots')).map((f) => f.path);
        for (const name of ['roc', 'confusion_matrix', 'cost_vs_threshold']) {
          expect(plots).toEqual(expect.arrayContaining([`plots/${name}.png`, `plots/${name}.svg`]));
        }
      }
      const overlay = (await client.downloadArtifactBytes(result.parentRunId, 'plots/roc_overlay.svg')).toString();
      for (const m of models) expect(overlay).toContain(`${modelLabel(m)} (AUC `);
      const html = (await client.downloadArtifactBytes(result.parentRunId, 'comparison.html')).toString();
      expect(html).toContain('<tr><td>LightGBM</td><td class="n">');
      const table = JSON.parse(
        (await client.downloadArtifactBytes(result.parentRunId, 'comparison_table.json')).toString(),
      ) as { columns: string[]; data: unknown[][] };
      expect(table.data.map((r) => r[0]).sort()).toEqual(models.map(modelLabel).sort());
      const parent = await client.getRun(result.parentRunId);
      expect(JSON.parse(parent.tags['mlflow.loggedArtifacts'])).toEqual([
        { path: 'comparison_table.json', type: 'table' },
      ]);
    });
  });
}

// The run's mechanics (every child run, artifacts, report, registry) with three models on generated data; on the real
// sample, what only real rows can show: LightGBM's quality there (the logistic model adds time, not evidence).
pipelineSuite(describe, GENERATED, () => syntheticDataDir(SYNTHETIC), 0.7, GENERATED_MODELS);

describe('runPipeline with --final-fits champion', () => {
  // The generated suite's study again, only the champion fitted on the whole training part: the same champion and
  // figures, the other families with their CV figures only.
  let all: TrainedPipeline;
  let result: TrainedPipeline;
  let children: Run[];
  let dataDir = '';
  const study = (extra: string[]) =>
    config(dataDir, ['--models', GENERATED_MODELS.join(','), '--experiment', `${experiment}-champion-only`, ...extra]);

  beforeAll(async () => {
    dataDir = await syntheticDataDir(SYNTHETIC);
    all = studies.get(GENERATED) ?? (await runPipeline(study(['--final-fits', 'all']), client, new StageClock()));
    result = await runPipeline(study(['--final-fits', 'champion']), client, new StageClock());
    children = (
      await client.searchRuns({
        experimentIds: [result.experimentId],
        filter: `tags.mlflow.parentRunId = '${result.parentRunId}'`,
      })
    ).runs;
  });

  it('chooses the same champion, threshold and test figures as with every family fitted', () => {
    const figures = ({ model, threshold, testAuc, cvAuc, cvAucStd, bayes }: TrainedPipeline['champion']) => ({
      model,
      threshold,
      testAuc,
      cvAuc,
      cvAucStd,
      bayes,
    });
    expect(figures(result.champion)).toEqual(figures(all.champion));
    expect(result.comparison.find((r) => r.model === 'lightgbm')).toEqual(
      all.comparison.find((r) => r.model === 'lightgbm'),
    );
    expect(result.searches).toEqual(all.searches);
  });

  it("keeps the other families' CV figures, without test figures, logged model or test set", async () => {
    for (const model of ['dummy', 'logistic']) {
      const row = result.comparison.find((r) => r.model === model)!;
      const before = all.comparison.find((r) => r.model === model)!;
      expect(row).toEqual({ ...before, auc: null, accuracy: null, f1: null, testCost: null });
      const run = children.find((r) => r.tags['credit.model'] === model)!;
      expect(run.info.status).toBe('FINISHED');
      expect(run.tags['credit.final_fit']).toMatch(/^none: not the champion/);
      expect(run.metrics.cv_auc).toBe(row.cvAuc);
      expect(run.metrics.test_auc).toBeUndefined();
      expect(run.inputs.map((i) => i.tags['mlflow.data.context'])).toEqual(['training']);
      const plots = (await client.listArtifacts(run.info.runId, 'plots')).map((f) => f.path).sort();
      expect(plots).toEqual(['plots/cost_vs_threshold.png', 'plots/cost_vs_threshold.svg']); // out-of-fold: no test
    }
    const logged = await client.searchLoggedModels({ experimentIds: [result.experimentId] });
    const modelRuns = children.filter((r) => r.tags['credit.stage'] === 'model');
    const withModel = modelRuns.filter((r) => logged.some((m) => m.sourceRunId === r.info.runId));
    expect(withModel.map((r) => r.tags['credit.model'])).toEqual(['lightgbm']);
    const parent = await client.getRun(result.parentRunId);
    expect(parent.params.final_fits).toBe('champion');
    const comparison = (await client.downloadArtifactBytes(result.parentRunId, 'comparison.md')).toString();
    expect(comparison).toMatch(/^\| logistic \| .* \| — \| — \| — \| [\d.]+ \| — \|$/m);
  });
});
pipelineSuite(describeRealData, 'runPipeline on the real sample', async () => realDataDir(), 0.7, [
  'dummy',
  'lightgbm',
]);

describe('runPipeline failures', () => {
  it('marks the parent run FAILED when the pipeline cannot finish', async () => {
    // The CLI refuses --models without a booster up front; here the check inside the run is what fails.
    const dataDir = await syntheticDataDir(SYNTHETIC);
    const failing = { ...config(dataDir, ['--experiment', `${experiment}-failing`]), models: ['dummy' as const] };
    await expect(runPipeline(failing, client, new StageClock())).rejects.toThrow(/no booster model/);
    const experimentId = (await client.getExperimentByName(`${experiment}-failing`))!.experimentId;
    const runs = (await client.searchRuns({ experimentIds: [experimentId] })).runs;
    const parent = runs.find((r) => !('mlflow.parentRunId' in r.tags))!;
    expect(parent.info.status).toBe('FAILED');
  });
});

import { relative } from 'node:path';
import { SIDE_TABLE_NAMES, workspaceRoot } from '@credit-scoring/data';
import { FeatureColumns, FeaturePipeline, pythonScoring, targetOf, type FeatureMatrix } from '@credit-scoring/features';
import {
  bayesThreshold,
  checkBayesThreshold,
  classificationReport,
  describeCostModel,
  thresholdSearch,
} from '@credit-scoring/decision';
import {
  comparisonMarkdown,
  comparisonRow,
  confusionMatrixPlot,
  costCurvePlot,
  crossValidate,
  FoldDatasets,
  gainImportance,
  hyperparameterSearch,
  importancePlot,
  MODEL_SPECS,
  PreparedFolds,
  rocCurvePlot,
  rocOverlayPlot,
  searchedRow,
  shapSummary,
  shapSummaryPlot,
  type BoosterPredictor,
  type ComparisonRow,
  type CvResult,
  type ModelSpec,
  type Plot,
  type Predictor,
  type SearchResult,
  type TestedRow,
} from '@credit-scoring/scoring';
import {
  logModel,
  summarizePopulation,
  runContextTags,
  withRun,
  type ActiveRun,
  type DatasetInput,
  type MlflowClient,
} from '@credit-scoring/tracking';
import { modelLabel, type TrainConfig } from '../config';
import { logReference, referenceCsv } from './reference';
import { Progress, StageClock } from '../progress';
import { loadTrainingData, summarizeData, type LoadedData } from './data';
import { releaseMemory } from './memory';
import { type SourceFile, sourceDataset, sourceDatasets, splitDataset } from './datasets';
import { makeSplits, type Splits } from './splits';
import { comparisonArtifacts, trialsCsv } from './tables';
import { FamilyLanes, type Lane } from './lanes';
import { ChampionBallot, championOf, resolveFinalFits, type FinalFits, type SearchedFamily } from './final-fits';
import { resolvePrune } from './prune';

/** The training and held-out test applicants as MLflow datasets: what each model was fitted and scored on. */
interface SplitInputs {
  train: DatasetInput;
  test: DatasetInput;
}

/** A metric's link to the dataset it was computed on (the Logged models view groups metrics by dataset). */
const datasetRef = (input: DatasetInput) => ({ name: input.dataset.name, digest: input.dataset.digest });

/** What the Source column of MLflow shows for our runs (Python: the script's path). */
const SOURCE_NAME = 'apps/trainer/src/main.ts';

export interface PipelineResult {
  parentRunId: string;
  experimentId: string;
  comparison: ComparisonRow[];
  /** Which families were fitted on the whole training part and scored on the test set (./final-fits.ts). */
  finalFits: FinalFits;
  /** Every search trial per model (trial 1 = the model's defaults), scored by CV cost; `chosen` = the lowest cost. */
  searches: Array<{
    model: string;
    chosen: number;
    stoppedBy: SearchResult['stoppedBy'];
    trials: Array<{ trial: number; cvCost: number; cvAuc: number }>;
  }>;
  champion: {
    model: string;
    version: string;
    alias: string;
    name: string;
    threshold: number;
    testAuc: number;
    /** The best-model run: its model/ artifact is what gets registered. */
    runId: string;
    /** Cross-validated AUC of the champion's best parameters: mean and spread over the folds. */
    cvAuc: number;
    cvAucStd: number;
    bayes: { threshold: number; agrees: boolean };
  };
  data: Record<string, unknown>;
  splits: { train: number; test: number; cv: number; folds: number; features: number };
  stages: Array<{ stage: string; seconds: number }>;
  /** Wall time from the start of the run to the end of the pipeline (the model stages overlap). */
  elapsedSeconds: number;
}

/** What runPipeline leaves: everything but the registered version, which registerChampion adds as the last step. */
export type TrainedPipeline = Omit<PipelineResult, 'champion'> & {
  champion: Omit<PipelineResult['champion'], 'version'>;
};

/** One model family after search and CV; its comparison row has no test figures. */
interface SearchedOutcome {
  spec: ModelSpec;
  search: SearchResult;
  row: ComparisonRow;
}

/** A family also fitted on the whole training part and scored on the test set. */
interface FittedOutcome extends SearchedOutcome {
  row: TestedRow;
  predictor: Predictor;
  testProb: Float64Array;
}

/** A family's outcome: searched only, or fitted as well (which families are fitted: ./final-fits.ts). */
type ModelOutcome = SearchedOutcome | FittedOutcome;

const isFitted = (o: ModelOutcome): o is FittedOutcome => 'predictor' in o;
const isBooster = (p: Predictor): p is BoosterPredictor => 'booster' in p;
const isBoosterSpec = (spec: ModelSpec) => 'trainingSetup' in spec;
/** A family's search as the champion rule reads it (final-fits.ts). */
const searchedFamily = (spec: ModelSpec, cv: CvResult): SearchedFamily => ({
  name: spec.name,
  booster: isBoosterSpec(spec),
  cvCost: cv.mean.normalizedCost,
});

/**
 * The whole study, logged to MLflow as one parent run with a child run per model, a threshold run and a best-model
 * run holding the best booster as an MLflow model. Every child run ends FINISHED, or FAILED with the error. Nothing
 * is registered here: registration and promotion (./register.ts) come after everything else of `trainer run`.
 */
export async function runPipeline(
  config: TrainConfig,
  client: MlflowClient,
  clock: StageClock,
  tracking: { ready?: Promise<unknown> } = {},
): Promise<TrainedPipeline> {
  // The side tables are read one by one in the features stage, each dropped once aggregated (see below).
  const data = await clock.time('load data', () => loadTrainingData(config, { sideTables: 'later' }));
  const splits = makeSplits(data.target, config);
  const specs = config.models.map(specOf);
  // As Python's client: who ran what (user, source, git commit) on every run, then the user's own tags.
  const tags = { ...runContextTags({ sourceName: SOURCE_NAME, cwd: workspaceRoot() }), ...config.tags };
  const sources = await clock.time('dataset digests', () => sourceDatasets(data));
  const inputs: SplitInputs = {
    train: splitDataset(sources[0], 'train', splits.train, 'training'),
    test: splitDataset(sources[0], 'test', splits.test, 'evaluation'),
  };
  // What the runs record of the data, drawn now: the features stage consumes the tables. The side tables are read
  // there, so their row counts are added to the summary afterwards.
  const params = flatConfig(config, splits, data);
  const parentTags = { ...tags, ...runTags(config, data) };
  const dataSummary = summarizeData(data);
  const reference = referenceCsv(data.tables.application, splits.train, config.seed);
  // Each side table's record, its digest hashed on a worker thread while the features are computed.
  const sideSources: Array<Promise<SourceFile>> = [];
  // The features are computed while a local MLflow server starts (`tracking.ready`, ~6 s of Python): the parent run
  // opens as soon as it answers and waits for them, so a failure of either is still the run's (FAILED).
  const features = clock.time('features (final fit, CV folds)', async () => {
    // Every matrix comes from these columns: the tables (several GB of side-table rows at Kaggle scale) are
    // released table by table as they are aggregated (consume empties data.tables), the columns once the
    // matrices are made. Each table's buffers, freed by polars' threads, stay in glibc's arenas until trimmed.
    // Each side table is read when its turn comes, so one of them at a time is in memory beside the application
    // (at 1M applicants all of them at once took 10-13 GiB); its dataset record is made while it is there.
    const columns = await FeatureColumns.consume(data.tables, {
      sideTables: config.sideTables,
      afterEachTable: releaseMemory,
      load: async (table) => {
        const frame = await data.readSideTable(table);
        if (frame) {
          const source = sourceDataset(data.source.dir, table, frame);
          source.catch(() => undefined); // awaited after the stage; should the stage fail first, not unhandled
          sideSources.push(source);
        }
        return frame;
      },
    });
    const pipeline = FeaturePipeline.fit(columns, { rows: splits.train, sideTables: config.sideTables });
    return {
      final: {
        pipeline,
        train: pipeline.transform(columns, { rows: splits.train }),
        test: pipeline.transform(columns, { rows: splits.test }),
      },
      // Per-fold pipelines, fitted on each fold's training rows, are built once here and shared by every trial
      // of every model.
      folds: PreparedFolds.prepare(columns, splits.folds, (c: FeatureColumns, rows) =>
        FeaturePipeline.fit(c, { rows, sideTables: config.sideTables }),
      ),
    };
  });
  features.catch(() => undefined); // awaited in the parent run; should the server fail first, not unhandled
  await tracking.ready;
  const experimentId = await client.getOrCreateExperiment(config.experiment);
  const started = new Date().toISOString().slice(0, 16).replace('T', ' ');

  return withRun(client, { experimentId, runName: `Model comparison ${started}`, tags: parentTags }, async (parent) => {
    await parent.logParams(params);
    const { final, folds } = await features;
    await releaseMemory(); // and the columns, once the matrices are made
    sources.push(...(await Promise.all(sideSources)));
    // Every file read, in the usual order: the application, then the side tables as SIDE_TABLE_NAMES lists them.
    const order = (table: string) => (table === 'application_train' ? -1 : SIDE_TABLE_NAMES.indexOf(table as never));
    sources.sort((a, b) => order(a.table) - order(b.table));
    await client.logInputs(parent.runId, [...sources.map((s) => s.input)]);
    for (const source of sources)
      if (source.table !== 'application_train') dataSummary.rows[source.table] = source.rows;
    await parent.uploadArtifactBytes('data_summary.json', JSON.stringify(dataSummary, null, 2));
    process.stderr.write(
      `  ${final.train.nCols} features; train ${splits.train.length}, test ${splits.test.length}, search/CV on ${splits.cvRows.length}\n`,
    );

    const trained: FittedOutcome[] = []; // as they finish, so that every predictor is freed, whatever fails
    try {
      const lanes = new FamilyLanes(config.parallelModels);
      const linkSplits = oneAtATime((link: DatasetLink) => client.logInputs(link.runId, link.parts));
      const finalFits = resolveFinalFits(config.finalFits, splits.train.length);
      // Only the champion is fitted: each family waits, after its search, for every other family's CV cost.
      const ballot = finalFits === 'champion' ? new ChampionBallot(specs.map((s) => s.name)) : undefined;
      const outcomes = await lanes.run(specs, longestFirst, async (spec, lane) => {
        const outcome = await clock
          .time(`model ${spec.name}`, () =>
            withRun(
              client,
              {
                experimentId,
                parentRunId: parent.runId,
                runName: modelLabel(spec.name),
                tags: { ...tags, 'credit.stage': 'model' },
              },
              (run) => evaluateModel(run, spec, config, { splits, final, folds, inputs, lane, linkSplits, ballot }),
            ),
          )
          .catch((error: unknown) => {
            ballot?.fail(error); // the families waiting for the champion give up too
            throw error;
          });
        if (isFitted(outcome)) trained.push(outcome);
        await releaseMemory(); // the model's datasets and design matrices
        return outcome;
      });
      const comparison = outcomes.map((o) => o.row);
      const table = comparisonMarkdown(comparison);
      await parent.uploadArtifactBytes('comparison.md', `${table}\n`);
      await parent.uploadArtifactBytes('comparison.json', JSON.stringify(comparison, null, 2));
      // The same comparison as MLflow's viewer shows it well: an HTML page, a CSV and a log_table JSON.
      const artifacts = comparisonArtifacts(comparison, modelLabel);
      for (const [name, content] of Object.entries(artifacts.files)) await parent.uploadArtifactBytes(name, content);
      await parent.setTags(artifacts.tags);
      const overlay = await rocOverlayPlot(
        outcomes
          .filter(isFitted)
          .map((o) => ({ model: modelLabel(o.spec.name), yTrue: targetOf(final.test), prob: o.testProb })),
      );
      await uploadPlot(parent, 'roc_overlay', overlay);

      const champion = pickChampion(outcomes);
      const tuned = await clock.time('threshold', () =>
        withRun(
          client,
          {
            experimentId,
            parentRunId: parent.runId,
            runName: `Threshold (${modelLabel(champion.spec.name)})`,
            tags: { ...tags, 'credit.stage': 'threshold', 'credit.model': champion.spec.name },
          },
          async (run) => {
            await client.logInputs(run.runId, [inputs.train]); // out-of-fold probabilities of the training part
            return tuneThreshold(run, champion.search.best.cv, config);
          },
        ),
      );
      const threshold = tuned.threshold;
      const modelRunId = await clock.time('best model', () =>
        withRun(
          client,
          {
            experimentId,
            parentRunId: parent.runId,
            runName: `Best model (${modelLabel(champion.spec.name)})`,
            tags: { ...tags, 'credit.stage': 'best-model', 'credit.model': champion.spec.name },
          },
          (run) => logChampion(run, client, champion, threshold, config, final, inputs, tags),
        ),
      );
      // The training reference travels with the model version (its run), for `trainer monitor`.
      await logReference(client, modelRunId, reference);
      await parent.logMetrics({
        best_cv_cost_per_applicant: champion.row.cvCost,
        best_test_cost_per_applicant: champion.row.testCost,
        best_test_auc: champion.row.auc,
        threshold,
      });
      await parent.setTags({ 'credit.champion': champion.spec.name });
      await parent.uploadArtifactBytes('stages.json', JSON.stringify(clock.durations, null, 2));
      return {
        parentRunId: parent.runId,
        experimentId,
        comparison,
        finalFits,
        searches: outcomes.map(({ spec, search }) => ({
          model: spec.name,
          chosen: search.best.index,
          stoppedBy: search.stoppedBy,
          trials: search.trials.map((t) => ({ trial: t.index, cvCost: t.score, cvAuc: t.auc })),
        })),
        champion: {
          model: champion.spec.name,
          runId: modelRunId,
          alias: config.alias,
          name: config.modelName,
          threshold,
          testAuc: champion.row.auc,
          cvAuc: champion.search.best.cv.mean.auc,
          cvAucStd: champion.search.best.cv.std.auc,
          bayes: { threshold: tuned.bayes, agrees: tuned.agrees },
        },
        data: dataSummary,
        splits: {
          train: splits.train.length,
          test: splits.test.length,
          cv: splits.cvRows.length,
          folds: config.folds,
          features: final.train.nCols,
        },
        stages: clock.durations,
        elapsedSeconds: clock.elapsedSeconds(),
      };
    } finally {
      for (const o of trained) o.predictor.free();
    }
  });
}

/** The spec of a model family named in the config (parseRunConfig accepts only the names of MODEL_SPECS). */
function specOf(name: string): ModelSpec {
  const spec = MODEL_SPECS.find((s) => s.name === name);
  if (!spec) throw new Error(`no model family named ${name}`);
  return spec;
}

/**
 * The order families start in when several train at once: the longest first, so that the one left running alone at
 * the end is a short one (at Kaggle scale: lightgbm 3m20s, logistic 2m05s, gbm_plain 1m50s, lightgbm_rf 1m45s alone).
 */
const TRAINING_ORDER = ['lightgbm', 'logistic', 'gbm_plain', 'lightgbm_rf', 'dummy'];
const longestFirst = (a: ModelSpec, b: ModelSpec) => rank(a) - rank(b);
/** A family's place in TRAINING_ORDER; one not listed comes last. */
function rank(spec: ModelSpec): number {
  const place = TRAINING_ORDER.indexOf(spec.name);
  return place < 0 ? TRAINING_ORDER.length : place;
}

/** Datasets a run used, to log as its inputs. */
interface DatasetLink {
  runId: string;
  parts: DatasetInput[];
}

/** What every model family is trained and scored on, and its lane among the families trained at once. */
interface ModelInputs {
  splits: Splits;
  final: { pipeline: FeaturePipeline; train: FeatureMatrix; test: FeatureMatrix };
  folds: PreparedFolds;
  inputs: SplitInputs;
  lane: Lane;
  /** Logs datasets as the run's inputs: the training part when it starts, the test part when it is scored on it. */
  linkSplits: (link: DatasetLink) => Promise<void>;
  /** Present when only the champion gets a final fit: where each family learns, after its search, if it is the one. */
  ballot?: ChampionBallot;
}

/**
 * `action`, run for one call at a time. MLflow's server creates a dataset record on its first use, and two first uses
 * at once (two model families starting together) collide on its unique key (HTTP 400, UNIQUE constraint failed).
 */
function oneAtATime<A>(action: (arg: A) => Promise<void>): (arg: A) => Promise<void> {
  let last: Promise<void> = Promise.resolve();
  return (arg) => {
    const next = last.then(() => action(arg));
    last = next.catch(() => undefined); // a failure is its caller's, the next call still runs
    return next;
  };
}

async function evaluateModel(
  run: ActiveRun,
  spec: ModelSpec,
  config: TrainConfig,
  { splits, final, folds, inputs, lane, linkSplits, ballot }: ModelInputs,
): Promise<ModelOutcome> {
  await run.setTags({ 'credit.model': spec.name, 'credit.description': spec.description });
  await linkSplits({ runId: run.runId, parts: [inputs.train] });
  const trials = Object.keys(spec.space).length === 0 ? 1 : config.budget;
  const pruneMargin = resolvePrune(config.pruneMargin, splits.train.length);
  const progress = new Progress(`${spec.name} trials`, trials);
  const booster = isBoosterSpec(spec);
  // The flavours that can (gbm_plain: BoosterTrainingSetup.reusesDatasets) bin each fold once for all the trials, not
  // once per trial (FoldDatasets); freed when the search ends.
  const datasets = booster ? new FoldDatasets() : undefined;
  const search = await hyperparameterSearch(
    spec,
    (params, control) =>
      crossValidate(spec, params, folds, splits.folds, {
        ...control,
        costModel: config.cost,
        seed: config.seed,
        threads: config.numThreads,
        datasets,
        // LightGBM trains off the main thread: two small folds at once, one thread each (same trees, see CvOptions).
        concurrency: booster ? 2 : 1,
        // Named, since two families may be printing at once.
        onFold: ({ fold, folds, auc }) =>
          process.stderr.write(`    ${spec.name} fold ${fold}/${folds} AUC ${auc.toFixed(4)}\n`),
      }),
    {
      trials,
      seed: config.seed,
      tpe: trials >= 8,
      prune: pruneMargin === undefined ? undefined : { margin: pruneMargin, minFolds: 2 },
      onPruned: (t) =>
        process.stderr.write(
          `  ${spec.name} trial ${t.index} pruned after ${t.folds.length} folds: AUC ` +
            `${t.auc.toFixed(4)} against the best's ${t.bestAuc.toFixed(4)}\n`,
        ),
      onProgress: (p) =>
        progress.tick(p.trial, `cost/applicant ${p.score.toFixed(2)} (best ${p.bestScore.toFixed(2)})`),
    },
  ).finally(() => datasets?.free());
  const best = search.best.cv;
  await run.logParams(best.params);
  // Per-fold metrics as a series (step = fold), the means and spreads as plain metrics.
  await run.logBatch({
    metrics: [
      ...best.folds.flatMap((f) => [
        { key: 'fold_auc', value: f.auc, step: f.fold },
        { key: 'fold_cost_per_applicant', value: f.normalizedCost, step: f.fold },
        { key: 'fold_f1', value: f.f1, step: f.fold },
      ]),
      ...Object.entries(best.mean).map(([k, value]) => ({ key: `cv_${metricName(k)}`, value, step: 0 })),
      ...Object.entries(best.std).map(([k, value]) => ({ key: `cv_${metricName(k)}_std`, value, step: 0 })),
      ...search.trials.map((t) => ({ key: 'trial_cost_per_applicant', value: t.score, step: t.index })),
      { key: 'cv_threshold', value: best.threshold, step: 0 },
    ],
  });
  await run.uploadArtifactBytes('search_trials.csv', trialsCsv(search));
  if (ballot) {
    lane.leave(); // the next family's search need not wait for this one's verdict
    if (!(await ballot.isChampion(searchedFamily(spec, best)))) {
      await run.setTags({ 'credit.final_fit': 'none: not the champion (final fits: champion)' });
      await uploadPlot(run, 'cost_vs_threshold', await outOfFoldCostPlot(spec, best, config));
      process.stderr.write(`  ${spec.name}: CV AUC ${best.mean.auc.toFixed(4)}, no final fit (not the champion)\n`);
      return { spec, search, row: searchedRow({ model: spec.name, cv: best }) };
    }
  }
  await linkSplits({ runId: run.runId, parts: [inputs.test] });

  // Final fit on the whole training part with the best parameters, scored once on the held-out test set. Final fits
  // take turns for their memory-heavy part (see FamilyLanes); the time printed is the fit's own, without the wait.
  let fitStarted = 0;
  const predictor = await lane.finalFit((heavyPartDone) => {
    fitStarted = performance.now();
    return spec.fit(final.train, undefined, best.params, {
      seed: config.seed,
      threads: config.numThreads,
      onDatasetsBuilt: heavyPartDone,
    });
  });
  // What the fit itself decided (early-stopping optimum, rounds after refit, L-BFGS iterations): tags, not params.
  await run.setTags(
    Object.fromEntries(Object.entries(predictor.info).map(([k, v]) => [`credit.final_fit.${k}`, String(v)])),
  );
  // A booster's evaluation after every round as metric series (step 0 = round 1), as MLflow's LightGBM autologging
  // records them: the UI charts where early stopping found the optimum.
  const curves = Object.entries(predictor.curves ?? {});
  if (curves.length > 0)
    await run.logBatch({
      metrics: curves.flatMap(([key, values]) => values.map((value, step) => ({ key, value, step }))),
    });
  process.stderr.write(`  ${spec.name}: final fit ${((performance.now() - fitStarted) / 1000).toFixed(1)} s\n`);
  const testProb = predictor.predictProba(final.test.data);
  const row = comparisonRow({
    model: spec.name,
    cv: best,
    test: { yTrue: targetOf(final.test), prob: testProb, amtCredit: final.test.amtCredit },
    costModel: config.cost,
  });
  await logModelOutcome(run, spec, config, final, inputs, { search, row, predictor, testProb });
  process.stderr.write(
    `  ${spec.name}: CV AUC ${best.mean.auc.toFixed(4)}, CV cost ${row.cvCost.toFixed(2)}, test AUC ${row.auc.toFixed(4)}, test cost ${row.testCost.toFixed(2)}\n`,
  );
  return { spec, search, row, predictor, testProb };
}

/**
 * The model run's logged model (named as people read it, e.g. "Random Forest"), its test metrics linked to it and to
 * the test dataset, and the plots every compared model gets: ROC, confusion matrix at its CV threshold, cost by
 * threshold on its out-of-fold probabilities, and gain importance for the boosters. A booster's logged model is a
 * complete MLflow lightgbm model (loadable, registrable); the others (dummy, logistic: no scorer outside this
 * process) record their parameters and fit as a run artifact, model_info.json, and no logged model.
 */
async function logModelOutcome(
  run: ActiveRun,
  spec: ModelSpec,
  config: TrainConfig,
  final: { pipeline: FeaturePipeline; test: FeatureMatrix },
  inputs: SplitInputs,
  outcome: Omit<FittedOutcome, 'spec'>,
): Promise<void> {
  const { search, row, predictor, testProb } = outcome;
  const label = modelLabel(spec.name);
  const testSet = datasetRef(inputs.test);
  const metrics = [
    { key: 'test_auc', value: row.auc, dataset: testSet },
    { key: 'test_accuracy', value: row.accuracy, dataset: testSet },
    { key: 'test_f1', value: row.f1, dataset: testSet },
    { key: 'test_cost_per_applicant', value: row.testCost, dataset: testSet },
  ];
  const options = {
    name: label,
    modelType: spec.name,
    params: search.best.cv.params,
    tags: { ...runContextTags({ sourceName: SOURCE_NAME, cwd: workspaceRoot() }), 'credit.model': spec.name },
    metrics,
  };
  if (isBooster(predictor)) {
    await logModel(
      run.client,
      run.runId,
      {
        modelText: predictor.booster.saveModel({ numIteration: predictor.numIteration }),
        featureNames: final.pipeline.featureNames,
        featurePipeline: final.pipeline.toJSON(),
        python: pythonScoring(final.pipeline),
        threshold: row.threshold,
        cost: config.cost,
        metrics: Object.fromEntries(metrics.map((m) => [m.key, m.value])),
      },
      options,
    );
  } else {
    const info = {
      model: spec.name,
      description: spec.description,
      params: search.best.cv.params,
      fit: predictor.info,
    };
    // No logged model: MLflow's Models list would offer one that neither mlflow.pyfunc nor the API can load. The run
    // records what the fit was and its test metrics, on the test set, as for the boosters.
    await run.uploadArtifactBytes('model_info.json', JSON.stringify(info, null, 2));
    await run.logBatch({ metrics });
  }

  const test = final.test;
  const report = classificationReport(targetOf(test), testProb, row.threshold);
  const plots: Array<[string, Plot]> = [
    ['roc', await rocCurvePlot(targetOf(test), testProb, { title: `${label}: ROC (test), AUC ${row.auc.toFixed(4)}` })],
    [
      'confusion_matrix',
      await confusionMatrixPlot(report.confusion, {
        title: `${label}: confusion matrix (test) at threshold ${row.threshold.toFixed(3)}`,
      }),
    ],
    ['cost_vs_threshold', await outOfFoldCostPlot(spec, search.best.cv, config)],
  ];
  if (isBooster(predictor)) {
    const importance = gainImportance(predictor.booster, { numIteration: predictor.numIteration });
    plots.push(['gain_importance', await importancePlot(importance, { top: 30, measure: 'gain' })]);
  }
  for (const [name, plot] of plots) await uploadPlot(run, name, plot);
}

/** A family's cost by threshold on its out-of-fold probabilities: its search's, so every family has it, fitted or not. */
async function outOfFoldCostPlot(spec: ModelSpec, cv: CvResult, config: TrainConfig): Promise<Plot> {
  const scored = Array.from(cv.oof.keys()).filter((i) => !Number.isNaN(cv.oof[i]));
  const pick = (a: Float64Array) => Float64Array.from(scored, (i) => a[i]);
  const costs = thresholdSearch(pick(cv.yTrue), pick(cv.oof), pick(cv.amtCredit), config.cost);
  return costCurvePlot(costs, {
    title: `${modelLabel(spec.name)}: cost by threshold (out-of-fold)`,
    bayesThreshold: bayesThreshold(config.cost),
    costLabel: 'cost per applicant',
  });
}

/** The served format is LightGBM's, so the champion is the booster with the lowest CV cost (the table shows all). */
function pickChampion(outcomes: ModelOutcome[]): FittedOutcome & { predictor: BoosterPredictor } {
  const name = championOf(outcomes.map((o) => searchedFamily(o.spec, o.search.best.cv)));
  const champion = outcomes.find((o) => o.spec.name === name);
  if (!champion || !isFitted(champion) || !isBooster(champion.predictor))
    throw new Error(`the champion ${name} has no fitted booster`); // the ballot fits the champion: a bug if reached
  return champion as FittedOutcome & { predictor: BoosterPredictor };
}

/** Threshold from the champion's out-of-fold probabilities: the cost curve as a metric series, the optimum as a param. */
async function tuneThreshold(
  run: ActiveRun,
  cv: CvResult,
  config: TrainConfig,
): Promise<{ threshold: number; bayes: number; agrees: boolean }> {
  const scored = cv.oof.map((_, i) => i).filter((i) => !Number.isNaN(cv.oof[i]));
  const pick = (a: Float64Array) => Float64Array.from(scored, (i) => a[i]);
  const [y, prob, amt] = [pick(cv.yTrue), pick(cv.oof), pick(cv.amtCredit)];
  const search = thresholdSearch(y, prob, amt, config.cost);
  const bayes = checkBayesThreshold(y, prob, amt, config.cost);
  await run.logParams({
    threshold: search.threshold,
    cost_model: describeCostModel(config.cost),
    bayes_threshold: bayesThreshold(config.cost),
  });
  await run.logBatch({
    metrics: [
      ...search.curve.thresholds.map((t, i) => ({
        key: 'cost_per_applicant_by_threshold_x1000',
        value: search.curve.normalizedCosts[i],
        step: Math.round(t * 1000),
      })),
      { key: 'best_cost_per_applicant', value: search.normalizedCost, step: 0 },
      { key: 'bayes_cost_per_applicant', value: bayes.costAtBayes / y.length, step: 0 },
      { key: 'bayes_relative_cost_gap', value: bayes.relativeCostGap, step: 0 },
    ],
  });
  await run.setTags({
    'credit.bayes_check': bayes.agrees ? 'agrees' : 'differs (probabilities not calibrated for this cost)',
  });
  await uploadPlot(
    run,
    'cost_vs_threshold',
    await costCurvePlot(search, { bayesThreshold: bayes.bayes, costLabel: 'cost per applicant' }),
  );
  const csv = [
    'threshold,cost_per_applicant',
    ...search.curve.thresholds.map((t, i) => `${t},${search.curve.normalizedCosts[i]}`),
  ].join('\n');
  await run.uploadArtifactBytes('cost_curve.csv', `${csv}\n`);
  process.stderr.write(
    `  threshold ${search.threshold} (Bayes ${bayes.bayes.toFixed(3)}, ${bayes.agrees ? 'agrees' : 'differs'})\n`,
  );
  return { threshold: search.threshold, bayes: bayes.bayes, agrees: bayes.agrees };
}

async function logChampion(
  run: ActiveRun,
  client: MlflowClient,
  champion: FittedOutcome & { predictor: BoosterPredictor },
  threshold: number,
  config: TrainConfig,
  final: { pipeline: FeaturePipeline; train: FeatureMatrix; test: FeatureMatrix },
  inputs: SplitInputs,
  tags: Record<string, string>,
): Promise<string> {
  const { booster, numIteration } = champion.predictor;
  await client.logInputs(run.runId, [inputs.train, inputs.test]);
  const test = final.test;
  const report = classificationReport(targetOf(test), champion.testProb, threshold);
  const metrics: Record<string, number> = {
    test_auc: report.auc,
    test_pr_auc: report.prAuc,
    test_accuracy: report.accuracy,
    test_precision: report.precision,
    test_recall: report.recall,
    test_f1: report.f1,
    test_cost_per_applicant: champion.row.testCost,
    cv_auc: champion.search.best.cv.mean.auc,
    cv_cost_per_applicant: champion.row.cvCost,
    best_iteration: numIteration,
  };
  await run.logParams({ ...champion.search.best.cv.params, model: champion.spec.name, threshold });
  // The test metrics go in with the logged model (linked to it and to the test set); the others on the run alone.
  const isTestMetric = (key: string) => key.startsWith('test_');
  await run.logMetrics(Object.fromEntries(Object.entries(metrics).filter(([key]) => !isTestMetric(key))));

  const importance = gainImportance(booster, { numIteration });
  // SHAP on at most 2000 test applicants: enough for a stable mean |contribution|, cheap to compute.
  const sampleRows = Math.min(test.nRows, 2000);
  const shap = shapSummary(booster, test.data.subarray(0, sampleRows * test.nCols), {
    top: 20,
    numIteration,
    seed: config.seed,
  });
  const plots: Array<[string, Plot]> = [
    [
      'roc',
      await rocCurvePlot(targetOf(test), champion.testProb, { title: `ROC (test), AUC ${report.auc.toFixed(4)}` }),
    ],
    [
      'confusion_matrix',
      await confusionMatrixPlot(report.confusion, { title: `Confusion matrix at threshold ${threshold}` }),
    ],
    ['gain_importance', await importancePlot(importance, { top: 30, measure: 'gain' })],
    ['shap_summary', await shapSummaryPlot(shap.points, shap.featureOrder)],
  ];
  for (const [name, plot] of plots) await uploadPlot(run, name, plot);
  await run.uploadArtifactBytes('feature_importance.json', JSON.stringify(importance, null, 2));
  await run.uploadArtifactBytes(
    'shap_summary.json',
    JSON.stringify({ expectedValue: shap.expectedValue, features: shap.features }, null, 2),
  );

  // Named `model`, so Python's runs:/<run_id>/model resolves to it as before logged models.
  const testSet = datasetRef(inputs.test);
  await logModel(
    client,
    run.runId,
    {
      modelText: booster.saveModel({ numIteration }),
      featureNames: final.pipeline.featureNames,
      featurePipeline: final.pipeline.toJSON(),
      python: pythonScoring(final.pipeline),
      threshold,
      cost: config.cost,
      metrics,
      population: populationOf(final.pipeline, final.train, booster, numIteration),
      extraFiles: {
        'model_info.json': JSON.stringify(
          { model: champion.spec.name, params: champion.search.best.cv.params, trainedAt: new Date().toISOString() },
          null,
          2,
        ),
      },
    },
    {
      params: { ...champion.search.best.cv.params, threshold },
      tags: { ...tags, 'credit.model': champion.spec.name },
      modelType: champion.spec.name,
      metrics: Object.entries(metrics)
        .filter(([key]) => isTestMetric(key))
        .map(([key, value]) => ({ key, value, dataset: testSet })),
    },
  );
  return run.runId;
}

/**
 * The training rows' distribution of each feature the model splits on (population.json), with the labels of the
 * category codes: the API places a client on it and words category codes as the client wrote them.
 */
function populationOf(
  pipeline: FeaturePipeline,
  train: FeatureMatrix,
  booster: BoosterPredictor['booster'],
  numIteration: number,
) {
  const splits = booster.featureImportance('split', numIteration);
  const only = new Set(train.featureNames.filter((_, j) => splits[j] > 0));
  return summarizePopulation({ ...train, categories: pipeline.toJSON().categoryLevels, only });
}

async function uploadPlot(run: ActiveRun, name: string, plot: Plot): Promise<void> {
  await run.uploadArtifactBytes(`plots/${name}.svg`, plot.svg);
  await run.uploadArtifactBytes(`plots/${name}.png`, plot.png);
}

function runTags(config: TrainConfig, data: LoadedData): Record<string, string> {
  return {
    'credit.data_source': data.source.generated
      ? `generated (${config.rows} rows, seed ${config.seed})`
      : data.source.dir,
    'credit.cost_model': describeCostModel(config.cost),
  };
}

/**
 * The study's settings as params. `rows` is the applicants actually loaded: --rows only sizes generated data, so on a
 * --data-dir run it used to log the generator's default (20000) instead of the file's count.
 */
function flatConfig(config: TrainConfig, splits: Splits, data: LoadedData): Record<string, string | number | boolean> {
  const pruneMargin = resolvePrune(config.pruneMargin, splits.train.length);
  return {
    data_dir: config.dataDir ? relative(workspaceRoot(), config.dataDir) || '.' : 'generated',
    data_source: data.source.generated ? 'generated' : 'files',
    rows: data.tables.application.height,
    ...(data.source.generated ? { generated_rows: config.rows } : {}),
    seed: config.seed,
    folds: config.folds,
    budget: config.budget,
    test_size: config.testSize,
    search_rows: splits.cvRows.length,
    side_tables: config.sideTables,
    models: config.models.join(','),
    cost_model: describeCostModel(config.cost),
    train_rows: splits.train.length,
    test_rows: splits.test.length,
    // Only when on, so that a run without pruning logs what it always did.
    ...(pruneMargin === undefined ? {} : { prune_auc_margin: pruneMargin }),
    final_fits: resolveFinalFits(config.finalFits, splits.train.length),
  };
}

/** MLflow metric names: snake case, and the normalised cost under the name the tables use. */
const metricName = (key: string) =>
  key === 'normalizedCost' ? 'cost_per_applicant' : key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

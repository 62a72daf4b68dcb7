import { rocAuc, describeCostModel, thresholdSearch } from '@credit-scoring/decision';
import { FeaturePipeline, targetOf } from '@credit-scoring/features';
import { Booster, EarlyStopping } from '@credit-scoring/lightgbm';
import { lightgbmSpec, stratifiedSplit } from '@credit-scoring/scoring';
import { logModel, withRun, type ActiveRun, type MlflowClient } from '@credit-scoring/tracking';
import type { TrainConfig } from '../config';
import { loadTrainingData } from '../pipeline/data';
import { makeSplits } from '../pipeline/splits';
import type { StageClock } from '../progress';
import { WorkerError, WorkerLink } from './links';
import type { JobSpec, WorkerReport } from './messages';

/*
 * `trainer run --workers h1:p1,h2:p2,...`: the LightGBM model trained data-parallel by N `trainer worker`
 * processes. This process (the coordinator) holds the tables and the fitted feature pipeline, sends each worker its
 * share of the training and validation rows (as float32 features), and decides early stopping for everyone: after
 * each iteration every worker sends its validation predictions, the coordinator computes the AUC over all
 * validation rows and answers each worker with the same continue/stop. Rank 0 returns the model; the coordinator
 * scores the held-out test rows with it and logs one MLflow run (FAILED if any worker fails or falls silent).
 */

export interface DistributedSettings {
  workers: Array<{ host: string; port: number }>;
  /** seconds to wait for every worker to accept the control connection */
  connectTimeoutSeconds: number;
  /** seconds any worker may stay silent (one iteration, or linking and binning) before the run fails */
  stepTimeoutSeconds: number;
}

export interface DistributedResult {
  runId: string;
  experimentId: string;
  workers: number;
  testAuc: number;
  bestValidAuc: number;
  bestIteration: number;
  iterations: number;
  reports: Array<WorkerReport & { address: string; sendSeconds: number; trainRows: number }>;
  seconds: number;
}

/** The share of the training part that early stopping watches (as the in-process fit's inner split). */
const VALID_FRACTION = 0.15;

export async function runDistributed(
  config: TrainConfig,
  settings: DistributedSettings,
  client: MlflowClient,
  clock: StageClock,
): Promise<DistributedResult> {
  const experimentId = await client.getOrCreateExperiment(config.experiment);
  const n = settings.workers.length;
  return withRun(
    client,
    {
      experimentId,
      runName: `distributed lightgbm x${n} ${new Date().toISOString().slice(0, 19)}`,
      tags: { 'credit.stage': 'distributed', 'mlflow.source.name': 'apps/trainer' },
    },
    async (run) => {
      const links: WorkerLink[] = [];
      try {
        const result = await train(run, config, settings, links, clock);
        return { ...result, runId: run.runId, experimentId };
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        for (const link of links) link.abort(reason);
        await run.setTags({ 'credit.failure': reason.slice(0, 5000) }).catch(() => undefined);
        throw err;
      }
    },
  );
}

async function train(
  run: ActiveRun,
  config: TrainConfig,
  settings: DistributedSettings,
  links: WorkerLink[],
  clock: StageClock,
): Promise<Omit<DistributedResult, 'runId' | 'experimentId'>> {
  const started = performance.now();
  const n = settings.workers.length;
  const stepMs = settings.stepTimeoutSeconds * 1000;
  // Workers first: a missing one fails the run in seconds, before minutes of data loading.
  const hellos = await clock.time('connect workers', async () => {
    const opened = await Promise.allSettled(
      settings.workers.map((w, rank) => WorkerLink.open(rank, w.host, w.port, settings.connectTimeoutSeconds * 1000)),
    );
    // Every link that did open is kept, so that a failure tells those workers to give up.
    for (const o of opened) if (o.status === 'fulfilled') links.push(o.value);
    const refused = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (refused) throw refused.reason;
    // A worker greets as soon as it accepts: silence is something else listening there (an HTTP server waits for a
    // request), so the connect time-out bounds the greeting too, not the step time-out (5 minutes by default).
    const greetMs = settings.connectTimeoutSeconds * 1000;
    return Promise.all(links.map((l) => l.next('hello', greetMs, 'the greeting (is it a `trainer worker`?)')));
  });
  const machines = links.map((l, i) => `${l.ip}:${Number(hellos[i].message.lightgbmPort)}`);

  const data = await clock.time('load data', () => loadTrainingData(config));
  const splits = makeSplits(data.target, config);
  const inner = stratifiedSplit(data.target, splits.train, VALID_FRACTION, config.seed);
  if (inner.valid.length < n) {
    throw new WorkerError(
      `${inner.valid.length} validation rows cannot be shared out to ${n} workers: more rows needed`,
    );
  }
  const setup = lightgbmSpec.trainingSetup({}, config.seed);
  const params = { ...setup.params, num_threads: config.numThreads };
  const pipeline = await clock.time('features (fit)', async () =>
    FeaturePipeline.fit(data.tables, { rows: splits.train, sideTables: config.sideTables }),
  );

  // Rows dealt round-robin: every rank gets the same share of each class (the splits are stratified).
  const share = (rows: Int32Array, rank: number) => rows.filter((_, i) => i % n === rank);
  const validLabels: Float64Array[] = [];
  const validAmt: Float64Array[] = [];
  const sendSeconds: number[] = [];
  const trainRows: number[] = [];
  let nCols = 0;
  await clock.time('send partitions', async () => {
    for (const link of links) {
      const t0 = performance.now();
      const fit = pipeline.transform(data.tables, { rows: share(inner.train, link.rank) });
      const valid = pipeline.transform(data.tables, { rows: share(inner.valid, link.rank) });
      nCols = fit.nCols;
      validLabels.push(targetOf(valid));
      validAmt.push(valid.amtCredit);
      trainRows.push(fit.nRows);
      const job: JobSpec = {
        rank: link.rank,
        machines,
        timeOutMinutes: Math.max(1, Math.ceil(settings.stepTimeoutSeconds / 60)),
        stepTimeoutSeconds: settings.stepTimeoutSeconds,
        params,
        numBoostRound: setup.numBoostRound,
        nCols: fit.nCols,
        featureNames: fit.featureNames,
        categoricalFeatures: setup.nativeCategorical ? fit.categoricalFeatures : [],
        trainRows: fit.nRows,
        validRows: valid.nRows,
      };
      await link.send({ type: 'job', job }, [
        Float32Array.from(fit.data),
        Float32Array.from(targetOf(fit)),
        Float32Array.from(valid.data),
        Float32Array.from(targetOf(valid)),
      ]);
      sendSeconds.push((performance.now() - t0) / 1000);
    }
  });
  process.stderr.write(
    `  ${n} worker(s), ${nCols} features; ${inner.train.length} training and ${inner.valid.length} validation rows ` +
      `shared out, ${splits.test.length} test rows held here\n`,
  );

  // Boosting: the same decision for every rank after every iteration.
  const yValid = concat(validLabels);
  const stopper = new EarlyStopping(setup.earlyStoppingRounds, setup.earlyStoppingMinRounds);
  let bestPredictions: Float64Array = new Float64Array(0);
  let bestValidAuc = Number.NaN;
  let iteration = 0;
  await clock.time('boosting (workers)', async () => {
    for (;;) {
      const phase = iteration === 0 ? 'linking, binning and the first iteration' : `iteration ${iteration + 1}`;
      const frames = await Promise.all(links.map((l) => l.next('iteration', stepMs, phase)));
      iteration++;
      frames.forEach((f, r) => {
        if (f.message.iteration !== iteration || f.payloads[0]?.length !== validLabels[r].length) {
          throw new WorkerError(`worker ${r} is out of step at iteration ${iteration}`);
        }
      });
      const predictions = concat(frames.map((f) => f.payloads[0] as Float64Array));
      const auc = rocAuc(yValid, predictions);
      const last = iteration >= setup.numBoostRound;
      const stop =
        stopper.update(iteration, { dataName: 'valid', metric: 'auc', value: auc, higherBetter: true }, last) || last;
      if (stopper.bestIteration === iteration) {
        bestPredictions = predictions;
        bestValidAuc = auc;
      }
      const decision = { type: 'decision', stop, bestIteration: stop ? stopper.bestIteration : undefined };
      await Promise.all(links.map((l) => l.send(decision)));
      if (stop) break;
    }
  });
  const done = await Promise.all(links.map((l) => l.next('done', stepMs, 'saving the model')));
  links.forEach((l) => l.settle());
  const model = String(done[0].message.model ?? '');
  const bestIteration = Number(done[0].message.bestIteration);
  const reports = done.map((f, r) => ({
    ...(f.message.report as WorkerReport),
    address: links[r].address,
    sendSeconds: sendSeconds[r],
    trainRows: trainRows[r],
  }));

  // The model, scored once on the held-out rows; the threshold from the validation predictions of the best iteration.
  const booster = Booster.fromString(model);
  try {
    const test = pipeline.transform(data.tables, { rows: splits.test });
    const testAuc = rocAuc(targetOf(test), booster.predict(test.data));
    const threshold = thresholdSearch(yValid, bestPredictions, concat(validAmt), config.cost).threshold;
    const seconds = (performance.now() - started) / 1000;
    await logRun(run, { config, n, reports, setup, testAuc, bestValidAuc, bestIteration, iteration, seconds });
    const metrics = { test_auc: testAuc, best_valid_auc: bestValidAuc, best_iteration: bestIteration };
    await logModel(run.client, run.runId, {
      modelText: model,
      featureNames: pipeline.featureNames,
      featurePipeline: pipeline.toJSON(),
      threshold,
      cost: config.cost,
      metrics,
      extraFiles: {
        'model_info.json': JSON.stringify(
          { model: 'lightgbm', params, workers: n, trainedAt: new Date().toISOString() },
          null,
          2,
        ),
      },
    });
    return { workers: n, testAuc, bestValidAuc, bestIteration, iterations: iteration, reports, seconds };
  } finally {
    booster.free();
  }
}

async function logRun(
  run: ActiveRun,
  r: {
    config: TrainConfig;
    n: number;
    reports: DistributedResult['reports'];
    setup: ReturnType<typeof lightgbmSpec.trainingSetup>;
    testAuc: number;
    bestValidAuc: number;
    bestIteration: number;
    iteration: number;
    seconds: number;
  },
): Promise<void> {
  await run.logParams({
    workers: r.n,
    worker_addresses: r.reports.map((w) => w.address).join(','),
    tree_learner: r.n > 1 ? 'data' : 'serial',
    data_dir: r.config.dataDir ?? 'generated',
    rows: r.config.rows,
    seed: r.config.seed,
    side_tables: r.config.sideTables,
    num_boost_round: r.setup.numBoostRound,
    early_stopping_rounds: r.setup.earlyStoppingRounds,
    cost_model: describeCostModel(r.config.cost),
  });
  const mb = (bytes: number) => bytes / 2 ** 20;
  // Per-worker figures as series over the rank (step = rank), so the MLflow UI charts them side by side.
  await run.logBatch({
    metrics: [
      { key: 'test_auc', value: r.testAuc, step: 0 },
      { key: 'best_valid_auc', value: r.bestValidAuc, step: 0 },
      { key: 'best_iteration', value: r.bestIteration, step: 0 },
      { key: 'iterations', value: r.iteration, step: 0 },
      { key: 'total_seconds', value: r.seconds, step: 0 },
      ...r.reports.flatMap((w) => [
        { key: 'worker_train_rows', value: w.trainRows, step: w.rank },
        { key: 'worker_send_seconds', value: w.sendSeconds, step: w.rank },
        { key: 'worker_network_seconds', value: w.seconds.network, step: w.rank },
        { key: 'worker_dataset_seconds', value: w.seconds.dataset, step: w.rank },
        { key: 'worker_boosting_seconds', value: w.seconds.boosting, step: w.rank },
        { key: 'worker_decision_wait_seconds', value: w.seconds.decisions, step: w.rank },
        { key: 'worker_total_seconds', value: w.seconds.total, step: w.rank },
        { key: 'worker_peak_rss_mb', value: mb(w.peakRssBytes), step: w.rank },
        { key: 'worker_data_rss_mb', value: mb(w.peakRssBytes - w.baselineRssBytes), step: w.rank },
      ]),
    ],
  });
  await run.uploadArtifactBytes('workers.json', JSON.stringify(r.reports, null, 2));
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

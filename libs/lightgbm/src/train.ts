import { Booster } from './booster';
import { Dataset } from './dataset';
import { native, IMPORTANCE_SPLIT, type NativeBooster } from './native';
import { EARLY_STOPPING_ALIASES, NUM_ITERATIONS_ALIASES, type Params, paramsToString, takeParam } from './params';

export interface EvalResult {
  dataName: string;
  metric: string;
  value: number;
  higherBetter: boolean;
}
/** Evaluations after one boosting iteration (1-based). */
export interface IterationEvent {
  iteration: number;
  evals: EvalResult[];
}
/** A custom metric computed from the predictions (probabilities for binary) of a validation set. */
export type Feval = (
  preds: Float64Array,
  labels: Float64Array,
  dataName: string,
) => { name: string; value: number; higherBetter: boolean };

export interface TrainOptions {
  valid?: Dataset[];
  validNames?: string[];
  /** default: params.num_iterations (or an alias), else 100 */
  numBoostRound?: number;
  /** stop after this many rounds without improvement of the first validation set's first metric */
  earlyStoppingRounds?: number;
  /**
   * With early stopping: the first round that may be the best iteration (default 1), so a bump of the metric in the
   * first few trees cannot end training there. The last round trained always counts, should training end before it.
   */
  earlyStoppingMinRounds?: number;
  callbacks?: Array<(e: IterationEvent) => void>;
  feval?: Feval;
  /**
   * Most rounds per trip to the worker thread (default 100); early stopping never lets a trip pass the first round it
   * could stop at. Callbacks see every round when its trip ends; 1 hands each round back as soon as it is trained.
   */
  maxRoundsPerTrip?: number;
}

/** An evaluated dataset: its index in LightGBM (0 = training data, 1.. = validation sets in order). */
interface EvalTarget {
  dataIndex: number;
  name: string;
  dataset: Dataset;
  isTraining: boolean;
}

// Python's _is_higher_better rule for LightGBM's built-in metric names.
function isHigherBetter(metric: string): boolean {
  return /^(auc|ndcg@|map@|average_precision)/.test(metric);
}

function positiveInteger(value: unknown, what: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0)
    throw new Error(`${what} must be a positive integer, got ${value}`);
  return n;
}

/**
 * Tracks the best score of one metric from round `minRounds` on (or the last round, whichever comes first) and says
 * when `patience` rounds passed without improvement.
 */
export class EarlyStopping {
  private best = Number.NaN;
  bestIteration = 0; // 1-based
  constructor(
    private readonly patience: number,
    private readonly minRounds: number,
  ) {}

  /** Returns true when training should stop after `iteration` (1-based). */
  update(iteration: number, result: EvalResult, isLastRound: boolean): boolean {
    if (iteration < this.minRounds && !isLastRound) return false;
    const better =
      Number.isNaN(this.best) || (result.higherBetter ? result.value > this.best : result.value < this.best);
    if (better) {
      this.best = result.value;
      this.bestIteration = iteration;
    }
    return iteration - this.bestIteration >= this.patience;
  }

  /**
   * The first round after `iteration` at which update() could return true: patience rounds after the best so far, or
   * after the first round that may be the best when none was seen yet.
   */
  earliestStop(iteration: number): number {
    const best = Number.isNaN(this.best) ? Math.max(this.minRounds, iteration + 1) : this.bestIteration;
    return best + this.patience;
  }
}

/**
 * Trains a booster like Python's lightgbm.train: boosting runs on a worker thread (the event loop stays free),
 * validation sets are evaluated after every iteration, early stopping is done here (the C API ignores
 * early_stopping_round), and the result is saved to text and reloaded, cut at the best iteration.
 */
export async function train(params: Params, trainSet: Dataset, opts: TrainOptions = {}): Promise<Booster> {
  if (!(trainSet instanceof Dataset)) throw new Error('trainSet must be a Dataset');
  const boosterParams: Params = { ...params };
  const roundsParam = takeParam(boosterParams, NUM_ITERATIONS_ALIASES);
  const rounds = positiveInteger(opts.numBoostRound ?? roundsParam ?? 100, 'numBoostRound');
  boosterParams.num_iterations = rounds;
  const stoppingParam = takeParam(boosterParams, EARLY_STOPPING_ALIASES);
  const patienceValue = opts.earlyStoppingRounds ?? stoppingParam;
  const patience =
    patienceValue === undefined || Number(patienceValue) <= 0
      ? 0
      : positiveInteger(patienceValue, 'earlyStoppingRounds');
  if (opts.maxRoundsPerTrip !== undefined) positiveInteger(opts.maxRoundsPerTrip, 'maxRoundsPerTrip');
  const minRounds =
    opts.earlyStoppingMinRounds === undefined || opts.earlyStoppingMinRounds === 0
      ? 0
      : positiveInteger(opts.earlyStoppingMinRounds, 'earlyStoppingMinRounds');
  paramsToString(boosterParams);

  const valid = opts.valid ?? [];
  valid.forEach((v, i) => {
    if (!(v instanceof Dataset)) throw new Error(`valid[${i}] is not a Dataset`);
    if (v.nCols !== trainSet.nCols)
      throw new Error(`valid[${i}] has ${v.nCols} columns, the training set ${trainSet.nCols}`);
  });
  if (patience > 0 && !valid.some((v) => v !== trainSet)) {
    throw new Error('early stopping needs at least one validation set other than the training set');
  }

  const trainHandle = trainSet.construct(boosterParams);
  const handle = new (native().NativeBooster)(
    trainHandle,
    paramsToString({ ...boosterParams, ...trainSet.datasetParams }),
  );
  try {
    const targets = addValidationSets(handle, trainSet, valid, opts.validNames, boosterParams);
    const bestIteration = await boost(
      handle,
      targets,
      rounds,
      { patience, minRounds },
      logParameters(boosterParams),
      opts,
    );
    // As Python: save to text and reload, so the returned model is exactly what a file would hold.
    const model = handle.saveModelToString(0, bestIteration > 0 ? bestIteration : -1, IMPORTANCE_SPLIT);
    return Booster.fromNative(new (native().NativeBooster)(null, model), bestIteration);
  } finally {
    handle.free();
  }
}

/** The verbosity setting alone (LightGBM reads "verbosity" before its alias "verbose"). */
function logParameters(params: Params): string {
  const level = params.verbosity ?? params.verbose;
  return level === undefined ? '' : paramsToString({ verbosity: level });
}

function addValidationSets(
  handle: NativeBooster,
  trainSet: Dataset,
  valid: Dataset[],
  names: string[] | undefined,
  params: Params,
): EvalTarget[] {
  const targets: EvalTarget[] = [];
  let nextIndex = 1;
  valid.forEach((dataset, i) => {
    if (dataset === trainSet) {
      targets.push({ dataIndex: 0, name: names?.[i] ?? 'training', dataset, isTraining: true });
      return;
    }
    if (dataset.reference !== trainSet) {
      throw new Error(`valid[${i}] must be created with { reference: trainSet } so it shares the training bins`);
    }
    handle.addValidData(dataset.construct(params));
    targets.push({ dataIndex: nextIndex++, name: names?.[i] ?? `valid_${i}`, dataset, isTraining: false });
  });
  return targets;
}

/** The boosting loop; returns the 1-based best iteration (0 without early stopping). */
async function boost(
  handle: NativeBooster,
  targets: EvalTarget[],
  rounds: number,
  { patience, minRounds }: { patience: number; minRounds: number },
  logParams: string,
  opts: TrainOptions,
): Promise<number> {
  const callbacks = opts.callbacks ?? [];
  if (targets.length === 0) {
    // Nothing to evaluate or report per iteration: one trip to the worker thread for all rounds.
    if (callbacks.length === 0) {
      await handle.updateAsync(rounds, [], logParams);
      return 0;
    }
  }
  const metricNames = targets.length > 0 ? handle.evalNames() : [];
  const stopper = patience > 0 ? new EarlyStopping(patience, minRounds) : null;
  if (stopper && metricNames.length === 0 && !opts.feval) {
    throw new Error('early stopping needs a metric: set params.metric or pass feval');
  }
  // A custom metric reads the predictions after every round: one round per trip then.
  const perTrip = opts.feval ? 1 : (opts.maxRoundsPerTrip ?? MAX_ROUNDS_PER_TRIP);
  const dataIndices = targets.map((t) => t.dataIndex);
  let iteration = 0;
  while (iteration < rounds) {
    const step = await handle.updateAsync(roundsPerTrip(iteration, rounds, stopper, perTrip), dataIndices, logParams);
    for (let i = 0; i < step.iterations; i++) {
      iteration++;
      const values = step.evals.map((v) => iterationSlice(v, i, step.iterations));
      const evals = collectEvals(handle, targets, metricNames, values, opts.feval);
      for (const callback of callbacks) callback({ iteration, evals });
      if (stopper) {
        const watched = evals.find((e) => e.dataName === targets.find((t) => !t.isTraining)?.name);
        const isLastRound = iteration === rounds || (step.finished && i === step.iterations - 1);
        if (watched && stopper.update(iteration, watched, isLastRound)) return stopper.bestIteration;
      }
    }
    if (step.finished || step.iterations === 0) break;
  }
  return stopper ? stopper.bestIteration : 0;
}

const MAX_ROUNDS_PER_TRIP = 100;

/**
 * How many rounds the next trip to the worker thread trains. Each trip costs a thread hand-over and waits for the
 * event loop, so as many as early stopping allows: up to the first round at which it could stop, none beyond, so the
 * trees, the evaluations and the best iteration are those of one round per trip.
 */
function roundsPerTrip(iteration: number, rounds: number, stopper: EarlyStopping | null, perTrip: number): number {
  const untilStop = stopper ? stopper.earliestStop(iteration) - iteration : perTrip;
  return Math.max(1, Math.min(rounds - iteration, untilStop, perTrip));
}

/** One iteration's metrics out of a trip's evaluations of one dataset (see NativeUpdateResult.evals). */
function iterationSlice(values: Float64Array, index: number, iterations: number): Float64Array {
  const stride = values.length / iterations;
  return values.subarray(index * stride, (index + 1) * stride);
}

function collectEvals(
  handle: NativeBooster,
  targets: EvalTarget[],
  metricNames: string[],
  values: Float64Array[],
  feval: Feval | undefined,
): EvalResult[] {
  const evals: EvalResult[] = [];
  targets.forEach((target, k) => {
    metricNames.forEach((metric, j) => {
      evals.push({ dataName: target.name, metric, value: values[k][j], higherBetter: isHigherBetter(metric) });
    });
    if (feval) {
      const labels = target.dataset.labels as Float64Array;
      const result = feval(handle.getPredict(target.dataIndex), labels, target.name);
      evals.push({
        dataName: target.name,
        metric: result.name,
        value: result.value,
        higherBetter: result.higherBetter,
      });
    }
  });
  return evals;
}

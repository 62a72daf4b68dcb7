import { Dataset } from './dataset';
import { IMPORTANCE_SPLIT, native } from './native';
import { type Params, paramsToString } from './params';

/*
 * Data-parallel training over LightGBM's own socket network (tree_learner=data): every rank holds only its rows,
 * bin boundaries are found jointly while the datasets are built (each rank bins a slice of the features from its
 * rows, then they are exchanged), and each iteration's histograms are summed over the network, so all ranks grow
 * the same trees.
 *
 * LightGBM keeps the network in thread-local state: network set-up, dataset construction and every boosting
 * iteration must run on ONE thread. trainDataParallel does all of them synchronously on the calling thread, so
 * call it from a dedicated thread (a Node worker thread) whose process stays free to watch the clock.
 */

/** One rank's place in the network. */
export interface NetworkSetup {
  /** every machine as "ip:port" (the ports LightGBM listens on), in rank order; IP addresses, not host names */
  machines: string[];
  /** this rank's index in `machines` */
  rank: number;
  /** LightGBM's time_out: minutes a socket waits for a peer (connection set-up and each receive) */
  timeOutMinutes: number;
}

/** What the caller decides after every iteration, the same for all ranks (see onIteration). */
export interface IterationDecision {
  stop: boolean;
  /** with stop: the 1-based iteration the model is cut at (0 = all trees) */
  bestIteration?: number;
}

export interface DataParallelOptions {
  network: NetworkSetup;
  numBoostRound: number;
  /**
   * Called after every iteration with this rank's validation predictions (probabilities for binary, in the order of
   * validSet's rows). Every rank must receive the same decision, or the ranks that go on wait for the others:
   * LightGBM's metrics only see local rows, so the caller gathers the predictions and decides in one place.
   */
  onIteration: (iteration: number, validPredictions: Float64Array) => Promise<IterationDecision>;
}

export interface DataParallelResult {
  /** LightGBM text model, cut at the best iteration; the same on every rank */
  model: string;
  iterations: number;
  bestIteration: number;
  /** seconds: linking the network, building (binning) the datasets, boosting, waiting for decisions */
  timings: { network: number; dataset: number; boosting: number; decisions: number };
}

const seconds = (since: number) => (performance.now() - since) / 1000;

function checkSetup({ machines, rank, timeOutMinutes }: NetworkSetup): number {
  if (!Array.isArray(machines) || machines.length === 0) throw new Error('network.machines must list every machine');
  machines.forEach((m, i) => {
    const match = /^([^\s:,]+):(\d{1,5})$/.exec(m);
    if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
      throw new Error(`network.machines[${i}] must be "ip:port", got "${m}"`);
    }
  });
  if (new Set(machines).size !== machines.length) throw new Error('network.machines has the same ip:port twice');
  if (!Number.isInteger(rank) || rank < 0 || rank >= machines.length) {
    throw new Error(`network.rank must be in [0, ${machines.length}), got ${rank}`);
  }
  if (!Number.isInteger(timeOutMinutes) || timeOutMinutes < 1) {
    throw new Error(`network.timeOutMinutes must be a positive integer, got ${timeOutMinutes}`);
  }
  return Number(machines[rank].split(':')[1]);
}

/**
 * Trains one booster on this rank's rows together with the other ranks, synchronously on the calling thread
 * between the awaits of onIteration. With a single machine it is plain serial training (the reference).
 * The network is closed again before returning or throwing.
 */
export async function trainDataParallel(
  params: Params,
  trainSet: Dataset,
  validSet: Dataset,
  opts: DataParallelOptions,
): Promise<DataParallelResult> {
  const port = checkSetup(opts.network);
  if (!(trainSet instanceof Dataset) || !(validSet instanceof Dataset)) {
    throw new Error('trainSet and validSet must be Datasets');
  }
  if (validSet.reference !== trainSet) throw new Error('validSet must be created with { reference: trainSet }');
  if (!Number.isInteger(opts.numBoostRound) || opts.numBoostRound < 1) {
    throw new Error(`numBoostRound must be a positive integer, got ${opts.numBoostRound}`);
  }
  const numMachines = opts.network.machines.length;
  // LightGBM finds this rank by its listen port among the local addresses; the explicit rank= entry removes any
  // doubt (several ranks on one host, or a host with several addresses).
  const machines = [...opts.network.machines, `rank=${opts.network.rank}`].join(',');
  const boosterParams: Params = {
    ...params,
    tree_learner: numMachines > 1 ? 'data' : 'serial',
    num_machines: numMachines,
    num_iterations: opts.numBoostRound,
  };
  paramsToString(boosterParams);
  const lib = native();
  const timings = { network: 0, dataset: 0, boosting: 0, decisions: 0 };

  let started = performance.now();
  lib.networkInit(machines, port, opts.network.timeOutMinutes, numMachines);
  timings.network = seconds(started);
  try {
    started = performance.now();
    const trainHandle = trainSet.construct(boosterParams);
    const validHandle = validSet.construct(boosterParams);
    timings.dataset = seconds(started);
    const handle = new lib.NativeBooster(trainHandle, paramsToString({ ...boosterParams, ...trainSet.datasetParams }));
    try {
      handle.addValidData(validHandle);
      let iterations = 0;
      let decision: IterationDecision = { stop: false };
      while (!decision.stop && iterations < opts.numBoostRound) {
        started = performance.now();
        const finished = lib.boostOneIteration(handle);
        iterations++;
        const predictions = handle.getPredict(1);
        timings.boosting += seconds(started);
        started = performance.now();
        decision = await opts.onIteration(iterations, predictions);
        timings.decisions += seconds(started);
        if (finished) break;
      }
      const bestIteration = decision.stop ? (decision.bestIteration ?? 0) : 0;
      if (!Number.isInteger(bestIteration) || bestIteration < 0 || bestIteration > iterations) {
        throw new Error(`bestIteration ${bestIteration} is not one of the ${iterations} iterations trained`);
      }
      const model = handle.saveModelToString(0, bestIteration > 0 ? bestIteration : -1, IMPORTANCE_SPLIT);
      return { model, iterations, bestIteration, timings };
    } finally {
      handle.free();
    }
  } finally {
    lib.networkFree();
  }
}

/**
 * Ends the process immediately with `status`, without waiting for threads. For a process whose LightGBM thread is
 * stuck in a socket call to a peer that is gone: process.exit() would wait for that thread forever.
 */
export function hardExit(status: number): never {
  return native().hardExit(status);
}

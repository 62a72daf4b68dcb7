/**
 * The thread of a `trainer worker` process that runs LightGBM. LightGBM's network is thread-local, so linking,
 * binning and boosting all happen here, synchronously; the process's main thread keeps the control connection
 * and the watchdog. Messages to the main thread: {type:'iteration', iteration, predictions}, then {type:'done',
 * result} or {type:'error', message}. From it: {type:'decision', stop, bestIteration}.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Dataset, trainDataParallel, type IterationDecision } from '@credit-scoring/lightgbm';
import type { ThreadInput } from './messages';

async function main(port: NonNullable<typeof parentPort>, input: ThreadInput): Promise<void> {
  const { job } = input;
  const trainSet = new Dataset(input.trainX, {
    nRows: job.trainRows,
    nCols: job.nCols,
    label: input.trainY,
    featureNames: job.featureNames,
    categoricalFeatures: job.categoricalFeatures,
  });
  const validSet = new Dataset(input.validX, {
    nRows: job.validRows,
    nCols: job.nCols,
    label: input.validY,
    reference: trainSet,
  });
  let waiting: ((d: IterationDecision) => void) | null = null;
  port.on('message', (m: { type: string } & IterationDecision) => {
    if (m.type === 'decision' && waiting) {
      const resolve = waiting;
      waiting = null;
      resolve({ stop: m.stop, bestIteration: m.bestIteration });
    }
  });
  try {
    const result = await trainDataParallel(job.params, trainSet, validSet, {
      network: { machines: job.machines, rank: job.rank, timeOutMinutes: job.timeOutMinutes },
      numBoostRound: job.numBoostRound,
      onIteration: (iteration, predictions) =>
        new Promise<IterationDecision>((resolve) => {
          waiting = resolve;
          port.postMessage({ type: 'iteration', iteration, predictions }, [predictions.buffer as ArrayBuffer]);
        }),
    });
    port.postMessage({ type: 'done', result });
  } finally {
    trainSet.free();
    validSet.free();
    port.removeAllListeners('message');
  }
}

if (parentPort) {
  const port = parentPort;
  main(port, workerData as ThreadInput).catch((err: unknown) => {
    port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  });
}

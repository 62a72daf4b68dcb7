// The network binding on one machine (several ranks need several threads or processes: apps/trainer's
// distributed.spec.ts runs them): argument checks, and the synchronous data-parallel loop giving the same model as
// train() when it is alone, cut where the caller's decision says.
import * as path from 'node:path';
import { SYNTHETIC, syntheticDataDir } from '@credit-scoring/data/testing';
import { Booster, Dataset, type Params, train, trainDataParallel } from './index';
import { native } from './native';
import { loadApplicationTrain } from './test-data';

const PARAMS: Params = {
  objective: 'binary',
  learning_rate: 0.1,
  num_leaves: 15,
  seed: 7,
  deterministic: true,
  num_threads: 2,
  verbose: -1,
};

describe('trainDataParallel / the network binding', () => {
  let x: Float64Array;
  let y: Float64Array;
  let nCols: number;
  const nTrain = 700;
  const nValid = 300;
  const sets = () => {
    const trainSet = new Dataset(x.slice(0, nTrain * nCols), { nRows: nTrain, nCols, label: y.slice(0, nTrain) });
    const validSet = new Dataset(x.slice(nTrain * nCols, (nTrain + nValid) * nCols), {
      nRows: nValid,
      nCols,
      label: y.slice(nTrain, nTrain + nValid),
      reference: trainSet,
    });
    return { trainSet, validSet };
  };
  const alone = { machines: ['127.0.0.1:12400'], rank: 0, timeOutMinutes: 1 };

  beforeAll(async () => {
    const table = loadApplicationTrain(path.join(await syntheticDataDir(SYNTHETIC), 'application_train.csv'));
    nCols = table.nCols;
    x = table.data;
    y = table.target;
  });

  it('checks every native argument', () => {
    const lib = native();
    expect(() => lib.networkInit(42 as unknown as string, 12400, 1, 2)).toThrow('machines must be a string');
    expect(() => lib.networkInit('127.0.0.1:12400', 70000, 1, 2)).toThrow(/TCP port/);
    expect(() => lib.networkInit('', 12400, 1, 2)).toThrow(/at least one/);
    expect(() => lib.networkInit('127.0.0.1:12400', 12400, 0, 2)).toThrow(/timeOutMinutes must be a positive/);
    expect(() => lib.boostOneIteration({} as never)).toThrow(/NativeBooster/);
    expect(() => lib.hardExit(300)).toThrow('status must be in [0, 255]');
  });

  it('rejects a bad network setup before touching LightGBM', async () => {
    const { trainSet, validSet } = sets();
    const run = (network: typeof alone) =>
      trainDataParallel(PARAMS, trainSet, validSet, {
        network,
        numBoostRound: 5,
        onIteration: async () => ({ stop: false }),
      });
    await expect(run({ ...alone, machines: ['nohost'] })).rejects.toThrow(/must be "ip:port"/);
    await expect(run({ ...alone, rank: 1 })).rejects.toThrow(/rank must be in \[0, 1\)/);
    await expect(run({ ...alone, machines: ['127.0.0.1:1', '127.0.0.1:1'] })).rejects.toThrow(/twice/);
  });

  it('alone, gives the model of train() cut where decided, and the validation predictions each round', async () => {
    const { trainSet, validSet } = sets();
    const seen: number[] = [];
    const result = await trainDataParallel(PARAMS, trainSet, validSet, {
      network: alone,
      numBoostRound: 50,
      onIteration: async (iteration, predictions) => {
        expect(predictions).toHaveLength(nValid);
        seen.push(iteration);
        return iteration === 8 ? { stop: true, bestIteration: 5 } : { stop: false };
      },
    });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(result.iterations).toBe(8);
    expect(result.bestIteration).toBe(5);
    const ours = Booster.fromString(result.model);
    const reference = await train(PARAMS, sets().trainSet, { numBoostRound: 5 });
    const rows = x.subarray(0, 200 * nCols);
    expect(Array.from(ours.predict(rows))).toEqual(Array.from(reference.predict(rows)));
    ours.free();
    reference.free();
  });

  it('refuses a best iteration that was not trained', async () => {
    const { trainSet, validSet } = sets();
    await expect(
      trainDataParallel(PARAMS, trainSet, validSet, {
        network: alone,
        numBoostRound: 10,
        onIteration: async () => ({ stop: true, bestIteration: 4 }),
      }),
    ).rejects.toThrow(/bestIteration 4 is not one of the 1 iterations/);
  });
});

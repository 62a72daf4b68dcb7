// Behaviour of the binding (ownership, bad input, prediction paths) on generated Home Credit rows: none of it depends
// on the real sample, so it runs from a bare clone. Agreement with Python LightGBM on real rows is golden.spec.ts.
import { createHook } from 'node:async_hooks';
import * as path from 'node:path';
import { SYNTHETIC, syntheticDataDir } from '@credit-scoring/data/testing';
import { Booster, Dataset, EarlyStopping, LightGBMError, type Params, train } from './index';
import { loadApplicationTrain, type NumericTable } from './test-data';

const PARAMS: Params = {
  objective: 'binary',
  metric: 'auc',
  learning_rate: 0.1,
  num_leaves: 15,
  seed: 7,
  deterministic: true,
  num_threads: 2,
  verbose: -1,
};
const ROWS = SYNTHETIC.rows;

describe('LightGBM binding', () => {
  let table: NumericTable;
  let x: Float64Array;
  let y: Float64Array;
  let nCols: number;
  let booster: Booster;

  const dataset = (opts: Partial<ConstructorParameters<typeof Dataset>[1]> = {}): Dataset =>
    new Dataset(x, { nRows: ROWS, nCols, label: y, ...opts });

  beforeAll(async () => {
    table = loadApplicationTrain(path.join(await syntheticDataDir(SYNTHETIC), 'application_train.csv'));
    nCols = table.nCols;
    x = table.data.slice(0, ROWS * nCols);
    y = table.target.slice(0, ROWS);
    booster = await train(PARAMS, dataset(), { numBoostRound: 30 });
  });

  describe('predictions', () => {
    it('predictSingle (fast path) equals batch predict, for Float64Array and number[] rows', () => {
      const batch = booster.predict(x.subarray(0, 200 * nCols));
      for (let i = 0; i < 200; i++) {
        const row = x.subarray(i * nCols, (i + 1) * nCols);
        expect(booster.predictSingle(row)).toBe(batch[i]);
        if (i < 20) expect(booster.predictSingle(Array.from(row))).toBe(batch[i]);
      }
    });

    it('SHAP rows sum to the raw score, and the single-row path gives the same values', () => {
      const rows = x.subarray(0, 50 * nCols);
      const contrib = booster.predictContrib(rows);
      const raw = booster.predict(rows, { rawScore: true });
      expect(contrib.length).toBe(50 * (nCols + 1));
      for (let i = 0; i < 50; i++) {
        const shap = contrib.subarray(i * (nCols + 1), (i + 1) * (nCols + 1));
        expect(Math.abs(shap.reduce((a, b) => a + b, 0) - raw[i])).toBeLessThan(1e-9);
        expect(Array.from(booster.predictSingleContrib(rows.subarray(i * nCols, (i + 1) * nCols)))).toEqual(
          Array.from(shap),
        );
      }
    });

    it('SHAP rows of a random forest (trees averaged) sum to its log-odds too, up to any iteration', async () => {
      const forest = await train(
        { ...PARAMS, boosting: 'rf', bagging_fraction: 0.6, bagging_freq: 1, feature_fraction: 0.7 },
        dataset(),
        { numBoostRound: 25 },
      );
      const rows = x.subarray(0, 40 * nCols);
      for (const [numIteration, trees] of [
        [undefined, 25],
        [10, 10],
      ]) {
        const contrib = forest.predictContrib(rows, { numIteration });
        const probability = forest.predict(rows, { numIteration });
        // LightGBM's raw score of an averaged model is its trees' sum, as Python's raw_score: the mean is the log-odds.
        const raw = forest.predict(rows, { rawScore: true, numIteration });
        for (let i = 0; i < 40; i++) {
          const shap = contrib.subarray(i * (nCols + 1), (i + 1) * (nCols + 1));
          const sum = shap.reduce((a, b) => a + b, 0);
          expect(Math.abs(sum - Math.log(probability[i] / (1 - probability[i])))).toBeLessThan(1e-9);
          expect(Math.abs(sum - raw[i] / (trees as number))).toBeLessThan(1e-9);
          if (numIteration === undefined)
            expect(Array.from(forest.predictSingleContrib(rows.subarray(i * nCols, (i + 1) * nCols)))).toEqual(
              Array.from(shap),
            );
        }
      }
      const copy = Booster.fromString(forest.saveModel());
      expect(Array.from(copy.predictContrib(rows))).toEqual(Array.from(forest.predictContrib(rows)));
      copy.free();
      forest.free();
    });

    it('round-trips through the text format with identical predictions', () => {
      const copy = Booster.fromString(booster.saveModel());
      expect(Array.from(copy.predict(x))).toEqual(Array.from(booster.predict(x)));
      expect(copy.numFeature).toBe(nCols);
      expect(copy.featureNames).toEqual(booster.featureNames);
      expect(copy.numIterations).toBe(30);
      copy.free();
    });

    it('accepts Float32Array input and numIteration', () => {
      const few = booster.predict(x.subarray(0, 10 * nCols), { numIteration: 5 });
      const all = booster.predict(x.subarray(0, 10 * nCols));
      expect(Array.from(few)).not.toEqual(Array.from(all));
      expect(booster.predict(Float32Array.from(x.subarray(0, 10 * nCols))).length).toBe(10);
    });

    describe('predictAsync (on a worker thread)', () => {
      it('gives the numbers predict gives: Float64Array and Float32Array, raw scores, numIteration', async () => {
        const rows = x.subarray(0, 500 * nCols);
        expect(Array.from(await booster.predictAsync(rows))).toEqual(Array.from(booster.predict(rows)));
        for (const numThreads of [1, 2]) {
          expect(Array.from(await booster.predictAsync(rows, { numThreads }))).toEqual(
            Array.from(booster.predict(rows)),
          );
        }
        const raw = await booster.predictAsync(rows, { rawScore: true, numIteration: 7 });
        expect(Array.from(raw)).toEqual(Array.from(booster.predict(rows, { rawScore: true, numIteration: 7 })));
        const single = Float32Array.from(rows);
        expect(Array.from(await booster.predictAsync(single))).toEqual(Array.from(booster.predict(single)));
      });

      it('runs off the main thread, and calls made together take turns and all resolve', async () => {
        const rows = new Float64Array(20 * x.length);
        for (let k = 0; k < 20; k++) rows.set(x, k * x.length);
        const expected = Array.from(booster.predict(rows));
        let settled = false;
        const all = Promise.all([1, 2, 3].map(() => booster.predictAsync(rows, { numThreads: 1 }))).finally(
          () => (settled = true),
        );
        await new Promise((resolve) => setImmediate(resolve));
        expect(settled).toBe(false); // the event loop turned while LightGBM was still predicting
        for (const result of await all) expect(Array.from(result)).toEqual(expected);
      });

      it('while it runs the booster is busy: free() and the other methods throw; usable afterwards', async () => {
        const copy = Booster.fromString(booster.saveModel());
        const rows = x.subarray(0, 1000 * nCols);
        const pending = copy.predictAsync(rows);
        expect(() => copy.free()).toThrow('cannot free a Booster while a prediction is running; await predictAsync');
        expect(copy.isFreed).toBe(false);
        expect(() => copy.predict(rows)).toThrow(/busy predicting on a worker thread/);
        expect(() => copy.predictSingle(rows.subarray(0, nCols))).toThrow(/busy predicting/);
        expect(() => copy.saveModel()).toThrow(/busy predicting/);
        expect(Array.from(await pending)).toEqual(Array.from(booster.predict(rows)));
        expect(copy.predictSingle(rows.subarray(0, nCols))).toBe(booster.predictSingle(rows.subarray(0, nCols)));
        copy.free();
        await expect(copy.predictAsync(rows)).rejects.toThrow(/freed/);
      });

      it('bad input is a rejected promise with the reason, as for predict', async () => {
        await expect(booster.predictAsync(x.subarray(0, nCols + 1))).rejects.toThrow(/not a whole number of rows/);
        await expect(booster.predictAsync(new Float64Array(0))).rejects.toThrow(/not a whole number of rows/);
        const notAMatrix = [1, 2, 3] as unknown as Float64Array;
        await expect(booster.predictAsync(notAMatrix)).rejects.toThrow(/Float64Array or Float32Array/);
        await expect(booster.predictAsync(x.subarray(0, nCols), { numThreads: 0 })).rejects.toThrow(/numThreads/);
        await expect(booster.predictAsync(x.subarray(0, nCols), { numIteration: 1.5 })).rejects.toThrow(
          /numIteration must be an integer/,
        );
      });

      it("LightGBM's own failure on the worker thread is a LightGBMError", async () => {
        // A parameter LightGBM refuses while parsing the prediction's configuration, on the worker thread.
        const native = (booster as unknown as { handle: { predictForMatAsync: (...a: unknown[]) => Promise<unknown> } })
          .handle;
        const failure = native.predictForMatAsync(x.subarray(0, nCols), 1, 0, 0, -1, 'num_threads=many');
        await expect(failure).rejects.toBeInstanceOf(LightGBMError);
        expect(Array.from(await booster.predictAsync(x.subarray(0, nCols)))).toEqual(
          Array.from(booster.predict(x.subarray(0, nCols))),
        );
      });
    });

    it('dumps the model as JSON with the feature names', () => {
      const dump = booster.dumpModel() as { feature_names: string[]; tree_info: unknown[] };
      expect(dump.feature_names).toEqual(booster.featureNames);
      expect(dump.tree_info).toHaveLength(30);
    });
  });

  describe('bad input is rejected with a clear error', () => {
    it('a freed booster throws on every use', () => {
      const copy = Booster.fromString(booster.saveModel());
      copy.free();
      expect(copy.isFreed).toBe(true);
      expect(() => copy.predict(x.subarray(0, nCols))).toThrow(/freed/);
      expect(() => copy.predictSingle(x.subarray(0, nCols))).toThrow(/freed/);
      expect(() => copy.predictContrib(x.subarray(0, nCols))).toThrow(/freed/);
      expect(() => copy.saveModel()).toThrow(/freed/);
      expect(() => copy.featureImportance('gain')).toThrow(/freed/);
      expect(() => copy.free()).not.toThrow();
    });

    it('a freed dataset cannot be trained on', async () => {
      const d = dataset();
      d.free();
      await expect(train(PARAMS, d, { numBoostRound: 2 })).rejects.toThrow(/Dataset has been freed/);
    });

    it('wrong matrix size', () => {
      expect(() => new Dataset(x.subarray(1), { nRows: ROWS, nCols, label: y })).toThrow(/expected nRows x nCols/);
      expect(() => new Dataset(x, { nRows: 0, nCols, label: y })).toThrow(/nRows must be a positive/);
      expect(() => booster.predict(x.subarray(0, nCols + 1))).toThrow(/not a whole number of rows/);
      expect(() => booster.predict(new Float64Array(0))).toThrow(/not a whole number of rows/);
    });

    it('wrong column count', () => {
      expect(() => booster.predictSingle(x.subarray(0, nCols - 1))).toThrow(/row has \d+ values, the model has/);
      expect(() => booster.predictSingleContrib(new Float64Array(nCols + 1))).toThrow(/the model has/);
      expect(() => booster.predict(new Float64Array(3 * (nCols - 1)))).toThrow(/wrong column count/);
      const names = Array.from({ length: nCols - 1 }, (_, i) => `f${i}`);
      expect(() => dataset({ featureNames: names })).toThrow(/feature names for \d+ columns/);
      expect(() => dataset({ categoricalFeatures: [nCols] })).toThrow(/not a column index/);
    });

    it('label and weight length mismatch', () => {
      expect(() => dataset({ label: y.subarray(1) })).toThrow(
        `label has ${ROWS - 1} values but the data has ${ROWS} rows`,
      );
      expect(() => dataset({ weight: [1, 2] })).toThrow(/weight has 2 values/);
      expect(() => dataset({ label: [...y.subarray(1), Number.NaN] })).toThrow(`label[${ROWS - 1}] is not a finite`);
    });

    it("a bad parameter surfaces LightGBM's own message as a LightGBMError", async () => {
      const failure = train({ ...PARAMS, objective: 'no_such_objective' }, dataset(), { numBoostRound: 2 });
      await expect(failure).rejects.toBeInstanceOf(LightGBMError);
      await expect(
        train({ ...PARAMS, objective: 'no_such_objective' }, dataset(), { numBoostRound: 2 }),
      ).rejects.toThrow(/Unknown objective type name: no_such_objective/);
      await expect(train({ ...PARAMS, num_leaves: 'many' }, dataset(), { numBoostRound: 2 })).rejects.toThrow(
        LightGBMError,
      );
      expect(() => dataset({ params: { max_bin: 'two words' } })).toThrow(/whitespace/);
      await expect(train({ ...PARAMS, learning_rate: Number.NaN }, dataset())).rejects.toThrow(/finite number/);
    });

    it('garbage model text is a LightGBMError', () => {
      expect(() => Booster.fromString('this is not a model')).toThrow(LightGBMError);
      expect(() => Booster.fromString('')).toThrow(/non-empty/);
    });

    it('early stopping without a validation set or metric', async () => {
      await expect(train(PARAMS, dataset(), { earlyStoppingRounds: 3 })).rejects.toThrow(/validation set/);
      const trainSet = dataset();
      const valid = new Dataset(x, { nRows: ROWS, nCols, label: y, reference: trainSet });
      await expect(
        train({ ...PARAMS, metric: 'none' }, trainSet, { valid: [valid], earlyStoppingRounds: 3 }),
      ).rejects.toThrow(/needs a metric/);
      const stray = dataset();
      await expect(train(PARAMS, trainSet, { valid: [stray] })).rejects.toThrow(/reference: trainSet/);
    });
  });

  describe('training', () => {
    const split = Math.round(ROWS * 0.75);
    const makeSets = (): [Dataset, Dataset] => {
      const trainSet = new Dataset(x.subarray(0, split * nCols), { nRows: split, nCols, label: y.subarray(0, split) });
      const validSet = new Dataset(x.subarray(split * nCols), {
        nRows: ROWS - split,
        nCols,
        label: y.subarray(split),
        reference: trainSet,
      });
      return [trainSet, validSet];
    };

    describe('rows: a dataset binned from rows of a larger matrix trains the model a copy of those rows trains', () => {
      // Five copies of the rows, each value nudged so the copies differ: more rows than the binding pushes to
      // LightGBM at once (4,096), taken scattered and shuffled, with runs of consecutive ones.
      const TIMES = 5;
      let big: Float64Array;
      let bigY: Float64Array;
      let fitRows: Int32Array;
      let stopRows: Int32Array;
      beforeAll(() => {
        big = new Float64Array(TIMES * x.length);
        for (let t = 0; t < TIMES; t++)
          big.set(
            x.map((v) => (v === 0 || Number.isNaN(v) ? v : v * (1 + t / 1000))),
            t * x.length,
          );
        bigY = new Float64Array(TIMES * ROWS);
        for (let t = 0; t < TIMES; t++) bigY.set(y, t * ROWS);
        const order = Int32Array.from({ length: TIMES * ROWS }, (_, i) => i).sort(
          (a, b) => ((a * 7919) % 13) - ((b * 7919) % 13),
        );
        const cut = Math.round(order.length * 0.85);
        [fitRows, stopRows] = [order.subarray(0, cut), order.subarray(cut)];
        expect(fitRows.length).toBeGreaterThan(4096);
      });
      const copyOf = (rows: Int32Array) => {
        const out = new Float64Array(rows.length * nCols);
        rows.forEach((r, k) => out.set(big.subarray(r * nCols, (r + 1) * nCols), k * nCols));
        return out;
      };
      const labels = (rows: Int32Array) => Float64Array.from(rows, (r) => bigY[r]);
      /** The model text and the validation AUCs of a fit with early stopping on the second set. */
      const fit = async (
        params: Params,
        make: (rows: Int32Array, reference?: Dataset) => Dataset,
      ): Promise<[string, number[]]> => {
        const trainSet = make(fitRows);
        const validSet = make(stopRows, trainSet);
        const aucs: number[] = [];
        const model = await train(params, trainSet, {
          valid: [validSet],
          numBoostRound: 25,
          earlyStoppingRounds: 5,
          callbacks: [(event) => void aucs.push(event.evals[0].value)],
        });
        return [model.saveModel(), aucs];
      };
      const copied = (weight?: (rows: Int32Array) => Float64Array) => (rows: Int32Array, reference?: Dataset) =>
        new Dataset(copyOf(rows), {
          nRows: rows.length,
          nCols,
          label: labels(rows),
          reference,
          weight: weight?.(rows),
        });
      const inPlace = (weight?: (rows: Int32Array) => Float64Array) => (rows: Int32Array, reference?: Dataset) =>
        new Dataset(big, { nRows: rows.length, nCols, label: labels(rows), reference, rows, weight: weight?.(rows) });

      it.each([
        ['every row in the sample of bin boundaries', PARAMS],
        [
          'a sample of 700 rows (bin_construct_sample_cnt), drawn by data_random_seed',
          { ...PARAMS, bin_construct_sample_cnt: 700, data_random_seed: 3 },
        ],
        ['linear trees (built from a copy: LightGBM cannot push their rows)', { ...PARAMS, linear_tree: true }],
      ])('%s', async (_, params) => {
        const expected = await fit(params, copied());
        expect(expected[0]).toMatch('linear_tree' in params ? /is_linear=1/ : /is_linear=0/);
        expect(await fit(params, inPlace())).toEqual(expected);
      });

      it('a weighted training set with an unweighted validation set: the validation set stays unweighted', async () => {
        // Only the training rows carry weights; a validation set made after its reference must not inherit them.
        const weights = (rows: Int32Array) => Float64Array.from(rows, (r) => 1 + (r % 3));
        const withWeights = (make: typeof copied) => (rows: Int32Array, reference?: Dataset) =>
          make(reference ? undefined : weights)(rows, reference);
        const expected = await fit(PARAMS, withWeights(copied));
        expect(expected[1].every(Number.isFinite)).toBe(true);
        expect(await fit(PARAMS, withWeights(inPlace))).toEqual(expected);
      });
    });

    describe('a dataset reused by another train()', () => {
      // LightGBM's documented way to try several min_data_in_leaf values on one binned dataset.
      const REUSABLE: Params = { ...PARAMS, feature_pre_filter: false, min_data_in_leaf: 40 };
      const OTHER: Params = { ...PARAMS, feature_pre_filter: false, min_data_in_leaf: 5, num_leaves: 4 };
      const fit = (params: Params, [trainSet, validSet]: [Dataset, Dataset]) =>
        train(params, trainSet, { valid: [validSet], numBoostRound: 15 }).then((m) => m.saveModel());

      it("trains that call's model (its own parameters), the model fresh datasets train", async () => {
        const sets = makeSets();
        const first = await fit(REUSABLE, sets);
        const reused = await fit(OTHER, sets);
        expect(reused).toEqual(await fit(OTHER, makeSets()));
        expect(reused).not.toEqual(first);
        expect(reused).toMatch(/\[num_leaves: 4\]/);
      });

      it("a change to its bins is refused with LightGBM's reason, and the dataset stays usable", async () => {
        const sets = makeSets();
        const first = await fit(REUSABLE, sets);
        await expect(fit({ ...REUSABLE, max_bin: 15 }, sets)).rejects.toThrow(LightGBMError);
        await expect(fit({ ...REUSABLE, max_bin: 15 }, sets)).rejects.toThrow(/max_bin/);
        const [prefiltered, valid] = makeSets();
        await fit({ ...PARAMS, min_data_in_leaf: 40 }, [prefiltered, valid]);
        await expect(fit({ ...PARAMS, min_data_in_leaf: 5 }, [prefiltered, valid])).rejects.toThrow(
          /feature_pre_filter/,
        );
        expect(await fit(REUSABLE, sets)).toEqual(first);
      });
    });

    it('rows: bad row indices are refused at construction', () => {
      const label = [0, 1];
      expect(() => new Dataset(x, { nRows: 2, nCols, label, rows: Int32Array.of(0, ROWS) })).toThrow(
        `Dataset rows[1] = ${ROWS} is outside the data's ${ROWS} rows`,
      );
      expect(() => new Dataset(x, { nRows: 2, nCols, label, rows: Int32Array.of(0) })).toThrow(/1 rows for nRows = 2/);
      expect(() => new Dataset(x.subarray(1), { nRows: 2, nCols, label, rows: Int32Array.of(0, 1) })).toThrow(
        /not a multiple of nCols/,
      );
    });

    it('early stopping records bestIteration; saveModel cuts there unless asked for all trees', async () => {
      const [trainSet, validSet] = makeSets();
      const iterations: number[] = [];
      const model = await train({ ...PARAMS, learning_rate: 0.3 }, trainSet, {
        valid: [validSet],
        numBoostRound: 300,
        earlyStoppingRounds: 5,
        callbacks: [(e) => iterations.push(e.iteration)],
      });
      expect(model.bestIteration).toBeGreaterThan(0);
      expect(iterations.length).toBe(model.bestIteration + 5);
      const trees = (text: string): number => text.split('\nTree=').length - 1;
      expect(trees(model.saveModel())).toBe(model.bestIteration);
      expect(trees(model.saveModel({ numIteration: 2 }))).toBe(2);
      expect(model.numIterations).toBe(model.bestIteration);
    });

    it('early stopping trains many rounds per trip to the worker thread: the same trees and evaluations as one', async () => {
      // Each trip is one async resource of the addon's update worker (named in src/native/booster.cc).
      let trips = 0;
      const hook = createHook({ init: (_id, type) => void (type === 'lightgbm.update' && trips++) });
      const fit = async (perRound: boolean) => {
        const [trainSet, validSet] = makeSets();
        const seen: number[] = [];
        trips = 0;
        hook.enable();
        const model = await train({ ...PARAMS, learning_rate: 0.05 }, trainSet, {
          valid: [validSet],
          numBoostRound: 400,
          earlyStoppingRounds: 20,
          earlyStoppingMinRounds: 10,
          callbacks: [(e) => seen.push(e.evals[0].value)],
          maxRoundsPerTrip: perRound ? 1 : undefined,
        });
        hook.disable();
        return { model, seen, trips };
      };
      try {
        const batched = await fit(false);
        const single = await fit(true);
        expect(single.trips).toBe(single.seen.length);
        expect(batched.trips).toBeLessThan(single.trips / 5);
        expect(batched.seen).toEqual(single.seen);
        expect(batched.model.bestIteration).toBe(single.model.bestIteration);
        expect(batched.seen.length).toBe(batched.model.bestIteration + 20); // no round beyond the stop
        expect(batched.model.saveModel()).toBe(single.model.saveModel());
        await expect(train(PARAMS, makeSets()[0], { maxRoundsPerTrip: 0 })).rejects.toThrow(
          /maxRoundsPerTrip must be a positive integer/,
        );
        batched.model.free();
        single.model.free();
      } finally {
        hook.disable();
      }
    });

    it('EarlyStopping.earliestStop: never later than the round update() stops at, and that round once known', () => {
      let state = 12345;
      const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      let stops = 0;
      for (let run = 0; run < 200; run++) {
        const patience = 1 + Math.floor(random() * 10);
        const stopper = new EarlyStopping(patience, Math.floor(random() * 15));
        const promised: number[] = [stopper.earliestStop(0)]; // after round t, the earliest stop is promised[t]
        for (let iteration = 1; iteration <= 300; iteration++) {
          const value = random() < 0.05 ? Number.NaN : random() + iteration * 0.002 * (random() - 0.3);
          const stop = stopper.update(iteration, { dataName: 'v', metric: 'auc', value, higherBetter: true }, false);
          if (stop) {
            expect(Math.max(...promised)).toBeLessThanOrEqual(iteration); // no round trained beyond the stop
            expect(promised[iteration - 1]).toBe(iteration); // and none wasted on a trip of one round
            stops++;
            break;
          }
          promised.push(stopper.earliestStop(iteration));
          expect(promised[iteration]).toBeGreaterThan(iteration);
        }
      }
      expect(stops).toBeGreaterThan(100);
    });

    it('earlyStoppingMinRounds: no best iteration before that round, or the last round if training ends first', async () => {
      const [trainSet, validSet] = makeSets();
      const free = await train({ ...PARAMS, learning_rate: 0.3 }, trainSet, {
        valid: [validSet],
        numBoostRound: 300,
        earlyStoppingRounds: 5,
      });
      const minRounds = free.bestIteration + 20;
      const held = await train({ ...PARAMS, learning_rate: 0.3 }, trainSet, {
        valid: [validSet],
        numBoostRound: 300,
        earlyStoppingRounds: 5,
        earlyStoppingMinRounds: minRounds,
      });
      expect(held.bestIteration).toBeGreaterThanOrEqual(minRounds);
      const short = await train({ ...PARAMS, learning_rate: 0.3 }, trainSet, {
        valid: [validSet],
        numBoostRound: 12,
        earlyStoppingRounds: 5,
        earlyStoppingMinRounds: 50,
      });
      expect(short.bestIteration).toBe(12);
      short.free();
      await expect(
        train(PARAMS, trainSet, { valid: [validSet], earlyStoppingRounds: 5, earlyStoppingMinRounds: 2.5 }),
      ).rejects.toThrow(/earlyStoppingMinRounds must be a positive integer/);
      free.free();
      held.free();
    });

    it('feval results reach callbacks and can drive early stopping', async () => {
      const [trainSet, validSet] = makeSets();
      const seen: number[] = [];
      const brier = (preds: Float64Array, labels: Float64Array) => ({
        name: 'brier',
        higherBetter: false,
        value: preds.reduce((s, p, i) => s + (p - labels[i]) ** 2, 0) / preds.length,
      });
      const model = await train({ ...PARAMS, metric: 'none' }, trainSet, {
        valid: [validSet],
        validNames: ['holdout'],
        numBoostRound: 200,
        earlyStoppingRounds: 4,
        feval: brier,
        callbacks: [
          (e) => {
            expect(e.evals).toHaveLength(1);
            expect(e.evals[0]).toMatchObject({ dataName: 'holdout', metric: 'brier', higherBetter: false });
            seen.push(e.evals[0].value);
          },
        ],
      });
      const best = Math.min(...seen);
      expect(seen[model.bestIteration - 1]).toBe(best);
      const direct = brier(model.predict(x.subarray(split * nCols)), y.subarray(split)).value;
      expect(Math.abs(direct - best)).toBeLessThan(1e-12);
    });

    it('two boosters in one process are independent', async () => {
      const [a, b] = await Promise.all([
        train(PARAMS, dataset(), { numBoostRound: 10 }),
        train({ ...PARAMS, num_leaves: 4, learning_rate: 0.3 }, dataset(), { numBoostRound: 20 }),
      ]);
      const rows = x.subarray(0, 100 * nCols);
      const before = Array.from(a.predict(rows));
      expect(before).not.toEqual(Array.from(b.predict(rows)));
      b.free();
      expect(Array.from(a.predict(rows))).toEqual(before);
      expect(a.numIterations).toBe(10);
      a.free();
    });

    it('trains off the main thread: timers keep firing during training', async () => {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      await train(PARAMS, dataset(), { numBoostRound: 200 });
      clearInterval(timer);
      expect(ticks).toBeGreaterThan(0);
    });

    it('a dataset freed while training stays alive until training is done', async () => {
      const d = dataset();
      const pending = train(PARAMS, d, { numBoostRound: 20 });
      d.free();
      const model = await pending;
      expect(model.numIterations).toBe(20);
    });
  });
});

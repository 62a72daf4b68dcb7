// Every argument the native addon reads is checked (a wrong type is a TypeError/RangeError, never a crash), and arrays
// are copied before the addon touches its handle: a getter that frees the booster mid-call cannot make it use freed
// memory. Drives the native objects directly, as a caller bypassing the TypeScript wrapper could.
import { Booster } from './index';
import { native, type NativeBooster } from './native';
import { SYNTHETIC_COLUMNS, syntheticRows, trainSyntheticModel } from './testing/synthetic-model';

// A number[] row whose element `at` runs `effect` when read (an accessor property, as any array-like may have).
function rowWithGetter(values: ArrayLike<number>, at: number, effect: () => void): number[] {
  const row = Array.from(values);
  Object.defineProperty(row, at, {
    get: () => {
      effect();
      return values[at];
    },
  });
  return row;
}

// The addon's errors come from Node's own realm, not Jest's sandbox: compare names and messages, not constructors.
function thrown(fn: () => unknown): { name: string; message: string } | undefined {
  try {
    fn();
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
  return undefined;
}

describe('native argument checks', () => {
  let modelText: string;
  let x: Float64Array;
  let handle: NativeBooster;

  beforeAll(async () => {
    const trained = await trainSyntheticModel(5);
    modelText = trained.booster.saveModel();
    x = trained.x;
    trained.booster.free();
  });
  beforeEach(() => {
    handle = new (native().NativeBooster)(null, modelText);
  });
  afterEach(() => handle.free());

  const row = (): Float64Array => x.slice(0, SYNTHETIC_COLUMNS);

  it('wrong types are TypeErrors naming the argument; fractional integers are RangeErrors', () => {
    const anyHandle = handle as unknown as Record<string, (...args: unknown[]) => unknown>;
    expect(thrown(() => anyHandle.predictForMat(x, '10', 0, 0, -1, ''))).toEqual({
      name: 'TypeError',
      message: 'nRows must be a number',
    });
    expect(thrown(() => anyHandle.predictForMat(x.subarray(0, 12), 2, 'normal', 0, -1, ''))).toEqual({
      name: 'TypeError',
      message: 'predictType must be a number',
    });
    expect(thrown(() => anyHandle.predictForMat(x.subarray(0, 12), 2, 0, 0, -1, 7))).toEqual({
      name: 'TypeError',
      message: 'parameters must be a string',
    });
    expect(thrown(() => anyHandle.saveModelToString('0', -1, 0))).toEqual({
      name: 'TypeError',
      message: 'startIteration must be a number',
    });
    expect(thrown(() => anyHandle.dumpModel(0, null))).toEqual({
      name: 'TypeError',
      message: 'numIteration must be a number',
    });
    expect(thrown(() => anyHandle.featureImportance(1.5, 0))).toEqual({
      name: 'RangeError',
      message: 'numIteration must be a 32-bit integer',
    });
    expect(thrown(() => anyHandle.predictSingle(row(), 1, -1))).toEqual({
      name: 'TypeError',
      message: 'contrib must be a boolean',
    });
    expect(thrown(() => anyHandle.predictSingle(row(), false, undefined))?.name).toBe('TypeError');
    expect(thrown(() => anyHandle.predictSingle(new Float32Array(SYNTHETIC_COLUMNS), false, -1))?.name).toBe(
      'TypeError',
    );
    expect(thrown(() => anyHandle.predictSingle([1, 2, 'x', 4, 5, 6], false, -1))).toEqual({
      name: 'TypeError',
      message: 'row[2] is not a number',
    });
    expect(thrown(() => anyHandle.getPredict('0'))).toEqual({
      name: 'TypeError',
      message: 'dataIndex must be a number',
    });
    expect(thrown(() => new (native().NativeBooster)(null, 5 as unknown as string))).toEqual({
      name: 'TypeError',
      message: 'parametersOrModel must be a string',
    });
    // still usable after every rejected call
    expect(typeof handle.predictSingle(row(), false, -1)).toBe('number');
  });

  it('a row getter that frees the booster mid-call gives an error, not a use of freed memory', () => {
    const expected = handle.predictSingle(row(), false, -1);
    const evil = rowWithGetter(row(), 3, () => handle.free());
    expect(() => handle.predictSingle(evil, false, -1)).toThrow('Booster has been freed');
    expect(handle.isFreed()).toBe(true);
    // and through the public wrapper, with the fast predictor already built
    const booster = Booster.fromString(modelText);
    expect(booster.predictSingle(Array.from(row()))).toBe(expected);
    expect(() => booster.predictSingleContrib(rowWithGetter(row(), 0, () => booster.free()))).toThrow(
      'Booster has been freed',
    );
  });

  it('an eval-index getter that frees a training booster before the step gives an error', async () => {
    const { x: data, y } = syntheticRows(200);
    const dataset = new (native().NativeDataset)(data, 200, SYNTHETIC_COLUMNS, 'verbose=-1', null);
    dataset.setField('label', Float32Array.from(y));
    const training = new (native().NativeBooster)(dataset, 'objective=binary verbose=-1');
    const indices = [0];
    Object.defineProperty(indices, 0, {
      get: () => {
        training.free();
        return 0;
      },
    });
    expect(() => training.updateAsync(1, indices, '')).toThrow('Booster has been freed');
    expect(thrown(() => training.updateAsync(1, ['0' as unknown as number], ''))?.name).toBe('TypeError');
    dataset.free();
  });

  it('a feature-name getter that frees the dataset gives an error', () => {
    const { x: data } = syntheticRows(50);
    const dataset = new (native().NativeDataset)(data, 50, SYNTHETIC_COLUMNS, 'verbose=-1', null);
    const names = Array.from({ length: SYNTHETIC_COLUMNS }, (_, i) => `f${i}`);
    Object.defineProperty(names, 1, {
      get: () => {
        dataset.free();
        return 'f1';
      },
    });
    expect(() => dataset.setFeatureNames(names)).toThrow('Dataset has been freed');
    expect(
      thrown(() => new (native().NativeDataset)(data, 50, SYNTHETIC_COLUMNS, 3 as unknown as string, null)),
    ).toEqual({ name: 'TypeError', message: 'parameters must be a string' });
  });
});

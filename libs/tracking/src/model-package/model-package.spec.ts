import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, tempDir } from '../testing/helpers';
import {
  DEFAULT_MODEL_NAME,
  ModelPackageError,
  PACKAGE_FILES,
  PYFUNC_MODULE,
  type PythonScoring,
  readModelPackage,
  readPackageIdentity,
  replaceDirectory,
  shareBelow,
  summarizePopulation,
  writeModelPackage,
  type ModelPackage,
} from './index';

const modelText = fs.readFileSync(path.join(FIXTURES, 'interop-model.txt'), 'utf8');
const spec = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'interop-model.json'), 'utf8')) as {
  featureNames: string[];
};
const pkg: ModelPackage = {
  modelText,
  featureNames: spec.featureNames,
  featurePipeline: { version: 1, columns: spec.featureNames },
  threshold: 0.09,
  cost: { kind: 'credit', fnLoss: 1, fpLoss: 0.19 },
  metrics: { auc: 0.74 },
};

describe('model package folder', () => {
  it('reads back what it wrote, with the identity from registered_model.json or the run', async () => {
    const dir = path.join(tempDir('pkg'), 'bundle');
    await writeModelPackage(dir, 'abcdef0123456789', pkg, { name: 'scoring', version: '3', alias: 'champion' });
    const read = await readModelPackage(dir);
    expect(read).toMatchObject({
      modelText,
      featureNames: spec.featureNames,
      featurePipeline: pkg.featurePipeline,
      threshold: 0.09,
      cost: pkg.cost,
      metrics: { auc: 0.74 },
      identity: { name: 'scoring', version: '3', alias: 'champion', runId: 'abcdef0123456789' },
    });
    const plain = path.join(tempDir('pkg'), 'plain');
    await writeModelPackage(plain, 'abcdef0123456789', pkg);
    expect(await readPackageIdentity(plain)).toMatchObject({ name: DEFAULT_MODEL_NAME, version: 'run-abcdef01' });
    // Nothing but the package is left beside it (no temporary or old folders).
    expect(fs.readdirSync(path.dirname(plain))).toEqual(['plain']);
  });

  it.each([
    [
      'truncated model',
      (dir: string) => fs.truncateSync(path.join(dir, PACKAGE_FILES.booster), Math.floor(modelText.length / 2)),
      /model\.lgb does not match its recorded checksum/,
    ],
    [
      'altered pipeline',
      (dir: string) => fs.appendFileSync(path.join(dir, PACKAGE_FILES.pipeline), ' '),
      /feature_pipeline\.json does not match its recorded checksum/,
    ],
    [
      'no checksums',
      (dir: string) => fs.rmSync(path.join(dir, PACKAGE_FILES.checksums)),
      /no checksums\.json, so its model cannot be checked/,
    ],
    [
      'no model',
      (dir: string) => fs.rmSync(path.join(dir, PACKAGE_FILES.booster)),
      /cannot read model\.lgb \(it is missing\)/,
    ],
    [
      'bad MLmodel',
      (dir: string) => fs.writeFileSync(path.join(dir, PACKAGE_FILES.mlmodel), '- a list'),
      /MLmodel is not a YAML mapping/,
    ],
  ])('refuses a package with a %s, naming the file', async (_what, damage, message) => {
    const dir = path.join(tempDir('pkg'), 'bundle');
    await writeModelPackage(dir, 'run1', pkg);
    damage(dir);
    const read = readModelPackage(dir);
    await expect(read).rejects.toBeInstanceOf(ModelPackageError);
    await expect(readModelPackage(dir)).rejects.toThrow(message);
  });

  it('replaces a folder only when the new one is complete: a failure leaves the previous one as it was', async () => {
    const dir = path.join(tempDir('pkg'), 'bundle');
    await writeModelPackage(dir, 'run1', pkg, { name: 'scoring', version: '1' });
    const before = fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]);
    await expect(
      replaceDirectory(dir, async (temp) => {
        fs.writeFileSync(path.join(temp, PACKAGE_FILES.booster), 'tree\nhalf');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')])).toEqual(before);
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['bundle']);
    await expect(writeModelPackage(dir, 'run2', { ...pkg, threshold: 2 })).rejects.toThrow(/threshold must be/);
    expect((await readPackageIdentity(dir)).version).toBe('1');
  });

  it('replaces only what a bundle may replace: nothing, an empty folder or a bundle; never a file or other folders', async () => {
    const root = tempDir('pkg');
    const folder = path.join(root, 'work');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'keep');
    const file = path.join(root, 'notes.txt');
    fs.writeFileSync(file, 'keep too');
    for (const dir of [folder, file]) {
      await expect(writeModelPackage(dir, 'run1', pkg)).rejects.toMatchObject({
        code: 'EEXIST',
        message: expect.stringMatching(/exists and .*refusing to replace it/),
      });
    }
    expect(fs.readFileSync(path.join(folder, 'notes.txt'), 'utf8')).toBe('keep');
    expect(fs.readFileSync(file, 'utf8')).toBe('keep too');
    expect(fs.readdirSync(root).sort()).toEqual(['notes.txt', 'work']); // no temporary folder left either
    const empty = path.join(root, 'empty');
    fs.mkdirSync(empty);
    await writeModelPackage(empty, 'run1', pkg, { name: 'scoring', version: '1' });
    await writeModelPackage(empty, 'run2', pkg, { name: 'scoring', version: '2' }); // a bundle replaces a bundle
    expect((await readPackageIdentity(empty)).version).toBe('2');
    // An MLmodel alone does not make a bundle of ours (an sklearn model, a folder of notes), nor does a bundle that
    // someone put their own files in: each is refused, untouched.
    const other = path.join(root, 'other-model');
    fs.mkdirSync(path.join(other, 'mydata'), { recursive: true });
    fs.writeFileSync(path.join(other, PACKAGE_FILES.mlmodel), 'flavors: {}\n');
    fs.writeFileSync(path.join(other, 'notes.txt'), 'keep');
    await expect(writeModelPackage(other, 'run3', pkg)).rejects.toThrow(/no checksums.json, model.lgb\), not a model/);
    fs.writeFileSync(path.join(empty, 'notes.txt'), 'mine');
    await expect(writeModelPackage(empty, 'run3', pkg)).rejects.toThrow(
      /it holds notes.txt, which no model bundle has/,
    );
    expect(fs.readdirSync(other).sort()).toEqual([PACKAGE_FILES.mlmodel, 'mydata', 'notes.txt']);
    expect(fs.readFileSync(path.join(empty, 'notes.txt'), 'utf8')).toBe('mine');
    fs.rmSync(path.join(empty, 'notes.txt'));
  });

  // A real full disk: a 1 MB tmpfs holding a ~200 KB package cannot take a second, larger one beside it.
  const asRoot = process.getuid?.() === 0 && process.platform === 'linux';
  (asRoot ? it : it.skip)(
    'keeps the previous package intact when the disk fills up during a write (tmpfs)',
    async () => {
      const mount = tempDir('tmpfs');
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount]);
      try {
        const dir = path.join(mount, 'bundle');
        await writeModelPackage(dir, 'run1', pkg, { name: 'scoring', version: '1' });
        const big = { ...pkg, extraFiles: { 'report.bin': Buffer.alloc(900 * 1024, 1) } };
        await expect(writeModelPackage(dir, 'run2', big, { name: 'scoring', version: '2' })).rejects.toMatchObject({
          code: 'ENOSPC',
        });
        const read = await readModelPackage(dir);
        expect(read.identity.version).toBe('1');
        expect(read.modelText).toBe(modelText);
        expect(fs.readdirSync(mount)).toEqual(['bundle']);
      } finally {
        execFileSync('umount', [mount]);
      }
    },
  );
});

describe('model package with Python scoring', () => {
  const python: PythonScoring = {
    featureSpec: { kind: 'credit-scoring/feature-spec', version: 1 },
    executor: { 'credit_scoring_features/__init__.py': '"""executor"""\n' },
    rawFields: [
      { name: 'SK_ID_CURR', type: 'integer', required: true },
      { name: 'AMT_CREDIT', type: 'number', required: true },
      { name: 'NAME_CONTRACT_TYPE', type: 'string', required: false },
    ],
    sideTables: ['bureau', 'bureau_balance'],
  };

  it('makes the pyfunc take raw fields: loader module and code/, raw signature, input example', async () => {
    const dir = path.join(tempDir('pkg'), 'bundle');
    await writeModelPackage(dir, 'run1', { ...pkg, python });
    const read = await readModelPackage(dir);
    expect(read.featureNames).toEqual(spec.featureNames); // from the model text, not the signature
    const flavour = (read.mlmodel.flavors as Record<string, Record<string, unknown>>).python_function;
    expect(flavour).toMatchObject({ loader_module: PYFUNC_MODULE, code: 'code' });
    expect(flavour.data).toBeUndefined();
    const inputs = JSON.parse((read.mlmodel.signature as { inputs: string }).inputs);
    expect(inputs).toEqual([
      { type: 'long', name: 'SK_ID_CURR', required: true },
      { type: 'any', name: 'AMT_CREDIT', required: true },
      { type: 'any', name: 'NAME_CONTRACT_TYPE', required: false },
      { type: 'any', name: 'bureau', required: false },
      { type: 'any', name: 'bureau_balance', required: false },
    ]);
    for (const f of ['code/credit_scoring_features/__init__.py', 'code/credit_scoring_pyfunc/__init__.py'])
      expect(fs.existsSync(path.join(dir, f))).toBe(true);
    const example = JSON.parse(fs.readFileSync(path.join(dir, PACKAGE_FILES.inputExample), 'utf8'));
    expect(example.columns).toEqual(['SK_ID_CURR', 'NAME_CONTRACT_TYPE', 'AMT_CREDIT', 'bureau', 'bureau_balance']);
    expect(JSON.parse(example.data[0][3])[0]).toMatchObject({ SK_ID_BUREAU: 5896630 });
    expect(JSON.parse(fs.readFileSync(path.join(dir, PACKAGE_FILES.featureSpec), 'utf8'))).toEqual(python.featureSpec);
  });

  it('refuses Python scoring without the executor or SK_ID_CURR', async () => {
    const dir = path.join(tempDir('pkg'), 'bundle');
    await expect(writeModelPackage(dir, 'run1', { ...pkg, python: { ...python, executor: {} } })).rejects.toThrow(
      /python\.executor must hold/,
    );
    const noId = { ...python, rawFields: python.rawFields.slice(1) };
    await expect(writeModelPackage(dir, 'run1', { ...pkg, python: noId })).rejects.toThrow(/SK_ID_CURR/);
  });
});

describe('population.json', () => {
  // 1000 rows: a numeric column 0..999 (every 4th missing), a category code column 0..2 with labels.
  const nRows = 1000;
  const data = new Float64Array(nRows * 2);
  for (let i = 0; i < nRows; i++) {
    data[i * 2] = i % 4 === 3 ? NaN : i;
    data[i * 2 + 1] = i % 10 === 0 ? NaN : i % 3;
  }
  const population = summarizePopulation({
    data,
    nRows,
    nCols: 2,
    featureNames: ['AMOUNT', 'KIND'],
    categories: { KIND: ['car', 'flat', 'house'] },
  });

  it('summarises numbers as 101 quantiles and codes as shares per label, with the missing share', () => {
    const amount = population.features.AMOUNT;
    expect(amount).toMatchObject({ kind: 'numeric', count: 750, missing: 0.25 });
    if (amount.kind !== 'numeric') throw new Error('numeric expected');
    expect(amount.quantiles).toHaveLength(101);
    expect(amount.quantiles[0]).toBe(0);
    expect(amount.quantiles[100]).toBe(998);
    expect(amount.quantiles[50]).toBe(498);
    // About 20 % of the present values are below 200, 90 % below 900.
    expect(shareBelow(amount, 200)).toBeCloseTo(0.2, 2);
    expect(shareBelow(amount, 900)).toBeCloseTo(0.9, 2);
    expect(shareBelow(amount, -1)).toBe(0);
    expect(shareBelow(amount, 5000)).toBe(1);
    expect(population.features.KIND).toEqual({
      kind: 'category',
      count: 900,
      missing: 0.1,
      labels: ['car', 'flat', 'house'],
      shares: [0.3, 0.3, 0.3],
    });
  });

  it('travels in the package, checksummed; a package without one still reads', async () => {
    const dir = path.join(tempDir('pkg'), 'bundle');
    await writeModelPackage(dir, 'run1', { ...pkg, population });
    expect((await readModelPackage(dir)).population).toEqual(population);
    const checksums = JSON.parse(fs.readFileSync(path.join(dir, PACKAGE_FILES.checksums), 'utf8'));
    expect(checksums[PACKAGE_FILES.population]).toMatch(/^sha256:/);
    fs.appendFileSync(path.join(dir, PACKAGE_FILES.population), ' ');
    await expect(readModelPackage(dir)).rejects.toThrow(/population\.json does not match its recorded checksum/);
    const plain = path.join(tempDir('pkg'), 'plain');
    await writeModelPackage(plain, 'run1', pkg);
    expect(fs.existsSync(path.join(plain, PACKAGE_FILES.population))).toBe(false);
    expect((await readModelPackage(plain)).population).toBeUndefined();
  });

  it('quantiles are the values a sort puts at each rank, whatever the column holds', () => {
    let state = 99;
    const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const shapes: Array<(i: number, n: number) => number> = [
      () => random() * 1e6 - 5e5, // continuous
      () => Math.floor(random() * 3), // a flag or code: few distinct values
      () => 7, // constant
      (i) => i, // already sorted
      (i, n) => n - i, // reversed
      () => (random() < 0.9 ? NaN : random()), // mostly missing
      () => NaN, // all missing
      () => (random() < 0.5 ? -0 : random() < 0.5 ? 0 : 1e-300), // signed zeros and a tiny value
      (i) => (i % 17) * 0.1 + (random() < 0.01 ? 1e9 : 0), // periodic with outliers
    ];
    for (const n of [1, 2, 15, 16, 17, 101, 5000]) {
      const data = new Float64Array(n * shapes.length);
      for (let i = 0; i < n; i++) shapes.forEach((shape, j) => (data[i * shapes.length + j] = shape(i, n)));
      const names = shapes.map((_, j) => `C${j}`);
      const summary = summarizePopulation({
        data,
        nRows: n,
        nCols: shapes.length,
        featureNames: names,
        categories: {},
      });
      names.forEach((name, j) => {
        const sorted = Float64Array.from({ length: n }, (_, i) => data[i * shapes.length + j])
          .filter((v) => !Number.isNaN(v))
          .sort();
        const expected = sorted.length
          ? Array.from({ length: 101 }, (_, p) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)])
          : [];
        const feature = summary.features[name];
        if (feature.kind !== 'numeric') throw new Error('numeric expected');
        // As population.json stores them: six significant digits, -0 written as 0.
        const stored = (q: number[]) => JSON.stringify(q.map((v) => Number(v.toPrecision(6))));
        expect([n, name, stored(feature.quantiles)]).toEqual([n, name, stored(expected)]);
        expect(feature.count).toBe(sorted.length);
      });
    }
  });

  it('holds no raw row: only the quantiles of the columns asked for', () => {
    const only = summarizePopulation({
      data,
      nRows,
      nCols: 2,
      featureNames: ['AMOUNT', 'KIND'],
      categories: {},
      only: new Set(['AMOUNT']),
    });
    expect(Object.keys(only.features)).toEqual(['AMOUNT']);
    expect(JSON.stringify(only).length).toBeLessThan(2000);
  });
});

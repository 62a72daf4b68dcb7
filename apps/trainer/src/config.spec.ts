import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { workspaceRoot } from '@credit-scoring/data';
import { DEFAULT_BUNDLE_DIR } from '@credit-scoring/tracking';
import { UsageError } from './cli-args';
import { DEFAULTS, parseRunConfig } from './config';
import { PRUNE_AUTO_MIN_ROWS, resolvePrune } from './pipeline/prune';

describe('parseRunConfig', () => {
  it('gives the defaults without flags and takes the tracking URI from the environment', () => {
    const config = parseRunConfig([], { MLFLOW_TRACKING_URI: 'http://127.0.0.1:5999' })!;
    expect(config).toMatchObject({ ...DEFAULTS, trackingUri: 'http://127.0.0.1:5999' });
  });

  it('reads cost models and model lists', () => {
    const unit = parseRunConfig(['--cost', 'unit', '--fn', '20', '--models', 'dummy,lightgbm'], {})!;
    expect(unit.cost).toEqual({ kind: 'unit', fn: 20, fp: 1 });
    expect(unit.models).toEqual(['dummy', 'lightgbm']);
    const credit = parseRunConfig(['--fp-loss', '0.25'], {})!;
    expect(credit.cost).toEqual({ kind: 'credit', fnLoss: 1, fpLoss: 0.25 });
    // A free error decides alone (refuse or grant everyone): refused before anything runs.
    expect(() => parseRunConfig(['--cost', 'unit', '--fp', '0'], {})).toThrow(
      /^--cost unit: --fp must be a finite number > 0 \(at 0 the cheapest decision is to refuse everyone/,
    );
    expect(() => parseRunConfig(['--fn-loss', '0'], {})).toThrow(/^--cost credit: --fn-loss must be .* grant everyone/);
  });

  it("reads repeated --tag KEY=VALUE on top of the config file's tags (a flag wins)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainer-tags-'));
    const file = join(dir, 'run.json');
    writeFileSync(file, JSON.stringify({ tags: { team: 'credit', owner: 'ana' } }));
    const config = parseRunConfig(['--config', file, '--tag', 'team=risk', '--tag', 'note=a=b'], {})!;
    expect(config.tags).toEqual({ team: 'risk', owner: 'ana', note: 'a=b' });
    expect(parseRunConfig([], {})!.tags).toEqual({});
    expect(() => parseRunConfig(['--tag', 'team=a', '--tag', 'team=b'], {})).toThrow(
      /--tag team is given twice \('a' and 'b'\)/,
    );
    const odd = parseRunConfig(['--tag', 'constructor=x', '--tag', '__proto__=y'], {})!.tags;
    expect(Object.entries(odd)).toEqual([
      ['constructor', 'x'],
      ['__proto__', 'y'],
    ]);
    for (const [bad, message] of [
      [{ tags: ['team=risk'] }, /'tags' must be an object of strings/],
      [{ tags: { team: 7 } }, /tag 'team' must be a string/],
    ] as const) {
      writeFileSync(file, JSON.stringify(bad));
      expect(() => parseRunConfig(['--config', file], {})).toThrow(message);
    }
  });

  it('reads --parallel-models and --prune (auto unless given), from flags or the config file', () => {
    expect(parseRunConfig([], {})).toMatchObject({ parallelModels: 2, pruneMargin: 'auto' });
    expect(parseRunConfig(['--parallel-models', '1', '--prune', '0.02'], {})).toMatchObject({
      parallelModels: 1,
      pruneMargin: 0.02,
    });
    expect(parseRunConfig(['--prune', 'off'], {})?.pruneMargin).toBe('off');
    expect(parseRunConfig(['--prune', '0'], {})?.pruneMargin).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'trainer-prune-'));
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ parallelModels: 3, pruneMargin: 0.05 }));
    expect(parseRunConfig(['--config', join(dir, 'run.json')], {})).toMatchObject({
      parallelModels: 3,
      pruneMargin: 0.05,
    });
    writeFileSync(join(dir, 'off.json'), JSON.stringify({ pruneMargin: 'off' }));
    expect(parseRunConfig(['--config', join(dir, 'off.json')], {})?.pruneMargin).toBe('off');
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ pruneMargin: 'sometimes' }));
    expect(() => parseRunConfig(['--config', join(dir, 'bad.json')], {})).toThrow(/--prune must be a margin/);
    writeFileSync(join(dir, 'odd.json'), JSON.stringify({ pruneMargin: true }));
    expect(() => parseRunConfig(['--config', join(dir, 'odd.json')], {})).toThrow(/'pruneMargin' must be a string/);
    expect(() => parseRunConfig(['--parallel-models', '0'], {})).toThrow(UsageError);
    expect(() => parseRunConfig(['--prune', '-1'], {})).toThrow(UsageError);
    for (const bad of ['0.6', 'yes', ''])
      expect(() => parseRunConfig(['--prune', bad], {})).toThrow(/--prune must be a margin from 0 to 0.5/);
  });

  it("--prune auto: the 0.02 margin above 50,000 training applicants, none at or below; a margin or 'off' as given", () => {
    expect(resolvePrune('auto', 11_494)).toBeUndefined(); // the real rows
    expect(resolvePrune('auto', PRUNE_AUTO_MIN_ROWS)).toBeUndefined();
    expect(resolvePrune('auto', PRUNE_AUTO_MIN_ROWS + 1)).toBe(0.02);
    expect(resolvePrune('auto', 246_009)).toBe(0.02); // Kaggle scale
    expect(resolvePrune('off', 246_009)).toBeUndefined();
    expect(resolvePrune(0.05, 1_000)).toBe(0.05);
  });

  it('reads --final-fits (auto unless given), from flags or the config file', () => {
    expect(parseRunConfig([], {})).toMatchObject({ finalFits: 'auto' });
    expect(parseRunConfig(['--final-fits', 'champion'], {})).toMatchObject({ finalFits: 'champion' });
    const file = join(mkdtempSync(join(tmpdir(), 'trainer-final-fits-')), 'run.json');
    writeFileSync(file, JSON.stringify({ finalFits: 'all' }));
    expect(parseRunConfig(['--config', file], {})).toMatchObject({ finalFits: 'all' });
    expect(parseRunConfig(['--config', file, '--final-fits', 'auto'], {})).toMatchObject({ finalFits: 'auto' });
    expect(() => parseRunConfig(['--final-fits', 'some'], {})).toThrow(/--final-fits must be 'all', 'champion'/);
    writeFileSync(file, JSON.stringify({ finalFits: 'best' }));
    expect(() => parseRunConfig(['--config', file], {})).toThrow(UsageError);
  });

  it("refuses --rows with a folder of files (it sizes generated data), not a config file's rows", () => {
    const dir = mkdtempSync(join(tmpdir(), 'rows-'));
    try {
      expect(() => parseRunConfig(['--data-dir', dir, '--rows', '500'], {})).toThrow(/--rows is the number of/);
      const file = join(dir, 'config.json');
      writeFileSync(file, JSON.stringify({ rows: 500 }));
      expect(parseRunConfig(['--data-dir', dir, '--config', file], {})?.dataDir).toBe(dir);
      expect(parseRunConfig(['--rows', '500'], {})?.rows).toBe(500);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('returns null for --help', () => {
    expect(parseRunConfig(['--help'], {})).toBeNull();
  });

  it.each([
    [['--folds', '1'], /--folds must be an integer in \[2, 20\]/],
    [['--folds', 'five'], /--folds must be an integer/],
    [['--cost', 'euros'], /--cost must be 'credit' or 'unit'/],
    [['--models', 'svm'], /unknown model\(s\) svm/],
    [['--models', 'dummy,logistic'], /--models needs at least one of lightgbm_rf, gbm_plain, lightgbm/],
    [['--test-size', '0.9'], /--test-size must be a number in \[0.05, 0.5\]/],
    [['--data-dir', '/no/such/folder'], /does not exist/],
    [['--alias', 'bad alias'], /--alias must be/],
    [['--tag', 'novalue'], /--tag must be KEY=VALUE with a non-empty key, got 'novalue'/],
    [['--tag', '=x'], /--tag must be KEY=VALUE/],
    [['--unknown'], /Unknown option '--unknown'/],
    // A negative number reaches the flag's range check (node's parser called it "ambiguous").
    [['--budget', '-1'], /--budget must be an integer in \[1, 1000\], got '-1'/],
    [['--fn-loss', '-0.5'], /--fn-loss must be a number in \[0, 100\], got '-0.5'/],
    [['--models', ''], /--models needs at least one model/],
    [['--model-name', ''], /--model-name must not be empty/],
    [['--experiment', ' '], /--experiment must not be empty/],
    // MLflow's registry refuses these: said before the study, not after its training.
    [['--alias', 'latest'], /--alias cannot be 'latest', which MLflow reserves/],
    [['--alias', 'v1'], /--alias cannot be 'v1': MLflow reserves v<N> for version N/],
    [['--models', 'lightgbm,lightgbm'], /--models lists lightgbm twice/],
    [['--tag', 'mlflow.user=mallory'], /--tag mlflow.user: the mlflow. prefix is MLflow's own/],
    [['--cost', 'unit', '--fn-loss', '2'], /--fn-loss is a price of the other cost model, not of --cost unit/],
    [['--fn', '5'], /--fn is a price of the other cost model, not of --cost credit/],
    [['--model-name', 'risk/retail'], /--model-name cannot contain '\/' or ':', got 'risk\/retail'/],
  ])('rejects %j with a one-line reason', (argv, message) => {
    expect(() => parseRunConfig(argv, {})).toThrow(UsageError);
    expect(() => parseRunConfig(argv, {})).toThrow(message);
  });

  it('exports the bundle to the workspace dist/model-bundle unless told another folder or none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainer-config-'));
    expect(parseRunConfig([], {})?.bundleOut).toBe(resolve(workspaceRoot(), DEFAULT_BUNDLE_DIR));
    expect(parseRunConfig(['--bundle-out', join(dir, 'b')], {})?.bundleOut).toBe(join(dir, 'b'));
    expect(parseRunConfig(['--no-bundle'], {})?.bundleOut).toBe(false);
    const none = join(dir, 'none.json');
    writeFileSync(none, JSON.stringify({ bundleOut: false }));
    expect(parseRunConfig(['--config', none], {})?.bundleOut).toBe(false);
    expect(parseRunConfig(['--config', none, '--bundle-out', join(dir, 'c')], {})?.bundleOut).toBe(join(dir, 'c'));
    expect(() => parseRunConfig(['--bundle-out', 'x', '--no-bundle'], {})).toThrow(/exclude each other/);
    const wrong = join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ bundleOut: true }));
    expect(() => parseRunConfig(['--config', wrong], {})).toThrow(/'bundleOut' must be a folder or false/);
  });

  it('merges a JSON config file under the flags and rejects unknown settings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainer-config-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ folds: 3, budget: 2 }));
    expect(parseRunConfig(['--config', good, '--budget', '4'], {})).toMatchObject({ folds: 3, budget: 4 });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ foldz: 3 }));
    expect(() => parseRunConfig(['--config', bad], {})).toThrow(/unknown setting\(s\) foldz/);
    const wrongType = join(dir, 'wrong-type.json');
    writeFileSync(wrongType, JSON.stringify({ folds: 'five' }));
    expect(() => parseRunConfig(['--config', wrongType], {})).toThrow(/'folds' must be a number/);
    const outOfRange = join(dir, 'out-of-range.json');
    writeFileSync(outOfRange, JSON.stringify({ folds: 1 }));
    expect(() => parseRunConfig(['--config', outOfRange], {})).toThrow(/--folds must be an integer in \[2, 20\]/);
    for (const [cost, message] of [
      [null, /'cost' must be an object, got null/],
      [{ kind: 'credit', fnLoss: 'abc', fpLoss: 0.2 }, /'cost' needs fnLoss as numbers/],
      [
        { kind: 'credit', fnLoss: 1, fpLoss: 0.2, bogus: 1 },
        /'cost' of kind credit takes fnLoss and fpLoss, not bogus/,
      ],
      [{ kind: 'unit' }, /'cost' needs fn and fp as numbers/],
      [{ kind: 'euro' }, /'cost' must have "kind": "credit" or "unit"/],
    ] as const) {
      const file = join(dir, 'cost.json');
      writeFileSync(file, JSON.stringify({ cost }));
      expect(() => parseRunConfig(['--config', file], {})).toThrow(message);
    }
    const withBom = join(dir, 'bom.json'); // as Windows editors save
    writeFileSync(withBom, `\uFEFF${JSON.stringify({ folds: 4 })}`);
    expect(parseRunConfig(['--config', withBom], {})).toMatchObject({ folds: 4 });
  });

  it('loads the example config of the README (apps/trainer/examples/run-config.json), flags still winning', () => {
    const example = join(__dirname, '..', 'examples', 'run-config.json');
    const file = JSON.parse(readFileSync(example, 'utf8'));
    const config = parseRunConfig(['--config', example], {})!;
    expect(config).toMatchObject(file);
    expect(config.alias).not.toBe(DEFAULTS.alias);
    expect(parseRunConfig(['--config', example, '--folds', '5'], {})).toMatchObject({ folds: 5, budget: file.budget });
  });
});

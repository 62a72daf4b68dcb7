// `trainer predict` on generated data (self-contained): the submission equals the trainer's own batch path
// (pipeline.transform + booster.predict over the whole file) whatever the chunk size; bad files exit 2 with one line.
// The real-row check against the API's answers lives in apps/api/src/predict-cli.spec.ts (apps do not import apps).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadTables, SCHEMAS, tablePath } from '@credit-scoring/data';
import { writeModelPackage } from '@credit-scoring/tracking';
import { UsageError } from '../cli-args';
import { GENERATED_THRESHOLD, generatedModel } from '../testing/generated-model';
import { trainerWithTmpdir } from '../testing/with-tmpdir';
import { predictCommand } from './predict';
import { asRoot, withFullDisk } from '../testing/full-disk';

const root = path.resolve(__dirname, '..', '..', '..', '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'trainer-predict-'));
const data = path.join(work, 'data');
const bundle = path.join(work, 'bundle');
const THRESHOLD = GENERATED_THRESHOLD;
let expected: { ids: Int32Array; probabilities: Float64Array };

/** The CLI as a user runs it (tsx, the workspace's path aliases). */
const trainer = (...args: string[]) =>
  spawnSync(
    path.join(root, 'node_modules', '.bin', 'tsx'),
    [path.join(root, 'apps', 'trainer', 'src', 'main.ts'), ...args],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, MLFLOW_TRACKING_URI: '', TSX_TSCONFIG_PATH: path.join(root, 'tsconfig.base.json') },
    },
  );

/** Runs the command in-process with stdout/stderr kept quiet; resolves to the output's rows. */
async function predict(args: string[]): Promise<string[][]> {
  const out = args[args.indexOf('--out') + 1];
  const write = [process.stdout.write, process.stderr.write];
  process.stdout.write = process.stderr.write = (() => true) as typeof process.stdout.write;
  try {
    expect(await predictCommand(args)).toBe(0);
  } finally {
    [process.stdout.write, process.stderr.write] = write;
  }
  return fs
    .readFileSync(out, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => line.split(','));
}

beforeAll(async () => {
  const model = await generatedModel(data);
  await writeModelPackage(bundle, 'generated', model.package);
  // The reference: the trainer's batch path over the whole test file at once, with every side table.
  const test = model.pipeline.transform(await loadTables(data, { application: 'test' }));
  expected = { ids: test.ids, probabilities: model.booster.predict(test.data) };
  model.booster.free();
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('trainer predict on generated data', () => {
  it.each([[100_000], [97]])(
    'writes the Kaggle submission the batch path gives (chunks of %d rows)',
    async (chunkRows) => {
      const out = path.join(work, `submission-${chunkRows}.csv`);
      const rows = await predict([
        '--input',
        tablePath(data, 'application_test'),
        '--data-dir',
        data,
        '--bundle',
        bundle,
        '--out',
        out,
        '--chunk-rows',
        String(chunkRows),
      ]);
      expect(rows[0]).toEqual(['SK_ID_CURR', 'TARGET']);
      expect(rows.length - 1).toBe(expected.ids.length);
      expect(rows.slice(1).map((r) => Number(r[0]))).toEqual(Array.from(expected.ids));
      // Exactly the doubles LightGBM returned: the file holds their shortest round-trip form.
      expect(rows.slice(1).map((r) => Number(r[1]))).toEqual(Array.from(expected.probabilities));
      expect(fs.readdirSync(work).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    },
  );

  it('reads the train layout too (TARGET ignored) and adds decision and threshold when asked', async () => {
    const out = path.join(work, 'train-decisions.csv');
    const rows = await predict([
      '--input',
      tablePath(data, 'application_train'),
      '--bundle',
      bundle,
      '--out',
      out,
      '--with-decision',
    ]);
    expect(rows[0]).toEqual(['SK_ID_CURR', 'TARGET', 'decision', 'threshold']);
    expect(rows.length - 1).toBe(1500);
    for (const [, p, decision, threshold] of rows.slice(1)) {
      expect(Number(threshold)).toBe(THRESHOLD);
      expect(decision).toBe(Number(p) >= THRESHOLD ? 'refused' : 'granted');
    }
  });
});

describe('trainer predict on bad input', () => {
  const header = Object.keys(SCHEMAS.application_test);
  function file(name: string, content: string): string {
    const target = path.join(work, name);
    fs.writeFileSync(target, content);
    return target;
  }
  function withRows(rows: (fields: string[], all: string[][]) => void, columns = header): string {
    const lines = fs.readFileSync(tablePath(data, 'application_test'), 'utf8').trimEnd().split('\n').slice(1, 4);
    const parsed = lines.map((line) => line.split(','));
    rows(parsed[1], parsed);
    return `${columns.join(',')}\n${parsed.map((fields) => fields.join(',')).join('\n')}\n`;
  }

  it.each([
    [
      'a missing column',
      () => file('no-income.csv', withRows(() => undefined).replace('AMT_INCOME_TOTAL', 'INCOME')),
      /missing column\(s\): AMT_INCOME_TOTAL; unexpected column\(s\): INCOME$/,
    ],
    [
      'a bad value',
      () =>
        file(
          'bad-value.csv',
          withRows((fields) => {
            fields[header.indexOf('AMT_CREDIT')] = 'lots';
          }),
        ),
      /row 2, column AMT_CREDIT \(float\): value 'lots' is not a number$/,
    ],
    [
      'a short row',
      () =>
        file(
          'short.csv',
          withRows((fields) => fields.pop()),
        ),
      /row 2: 120 fields where the header has 121$/,
    ],
    [
      'an empty id',
      () =>
        file(
          'no-id.csv',
          withRows((fields) => {
            fields[header.indexOf('SK_ID_CURR')] = '';
          }),
        ),
      /row 2, column SK_ID_CURR: the applicant's id is empty$/,
    ],
    [
      'a negative id',
      () =>
        file(
          'negative-id.csv',
          withRows((fields) => {
            fields[header.indexOf('SK_ID_CURR')] = '-5';
          }),
        ),
      /row 2, column SK_ID_CURR: applicant ids are not negative, got -5$/,
    ],
    [
      // The API answers 400 for it: scored, it would pass for an applicant without that amount.
      'an empty required amount',
      () =>
        file(
          'no-credit.csv',
          withRows((fields) => {
            fields[header.indexOf('AMT_CREDIT')] = '';
          }),
        ),
      /row 2, column AMT_CREDIT: the model requires a value, got an empty value$/,
    ],
    [
      'an infinite required amount',
      () =>
        file(
          'inf-income.csv',
          withRows((fields) => {
            fields[header.indexOf('AMT_INCOME_TOTAL')] = 'inf';
          }),
        ),
      /row 2, column AMT_INCOME_TOTAL: the model requires a value, got Infinity$/,
    ],
    ['an empty file', () => file('empty.csv', ''), /is empty \(no header line\)$/],
    ['a header alone', () => file('header.csv', `${header.join(',')}\n`), /has a header but no applicant rows$/],
  ])('%s exits 2 with one line naming it, and writes nothing', (_what, make, message) => {
    const out = path.join(work, 'never.csv');
    const r = trainer('predict', '--input', make(), '--bundle', bundle, '--out', out);
    expect(r.stderr).toMatch(/^trainer: [^\n]*\n$/);
    expect(r.stderr.trimEnd()).toMatch(message);
    expect(r.status).toBe(2);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('a bad row in a later chunk, read while LightGBM scores the chunks before it: exit 2, nothing written', () => {
    const out = path.join(work, 'never.csv');
    const late = file(
      'late-bad-value.csv',
      withRows((fields) => {
        fields[header.indexOf('AMT_CREDIT')] = 'lots';
      }),
    );
    const r = trainer('predict', '--input', late, '--bundle', bundle, '--out', out, '--chunk-rows', '1');
    // One line: the reason (not a "cannot free a Booster while a prediction is running" from chunk 1's prediction).
    expect(r.stderr).toMatch(/^trainer: [^\n]*row 2, column AMT_CREDIT \(float\): value 'lots' is not a number\n$/);
    expect(r.status).toBe(2);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(work).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  // A real full disk: a 4 KiB tmpfs (mounting takes root) cannot hold the ~35 KB submission of 1,500 applicants.
  (asRoot ? it : it.skip)(
    'a full disk: exit 2, one line naming --out and the reason, no partial file left',
    async () => {
      await withFullDisk(path.join(work, 'full-disk-'), async (mount) => {
        const out = path.join(mount, 'submission.csv');
        const r = trainer('predict', '--input', tablePath(data, 'application_train'), '--bundle', bundle, '--out', out);
        // Before, the write that took only the first 4 KiB passed for the whole file: exit 0 and a truncated submission.
        expect(r.stderr).toBe(`trainer: --out ${out} cannot be written: no space left on the device (ENOSPC)\n`);
        expect(r.status).toBe(2);
        expect(fs.readdirSync(mount)).toEqual([]);
      });
    },
  );

  it('--out made a folder while scoring: rejected with one line naming --out, no temporary left', async () => {
    const out = path.join(work, 'taken.csv');
    const args = ['--input', tablePath(data, 'application_test'), '--bundle', bundle, '--out', out];
    const write = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      const running = predictCommand(args); // --out checked: a file to be, in a folder that exists
      fs.mkdirSync(out);
      fs.writeFileSync(path.join(out, 'keep.txt'), 'keep');
      // Before, the rename's own text: "EISDIR: illegal operation on a directory, rename '…/.taken.csv.….tmp' -> …".
      const error = await running.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toBe(`--out ${out} cannot be written: it is a folder (EISDIR)`);
    } finally {
      process.stderr.write = write;
    }
    expect(fs.readdirSync(out)).toEqual(['keep.txt']);
    expect(fs.readdirSync(work).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a $TMPDIR that is not a folder, for the --model download: exit 2, one line naming it in words', () => {
    const notFolder = file('tmpdir-file', 'not a folder');
    const model = ['--model', 'models:/credit-scoring@champion', '--tracking-uri', 'http://127.0.0.1:9'];
    const args = ['--input', tablePath(data, 'application_test'), '--out', path.join(work, 'x.csv'), ...model];
    const r = trainerWithTmpdir(notFolder, 'predict', ...args);
    // Before: Node's own "ENOTDIR: not a directory, mkdtemp '…/credit-scoring-predict-XXXXXX'".
    expect(r.stderr).toBe(
      `trainer: the temporary folder ${notFolder} ($TMPDIR) cannot be written: ` +
        'a part of the path is a file, not a folder (ENOTDIR)\n',
    );
    expect(r.status).toBe(2);
  });

  it('an applicant twice, in different chunks: exit 2 naming both rows (a submission has each applicant once)', async () => {
    const twice = file(
      'twice.csv',
      withRows((fields, all) => {
        fields[header.indexOf('SK_ID_CURR')] = all[0][header.indexOf('SK_ID_CURR')];
      }),
    );
    const id = fs.readFileSync(twice, 'utf8').split('\n')[1].split(',')[header.indexOf('SK_ID_CURR')];
    const out = path.join(work, 'never.csv');
    const args = ['--input', twice, '--bundle', bundle, '--out', out, '--chunk-rows', '1'];
    await expect(predictCommand(args)).rejects.toThrow(
      new RegExp(`row 2, column SK_ID_CURR: applicant ${id} appears a second time \\(first on row 1\\)$`),
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  it('refuses a --data-dir with none of the side tables (a wrong folder would silently drop every history)', async () => {
    const empty = fs.mkdtempSync(path.join(work, 'no-tables-'));
    fs.writeFileSync(path.join(empty, 'Bureau.csv'), 'SK_ID_CURR\n'); // another case: not the Kaggle name
    const out = path.join(work, 'never.csv');
    const args = ['--input', tablePath(data, 'application_test'), '--bundle', bundle, '--out', out];
    await expect(predictCommand([...args, '--data-dir', empty])).rejects.toThrow(
      /holds none of the side tables the model reads \(bureau\.csv, /,
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  it.each([
    [['--input', 'a.csv', '--out', os.tmpdir(), '--bundle', 'x'], /is a folder; name the file to write/],
    [[], /--input FILE\.csv is required/],
    [['--input', 'x.csv'], /--out FILE\.csv is required/],
    [
      ['--input', '/no/such.csv', '--out', 'o.csv', '--bundle', '/no/bundle'],
      /^--input \/no\/such\.csv does not exist$/,
    ],
    [['--input', os.tmpdir(), '--out', 'o.csv', '--bundle', '/no/bundle'], /^--input .* is a folder, not a file$/],
    // Opens, then fails to read (Linux): the root user's way to meet an unreadable file.
    ...((fs.existsSync('/proc/self/mem')
      ? [[['--input', '/proc/self/mem', '--out', 'o.csv'], /^--input \/proc\/self\/mem cannot be read: .*\(EIO\)$/]]
      : []) as Array<[string[], RegExp]>),
    [['--input', 'a.csv', '--out', 'b.csv', '--bundle', 'x', '--model', 'models:/m@a'], /exclude each other/],
    // A file for the bundle folder: said in words, not Node's "ENOTDIR: not a directory, open '…/MLmodel'".
    [
      ['--input', __filename, '--out', 'b.csv', '--bundle', __filename],
      /^--bundle \S+\.spec\.ts is a file, not a folder$/,
    ],
    [['--input', __filename, '--out', 'b.csv', '--bundle', '/no/bundle'], /^--bundle \/no\/bundle does not exist$/],
    [['--input', __filename, '--out', 'b.csv', '--model', 'm@a'], /--model must look like models:\/NAME@ALIAS/],
  ])('%j is a usage error', async (argv, message) => {
    await expect(predictCommand(argv)).rejects.toThrow(UsageError);
    await expect(predictCommand(argv)).rejects.toThrow(message);
  });
});

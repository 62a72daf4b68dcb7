// `trainer export` and `trainer predict --model` against a real MLflow server (MLFLOW_TRACKING_URI, else one started
// here) with a small model trained on generated data: the bundle is replaced only by a complete, checked package.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tablePath } from '@credit-scoring/data';
import {
  logModel,
  MlflowClient,
  readModelPackage,
  registerModel,
  withRun,
  type ModelPackage,
} from '@credit-scoring/tracking';
import { startLocalServer, type LocalServer } from '@credit-scoring/tracking/server';
import { UsageError } from '../cli-args';
import { generatedModel } from '../testing/generated-model';
import { trainerWithTmpdir } from '../testing/with-tmpdir';
import { exportCommand } from './export';
import { predictCommand } from './predict';
import { exitStatusOf } from '../exit-status';
import { asRoot, withFullDisk } from '../testing/full-disk';

jest.setTimeout(300_000);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'trainer-export-'));
const data = path.join(work, 'data');
const name = `credit-scoring-export-test-${process.pid}-${Date.now()}`;
let server: LocalServer | undefined;
let client: MlflowClient;
let uri: string;
let pkg: ModelPackage;

/** Runs a command in-process with its output kept quiet. */
async function quietly(run: () => Promise<number>): Promise<number> {
  const write = [process.stdout.write, process.stderr.write];
  process.stdout.write = process.stderr.write = (() => true) as typeof process.stdout.write;
  try {
    return await run();
  } finally {
    [process.stdout.write, process.stderr.write] = write;
  }
}

async function register(model: ModelPackage): Promise<string> {
  const experimentId = await client.getOrCreateExperiment(`${name}-experiment`);
  return withRun(client, { experimentId }, async (run) => {
    await logModel(client, run.runId, model);
    return (await registerModel(client, run.runId, name, { alias: 'champion' })).version;
  });
}

beforeAll(async () => {
  uri = process.env.MLFLOW_TRACKING_URI ?? '';
  if (!uri) {
    server = await startLocalServer({ storeDir: path.join(work, 'mlruns') });
    uri = server.uri;
  }
  client = new MlflowClient({ trackingUri: uri });
  const model = await generatedModel(data, { rows: 800, rounds: 8 });
  model.booster.free();
  pkg = model.package;
});

afterAll(async () => {
  await client?.deleteRegisteredModel(name).catch(() => undefined);
  await server?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

it('exports the champion, replaces the bundle with the next one, and keeps it when an export fails', async () => {
  const out = path.join(work, 'bundles', 'model-bundle');
  const exportTo = (...argv: string[]) =>
    quietly(() => exportCommand(['--name', name, '--out', out, '--tracking-uri', uri, ...argv]));
  expect(await register(pkg)).toBe('1');
  expect(await exportTo()).toBe(0);
  expect((await readModelPackage(out)).identity).toMatchObject({ name, version: '1', alias: 'champion' });

  expect(await register({ ...pkg, threshold: 0.3 })).toBe('2');
  expect(await exportTo('--alias', 'champion')).toBe(0);
  const second = await readModelPackage(out);
  expect(second).toMatchObject({ identity: { name, version: '2', alias: 'champion' }, threshold: 0.3 });

  await expect(exportTo('--version', '9')).rejects.toThrow();
  expect((await readModelPackage(out)).identity.version).toBe('2');
  expect(fs.readdirSync(path.dirname(out))).toEqual(['model-bundle']);

  expect(await exportTo('--version', '1')).toBe(0);
  expect((await readModelPackage(out)).identity).toMatchObject({ version: '1', alias: undefined });
  // Two ways of naming one version: refused, not one silently preferred (version 1 was exported as "champion").
  await expect(exportTo('--version', '1', '--alias', 'champion')).rejects.toThrow(/--alias and --version exclude/);

  // A folder of the user's that is not a bundle, or a file, is never replaced: a bad-input error (exit 2) naming --out.
  const notes = path.join(work, 'notes');
  fs.mkdirSync(notes);
  fs.writeFileSync(path.join(notes, 'todo.txt'), 'keep');
  const todo = path.join(notes, 'todo.txt');
  for (const [target, reason] of [
    [notes, new RegExp(`^--out: ${notes} exists and it is a folder with other files .*refusing to replace`)],
    [todo, new RegExp(`^--out ${todo} is a file, not a folder$`)],
  ] as const) {
    const refused = quietly(() => exportCommand(['--name', name, '--out', target, '--tracking-uri', uri]));
    await expect(refused).rejects.toThrow(reason);
    await expect(refused.catch((e: unknown) => exitStatusOf(e))).resolves.toBe(2);
  }
  expect(fs.readdirSync(notes)).toEqual(['todo.txt']);
  expect(fs.readFileSync(path.join(notes, 'todo.txt'), 'utf8')).toBe('keep');
});

it('predicts with models:/NAME@ALIAS and models:/NAME/VERSION exactly as with the exported bundle', async () => {
  const bundle = path.join(work, 'exported');
  await quietly(() => exportCommand(['--name', name, '--version', '2', '--out', bundle, '--tracking-uri', uri]));
  const predict = async (...argv: string[]) => {
    const out = path.join(work, `predicted-${argv.join('-').replace(/[^a-z0-9]+/gi, '_')}.csv`);
    const input = tablePath(data, 'application_test');
    expect(await quietly(() => predictCommand(['--input', input, '--data-dir', data, '--out', out, ...argv]))).toBe(0);
    return fs.readFileSync(out, 'utf8');
  };
  const fromBundle = await predict('--bundle', bundle, '--with-decision');
  expect(await predict('--model', `models:/${name}@champion`, '--tracking-uri', uri, '--with-decision')).toBe(
    fromBundle,
  );
  expect(await predict('--model', `models:/${name}/2`, '--tracking-uri', uri, '--with-decision')).toBe(fromBundle);
});

// A real full disk: $TMPDIR on a 4 KiB tmpfs (mounting takes root) cannot hold the model predict --model downloads.
(asRoot ? it : it.skip)(
  'predict --model with a full $TMPDIR: exit 2, one line naming the temporary folder',
  async () => {
    await withFullDisk(path.join(work, 'full-tmp-'), async (mount) => {
      const input = tablePath(data, 'application_test');
      const model = ['--model', `models:/${name}@champion`, '--tracking-uri', uri];
      const r = trainerWithTmpdir(mount, 'predict', '--input', input, '--out', path.join(work, 'never.csv'), ...model);
      // Before: Node's own "trainer: ENOSPC: no space left on device, write".
      expect(r.stderr).toMatch(
        new RegExp(
          `^trainer: the temporary folder ${mount}/credit-scoring-predict-\\w+ cannot be written: ` +
            'no space left on the device \\(ENOSPC\\)\n$',
        ),
      );
      expect(r.status).toBe(2);
      expect(fs.readdirSync(mount)).toEqual([]);
    });
  },
);

describe('an --out that cannot be written: one line naming it in words, exit 2', () => {
  /** The UsageError `trainer export --out <out>` rejects with, and how long it took. */
  async function refusal(out: string): Promise<{ message: string; ms: number }> {
    const started = Date.now();
    const error = await quietly(() => exportCommand(['--name', name, '--out', out, '--tracking-uri', uri])).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    return { message: (error as Error).message, ms: Date.now() - started };
  }

  it('refuses a path through a file or under /proc before any download, never hanging', async () => {
    const file = path.join(work, 'a-file');
    fs.writeFileSync(file, 'keep');
    // Before: "ENOENT: no such file or directory, mkdir '/proc/.x.new-…'", and "EEXIST: file already exists, mkdir".
    if (fs.existsSync('/proc/self')) {
      expect((await refusal('/proc/x')).message).toBe('--out /proc/x cannot be created: /proc takes no new entries');
      // Before: no answer at all (Node's recursive mkdir spins under /proc).
      const nested = await refusal('/proc/credit-scoring/bundle');
      expect(nested.message).toBe('--out /proc/credit-scoring/bundle cannot be created: /proc takes no new entries');
      expect(nested.ms).toBeLessThan(5_000);
    }
    expect((await refusal(path.join(file, 'bundle'))).message).toBe(
      `--out ${path.join(file, 'bundle')}: ${file} is a file, not a folder`,
    );
    expect(fs.readFileSync(file, 'utf8')).toBe('keep');
  });

  // A real full disk: a 4 KiB tmpfs (mounting takes root) cannot hold the bundle.
  (asRoot ? it : it.skip)('a full disk: the reason in words, nothing left of the download', async () => {
    await withFullDisk(path.join(work, 'full-disk-'), async (mount) => {
      const out = path.join(mount, 'bundle');
      // Before: Node's own "ENOSPC: no space left on device, write".
      expect((await refusal(out)).message).toBe(`--out ${out} cannot be written: no space left on the device (ENOSPC)`);
      expect(fs.readdirSync(mount)).toEqual([]);
    });
  });
});

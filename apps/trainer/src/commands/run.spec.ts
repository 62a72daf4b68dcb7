// `trainer run` end to end on generated rows, against a real MLflow server: outputs that cannot be written are refused
// before any training; a report that becomes unwritable during the run fails it after training but before promotion,
// and leaves the registry as it was and the study's parent run FAILED; one whose name is taken after promotion keeps
// the promotion and says where its draft is.
import { SYNTHETIC, syntheticDataDir } from '@credit-scoring/data/testing';
import { MlflowClient, readModelPackage } from '@credit-scoring/tracking';
import { startLocalServer, type LocalServer } from '@credit-scoring/tracking/server';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../cli-args';
import { runCommand } from './run';
import { asRoot, withFullDisk } from '../testing/full-disk';

jest.setTimeout(600_000);

let server: LocalServer | undefined;
let store: string;
let client: MlflowClient;
let uri: string;
const experiment = `run-cmd-${process.pid}-${Date.now()}`;
const modelName = `run-cmd-model-${process.pid}-${Date.now()}`;

beforeAll(async () => {
  store = mkdtempSync(join(tmpdir(), 'trainer-run-cmd-'));
  server = await startLocalServer({ storeDir: join(store, 'mlruns') });
  uri = server.uri;
  client = new MlflowClient({ trackingUri: uri });
});

afterAll(async () => {
  await server?.stop();
  if (store) rmSync(store, { recursive: true, force: true });
});

const argsWith = async (...extra: string[]) => [
  '--data-dir',
  await syntheticDataDir(SYNTHETIC), // generated rows: the failure paths do not depend on the data
  '--no-side-tables',
  '--models',
  'lightgbm',
  '--folds',
  '2',
  '--budget',
  '1',
  '--search-rows',
  '2000',
  '--tracking-uri',
  uri,
  '--experiment',
  experiment,
  '--model-name',
  modelName,
  ...extra,
];

describe('trainer run', () => {
  it('refuses outputs it could not write before training: no run, and a folder that is not a bundle untouched', async () => {
    const work = join(store, 'work');
    mkdirSync(work);
    writeFileSync(join(work, 'notes.txt'), 'keep');
    const refused: Array<[string[], RegExp]> = [
      [
        ['--report', join(store, 'no-such-dir', 'results.md'), '--no-bundle'],
        /--report .*results\.md: the folder .* does not exist/,
      ],
      [['--report', store, '--no-bundle'], /--report .* is a folder/],
      [['--bundle-out', work], /--bundle-out: .*work exists and it is a folder with other files .*refusing to replace/],
      [['--bundle-out', join(work, 'notes.txt', 'bundle')], /notes\.txt is a file, not a folder/],
    ];
    for (const [extra, message] of refused) {
      const started = Date.now();
      await expect(runCommand(await argsWith(...extra))).rejects.toThrow(message);
      expect(Date.now() - started).toBeLessThan(5_000); // before the data is even read
    }
    expect(readdirSync(work)).toEqual(['notes.txt']);
    expect(await client.getExperimentByName(experiment)).toBeUndefined();
  });

  it('fails on a report it cannot write after training without registering, promoting or leaving a run open', async () => {
    const reports = join(store, 'reports');
    mkdirSync(reports);
    const report = join(reports, 'results.md');
    const running = runCommand(await argsWith('--report', report, '--no-bundle'));
    rmSync(reports, { recursive: true }); // checked at the start, gone by the end
    // Before: "cannot write --report …: ENOENT", the bare code.
    await expect(running).rejects.toThrow(
      new UsageError(`--report ${report} cannot be written: no such file or folder (ENOENT)`),
    );

    expect(await client.getRegisteredModel(modelName)).toBeUndefined(); // created by this run, so deleted again
    expect(existsSync(report)).toBe(false);
    const experimentId = (await client.getExperimentByName(experiment))?.experimentId ?? 'missing';
    const runs = (await client.searchRuns({ experimentIds: [experimentId] })).runs;
    expect(runs.length).toBeGreaterThanOrEqual(3); // parent, model, threshold, best model
    const parent = runs.filter((r) => r.info.runName?.startsWith('Model comparison'));
    expect(parent.map((r) => r.info.status)).toEqual(['FAILED']);
    expect(parent[0].tags['credit.failure']).toMatch(/^registry: --report .* cannot be written: no such file/);
    expect(runs.filter((r) => r.info.status === 'RUNNING').map((r) => r.info.runName)).toEqual([]);
  });

  // A real full disk: a 4 KiB tmpfs (mounting takes root), filled before the run (a report can be smaller than that).
  (asRoot ? it : it.skip)('a report on a full disk: one line in words, nothing registered, nothing left', async () => {
    await withFullDisk(join(store, 'full-disk-'), async (mount) => {
      writeFileSync(join(mount, 'filler'), Buffer.alloc(4096));
      const report = join(mount, 'results.md');
      // Before: "cannot write --report …: ENOSPC", the bare code.
      const error = await runCommand(await argsWith('--report', report, '--no-bundle')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toBe(
        `--report ${report} cannot be written: no space left on the device (ENOSPC)`,
      );
      expect(readdirSync(mount)).toEqual(['filler']);
      expect(await client.getRegisteredModel(modelName)).toBeUndefined();
    });
  });

  it('exports the new champion with the alias it was just given, as `trainer export` would', async () => {
    const bundle = join(store, 'bundle');
    expect(await runCommand(await argsWith('--bundle-out', bundle))).toBe(0);
    const version = (await client.getModelVersionByAlias(modelName, 'champion')).version;
    // Before, the bundle said alias null: it was downloaded by version number before the alias moved.
    expect((await readModelPackage(bundle)).identity).toMatchObject({ name: modelName, version, alias: 'champion' });
  });

  it('the report’s name taken after promotion: one line, the promotion kept and the draft named', async () => {
    const reports = join(store, 'late-reports');
    mkdirSync(reports);
    const report = join(reports, 'results.md');
    const running = runCommand(await argsWith('--report', report, '--no-bundle'));
    mkdirSync(report); // checked at the start; a folder in the report's place by the end
    writeFileSync(join(report, 'notes.txt'), 'keep');
    // Before: Node's "EISDIR: illegal operation on a directory, rename '…results.md.tmp-…' -> '…results.md'".
    const error = await running.catch((e: unknown) => e);
    const version = (await client.getModelVersionByAlias(modelName, 'champion')).version;
    const draft = `${report}.tmp-${process.pid}`;
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      `--report ${report} cannot be written: it is a folder (EISDIR); ${modelName} version ${version} is ` +
        `registered with alias @champion all the same, and its report is at ${draft}`,
    );
    expect(readFileSync(draft, 'utf8')).toContain(`registered as \`${modelName}\` version ${version} with alias`);
    expect(readdirSync(report)).toEqual(['notes.txt']);
  });
});

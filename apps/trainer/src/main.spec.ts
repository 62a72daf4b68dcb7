import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asRoot, withFullDisk } from './testing/full-disk';

/* The CLI as a user runs it: bad input → one line on stderr and exit status 2; --help on every command. */
const root = join(__dirname, '..', '..', '..');
const trainer = (...args: string[]) =>
  spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [join(__dirname, 'main.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, MLFLOW_TRACKING_URI: '', TSX_TSCONFIG_PATH: join(root, 'tsconfig.base.json') },
    timeout: 120_000, // a command that hangs fails its test (status null) instead of blocking the suite
  });

describe('trainer CLI', () => {
  it.each([['run'], ['generate'], ['drift'], ['export'], ['predict'], ['worker'], ['monitor']])(
    '%s --help prints its usage and exits 0',
    (command) => {
      const r = trainer(command, '--help');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^Usage: trainer /);
    },
  );

  it.each([
    [['run', '--folds', '1'], /^trainer: --folds must be an integer in \[2, 20\], got '1'\n$/],
    [['run', '--data-dir', '/no/such/dir'], /^trainer: --data-dir \/no\/such\/dir does not exist\n$/],
    [
      ['train'],
      /^trainer: unknown command 'train'; commands: run, generate, drift, export, predict, worker, monitor\n$/,
    ],
    [['generate', '--rows', '0'], /^trainer: --rows must be an integer in \[1, 10000000\], got '0'\n$/],
    [['export', '--version', 'latest'], /^trainer: --version must be a positive integer, got 'latest'\n$/],
    [['worker'], /^trainer: --listen HOST:PORT is required\n$/],
    [
      ['worker', '--listen', 'localhost:99999'],
      /^trainer: --listen must be host:port with a port in \[1, 65535\], got/,
    ],
    [['run', '--workers', '127.0.0.1:7000,127.0.0.1:7000'], /^trainer: --workers lists 127.0.0.1:7000 twice\n$/],
    [['run', '--step-timeout', '5'], /^trainer: --step-timeout only applies with --workers\n$/],
    [
      ['run', '--workers', '127.0.0.1:7000', '--budget=3'],
      /^trainer: --budget does not apply with --workers \(one LightGBM model: no search, CV or registry\)\n$/,
    ],
    [['run', '--data-dir', '.', '--rows', '500'], /^trainer: --rows is the number of applicants to generate; with/],
    // A folder where a file is expected: the flag and the path in words, not Node's "EISDIR: illegal operation".
    [['run', '--config', tmpdir()], /^trainer: --config \S+ is a folder, not a file\n$/],
    [
      ['drift', '--reference', tmpdir(), '--current', tmpdir()],
      /^trainer drift: --reference \S+ is a folder, not a file\n$/,
    ],
    [['predict', '--input', tmpdir(), '--out', 'x.csv'], /^trainer: --input \S+ is a folder, not a file\n$/],
    [['monitor', '--reference', tmpdir()], /^trainer monitor: --reference \S+ is a folder, not a file\n$/],
    [['run', '--data-dir', __filename], /^trainer: --data-dir \S+ is a file, not a folder\n$/],
  ])('%j exits 2 with one line', (argv, message) => {
    const r = trainer(...argv);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  (existsSync('/proc/self') ? it : it.skip)('generate --out under /proc exits 2 at once (it hung in mkdir)', () => {
    const started = Date.now();
    const r = trainer('generate', '--rows', '10', '--out', '/proc/credit-scoring-generate');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'trainer: --out /proc/credit-scoring-generate cannot be created: /proc takes no new entries\n',
    );
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  (existsSync('/proc/self') ? it : it.skip)(
    'run refuses a --bundle-out or --report it could not write at its start, before the data is read',
    () => {
      // An empty --data-dir: had the data been read first, that would be the reason given.
      const dir = mkdtempSync(join(tmpdir(), 'run-outputs-'));
      const notes = join(dir, 'notes.txt');
      writeFileSync(notes, 'keep');
      const offline = ['--data-dir', dir, '--tracking-uri', 'http://127.0.0.1:9'];
      try {
        for (const [extra, reason] of [
          [
            ['--bundle-out', '/proc/credit-scoring/bundle'],
            '--bundle-out /proc/credit-scoring/bundle cannot be created: /proc takes no new entries',
          ],
          [['--bundle-out', notes], `--bundle-out ${notes} is a file, not a folder`],
          [
            ['--bundle-out', join(notes, 'bundle')],
            `--bundle-out ${join(notes, 'bundle')}: ${notes} is a file, not a folder`,
          ],
          [
            ['--report', '/proc/results.md', '--no-bundle'],
            '--report /proc/results.md cannot be written: /proc takes no new entries',
          ],
          [['--report', dir, '--no-bundle'], `--report ${dir} is a folder; name the file to write`],
        ] as Array<[string[], string]>) {
          const r = trainer('run', ...offline, ...extra);
          expect(r.stderr).toBe(`trainer: ${reason}\n`);
          expect(r.status).toBe(2);
        }
        expect(readdirSync(dir)).toEqual(['notes.txt']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );

  it('run refuses labels that are not 0 or 1, and too few applicants, before any MLflow run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-labels-'));
    try {
      expect(trainer('generate', '--rows', '300', '--out', dir).status).toBe(0);
      const file = join(dir, 'application_train.csv');
      const lines = readFileSync(file, 'utf8').split('\n');
      const target = lines[0].split(',').indexOf('TARGET');
      const blank = (line: string) =>
        line
          .split(',')
          .map((cell, i) => (i === target ? '' : cell))
          .join(',');
      writeFileSync(file, [lines[0], lines[1], lines[2], blank(lines[3]), ...lines.slice(4)].join('\n'));
      // An unreachable server: the data is refused before MLflow is asked anything.
      const offline = ['--tracking-uri', 'http://127.0.0.1:9', '--no-side-tables', '--no-bundle'];
      const r = trainer('run', '--data-dir', dir, ...offline);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^trainer: .*application_train\.csv row 3: TARGET must be 0 or 1, got empty\n$/m);
      writeFileSync(file, `${lines.slice(0, 101).join('\n')}\n`);
      const few = trainer('run', '--data-dir', dir, ...offline);
      expect(few.stderr).toMatch(/application_train\.csv has 100 rows; a study needs at least 200 applicants/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('generate refuses a folder that holds tables (the real files, maybe) and a file, without --force', () => {
    const dir = mkdtempSync(join(tmpdir(), 'generate-out-'));
    try {
      const real = join(dir, 'application_train.csv');
      writeFileSync(real, 'SK_ID_CURR,TARGET\n100002,1\n');
      const r = trainer('generate', '--rows', '50', '--out', dir);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(
        `trainer: --out ${dir} already holds application_train.csv: give an empty folder, or --force to write over them\n`,
      );
      expect(readFileSync(real, 'utf8')).toBe('SK_ID_CURR,TARGET\n100002,1\n');
      const onFile = trainer('generate', '--rows', '50', '--out', real);
      expect(onFile.stderr).toBe(`trainer: --out ${real} is a file, not a folder\n`);
      expect(trainer('generate', '--rows', '50', '--out', dir, '--force').status).toBe(0);
      expect(readFileSync(real, 'utf8')).not.toBe('SK_ID_CURR,TARGET\n100002,1\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  // A real full disk: a 4 KiB tmpfs (mounting takes root) cannot hold the tables of 300 applicants.
  (asRoot ? it : it.skip)(
    'generate on a full disk: exit 2, one line naming --out in words, no partial table',
    async () => {
      await withFullDisk(join(tmpdir(), 'generate-full-'), async (dir) => {
        const r = trainer('generate', '--rows', '300', '--out', dir);
        // Before: Node's own "trainer: ENOSPC: no space left on device, write".
        expect(r.stderr).toBe(`trainer: --out ${dir} cannot be written: no space left on the device (ENOSPC)\n`);
        expect(r.status).toBe(2);
        expect(readdirSync(dir)).toEqual([]);
      });
    },
    60_000,
  );
});

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/* The CLI as a user runs it: bad input → one line on stderr and exit status 2; --help on every command. */
const root = join(__dirname, '..', '..', '..');
const trainer = (...args: string[]) =>
  spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [join(__dirname, 'main.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, MLFLOW_TRACKING_URI: '', TSX_TSCONFIG_PATH: join(root, 'tsconfig.base.json') },
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
  ])('%j exits 2 with one line', (argv, message) => {
    const r = trainer(...argv);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

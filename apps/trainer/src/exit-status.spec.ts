// The exit-status contract (exit-status.ts) as a user meets it: the CLI in a child process, per case.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCHEMAS } from '@credit-scoring/data';
import { exitStatusOf } from './exit-status';
import { asRoot, withFullDisk } from './testing/full-disk';

const root = join(__dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'trainer-exit-'));
// --tsconfig: the workspace's path mapping, so the child runs this checkout's libraries.
const trainer = (...args: string[]) =>
  spawnSync(
    join(root, 'node_modules', '.bin', 'tsx'),
    ['--tsconfig', join(root, 'tsconfig.base.json'), join(__dirname, 'main.ts'), ...args],
    { cwd: root, encoding: 'utf8', env: { ...process.env, MLFLOW_TRACKING_URI: '' }, timeout: 120_000 },
  );

function file(name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

// A data folder whose application_train.csv has the Kaggle header and then `body`.
function dataDir(name: string, body: string): string {
  const header = Object.keys(SCHEMAS.application_train).join(',');
  file(join(name, 'application_train.csv'), `${header}\n${body}`);
  return join(dir, name);
}

const width = Object.keys(SCHEMAS.application_train).length;
const blankRow = (first: string) => [first, ...Array<string>(width - 1).fill('')].join(',');

describe('trainer run: bad data exits 2, the failed stage is marked failed', () => {
  it.each([
    ['a short row', '100002,1,Cash loans\n', /row 1: 3 fields where the header has \d+/],
    ['a blank line', '\n', /row 1 is blank/],
    ['a non-numeric id', `${blankRow('abc')}\n`, /SK_ID_CURR/],
    ['a truncated file', '100002,1,Cash', /looks truncated/],
  ])('%s', (name, body, message) => {
    const r = trainer(
      'run',
      '--data-dir',
      dataDir(name.replace(/ /g, '-'), body),
      '--tracking-uri',
      'http://127.0.0.1:9',
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/✖ load data failed/);
    expect(r.stderr).not.toMatch(/✔ load data/);
  });
});

describe('trainer drift: 0 no drift, 1 drift, 2 bad input or I/O failure', () => {
  const rows = (f: (i: number) => string) => `A,B\n${Array.from({ length: 200 }, (_, i) => f(i)).join('\n')}\n`;
  const reference = file(
    'ref.csv',
    rows((i) => `${i},x${i % 3}`),
  );
  const same = file(
    'same.csv',
    rows((i) => `${i},x${i % 3}`),
  );
  const far = file(
    'far.csv',
    rows((i) => `${i + 5000},y${i % 3}`),
  );
  const drift = (current: string, out: string) =>
    trainer('drift', '--reference', reference, '--current', current, '--out', out);

  it('no drift → 0, drift → 1', () => {
    expect(drift(same, join(dir, 'out-same')).status).toBe(0);
    expect(drift(far, join(dir, 'out-far')).status).toBe(1);
  });

  it('a short row in the current file → 2', () => {
    const r = drift(file('short.csv', 'A,B\n1,x\n2\n'), join(dir, 'out-short'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/row 2: 1 fields where the header has 2/);
  });

  it('--out is a file (not a directory) → 2', () => {
    const r = drift(same, file('a-file', 'x'));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`trainer drift: --out ${join(dir, 'a-file')} is a file, not a folder\n`);
  });

  (existsSync('/proc/self') ? it : it.skip)("--out under /proc → 2 at once (Node's recursive mkdir spun there)", () => {
    const r = drift(same, '/proc/credit-scoring/drift');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'trainer drift: --out /proc/credit-scoring/drift cannot be created: /proc takes no new entries\n',
    );
  });

  (existsSync('/proc/self/mem') ? it : it.skip)('an unreadable --current (opens, then EIO) → 2, named', () => {
    const r = drift('/proc/self/mem', join(dir, 'out-unreadable'));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('trainer drift: --current /proc/self/mem cannot be read: input/output error (EIO)\n');
    expect(existsSync(join(dir, 'out-unreadable'))).toBe(false);
  });

  // A real full disk: a 4 KiB tmpfs (mounting takes root) cannot hold the reports, drafted then renamed.
  (asRoot ? it : it.skip)('a full disk → 2, one line naming the report, nothing left', async () => {
    await withFullDisk(join(dir, 'out-full-'), async (mount) => {
      const r = drift(same, mount);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(
          `^trainer drift: --out ${mount}/report\\.(json|html) cannot be written: no space left on the device \\(ENOSPC\\)\n$`,
        ),
      );
      expect(readdirSync(mount)).toEqual([]);
    });
  });

  (existsSync('/sys/kernel') ? it : it.skip)('an output folder that cannot be created (read-only /sys) → 2', () => {
    const r = drift(same, '/sys/credit-scoring-drift');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /^trainer drift: --out \/sys\/credit-scoring-drift cannot be created: .*\((EPERM|EROFS|EACCES)\)\n$/,
    );
  });
});

describe('exitStatusOf', () => {
  it('maps input and environment errors to 2 and anything else (a bug) to 3', () => {
    class DataError extends Error {}
    const enospc = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    expect([new DataError('bad'), enospc].map(exitStatusOf)).toEqual([2, 2]);
    expect([new TypeError('x is undefined'), 'thrown string'].map(exitStatusOf)).toEqual([3, 3]);
  });
});

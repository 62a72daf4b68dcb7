// An interrupted `generate` must not leave a partial table under its real name: tables are written to hidden
// temporary siblings and renamed into place only when all of them are complete.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TABLE_NAMES } from '../schemas';
import { generateSynthetic } from './generate';

const root = path.resolve(__dirname, '..', '..', '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'data-atomic-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const snapshot = (dir: string) =>
  Object.fromEntries(
    fs
      .readdirSync(dir)
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]),
  );

describe('generateSynthetic writes atomically', () => {
  it('a run that fails midway leaves the previous complete tables untouched and no temporary file', async () => {
    const out = path.join(tmp, 'failed');
    await generateSynthetic({ rows: 300, seed: 1, out });
    const before = snapshot(out);
    expect(Object.keys(before)).toEqual(TABLE_NAMES.map((t) => `${t}.csv`).sort());
    const interrupted = generateSynthetic({
      rows: 30_000,
      seed: 2,
      out,
      onProgress: ({ rows }) => {
        if (rows > 0) throw new Error('interrupted');
      },
    });
    await expect(interrupted).rejects.toThrow('interrupted');
    expect(snapshot(out)).toEqual(before);
  });

  it('a killed process leaves no table under its real name; the next run cleans its leftovers', async () => {
    const out = path.join(tmp, 'killed');
    // node itself (not the tsx wrapper, whose SIGKILL would orphan the worker), on this checkout's sources
    const main = path.join(root, 'apps', 'trainer', 'src', 'main.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', main, 'generate', '--rows', '2000000', '--out', out], {
      cwd: root,
      env: { ...process.env, TSX_TSCONFIG_PATH: path.join(root, 'tsconfig.base.json') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // the first progress line (10,000 applicants) means rows are being written
    await new Promise<void>((resolve) => child.stderr.on('data', () => resolve()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const left = fs.readdirSync(out);
    expect(left.filter((f) => f.endsWith('.csv'))).toEqual([]);
    expect(left.some((f) => f.endsWith('.partial'))).toBe(true);
    await generateSynthetic({ rows: 100, seed: 3, out });
    expect(fs.readdirSync(out).sort()).toEqual(TABLE_NAMES.map((t) => `${t}.csv`).sort());
  }, 120_000);
});

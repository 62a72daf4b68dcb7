// The local MLflow server the trainer starts must not outlive it, however it ends: a SIGKILL runs no exit handler
// (tsx kills a child whose event loop is busy when Ctrl-C comes), and the server runs in its own process group.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { workspaceRoot } from '@credit-scoring/data';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pids of the process group `pgid` still alive. */
const groupMembers = (pgid: number) =>
  spawnSync('pgrep', ['-g', String(pgid)], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)
    .map(Number);

describe('startLocalServer', () => {
  let store: string;
  beforeAll(() => (store = mkdtempSync(path.join(tmpdir(), 'server-owner-'))));
  afterAll(() => rmSync(store, { recursive: true, force: true }));

  it('stops its server when the process that started it is killed with SIGKILL', async () => {
    // A process that starts the server, prints its pid and URI, and waits to be killed.
    const script = [
      "const { startLocalServer } = require('./libs/tracking/src/server');",
      `startLocalServer({ storeDir: ${JSON.stringify(store)} }).then((s) => {`,
      '  console.log(JSON.stringify({ pid: s.pid, uri: s.uri }));',
      '  setInterval(() => undefined, 1000);',
      '});',
    ].join('\n');
    const owner = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: workspaceRoot(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const started = await new Promise<{ pid: number; uri: string }>((resolve, reject) => {
      let out = '';
      owner.stdout.on('data', (chunk) => {
        out += String(chunk);
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
      });
      owner.once('exit', (code) => reject(new Error(`the owner exited (${code}) before the server answered`)));
    });
    expect((await fetch(`${started.uri}/health`)).ok).toBe(true);
    expect(groupMembers(started.pid).length).toBeGreaterThan(1); // the watch's shell, the server, its worker
    owner.kill('SIGKILL');
    for (let i = 0; i < 100 && groupMembers(started.pid).length > 0; i++) await sleep(100);
    expect(groupMembers(started.pid)).toEqual([]);
    await expect(fetch(`${started.uri}/health`)).rejects.toThrow();
  }, 120_000);

  it('is found ready while the event loop of the process that started it is mostly busy', async () => {
    // The trainer's features stage runs long synchronous stretches while the server starts: a health check answered
    // during one was aborted by its time-out timer on waking, and a server up for a minute was declared dead.
    const script = [
      "const { startLocalServer } = require('./libs/tracking/src/server');",
      'const busy = () => { const end = Date.now() + 2500; while (Date.now() < end); setTimeout(busy, 50); };',
      `startLocalServer({ storeDir: ${JSON.stringify(store)}, startupTimeoutMs: 60000 }).then(`,
      '  async (s) => { await s.stop(); console.log("ready"); process.exit(0); },',
      '  (e) => { console.log(e.message); process.exit(1); },',
      ');',
      'setTimeout(busy, 200);',
    ].join('\n');
    const owner = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: workspaceRoot(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    owner.stdout.on('data', (chunk) => (out += String(chunk)));
    const code = await new Promise((resolve) => owner.once('exit', resolve));
    expect(out.trim()).toBe('ready');
    expect(code).toBe(0);
  }, 120_000);
});

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as path from 'node:path';

/**
 * Runs `script` (CommonJS, TypeScript modules required through tsx) in a Node process of its own, where it is the
 * only work: what the process does once its event loop has nothing left (exit too early, or never) shows there.
 */
export function runLoneProcess(script: string, timeoutMs: number): SpawnSyncReturns<string> {
  const root = path.resolve(__dirname, '..', '..', '..', '..');
  return spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, TSX_TSCONFIG_PATH: path.join(root, 'tsconfig.base.json') },
  });
}

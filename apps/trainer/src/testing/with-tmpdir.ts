// Test helper: the trainer CLI in its own process with $TMPDIR set. In-process, jest's copy of process.env does not
// reach os.tmpdir(); and the tsx CLI itself needs $TMPDIR (its IPC socket, its cache), so the program is run by node
// with tsx's loader and the cache off: only the trainer's own use of the temporary folder is tested.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..', '..');
const main = join(root, 'apps', 'trainer', 'src', 'main.ts');

/** `trainer ...args` with $TMPDIR = `tmpdir`: its exit status, stdout and stderr. */
export function trainerWithTmpdir(tmpdir: string, ...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', main, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...process.env,
      TMPDIR: tmpdir,
      TSX_DISABLE_CACHE: '1',
      TSX_TSCONFIG_PATH: join(root, 'tsconfig.base.json'),
      MLFLOW_TRACKING_URI: '',
    },
  });
}

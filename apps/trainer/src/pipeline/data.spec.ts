// loadTrainingData without --data-dir generates the default data set under data/generated: a disk that cannot take
// it is one line naming the folder in words (exit 2), as a flag's path would be, never Node's own text.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../cli-args';
import { parseRunConfig, type TrainConfig } from '../config';
import { loadTrainingData } from './data';

// A real full disk: a 4 KiB tmpfs (mounting takes root) cannot hold 300 generated applicants.
const asRoot = process.getuid?.() === 0 && process.platform === 'linux';
(asRoot ? it : it.skip)(
  'a full disk for the generated data: one line naming the folder, no partial table',
  async () => {
    const mount = fs.mkdtempSync(join(tmpdir(), 'generated-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4k', 'tmpfs', mount]);
    try {
      const config: TrainConfig = { ...(parseRunConfig(['--rows', '300'], {}) as TrainConfig), generatedDir: mount };
      const out = join(mount, '300-seed42');
      // Before: Node's own "ENOSPC: no space left on device, write".
      const error = await loadTrainingData(config).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toBe(
        `the generated data folder ${out} cannot be written: no space left on the device (ENOSPC)`,
      );
      expect(fs.readdirSync(out)).toEqual([]);
    } finally {
      execFileSync('umount', [mount]);
      fs.rmSync(mount, { recursive: true, force: true });
    }
  },
);

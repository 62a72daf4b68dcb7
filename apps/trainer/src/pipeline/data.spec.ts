// loadTrainingData without --data-dir generates the default data set under data/generated: a disk that cannot take
// it is one line naming the folder in words (exit 2), as a flag's path would be, never Node's own text.
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../cli-args';
import { parseRunConfig, type TrainConfig } from '../config';
import { loadTrainingData } from './data';
import { asRoot, withFullDisk } from '../testing/full-disk';

// A real full disk: a 4 KiB tmpfs (mounting takes root) cannot hold 300 generated applicants.
(asRoot ? it : it.skip)(
  'a full disk for the generated data: one line naming the folder, no partial table',
  async () => {
    await withFullDisk(join(tmpdir(), 'generated-full-'), async (mount) => {
      const config: TrainConfig = { ...(parseRunConfig(['--rows', '300'], {}) as TrainConfig), generatedDir: mount };
      const out = join(mount, '300-seed42');
      // Before: Node's own "ENOSPC: no space left on device, write".
      const error = await loadTrainingData(config).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toBe(
        `the generated data folder ${out} cannot be written: no space left on the device (ENOSPC)`,
      );
      expect(fs.readdirSync(out)).toEqual([]);
    });
  },
);

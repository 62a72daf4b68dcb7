// Test helper: a real full disk, for the outputs' ENOSPC paths (no mock of fs). Mounting takes root and Linux; the
// tests using it are skipped elsewhere (`asRoot ? it : it.skip`).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';

export const asRoot = process.getuid?.() === 0 && process.platform === 'linux';

/**
 * Runs `use` on a 4 KiB tmpfs mounted on a fresh folder (mkdtemp of `prefix`), then unmounts and removes it whatever
 * happened. The commands' outputs outgrow 4 KiB; a test whose output may not fills the disk first.
 */
export async function withFullDisk<T>(prefix: string, use: (mount: string) => T | Promise<T>): Promise<T> {
  const mount = mkdtempSync(prefix);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4k', 'tmpfs', mount]);
  try {
    return await use(mount);
  } finally {
    execFileSync('umount', [mount]);
    rmSync(mount, { recursive: true, force: true });
  }
}

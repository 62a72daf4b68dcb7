// Files and folders named by a flag, checked where a command first touches them, so that a wrong path is one line
// naming the flag and the path (exit 2), never Node's bare "EISDIR: illegal operation on a directory, read", nor a
// hang: Node's recursive mkdir never returns under /proc.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getSystemErrorMap } from 'node:util';
import { UsageError } from './cli-args';

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  ENOENT: 'no such file or folder',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOTEMPTY: 'the folder is not empty',
};

/**
 * A file-system error in words, its code kept for searching: "permission denied (EACCES)". A code not listed above
 * takes the system's own words (libuv's, as in Node's message), so a rare one is never shown as a bare code.
 */
export function fsReason(error: unknown): string {
  const { code, errno } = error as NodeJS.ErrnoException;
  if (!code) return (error as Error).message.split('\n')[0];
  const words = REASONS[code] ?? (errno === undefined ? undefined : getSystemErrorMap().get(errno)?.[1]);
  return words ? `${words} (${code})` : code;
}

function statOf(flag: string, target: string): fs.Stats | undefined {
  try {
    return fs.statSync(target, { throwIfNoEntry: false });
  } catch (error) {
    throw new UsageError(`${flag} ${target}: ${fsReason(error)}`);
  }
}

/** An existing file that can be read; its absolute path. One byte is read: some /proc files open, then fail. */
export function inputFile(flag: string, value: string): string {
  const file = path.resolve(value);
  const stat = statOf(flag, file);
  if (!stat) throw new UsageError(`${flag} ${file} does not exist`);
  if (stat.isDirectory()) throw new UsageError(`${flag} ${file} is a folder, not a file`);
  try {
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, Buffer.alloc(1), 0, 1, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    throw new UsageError(`${flag} ${file} cannot be read: ${fsReason(error)}`);
  }
  return file;
}

/** An existing folder; its absolute path. */
export function inputFolder(flag: string, value: string): string {
  const dir = path.resolve(value);
  const stat = statOf(flag, dir);
  if (!stat) throw new UsageError(`${flag} ${dir} does not exist`);
  if (!stat.isDirectory()) throw new UsageError(`${flag} ${dir} is a file, not a folder`);
  return dir;
}

/** Why `mkdir`/`open` of an entry failed; ENOENT with the parent present is a file system that takes no new entry. */
function creationReason(error: unknown, entry: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' && fs.existsSync(path.dirname(entry))) return `${path.dirname(entry)} takes no new entries`;
  return fsReason(error);
}

/**
 * An output folder, made with its missing parents one level at a time (Node's recursive mkdir spins forever under
 * /proc, where a parent exists but takes no new entry); its absolute path.
 */
export function outputFolder(flag: string, value: string): string {
  const dir = path.resolve(value);
  makeFolder(flag, dir, dir);
  return dir;
}

/** `dir` and its missing parents, a failure said of `named` (the flag's value: the folder, or a file in it). */
function makeFolder(flag: string, dir: string, named: string): void {
  const existing = nearestFolder(flag, dir, named, statOf); // a path through a file: its ENOTDIR, as before
  const missing: string[] = [];
  for (let at = dir; at !== existing; at = path.dirname(at)) missing.unshift(at);
  for (const folder of missing) {
    try {
      fs.mkdirSync(folder);
    } catch (error) {
      throw new UsageError(`${flag} ${named} cannot be created: ${creationReason(error, folder)}`);
    }
  }
}

/**
 * An output file in a folder that must exist already and take new entries (the file is written beside it first, then
 * renamed); nothing is created. Its absolute path.
 */
export function outputFileInFolder(flag: string, value: string): string {
  const file = path.resolve(value);
  const folder = statOf(flag, path.dirname(file));
  if (!folder?.isDirectory()) {
    const problem = folder ? 'is a file, not a folder' : 'does not exist';
    throw new UsageError(`${flag} ${file}: the folder ${path.dirname(file)} ${problem}`);
  }
  if (statOf(flag, file)?.isDirectory()) throw new UsageError(`${flag} ${file} is a folder; name the file to write`);
  checkTakesEntries(flag, file, path.dirname(file), 'written');
  return file;
}

/** The file system of /proc: its mkdir and open say ENOENT of a folder that exists (Node's recursive mkdir spins). */
const PROC_SUPER_MAGIC = 0x9fa0;

/** `folder` (an existing folder) can take the new entries written for `named`: writable, and not under /proc. */
function checkTakesEntries(flag: string, named: string, folder: string, verb: 'created' | 'written'): void {
  try {
    fs.accessSync(folder, fs.constants.W_OK);
  } catch (error) {
    throw new UsageError(`${flag} ${named} cannot be ${verb}: ${folder}: ${fsReason(error)}`);
  }
  let type: number | undefined;
  try {
    type = fs.statfsSync(folder).type;
  } catch {
    // No statfs here: the writer's own failure will say it.
  }
  if (type === PROC_SUPER_MAGIC)
    throw new UsageError(`${flag} ${named} cannot be ${verb}: ${folder} takes no new entries`);
}

/** The stat of `target`, or undefined when absent or under a file (the walk up names the file). */
function statIfThere(flag: string, target: string): fs.Stats | undefined {
  try {
    return fs.statSync(target, { throwIfNoEntry: false });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw new UsageError(`${flag} ${target}: ${fsReason(error)}`);
  }
}

/**
 * The closest of `dir` and its parents that exists, a folder (or the root); a file on the way is refused, said of
 * `named`. The one walk up of both the folders made now (makeFolder) and those checked for later.
 */
function nearestFolder(
  flag: string,
  dir: string,
  named: string,
  stat: (flag: string, target: string) => fs.Stats | undefined = statIfThere,
): string {
  for (let at = dir; ; at = path.dirname(at)) {
    const found = stat(flag, at);
    if (found?.isDirectory() || path.dirname(at) === at) return at;
    if (found) throw new UsageError(`${flag} ${named}${at === named ? '' : `: ${at}`} is a file, not a folder`);
  }
}

/**
 * An output folder written only at the end of a long command (`trainer run --bundle-out`), checked at its start and
 * nothing created: a folder or nothing at the path, and the closest existing parent a folder that takes new entries
 * (the writer makes the missing parents, and a temporary sibling that replaces an existing folder). Whether an
 * existing folder may be replaced is the writer's rule. Its absolute path.
 */
export function plannedOutputFolder(flag: string, value: string): string {
  const dir = path.resolve(value);
  const stat = statIfThere(flag, dir);
  if (stat && !stat.isDirectory()) throw new UsageError(`${flag} ${dir} is a file, not a folder`);
  const parent = nearestFolder(flag, path.dirname(dir), dir);
  checkTakesEntries(flag, dir, parent, stat ? 'written' : 'created');
  return dir;
}

/**
 * An output file made later with its missing folders (outputFile), checked now and nothing created: not a folder,
 * and the closest existing folder on its path takes new entries. Its absolute path.
 */
export function plannedOutputFile(flag: string, value: string): string {
  const file = path.resolve(value);
  if (statIfThere(flag, file)?.isDirectory())
    throw new UsageError(`${flag} ${file} is a folder; name the file to write`);
  const folder = nearestFolder(flag, path.dirname(file), file);
  checkTakesEntries(flag, file, folder, folder === path.dirname(file) ? 'written' : 'created');
  return file;
}

/** An output file: not a folder, its folder made when missing (as outputFolder); its absolute path. */
export function outputFile(flag: string, value: string): string {
  const file = path.resolve(value);
  if (statOf(flag, file)?.isDirectory()) throw new UsageError(`${flag} ${file} is a folder; name the file to write`);
  makeFolder(flag, path.dirname(file), file);
  return file;
}

/**
 * Writes all of `content` to `fd` (opened by openOutput for `output`). A disk filling up takes part of a write, which
 * Node's writeSync returns without a word: the rest is written again, and the failure that follows (full disk, quota)
 * names the flag and the output.
 */
export function writeToOutput(flag: string, output: string, fd: number, content: string): void {
  const bytes = Buffer.from(content);
  for (let at = 0; at < bytes.length; ) {
    try {
      at += fs.writeSync(fd, bytes, at, bytes.length - at);
    } catch (error) {
      throw new UsageError(`${flag} ${output} cannot be written: ${fsReason(error)}`);
    }
  }
}

/** Opens `file` (a temporary next to the output) for writing; a failure names the flag and the output. */
export function openOutput(flag: string, output: string, file = output, mode?: number): number {
  try {
    return fs.openSync(file, 'w', mode);
  } catch (error) {
    throw new UsageError(`${flag} ${output} cannot be written: ${creationReason(error, file)}`);
  }
}

/**
 * Flushes `fd` (writing `temp`, a temporary beside `output`) to the disk and closes it, whatever happens: a network or
 * delayed-allocation file system may report a full disk only then. A failure removes `temp` and names the output.
 */
export function closeOutput(flag: string, output: string, fd: number, temp: string): void {
  try {
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw new UsageError(`${flag} ${output} cannot be written: ${fsReason(error)}`);
  }
}

/**
 * Renames a complete temporary `temp` onto `output`; a failure (a folder put in the output's place meanwhile) removes
 * the temporary and names the flag and the output.
 */
export function renameOutput(flag: string, output: string, temp: string): void {
  try {
    fs.renameSync(temp, output);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw new UsageError(`${flag} ${output} cannot be written: ${fsReason(error)}`);
  }
}

/** The end of an output written through `fd` into `temp` (openOutput, writeToOutput): closeOutput, renameOutput. */
export function finishOutput(flag: string, output: string, fd: number, temp: string): void {
  closeOutput(flag, output, fd, temp);
  renameOutput(flag, output, temp);
}

/**
 * Writes the whole of `content` into `temp`, a temporary beside `output`, flushed and closed: renamed onto `output`
 * (renameOutput) by the caller once it may be replaced, so a reader never sees half of it. A failure removes `temp`
 * and names the flag and the output, never the temporary the user did not name.
 */
export function writeDraft(flag: string, output: string, temp: string, content: string): void {
  const fd = openOutput(flag, output, temp);
  try {
    writeToOutput(flag, output, fd, content);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
  closeOutput(flag, output, fd, temp);
}

/**
 * Writes a command's reports (report.json, report.html) into `folder`: every one drafted beside its name first
 * (writeDraft), then each renamed onto it. A reader polling the folder never sees half a report, and a full disk
 * leaves the previous reports, all of them, in place. A failure names the flag and the report, never a temporary.
 */
export function writeReports(flag: string, folder: string, reports: ReadonlyArray<readonly [string, string]>): void {
  const drafts = reports.map(([name, content]) => ({ name, content, temp: path.join(folder, `.${name}.tmp`) }));
  try {
    for (const d of drafts) writeDraft(flag, path.join(folder, d.name), d.temp, d.content);
    for (const d of drafts) renameOutput(flag, path.join(folder, d.name), d.temp);
  } catch (error) {
    for (const d of drafts) fs.rmSync(d.temp, { force: true }); // the drafts not yet in place
    throw error;
  }
}

/**
 * An error of a library writing an output the trainer named (the synthetic tables, a model bundle): Node's own
 * file-system error (a code and a system call) as one line naming the flag and the output in words; any other error
 * as it is.
 */
export function outputError(flag: string, output: string, error: unknown): unknown {
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (typeof code !== 'string' || typeof syscall !== 'string') return error;
  return new UsageError(`${flag} ${output} cannot be written: ${fsReason(error)}`);
}

/** How the system's temporary folder (os.tmpdir()) is named in a failure. */
const SCRATCH = 'the temporary folder';

/**
 * A fresh folder in the system's temporary folder ($TMPDIR, else /tmp) for a download the command reads and then
 * removes; a failure to make it (a $TMPDIR that is no folder, a full disk) is one line naming it in words.
 */
export function scratchFolder(prefix: string): string {
  const base = os.tmpdir();
  try {
    return fs.mkdtempSync(path.join(base, prefix));
  } catch (error) {
    throw new UsageError(`${SCRATCH} ${base} ($TMPDIR) cannot be written: ${fsReason(error)}`);
  }
}

/** A download into scratchFolder's `dir` that failed: a file-system failure in words (outputError), else as it is. */
export function scratchError(dir: string, error: unknown): unknown {
  return outputError(SCRATCH, dir, error);
}

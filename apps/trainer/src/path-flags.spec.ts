// Paths named by flags, on the real file system: every failure is a UsageError (exit 2) of one line naming the flag
// and the path, never Node's bare EISDIR/ENOENT/EACCES text, and an output folder under /proc fails at once instead
// of hanging in Node's recursive mkdir.
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { UsageError } from './cli-args';
import {
  finishOutput,
  fsReason,
  inputFile,
  inputFolder,
  openOutput,
  outputError,
  outputFile,
  outputFileInFolder,
  outputFolder,
  plannedOutputFile,
  plannedOutputFolder,
  writeReports,
  writeToOutput,
} from './path-flags';

const dir = fs.mkdtempSync(join(tmpdir(), 'path-flags-'));
const file = join(dir, 'a.csv');
fs.writeFileSync(file, 'a\n1\n');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The UsageError `run` throws, as the one line the CLI prints. */
function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('not refused');
}

const onLinux = fs.existsSync('/proc/self/mem') ? it : it.skip;

/** The error `run` throws (it must throw). */
function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('did not fail');
}

describe('fsReason', () => {
  it('says every code in words, with the code: its own list first, else the system’s words', () => {
    const full = join(dir, 'not-empty');
    fs.mkdirSync(join(full, 'inside'), { recursive: true });
    expect(fsReason(caught(() => fs.rmdirSync(full)))).toBe('the folder is not empty (ENOTEMPTY)');
    // No file descriptor has this number (the highest Node takes): a real EBADF, which the list does not hold.
    expect(fsReason(caught(() => fs.fsyncSync(2 ** 31 - 1)))).toBe('bad file descriptor (EBADF)');
  });
});

describe('inputFile', () => {
  it('is the absolute path of a readable file', () => {
    expect(inputFile('--reference', file)).toBe(file);
  });
  it('names the flag and the path of a folder, a missing file, a path through a file', () => {
    expect(refusal(() => inputFile('--reference', dir))).toBe(`--reference ${dir} is a folder, not a file`);
    expect(refusal(() => inputFile('--current', join(dir, 'no.csv')))).toBe(
      `--current ${join(dir, 'no.csv')} does not exist`,
    );
    expect(refusal(() => inputFile('--config', join(file, 'x.json')))).toBe(
      `--config ${join(file, 'x.json')}: a part of the path is a file, not a folder (ENOTDIR)`,
    );
  });
  onLinux('names a file that opens but cannot be read (root reads any mode; /proc/self/mem does not read)', () => {
    expect(refusal(() => inputFile('--input', '/proc/self/mem'))).toBe(
      '--input /proc/self/mem cannot be read: input/output error (EIO)',
    );
  });
});

describe('inputFolder', () => {
  it('is an existing folder, else one line', () => {
    expect(inputFolder('--data-dir', dir)).toBe(dir);
    expect(refusal(() => inputFolder('--data-dir', file))).toBe(`--data-dir ${file} is a file, not a folder`);
    expect(refusal(() => inputFolder('--data-dir', join(dir, 'none')))).toBe(
      `--data-dir ${join(dir, 'none')} does not exist`,
    );
  });
});

describe('outputFolder', () => {
  it('makes the folder and its missing parents', () => {
    const out = join(dir, 'new', 'deeper');
    expect(outputFolder('--out', out)).toBe(out);
    expect(fs.statSync(out).isDirectory()).toBe(true);
    expect(outputFolder('--out', out)).toBe(out); // already there: fine
  });
  it('refuses a file, or a path through a file, creating nothing', () => {
    expect(refusal(() => outputFolder('--out', file))).toBe(`--out ${file} is a file, not a folder`);
    expect(refusal(() => outputFolder('--out', join(file, 'x')))).toMatch(/^--out .*a\.csv\/x: .*\(ENOTDIR\)$/);
  });
  onLinux('fails at once under /proc, where Node’s recursive mkdir never returns', () => {
    const started = Date.now();
    expect(refusal(() => outputFolder('--out', '/proc/credit-scoring/x'))).toBe(
      '--out /proc/credit-scoring/x cannot be created: /proc takes no new entries',
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('output files', () => {
  it('outputFile refuses a folder and makes the missing folder of a file', () => {
    expect(refusal(() => outputFile('--out', dir))).toBe(`--out ${dir} is a folder; name the file to write`);
    const out = join(dir, 'export', 'log.jsonl');
    expect(outputFile('--out', out)).toBe(out);
    expect(fs.statSync(join(dir, 'export')).isDirectory()).toBe(true);
  });
  onLinux('openOutput and writeToOutput name the flag and say why', () => {
    expect(refusal(() => openOutput('--out', '/proc/x.csv', '/proc/.x.csv.tmp'))).toBe(
      '--out /proc/x.csv cannot be written: /proc takes no new entries',
    );
    if (fs.existsSync('/dev/full')) {
      const fd = fs.openSync('/dev/full', 'w');
      try {
        expect(refusal(() => writeToOutput('--out', '/x.csv', fd, 'x'))).toBe(
          '--out /x.csv cannot be written: no space left on the device (ENOSPC)',
        );
      } finally {
        fs.closeSync(fd);
      }
    }
  });
});

describe('finishOutput: the temporary beside an output flushed, closed and renamed onto it', () => {
  /** A temporary for `out` opened for writing, with one line in it. */
  function draft(out: string): { temp: string; fd: number } {
    const temp = `${out}.tmp`;
    const fd = fs.openSync(temp, 'w');
    fs.writeSync(fd, 'SK_ID_CURR,TARGET\n');
    return { temp, fd };
  }
  it('puts the whole file in place and leaves no temporary', () => {
    const out = join(dir, 'finished.csv');
    const { temp, fd } = draft(out);
    finishOutput('--out', out, fd, temp);
    expect(fs.readFileSync(out, 'utf8')).toBe('SK_ID_CURR,TARGET\n');
    expect(fs.existsSync(temp)).toBe(false);
  });
  it('a folder put in the output’s place meanwhile: one line, the temporary removed, the folder untouched', () => {
    const out = join(dir, 'taken.csv');
    fs.mkdirSync(out);
    fs.writeFileSync(join(out, 'keep.txt'), 'keep');
    const { temp, fd } = draft(out);
    expect(refusal(() => finishOutput('--out', out, fd, temp))).toBe(
      `--out ${out} cannot be written: it is a folder (EISDIR)`,
    );
    expect(fs.existsSync(temp)).toBe(false);
    expect(fs.readdirSync(out)).toEqual(['keep.txt']);
  });
  onLinux('an fsync that fails (a FIFO has none): one line, the descriptor closed, the temporary removed', () => {
    const out = join(dir, 'unsynced.csv');
    const temp = `${out}.tmp`;
    execFileSync('mkfifo', [temp]);
    const fd = fs.openSync(temp, 'r+'); // read and write: opening a FIFO so does not wait for a reader
    expect(refusal(() => finishOutput('--out', out, fd, temp))).toBe(
      `--out ${out} cannot be written: invalid argument (EINVAL)`,
    );
    expect(fs.existsSync(temp)).toBe(false);
    expect(fs.existsSync(out)).toBe(false);
    expect((caught(() => fs.fstatSync(fd)) as NodeJS.ErrnoException).code).toBe('EBADF'); // not left open
  });
});

describe('writeReports: each report whole or not at all', () => {
  it('replaces the reports in place and leaves no temporary', () => {
    const folder = fs.mkdtempSync(join(dir, 'reports-'));
    fs.writeFileSync(join(folder, 'report.json'), '{"old":true}');
    writeReports('--out', folder, [
      ['report.json', '{}'],
      ['report.html', '<html></html>'],
    ]);
    expect(fs.readdirSync(folder).sort()).toEqual(['report.html', 'report.json']);
    expect(fs.readFileSync(join(folder, 'report.json'), 'utf8')).toBe('{}');
  });
  it('a folder in a report’s place: one line naming that report, not its temporary; the folder untouched', () => {
    const folder = fs.mkdtempSync(join(dir, 'reports-'));
    fs.mkdirSync(join(folder, 'report.json'));
    fs.writeFileSync(join(folder, 'report.json', 'keep.txt'), 'keep');
    const reports = [['report.json', '{}'] as const, ['report.html', '<html></html>'] as const];
    expect(refusal(() => writeReports('--out', folder, reports))).toBe(
      `--out ${join(folder, 'report.json')} cannot be written: it is a folder (EISDIR)`,
    );
    expect(fs.readdirSync(folder)).toEqual(['report.json']); // report.html's draft removed with the failure
    expect(fs.readdirSync(join(folder, 'report.json'))).toEqual(['keep.txt']);
  });
});

describe('outputError: a library’s failure writing an output', () => {
  it('is one line naming the flag and the output for a file-system error, and any other error as it is', () => {
    const failed = caught(() => fs.mkdirSync(join(file, 'tables')));
    expect(
      refusal(() => {
        throw outputError('--out', join(file, 'tables'), failed);
      }),
    ).toBe(`--out ${join(file, 'tables')} cannot be written: a part of the path is a file, not a folder (ENOTDIR)`);
    const bug = new Error('row has 3 cells, the table has 4 columns');
    expect(outputError('--out', dir, bug)).toBe(bug);
  });
});

describe('outputs written at the end of a command, checked at its start (nothing created)', () => {
  it('plannedOutputFolder takes a new folder, an existing one, and refuses a file or a path through one', () => {
    const planned = join(dir, 'planned', 'deeper', 'bundle');
    expect(plannedOutputFolder('--bundle-out', planned)).toBe(planned);
    expect(fs.existsSync(join(dir, 'planned'))).toBe(false);
    expect(plannedOutputFolder('--bundle-out', dir)).toBe(dir);
    expect(refusal(() => plannedOutputFolder('--bundle-out', file))).toBe(
      `--bundle-out ${file} is a file, not a folder`,
    );
    expect(refusal(() => plannedOutputFolder('--bundle-out', join(file, 'x', 'bundle')))).toBe(
      `--bundle-out ${join(file, 'x', 'bundle')}: ${file} is a file, not a folder`,
    );
  });
  it('plannedOutputFile refuses a folder or a path through a file, and creates no folder', () => {
    const planned = join(dir, 'planned-export', 'log.jsonl');
    expect(plannedOutputFile('--out', planned)).toBe(planned);
    expect(fs.existsSync(join(dir, 'planned-export'))).toBe(false);
    expect(refusal(() => plannedOutputFile('--out', dir))).toBe(`--out ${dir} is a folder; name the file to write`);
    expect(refusal(() => plannedOutputFile('--out', join(file, 'log.jsonl')))).toBe(
      `--out ${join(file, 'log.jsonl')}: ${file} is a file, not a folder`,
    );
  });
  onLinux('refuses /proc, which takes no new entries (Node’s recursive mkdir never returns there)', () => {
    expect(refusal(() => plannedOutputFolder('--bundle-out', '/proc/credit-scoring/bundle'))).toBe(
      '--bundle-out /proc/credit-scoring/bundle cannot be created: /proc takes no new entries',
    );
    expect(refusal(() => plannedOutputFile('--out', '/proc/credit-scoring.jsonl'))).toBe(
      '--out /proc/credit-scoring.jsonl cannot be written: /proc takes no new entries',
    );
    expect(refusal(() => outputFileInFolder('--report', '/proc/results.md'))).toBe(
      '--report /proc/results.md cannot be written: /proc takes no new entries',
    );
  });
});

import { closeSync, openSync, readSync } from 'node:fs';

/** Column names of a CSV file's first line (enough to tell a labelled application file from an unlabelled one). */
export function readHeader(file: string): string[] {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    const line = buffer.subarray(0, n).toString('utf8').split(/\r?\n/)[0];
    return line.split(',').map((name) => name.trim().replace(/^"|"$/g, ''));
  } finally {
    closeSync(fd);
  }
}

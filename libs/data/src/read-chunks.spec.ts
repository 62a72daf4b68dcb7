import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pl from 'nodejs-polars';
import { DataError, generateSynthetic, readApplicationChunks, readTable, tablePath } from './index';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'data-chunks-'));
beforeAll(() => generateSynthetic({ rows: 700, seed: 11, out: dir }));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function collect(file: string, chunkRows: number) {
  const chunks = [];
  for await (const chunk of readApplicationChunks(file, { chunkRows })) chunks.push(chunk);
  return chunks;
}

describe('readApplicationChunks', () => {
  it.each([
    ['application_test', 50],
    ['application_train', 256],
  ] as const)(
    'gives %s in chunks of %d rows that add up to readTable (test columns, TARGET dropped)',
    async (table, chunkRows) => {
      const file = tablePath(dir, table);
      const whole = (await readTable(file, table)).drop(table === 'application_train' ? ['TARGET'] : []);
      const chunks = await collect(file, chunkRows);
      expect(chunks.map((c) => c.firstRow)).toEqual(chunks.map((_, i) => 1 + i * chunkRows));
      expect(chunks.slice(0, -1).every((c) => c.frame.height === chunkRows)).toBe(true);
      expect(chunks.at(-1)?.bytesRead).toBe(fs.statSync(file).size);
      expect(pl.concat(chunks.map((c) => c.frame)).frameEqual(whole, true)).toBe(true);
    },
  );

  it.each([
    ['a truncated last line', (text: string) => text.slice(0, -40), /looks truncated/],
    ['a blank line', (text: string) => text.replace(/\n/, '\n\n'), /row 1 is blank/],
    [
      'a bad value in a later chunk',
      (text: string) => {
        const lines = text.split('\n');
        lines[90] = lines[90].replace(/^(\d+),([^,]*),([^,]*),([^,]*),([^,]*),([^,]*),/, '$1,$2,$3,$4,$5,$6,x');
        return lines.join('\n');
      },
      /row 90, column AMT_INCOME_TOTAL \(float\): value 'x\d*(\.\d+)?' is not a number/,
    ],
  ])('stops at %s with a DataError naming the row', async (_what, damage, message) => {
    const file = path.join(dir, 'damaged.csv');
    fs.writeFileSync(file, damage(fs.readFileSync(tablePath(dir, 'application_test'), 'utf8')));
    const read = collect(file, 50);
    await expect(read).rejects.toBeInstanceOf(DataError);
    await expect(collect(file, 50)).rejects.toThrow(message);
  });
});

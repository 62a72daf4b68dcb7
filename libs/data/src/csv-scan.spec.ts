import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pl from 'nodejs-polars';
import { CsvScanner, keySet } from './csv-scan';
import { DataError, generateSynthetic, readKeys, readTable, ScanThreads, tablePath } from './index';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'data-scan-'));
beforeAll(() => generateSynthetic({ rows: 400, seed: 5, out: dir }));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** Every data row of `file` through a scanner with a tiny buffer (lines cross every buffer edge), in chunks. */
function scanAll(file: string, nColumns: number, opts: { keep?: { column: number; keys: number[] }; chunk?: number }) {
  const keep = opts.keep && { column: opts.keep.column, wanted: keySet(opts.keep.keys) };
  const scanner = new CsvScanner(file, nColumns, { collect: true, keep, bufferBytes: 64 });
  const texts: string[] = [];
  const rows: number[] = [];
  try {
    for (;;) {
      const got = scanner.next(opts.chunk);
      texts.push(got.bytes.toString('utf8'));
      rows.push(...got.rows);
      if (scanner.done) break;
    }
  } finally {
    scanner.close();
  }
  return { texts, rows };
}

describe('CsvScanner', () => {
  const text = 'a,b,c\n1,"x, y",3\n2,"multi\nline ""q""",4\r\n3,,\n4,z,5\n';

  it('counts fields outside quotes across buffer edges, CRLF included, and numbers the rows', () => {
    const file = write('quoted.csv', text);
    const all = scanAll(file, 3, {});
    expect(all.texts.join('')).toBe(text);
    expect(all.rows).toEqual([1, 2, 3, 4]);
    const chunks = scanAll(file, 3, { chunk: 2 });
    expect(chunks.texts).toEqual(['a,b,c\n1,"x, y",3\n2,"multi\nline ""q""",4\r\n', 'a,b,c\n3,,\n4,z,5\n', 'a,b,c\n']);
  });

  it('keeps the rows whose key is wanted, in file order, the header first', () => {
    const file = write('keyed.csv', 'id,k,v\n1,10,a\n2,11,b\n3,10,c\n4,,d\n5,x1,e\n');
    const kept = scanAll(file, 3, { keep: { column: 1, keys: [10] } });
    // an empty key is nobody's; a key that is not an integer is kept for polars to reject with its row
    expect(kept.texts.join('')).toBe('id,k,v\n1,10,a\n3,10,c\n5,x1,e\n');
    expect(kept.rows).toEqual([1, 3, 5]);
  });

  it('finds the key after quoted fields holding commas, and inside quotes', () => {
    const file = write('quoted-key.csv', 'name,k\n"a, b",10\n"c ""d"", e",11\nf,"10"\n');
    const kept = scanAll(file, 2, { keep: { column: 1, keys: [10] } });
    expect(kept.texts.join('')).toBe('name,k\n"a, b",10\nf,"10"\n');
  });

  it.each([
    ['a short row', 'a,b,c\n1,2,3\n1,2\n', /row 2: 2 fields where the header has 3/],
    ['a long row', 'a,b,c\n1,2,3,4\n', /row 1: 4 fields where the header has 3/],
    ['a blank row', 'a,b,c\n1,2,3\n\n4,5,6\n', /row 2 is blank/],
    ['a blank CRLF row', 'a,b,c\r\n1,2,3\r\n\r\n', /row 2 is blank/],
    ['a cut-short last row', 'a,b,c\n1,2,3\n4,5', /looks truncated.*data row 2/],
  ])('stops at %s with a DataError naming the row', (_what, content, message) => {
    const file = write('bad.csv', content);
    expect(() => scanAll(file, 3, {})).toThrow(DataError);
    expect(() => scanAll(file, 3, {})).toThrow(message);
  });
});

describe('readTable with only some keys', () => {
  it('equals the whole table restricted to those keys, in file order', async () => {
    const file = tablePath(dir, 'bureau');
    const whole = await readTable(file, 'bureau');
    const ids = Int32Array.from(whole.getColumn('SK_ID_CURR').toArray() as number[]).filter((_, i) => i % 3 === 0);
    const some = await readTable(file, 'bureau', { only: { column: 'SK_ID_CURR', keys: ids } });
    const expected = whole.filter(pl.col('SK_ID_CURR').isIn(Array.from(new Set(ids))));
    expect(some.height).toBeGreaterThan(0);
    expect(some.frameEqual(expected, true)).toBe(true);
    const none = await readTable(file, 'bureau', { only: { column: 'SK_ID_CURR', keys: [] } });
    expect(none.height).toBe(0);
    expect(none.columns).toEqual(whole.columns);
  });

  it('names the row of a bad value among the kept rows', async () => {
    const lines = fs.readFileSync(tablePath(dir, 'bureau'), 'utf8').split('\n');
    const id = lines[7].split(',')[0];
    lines[7] = lines[7].replace(/,(-?\d+)(,|$)/, ',oops$2');
    const file = write('bureau.csv', lines.join('\n'));
    const read = readTable(file, 'bureau', { only: { column: 'SK_ID_CURR', keys: [Number(id)] } });
    await expect(read).rejects.toThrow(/row 7, column \w+ \(int\): value 'oops' is not a number/);
  });

  it('scans on worker threads with the same rows and the same errors', async () => {
    const threads = new ScanThreads(2);
    try {
      const file = tablePath(dir, 'installments_payments');
      const whole = await readTable(file, 'installments_payments');
      const ids = Int32Array.from(whole.getColumn('SK_ID_CURR').toArray() as number[]).filter((_, i) => i % 2 === 0);
      const only = { column: 'SK_ID_CURR', keys: ids };
      // more scans than threads: they wait their turn
      const read3 = () => readTable(file, 'installments_payments', { only, threads });
      const [a, b, c] = await Promise.all([read3(), read3(), read3()]);
      const here = await readTable(file, 'installments_payments', { only });
      expect(a.height).toBeGreaterThan(0);
      for (const frame of [a, b, c]) expect(frame.frameEqual(here, true)).toBe(true);
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      lines[5] = lines[5].split(',').slice(0, 3).join(',');
      const short = write('short-instalments.csv', lines.join('\n'));
      const read = readTable(short, 'installments_payments', { only, threads });
      await expect(read).rejects.toThrow(DataError);
      await expect(read).rejects.toThrow(/short-instalments\.csv row 5: 3 fields where the header has 8$/);
      expect(((await read.catch((e: unknown) => e)) as DataError).row).toBe(5);
      // a bad value among the kept rows: polars (parsing on its own threads) rejects it, the error names its row
      const id = lines[9].split(',')[1];
      lines[5] = fs.readFileSync(file, 'utf8').split('\n')[5];
      lines[9] = lines[9].replace(/,(-?[\d.]+)$/, ',oops');
      const bad = write('bad-instalments.csv', lines.join('\n'));
      const one = { column: 'SK_ID_CURR', keys: [Number(id)] };
      const parsed = readTable(bad, 'installments_payments', { only: one, threads });
      await expect(parsed).rejects.toThrow(/bad-instalments\.csv row 9, column AMT_PAYMENT \(float\): value 'oops'/);
    } finally {
      await threads.close();
    }
    const after = threads.scan(tablePath(dir, 'installments_payments'), 8, { column: 1, keys: [] });
    await expect(after).rejects.toThrow(/closed/);
  });

  it('readKeys lists a column of every row', () => {
    const file = tablePath(dir, 'application_test');
    expect(Array.from(readKeys(file, 'SK_ID_CURR'))).toEqual(
      fs
        .readFileSync(file, 'utf8')
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((l) => Number(l.split(',')[0])),
    );
  });
});

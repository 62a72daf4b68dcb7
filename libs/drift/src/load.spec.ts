import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeRealData, SYNTHETIC, syntheticDataDir } from '@credit-scoring/data/testing';
import { DriftInputError, loadCsvColumns, type LoadedColumns } from './index';
import { homeCreditDir, readGolden } from '../test-fixtures/scenarios';

describe('loadCsvColumns (nodejs-polars) on generated data', () => {
  let dir: string;
  let train: LoadedColumns;
  beforeAll(async () => {
    dir = await syntheticDataDir(SYNTHETIC);
    train = loadCsvColumns(path.join(dir, 'application_train.csv'));
  });

  it('reads every column with missing values as NaN / null', () => {
    expect(train.rows).toBe(SYNTHETIC.rows);
    expect(train.data.SK_ID_CURR).toBeInstanceOf(Float64Array);
    expect(train.data.SK_ID_CURR.length).toBe(SYNTHETIC.rows);
    const ext1 = train.data.EXT_SOURCE_1 as Float64Array;
    expect(ext1.filter(Number.isNaN).length / ext1.length).toBeGreaterThan(0.4); // ~56% missing, as in Kaggle
    expect((train.data.NAME_TYPE_SUITE as Array<string | null>).filter((v) => v === null).length).toBeGreaterThan(0);
    expect(train.types.AMT_CREDIT).toBe('numeric');
    expect(train.types.NAME_CONTRACT_TYPE).toBe('categorical');
  });

  it('names the file when it is missing or a column when it is absent', () => {
    expect(() => loadCsvColumns('/nonexistent/x.csv')).toThrow(DriftInputError);
    expect(() => loadCsvColumns(path.join(dir, 'application_test.csv'), { columns: ['TARGET'] })).toThrow(/'TARGET'/);
  });
});

describeRealData('loadCsvColumns (nodejs-polars) on the real sample', () => {
  let train: LoadedColumns;
  beforeAll(() => {
    train = loadCsvColumns(path.join(homeCreditDir(), 'application_train.csv'));
  });

  it('reads all 14368 rows', () => {
    expect(train.rows).toBe(14368);
    expect(train.data.SK_ID_CURR.length).toBe(14368);
  });

  it("infers the same types as Evidently's rule applied by pandas (the golden column mapping)", () => {
    const mapping = readGolden().column_mapping;
    for (const [name, t] of Object.entries(mapping))
      expect([name, train.types[name]]).toEqual([name, t === 'num' ? 'numeric' : 'categorical']);
  });
});

describe('loadCsvColumns rejects what the trainer rejects', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drift-load-'));
  const csv = (name: string, text: string): string => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it.each([
    ['a short row', 'A,B,C\n1,2,3\n4,5\n', /row 2: 2 fields where the header has 3/],
    ['a blank line', 'A,B\n1,2\n\n3,4\n', /row 2 is blank/],
    ['a truncated last line', 'A,B\n1,2\n3', /looks truncated/],
    ['an empty file', '', /is empty/],
  ])('%s is a DriftInputError naming the row', (_case, text, message) => {
    const file = csv(`${_case.replace(/ /g, '-')}.csv`, text);
    expect(() => loadCsvColumns(file)).toThrow(DriftInputError);
    expect(() => loadCsvColumns(file)).toThrow(message);
  });

  it('still reads a well-formed file', () => {
    expect(loadCsvColumns(csv('good.csv', 'A,B\n1,x\n2,y\n')).rows).toBe(2);
  });
});

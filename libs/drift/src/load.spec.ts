import * as path from 'node:path';
import { DriftInputError, loadCsvColumns } from './index';
import { homeCreditDir, readGolden } from '../test-fixtures/scenarios';

describe('loadCsvColumns (nodejs-polars)', () => {
  const train = loadCsvColumns(path.join(homeCreditDir(), 'application_train.csv'));

  it('reads every column with missing values as NaN / null', () => {
    expect(train.rows).toBe(14368);
    expect(train.data.SK_ID_CURR).toBeInstanceOf(Float64Array);
    expect(train.data.SK_ID_CURR.length).toBe(14368);
    const ext1 = train.data.EXT_SOURCE_1 as Float64Array;
    expect(ext1.filter(Number.isNaN).length / ext1.length).toBeGreaterThan(0.4); // ~56% missing (data README)
    expect((train.data.NAME_TYPE_SUITE as Array<string | null>).filter((v) => v === null).length).toBeGreaterThan(0);
  });

  it("infers the same types as Evidently's rule applied by pandas (the golden column mapping)", () => {
    const mapping = readGolden().column_mapping;
    for (const [name, t] of Object.entries(mapping)) expect([name, train.types[name]]).toEqual([name, t === 'num' ? 'numeric' : 'categorical']);
  });

  it('names the file when it is missing or a column when it is absent', () => {
    expect(() => loadCsvColumns('/nonexistent/x.csv')).toThrow(DriftInputError);
    expect(() => loadCsvColumns(path.join(homeCreditDir(), 'application_test.csv'), { columns: ['TARGET'] })).toThrow(/'TARGET'/);
  });
});

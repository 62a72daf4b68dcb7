import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pl from 'nodejs-polars';
import { DataError, generateSynthetic, loadTables, readHeader, SCHEMAS, SIDE_TABLE_NAMES, TABLE_NAMES, tablePath, type HomeCreditTables, type SideTableName } from './index';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'data-synth-'));
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

function digest(dir: string): Record<string, string> {
  return Object.fromEntries(
    TABLE_NAMES.map((t) => [t, crypto.createHash('sha256').update(fs.readFileSync(tablePath(dir, t))).digest('hex')]),
  );
}

describe('generateSynthetic determinism', () => {
  it('writes byte-identical files for the same seed and different files for another seed', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((name) => path.join(tmpRoot, name));
    await generateSynthetic({ rows: 1500, seed: 7, out: a });
    await generateSynthetic({ rows: 1500, seed: 7, out: b });
    await generateSynthetic({ rows: 1500, seed: 8, out: c });
    const [da, db, dc] = [digest(a), digest(b), digest(c)];
    expect(db).toEqual(da);
    for (const table of TABLE_NAMES) expect(dc[table]).not.toBe(da[table]);
  });

  it('rejects a non-positive row count', async () => {
    await expect(generateSynthetic({ rows: 0, seed: 1, out: path.join(tmpRoot, 'bad') })).rejects.toThrow(DataError);
  });
});

describe('generateSynthetic at 20,000 applicants', () => {
  const out = path.join(tmpRoot, 'synth20k');
  let counts: Record<string, number>;
  let train: HomeCreditTables;
  let test: pl.DataFrame;

  beforeAll(async () => {
    ({ rows: counts } = await generateSynthetic({ rows: 20000, seed: 42, out }));
    train = await loadTables(out);
    test = (await loadTables(out, { application: 'test', sideTables: false })).application;
  });

  const share = (series: pl.Series, predicate: (v: unknown) => boolean) => series.toArray().filter(predicate).length / series.length;
  const nullShare = (frame: pl.DataFrame, column: string) => frame.getColumn(column).nullCount() / frame.height;
  const side = (table: SideTableName): pl.DataFrame => {
    const frame = train[table];
    if (!frame) throw new Error(`${table} was not generated`);
    return frame;
  };

  it('writes the Kaggle headers and files the loader reads back with every row', () => {
    for (const table of TABLE_NAMES) expect(readHeader(tablePath(out, table))).toEqual(Object.keys(SCHEMAS[table]));
    expect(train.application.height).toBe(20000);
    expect(counts.application_train).toBe(20000);
    for (const table of SIDE_TABLE_NAMES) expect(side(table).height).toBe(counts[table]);
  });

  it('gives application_test its own applicants (~16 % of train, ids disjoint, no TARGET)', () => {
    expect(test.height).toBe(Math.round((20000 * 48744) / 307511));
    expect(test.columns).not.toContain('TARGET');
    const trainIds = new Set(train.application.getColumn('SK_ID_CURR').toArray());
    expect(test.getColumn('SK_ID_CURR').toArray().filter((id) => trainIds.has(id))).toEqual([]);
  });

  it('keeps the Kaggle marginals of the application file', () => {
    const app = train.application;
    expect(app.getColumn('TARGET').mean()).toBeGreaterThan(0.07);
    expect(app.getColumn('TARGET').mean()).toBeLessThan(0.095);
    expect(share(app.getColumn('DAYS_EMPLOYED'), (v) => v === 365243)).toBeCloseTo(0.18, 1);
    expect(nullShare(app, 'EXT_SOURCE_1')).toBeCloseTo(0.564, 1);
    expect(nullShare(app, 'EXT_SOURCE_3')).toBeCloseTo(0.198, 1);
    expect(share(app.getColumn('CODE_GENDER'), (v) => v === 'F')).toBeCloseTo(0.658, 1);
    expect(app.getColumn('CODE_GENDER').toArray()).toContain('XNA');
    expect(share(app.getColumn('NAME_CONTRACT_TYPE'), (v) => v === 'Revolving loans')).toBeCloseTo(0.095, 1);
    expect(new Set(app.getColumn('FLAG_OWN_CAR').toArray())).toEqual(new Set(['Y', 'N']));
    expect(new Set(app.getColumn('EMERGENCYSTATE_MODE').toArray())).toEqual(new Set(['Yes', 'No', null]));
    // Kaggle medians: income 147150, credit 513531, annuity 24903.
    expect(app.getColumn('AMT_INCOME_TOTAL').median()).toBeGreaterThan(120000);
    expect(app.getColumn('AMT_INCOME_TOTAL').median()).toBeLessThan(175000);
    expect(app.getColumn('AMT_CREDIT').median()).toBeGreaterThan(420000);
    expect(app.getColumn('AMT_CREDIT').median()).toBeLessThan(600000);
    expect(app.getColumn('AMT_ANNUITY').median()).toBeGreaterThan(20000);
    expect(app.getColumn('AMT_ANNUITY').median()).toBeLessThan(30000);
    expect(app.getColumn('EXT_SOURCE_2').mean()).toBeCloseTo(0.514, 1);
  });

  it('plants the default signal in the external scores and the repayment history', () => {
    const app = train.application;
    const defaulted = app.filter(pl.col('TARGET').eq(1));
    const repaid = app.filter(pl.col('TARGET').eq(0));
    expect(repaid.getColumn('EXT_SOURCE_3').mean() - defaulted.getColumn('EXT_SOURCE_3').mean()).toBeGreaterThan(0.05);

    const lateShare = (ids: Set<number>) => {
      const rows = side('installments_payments').filter(pl.col('SK_ID_CURR').isIn([...ids]));
      const late = rows.filter(pl.col('DAYS_ENTRY_PAYMENT').gt(pl.col('DAYS_INSTALMENT'))).height;
      return late / rows.height;
    };
    const ids = (frame: pl.DataFrame) => new Set(frame.getColumn('SK_ID_CURR').toArray() as number[]);
    expect(lateShare(ids(defaulted))).toBeGreaterThan(1.5 * lateShare(ids(repaid)));
  });

  it('gives side tables Kaggle-like volumes per applicant', () => {
    const applicants = 20000 + test.height;
    const bureau = side('bureau');
    const withBureau = bureau.getColumn('SK_ID_CURR').nUnique();
    expect(withBureau / applicants).toBeCloseTo(0.86, 1);
    expect(bureau.height / withBureau).toBeGreaterThan(5);
    expect(bureau.height / withBureau).toBeLessThan(6.2);
    expect(side('bureau_balance').height / bureau.height).toBeGreaterThan(12);
    expect(side('bureau_balance').height / bureau.height).toBeLessThan(20);
    expect(side('previous_application').height / applicants).toBeGreaterThan(4.2);
    expect(side('previous_application').height / applicants).toBeLessThan(5.5);
    expect(side('installments_payments').height / applicants).toBeGreaterThan(30);
    expect(side('POS_CASH_balance').height / applicants).toBeGreaterThan(20);
    expect(side('credit_card_balance').height / applicants).toBeGreaterThan(6);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataError, loadTables, readTable, realDataDir, realDataStatus, SCHEMAS, TABLE_NAMES, tablePath, type TableName } from './index';
import { describeRealData, SYNTHETIC, syntheticDataDir } from './testing';

const realDir = realDataDir();
// Row counts listed in the README of the shared sample folder.
const README_ROWS: Record<TableName, number> = {
  application_train: 14368,
  application_test: 7090,
  bureau: 24869,
  bureau_balance: 25118,
  previous_application: 1500,
  POS_CASH_balance: 22122,
  installments_payments: 28829,
  credit_card_balance: 21578,
};
const POLARS_NAME = { int: 'DataType(Int32)', float: 'DataType(Float64)', str: 'DataType(String)' } as const;

describe('SCHEMAS', () => {
  it('lists the Kaggle column counts', () => {
    expect(Object.keys(SCHEMAS.application_train)).toHaveLength(122);
    expect(Object.keys(SCHEMAS.application_test)).toHaveLength(121);
    expect(Object.keys(SCHEMAS.previous_application)).toHaveLength(37);
    expect(Object.keys(SCHEMAS.application_train).slice(0, 3)).toEqual(['SK_ID_CURR', 'TARGET', 'NAME_CONTRACT_TYPE']);
  });

  it('keeps Y/N and Yes/No columns as text', () => {
    expect(SCHEMAS.application_train.FLAG_OWN_CAR).toBe('str');
    expect(SCHEMAS.application_train.FLAG_OWN_REALTY).toBe('str');
    expect(SCHEMAS.application_train.EMERGENCYSTATE_MODE).toBe('str');
    expect(SCHEMAS.previous_application.FLAG_LAST_APPL_PER_CONTRACT).toBe('str');
    expect(SCHEMAS.bureau_balance.STATUS).toBe('str');
  });
});

describe('realDataDir / realDataStatus', () => {
  const saved = process.env['HOME_CREDIT_DIR'];
  afterEach(() => {
    if (saved === undefined) delete process.env['HOME_CREDIT_DIR'];
    else process.env['HOME_CREDIT_DIR'] = saved;
  });

  it('uses HOME_CREDIT_DIR when set, else ../shared/data/home-credit beside the workspace', () => {
    process.env['HOME_CREDIT_DIR'] = 'some/relative/dir';
    expect(realDataDir()).toBe(path.resolve('some/relative/dir'));
    delete process.env['HOME_CREDIT_DIR'];
    expect(realDataDir()).toBe(path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'data', 'home-credit'));
  });

  it('says which files are missing and where it looked', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'data-none-'));
    process.env['HOME_CREDIT_DIR'] = empty;
    expect(realDataStatus()).toEqual({
      available: false,
      dir: empty,
      reason: `no application_train.csv or application_test.csv in ${empty} (HOME_CREDIT_DIR)`,
    });
    fs.rmSync(empty, { recursive: true });
  });

  it('finds a folder holding both application files', async () => {
    process.env['HOME_CREDIT_DIR'] = await syntheticDataDir(SYNTHETIC);
    expect(realDataStatus()).toEqual({ available: true, dir: process.env['HOME_CREDIT_DIR'] });
  });
});

describeRealData('loadTables on the real sample', () => {
  it.each(TABLE_NAMES)('reads %s with the schema dtypes, in Kaggle order, with every row', async (table) => {
    const frame = await readTable(tablePath(realDir, table), table);
    expect(frame.height).toBe(README_ROWS[table]);
    expect(frame.columns).toEqual(Object.keys(SCHEMAS[table]));
    const dtypes = Object.fromEntries(Object.entries(frame.schema).map(([name, type]) => [name, String(type)]));
    const expected = Object.fromEntries(Object.entries(SCHEMAS[table]).map(([name, t]) => [name, POLARS_NAME[t]]));
    expect(dtypes).toEqual(expected);
  });

  it('loads train with all side tables, test without TARGET, and honours sideTables', async () => {
    const train = await loadTables(realDir);
    expect(Object.keys(train).sort()).toEqual(['application', ...TABLE_NAMES.slice(2)].sort());
    expect(train.application.getColumn('FLAG_OWN_CAR').toArray().slice(0, 2)).toEqual(['N', 'N']);
    const test = await loadTables(realDir, { application: 'test', sideTables: ['bureau'] });
    expect(test.application.height).toBe(7090);
    expect(test.application.columns).not.toContain('TARGET');
    expect(Object.keys(test).sort()).toEqual(['application', 'bureau']);
  });
});

// Broken copies of generated files: the loader's checks do not depend on real rows, so they run from a bare clone.
describe('loadTables on broken copies', () => {
  let dir: string;
  let sourceDir: string;
  beforeAll(async () => {
    sourceDir = await syntheticDataDir(SYNTHETIC);
  });
  const trainLines = () => fs.readFileSync(tablePath(sourceDir, 'application_train'), 'utf8').split('\n').slice(0, 41);
  const writeTrain = (lines: string[]) => fs.writeFileSync(tablePath(dir, 'application_train'), lines.join('\n') + '\n');
  // Generated rows have no quoted commas in the first 40 rows' leading columns, so splitting on ',' is safe for the edits.
  const editCell = (line: string, column: number, value: string) => {
    const cells = line.split(',');
    cells[column] = value;
    return cells.join(',');
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'data-broken-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('names the missing application file and the full path looked at', async () => {
    const error = await loadTables(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toBe(
      `application_train.csv not found: looked for ${path.join(dir, 'application_train.csv')}`,
    );
  });

  it('treats a missing side-table file as no history', async () => {
    writeTrain(trainLines());
    const tables = await loadTables(dir);
    expect(tables.application.height).toBe(40);
    expect(tables.bureau).toBeUndefined();
  });

  it('lists a removed column and an unexpected one', async () => {
    const lines = trainLines().map((line) => line.split(',').filter((_, i) => i !== 8).join(','));
    lines[0] = lines[0] + ',MY_EXTRA';
    writeTrain(lines.map((line, i) => (i === 0 ? line : line + ',1')));
    await expect(loadTables(dir)).rejects.toThrow(
      /application_train\.csv does not have the Kaggle application_train columns: missing column\(s\): AMT_CREDIT; unexpected column\(s\): MY_EXTRA/,
    );
  });

  it('gives the column and 1-based row of text in a numeric column', async () => {
    const lines = trainLines();
    lines[7] = editCell(lines[7], 8, 'abc'); // AMT_CREDIT of data row 7
    writeTrain(lines);
    const error = (await loadTables(dir).catch((e: unknown) => e)) as DataError;
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toMatch(/row 7, column AMT_CREDIT \(float\): value 'abc' is not a number/);
    expect([error.column, error.row]).toEqual(['AMT_CREDIT', 7]);
  });

  it('rejects a fractional value in an integer column', async () => {
    const lines = trainLines();
    lines[12] = editCell(lines[12], 6, '1.5'); // CNT_CHILDREN
    writeTrain(lines);
    await expect(loadTables(dir)).rejects.toThrow(/row 12, column CNT_CHILDREN \(int\): value '1.5' is not an integer/);
  });

  it('wants one row per applicant: an id repeated or empty is named with its row', async () => {
    const lines = trainLines();
    const id = (line: string) => line.split(',')[0];
    writeTrain([...lines, lines[3]]); // data row 3 again, as row 41
    await expect(loadTables(dir)).rejects.toThrow(
      new RegExp(`row 41, column SK_ID_CURR: applicant ${id(lines[3])} appears a second time \\(first on row 3\\)$`),
    );
    lines[9] = editCell(lines[9], 0, '');
    writeTrain(lines);
    const error = (await loadTables(dir).catch((e: unknown) => e)) as DataError;
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toMatch(/row 9, column SK_ID_CURR: the applicant's id is empty$/);
    expect(error.row).toBe(9);
  });

  it('detects a truncated file (last line cut)', async () => {
    const text = trainLines().join('\n') + '\n';
    fs.writeFileSync(tablePath(dir, 'application_train'), text.slice(0, text.length - 200));
    await expect(loadTables(dir)).rejects.toThrow(/looks truncated: .*last line \(data row 40\) has \d+ of 122 fields/);
  });

  it('rejects a short row in the middle of a file (polars would fill it with nulls)', async () => {
    const lines = trainLines();
    lines[17] = lines[17].split(',').slice(0, 100).join(','); // data row 17 lost its last 22 fields
    writeTrain(lines);
    const error = (await loadTables(dir).catch((e: unknown) => e)) as DataError;
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toMatch(/application_train\.csv row 17: 100 fields where the header has 122/);
    expect(error.row).toBe(17);
  });

  it('counts fields outside quotes only; a blank line is an error', async () => {
    const lines = trainLines();
    lines[3] = editCell(lines[3], 3, '"F, with comma"'); // CODE_GENDER, quoted with a comma inside
    writeTrain(lines);
    const tables = await loadTables(dir, { sideTables: false });
    expect(tables.application.height).toBe(lines.length - 1);
    expect(tables.application.getColumn('CODE_GENDER').get(2)).toBe('F, with comma');
    writeTrain([...lines.slice(0, 5), '', ...lines.slice(5)]);
    await expect(loadTables(dir)).rejects.toThrow(/application_train\.csv row 5 is blank/);
  });

  it('detects a truncated side table too', async () => {
    writeTrain(trainLines());
    const bureau = fs.readFileSync(tablePath(sourceDir, 'bureau'), 'utf8').split('\n').slice(0, 20).join('\n');
    fs.writeFileSync(tablePath(dir, 'bureau'), bureau.slice(0, -3));
    await expect(loadTables(dir)).rejects.toThrow(/bureau\.csv looks truncated/);
  });

  it('drops a pandas index column and reorders shuffled columns', async () => {
    const lines = trainLines().map((line, i) => {
      const cells = line.split(',');
      [cells[0], cells[1]] = [cells[1], cells[0]];
      return [i === 0 ? '' : String(i - 1), ...cells].join(',');
    });
    writeTrain(lines);
    const { application } = await loadTables(dir, { sideTables: false });
    expect(application.columns.slice(0, 2)).toEqual(['SK_ID_CURR', 'TARGET']);
    expect(application.getColumn('SK_ID_CURR').toArray()[0]).toBe(Number(trainLines()[1].split(',')[0]));
  });
});

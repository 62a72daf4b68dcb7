// Side tables read one ahead (the trainer's features stage reads them so): the frames loadTables reads, each
// read's failure raised for its own table when asked for, the threads ended by close.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, loadTables, readSideTablesAhead, tablePath, type HomeCreditTables, type SideTableName } from './index';
import { SYNTHETIC, syntheticDataDir } from './testing';

describe('readSideTablesAhead', () => {
  let dir: string;
  let whole: HomeCreditTables;
  beforeAll(async () => {
    const source = await syntheticDataDir(SYNTHETIC);
    dir = mkdtempSync(join(tmpdir(), 'data-ahead-'));
    for (const name of readdirSync(source)) copyFileSync(join(source, name), join(dir, name));
    whole = await loadTables(source, { application: 'train', sideTables: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const expected = (table: SideTableName) => {
    const frame = whole[table];
    if (!frame) throw new Error(`the generated data has no ${table}`);
    return frame;
  };

  it('reads each side table as loadTables does, the next one ahead; a bad line fails its own table, when asked', async () => {
    // A short line in the second side table: its read, started ahead, fails while the first table is with the caller.
    const file = tablePath(dir, 'bureau_balance');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[4] = lines[4].split(',')[0];
    writeFileSync(file, lines.join('\n'));
    const reader = readSideTablesAhead(dir);
    try {
      const bureau = await reader.read('bureau');
      expect(bureau?.frameEqual(expected('bureau'), true)).toBe(true);
      const failed = await reader.read('bureau_balance').catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(DataError);
      expect((failed as DataError).message).toMatch(/bureau_balance\.csv row 4: 1 fields where the header has 3$/);
      // tables out of order, and one whose read was started by the table before it
      for (const table of ['installments_payments', 'credit_card_balance', 'previous_application'] as const) {
        const frame = await reader.read(table);
        expect(frame?.frameEqual(expected(table), true)).toBe(true);
      }
    } finally {
      await reader.close();
    }
    await expect(reader.read('bureau')).rejects.toThrow(/cannot read bureau: the side-table reader is closed/);
  });

  it('answers undefined for a missing side-table file, and for every table when side tables are off', async () => {
    rmSync(tablePath(dir, 'POS_CASH_balance'));
    const reader = readSideTablesAhead(dir);
    try {
      expect(await reader.read('POS_CASH_balance')).toBeUndefined();
      const frame = await reader.read('previous_application');
      expect(frame?.frameEqual(expected('previous_application'), true)).toBe(true);
    } finally {
      await reader.close();
    }
    const off = readSideTablesAhead(dir, { enabled: false });
    expect(await off.read('bureau')).toBeUndefined();
    await off.close();
  });
});

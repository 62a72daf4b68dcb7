// The training data as the main job reads it: side tables one at a time, the next one read ahead.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, loadTables, tablePath, type HomeCreditTables, type SideTableName } from '@credit-scoring/data';
import { SYNTHETIC, syntheticDataDir } from '@credit-scoring/data/testing';
import { DEFAULTS } from '../config';
import { loadTrainingData } from './data';

describe('loadTrainingData with side tables read later', () => {
  let dir: string;
  let whole: HomeCreditTables;
  beforeAll(async () => {
    const source = await syntheticDataDir(SYNTHETIC);
    dir = mkdtempSync(join(tmpdir(), 'trainer-data-'));
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
    const data = await loadTrainingData({ ...DEFAULTS, dataDir: dir }, { sideTables: 'later' });
    try {
      const bureau = await data.readSideTable('bureau');
      expect(bureau?.frameEqual(expected('bureau'), true)).toBe(true);
      const failed = await data.readSideTable('bureau_balance').catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(DataError);
      expect((failed as DataError).message).toMatch(/bureau_balance\.csv row 4: 1 fields where the header has 3$/);
      // a table out of order, and one whose read ahead was started by the table before it
      for (const table of ['installments_payments', 'credit_card_balance', 'previous_application'] as const) {
        const frame = await data.readSideTable(table);
        expect(frame?.frameEqual(expected(table), true)).toBe(true);
      }
    } finally {
      await data.close();
    }
  });

  it('answers undefined for a missing side-table file, and nothing when side tables are off', async () => {
    rmSync(tablePath(dir, 'POS_CASH_balance'));
    const data = await loadTrainingData({ ...DEFAULTS, dataDir: dir }, { sideTables: 'later' });
    try {
      expect(await data.readSideTable('POS_CASH_balance')).toBeUndefined();
      const frame = await data.readSideTable('previous_application');
      expect(frame?.frameEqual(expected('previous_application'), true)).toBe(true);
    } finally {
      await data.close();
    }
    const off = await loadTrainingData({ ...DEFAULTS, dataDir: dir, sideTables: false }, { sideTables: 'later' });
    expect(await off.readSideTable('bureau')).toBeUndefined();
    await off.close();
  });
});

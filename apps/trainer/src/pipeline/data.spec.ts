// The training data as the main job reads it: side tables one at a time, each file's check started ahead.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, loadTables, tablePath } from '@credit-scoring/data';
import { SYNTHETIC, syntheticDataDir } from '@credit-scoring/data/testing';
import { DEFAULTS } from '../config';
import { loadTrainingData } from './data';

describe('loadTrainingData with side tables read later', () => {
  let dir: string;
  let source: string;
  beforeAll(async () => {
    source = await syntheticDataDir(SYNTHETIC);
    dir = mkdtempSync(join(tmpdir(), 'trainer-data-'));
    for (const name of readdirSync(source)) copyFileSync(join(source, name), join(dir, name));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads each side table as loadTables does, and a bad line fails its own table only, when it is read', async () => {
    // A short line in the second side table: its check, started ahead, fails while the first table is read.
    const file = tablePath(dir, 'bureau_balance');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[4] = lines[4].split(',')[0];
    writeFileSync(file, lines.join('\n'));
    const data = await loadTrainingData({ ...DEFAULTS, dataDir: dir }, { sideTables: 'later' });
    try {
      const bureau = await data.readSideTable('bureau');
      const whole = await loadTables(source, { application: 'train', sideTables: true });
      expect(bureau?.frameEqual(whole.bureau!, true)).toBe(true);
      const failed = await data.readSideTable('bureau_balance').catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(DataError);
      expect((failed as DataError).message).toMatch(/bureau_balance\.csv row 4: 1 fields where the header has 3$/);
      const later = await data.readSideTable('installments_payments');
      expect(later?.frameEqual(whole.installments_payments!, true)).toBe(true);
    } finally {
      await data.close();
    }
  });
});

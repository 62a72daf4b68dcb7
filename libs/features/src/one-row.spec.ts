// The compiled one-row path (transformOne, transformMany) against the batch path, on generated data: runs from a
// bare clone, without the real sample in ../shared (pipeline.spec.ts checks the same on the real rows).
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pl from 'nodejs-polars';
import { generateSynthetic, loadTables, type HomeCreditTables } from '@credit-scoring/data';
import { FeatureError, FeaturePipeline, type Applicant, type FeatureMatrix, type RawApplication } from './index';
import { indexHistories, type HistoryIndex } from './test-support/histories';

let dir: string;
let tables: HomeCreditTables;
let pipeline: FeaturePipeline;
let matrix: FeatureMatrix;
let index: HistoryIndex;
let applicants: Applicant[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'features-one-row-'));
  await generateSynthetic({ rows: 1500, seed: 11, out: dir });
  tables = await loadTables(dir);
  pipeline = FeaturePipeline.fit(tables);
  matrix = pipeline.transform(tables);
  index = indexHistories(tables);
  applicants = index.applications.map((application) => ({
    application,
    history: index.historyOf(Number(application.SK_ID_CURR)),
  }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Byte-for-byte equality (NaN payloads and the sign of zero included). */
const sameBytes = (a: Float64Array, b: Float64Array): boolean =>
  a.length === b.length &&
  Buffer.compare(
    Buffer.from(a.buffer, a.byteOffset, a.byteLength),
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  ) === 0;
const batchRow = (m: FeatureMatrix, r: number) => m.data.subarray(r * m.nCols, (r + 1) * m.nCols);
const historyRows = (a: Applicant) => Object.values(a.history ?? {}).reduce((n, rows) => n + (rows?.length ?? 0), 0);

/** Applicants (by row) whose transformOne differs from the batch row, in the order given. */
function differing(p: FeaturePipeline, m: FeatureMatrix, rows: number[], list: Applicant[] = applicants): number[] {
  return rows.filter((r) => !sameBytes(p.transformOne(list[r].application, list[r].history), batchRow(m, r)));
}

describe('the compiled one-row path on generated data', () => {
  it('has applicants with empty and with large histories to compare', () => {
    const sizes = applicants.map(historyRows);
    expect(sizes.filter((n) => n === 0).length).toBeGreaterThanOrEqual(5);
    expect(sizes.filter((n) => n > 0).length).toBeGreaterThan(500);
    // more rows than the compiled buffers start with, so they have to grow
    expect(Math.max(...sizes)).toBeGreaterThan(64);
  });

  it('transformOne equals the batch row bit for bit, for every applicant, in any order', () => {
    const all = applicants.map((_, r) => r);
    expect(differing(pipeline, matrix, all)).toEqual([]);
    // buffers are reused from applicant to applicant: from the largest history to the smallest
    const bySize = [...all].sort((a, b) => historyRows(applicants[b]) - historyRows(applicants[a]));
    expect(differing(pipeline, matrix, bySize)).toEqual([]);
  });

  it('transformMany equals the batch matrix, and is what transformOne gives row by row', () => {
    const many = pipeline.transformMany(applicants);
    expect([many.nRows, many.nCols]).toEqual([matrix.nRows, matrix.nCols]);
    expect(sameBytes(many.data, matrix.data)).toBe(true);
    const empty = pipeline.transformMany([]);
    expect([empty.nRows, empty.data.length]).toEqual([0, 0]);
  });

  it('transformMany writes into a given matrix from a given row, and names the fields each applicant lacks', () => {
    const nCols = matrix.nCols;
    const names = pipeline.rawFields().map((f) => f.name);
    const slice = applicants.slice(10, 20).map((a, i) =>
      // Some fields absent, some null, some present: each applicant differently.
      ({ ...a, application: { ...a.application, [names[i + 1]]: null, [names[i + 2]]: undefined } }),
    );
    const into = new Float64Array(30 * nCols).fill(-1);
    const rows = pipeline.transformMany(slice, { into: { data: into, row: 5 }, missingOf: names });
    expect(rows.data).toBe(into);
    expect(sameBytes(into.subarray(5 * nCols, 15 * nCols), pipeline.transformMany(slice).data)).toBe(true);
    expect([...into.subarray(0, 5 * nCols), ...into.subarray(15 * nCols)].every((v) => v === -1)).toBe(true);
    const lacking = (a: Applicant) => names.filter((n) => a.application[n] === undefined || a.application[n] === null);
    expect(rows.missing).toEqual(slice.map(lacking));
    expect(rows.missing?.[3]).toEqual(expect.arrayContaining([names[4], names[5]]));
    expect(() => pipeline.transformMany(slice, { into: { data: into, row: 21 } })).toThrow(/do not fit/);
    expect(() => pipeline.transformMany(slice, { missingOf: ['NOT_A_FIELD'] })).toThrow(FeatureError);
  });

  it('an applicant with 3 fields equals the batch row of an application with only those fields', () => {
    const kept = ['SK_ID_CURR', 'AMT_CREDIT', 'AMT_INCOME_TOTAL'];
    const app = tables.application.head(5);
    const sparse = app.select(
      ...app.columns.map((c) => (kept.includes(c) ? pl.col(c) : pl.lit(null).cast(app.getColumn(c).dtype).alias(c))),
    );
    const m = pipeline.transform({ application: sparse });
    const few: Applicant[] = index.applications
      .slice(0, 5)
      .map((a) => ({ application: Object.fromEntries(kept.map((c) => [c, a[c]])) as RawApplication }));
    expect(differing(pipeline, m, [0, 1, 2, 3, 4], few)).toEqual([]);
    expect(sameBytes(pipeline.transformMany(few).data, m.data)).toBe(true);
  });

  it('equals the batch path without bureau_balance (bureau without its child), with one-hot categories', () => {
    const partial = FeaturePipeline.fit(tables, {
      sideTables: ['bureau', 'previous_application', 'installments_payments'],
      categorical: 'onehot',
    });
    const m = partial.transform(tables);
    expect(
      differing(
        partial,
        m,
        applicants.map((_, r) => r),
      ),
    ).toEqual([]);
    const restored = FeaturePipeline.fromJSON(JSON.parse(JSON.stringify(partial.toJSON())));
    expect(sameBytes(restored.transformMany(applicants).data, m.data)).toBe(true);
  });

  it('reads numbers sent as text, and reports bad values with the applicant index in a batch', () => {
    const r = applicants.findIndex((a) => (a.history?.bureau?.length ?? 0) > 0);
    const a = applicants[r];
    const asText = <T extends Record<string, unknown>>(row: T) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]));
    const sent: Applicant = {
      application: asText(a.application) as RawApplication,
      history: { ...a.history, bureau: a.history?.bureau?.map(asText) as never },
    };
    expect(sameBytes(pipeline.transformOne(sent.application, sent.history), batchRow(matrix, r))).toBe(true);

    const badHistory: Applicant = {
      application: a.application,
      history: { bureau: [{ ...(a.history?.bureau ?? [])[0], AMT_CREDIT_SUM: 'lots' }] },
    };
    expect(() => pipeline.transformOne(badHistory.application, badHistory.history)).toThrow(
      /bureau row 0: field AMT_CREDIT_SUM is not a number/,
    );
    const thrown = (() => {
      try {
        pipeline.transformMany([applicants[0], applicants[1], badHistory]);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(FeatureError);
    expect((thrown as FeatureError).applicant).toBe(2);
    expect((thrown as FeatureError).message).toMatch(/AMT_CREDIT_SUM is not a number/);
    expect(() => pipeline.transformOne(a.application, { previous_application: [{ SK_ID_CURR: -5 }] })).toThrow(
      /history.previous_application\[0\] belongs to SK_ID_CURR -5/,
    );
    const credit = { SK_ID_BUREAU: 10, CREDIT_ACTIVE: 'Active' };
    const month = { MONTHS_BALANCE: -1, STATUS: 'C' };
    expect(() =>
      pipeline.transformOne(a.application, { bureau: [credit], bureau_balance: [{ SK_ID_BUREAU: 11, ...month }] }),
    ).toThrow(/history.bureau_balance\[0\] has SK_ID_BUREAU 11, none of the applicant's bureau credits/);
    expect(() => pipeline.transformOne(a.application, { bureau_balance: [month] })).toThrow(
      /history.bureau_balance\[0\] has no SK_ID_BUREAU/,
    );
    expect(
      pipeline.transformOne(a.application, { bureau: [credit], bureau_balance: [{ SK_ID_BUREAU: 10, ...month }] }),
    ).toHaveLength(pipeline.featureNames.length);
    expect(() => pipeline.transformOne(a.application, { bureau: 'rows' as never })).toThrow(
      /history.bureau must be an array/,
    );
    expect(() => pipeline.transformOne({ ...a.application, NAME_CONTRACT_TYPE: { x: 1 } as never })).toThrow(
      /NAME_CONTRACT_TYPE must be text/,
    );
    expect(() => pipeline.transformMany('x' as never)).toThrow(FeatureError);
    // a failed applicant leaves nothing behind: the next one is still equal to its batch row
    expect(sameBytes(pipeline.transformOne(a.application, a.history), batchRow(matrix, r))).toBe(true);
  });
});

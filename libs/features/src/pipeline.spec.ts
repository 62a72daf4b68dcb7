import pl from 'nodejs-polars';
import { loadTables, realDataDir, type HomeCreditTables } from '@credit-scoring/data';
import { describeRealData, SYNTHETIC, syntheticDataDir } from '@credit-scoring/data/testing';
import {
  FeatureColumns,
  FeatureError,
  FeaturePipeline,
  targetOf,
  type FeatureMatrix,
  type RawApplication,
  type RawRow,
} from './index';
import { indexHistories, type HistoryIndex } from './test-support/histories';
import { compactColumn } from './pipeline-batch';

const num = (v: unknown): number => (v === null || v === undefined ? NaN : Number(v));
const present = (xs: number[]) => xs.filter((x) => !Number.isNaN(x));
const mean = (xs: number[]) => present(xs).reduce((a, b) => a + b, 0) / present(xs).length;
const sampleVar = (xs: number[]) => {
  const p = present(xs);
  const m = mean(p);
  return p.reduce((a, b) => a + (b - m) ** 2, 0) / (p.length - 1);
};
/** Whole matrices: byte-for-byte equality (native comparison; Jest makes long element loops slow). */
const sameBytes = (a: Float64Array, b: Float64Array): boolean =>
  a.length === b.length &&
  Buffer.compare(
    Buffer.from(a.buffer, a.byteOffset, a.byteLength),
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  ) === 0;
function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const bad: number[] = [];
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) bad.push(i);
  return bad;
}

/**
 * The same contract on two tiers: generated data (always; from a bare clone) and the real Home Credit sample (when
 * present: its quirks are what the bit-for-bit parity checks are for).
 */
function pipelineSuite(
  describeTier: (name: string, fn: () => void) => void,
  title: string,
  load: () => Promise<{ train: HomeCreditTables; test: HomeCreditTables }>,
  /** What the files are known to hold (the README of the real sample). */
  known?: { rows: number; firstIds: number[] },
): void {
  describeTier(title, () => {
    let train: HomeCreditTables;
    let test: HomeCreditTables;
    let pipeline: FeaturePipeline;
    let matrix: FeatureMatrix;
    let trainIndex: HistoryIndex;

    beforeAll(async () => {
      ({ train, test } = await load());
      pipeline = FeaturePipeline.fit(train);
      matrix = pipeline.transform(train);
      trainIndex = indexHistories(train);
    });

    const col = (name: string): number => {
      const j = matrix.featureNames.indexOf(name);
      if (j < 0) throw new Error(`no feature ${name}`);
      return j;
    };
    const valueOf = (m: FeatureMatrix, id: number, name: string): number => {
      const r = m.ids.indexOf(id);
      if (r < 0) throw new Error(`no applicant ${id}`);
      return m.data[r * m.nCols + m.featureNames.indexOf(name)];
    };

    it('builds the full matrix with ids, target, AMT_CREDIT and safe, unique names', () => {
      expect(matrix.nRows).toBe(known?.rows ?? train.application.height);
      expect(matrix.nCols).toBeGreaterThanOrEqual(300);
      expect(matrix.data.length).toBe(matrix.nRows * matrix.nCols);
      expect(new Set(matrix.featureNames).size).toBe(matrix.nCols);
      for (const n of matrix.featureNames) expect(n).toMatch(/^[A-Za-z0-9_]+$/);
      expect(Array.from(matrix.ids.slice(0, 3))).toEqual(
        known?.firstIds ?? train.application.getColumn('SK_ID_CURR').head(3).toArray(),
      );
      expect(targetOf(matrix).reduce((a, b) => a + b, 0)).toBe(train.application.getColumn('TARGET').sum());
      // application_test has no TARGET: its matrix has none, and asking for it names the problem.
      expect(() => targetOf(pipeline.transform(test))).toThrow(
        new FeatureError('the applications have no TARGET column: training and evaluation need the labels'),
      );
      expect(matrix.amtCredit[0]).toBe(train.application.getColumn('AMT_CREDIT').get(0));
      // categorical codes are integers 0..K-1 or NaN
      const state = pipeline.toJSON();
      const badCodes: string[] = [];
      for (const j of matrix.categoricalFeatures) {
        const k = state.categoryLevels[matrix.featureNames[j]].length;
        for (let r = 0; r < matrix.nRows; r++) {
          const v = matrix.data[r * matrix.nCols + j];
          if (!Number.isNaN(v) && !(Number.isInteger(v) && v >= 0 && v < k))
            badCodes.push(`${matrix.featureNames[j]}[${r}]=${v}`);
        }
      }
      expect(badCodes).toEqual([]);
    });

    it('cleans sentinels: DAYS_EMPLOYED 365243 and CODE_GENDER XNA become missing, never a category', () => {
      const days = train.application.getColumn('DAYS_EMPLOYED').toArray() as number[];
      const r = days.indexOf(365243);
      expect(r).toBeGreaterThanOrEqual(0);
      expect(matrix.data[r * matrix.nCols + col('DAYS_EMPLOYED')]).toBeNaN();
      expect(matrix.data[r * matrix.nCols + col('EMPLOYED_BIRTH_RATIO')]).toBeNaN();
      expect(pipeline.toJSON().categoryLevels.CODE_GENDER).toEqual(['F', 'M']);
      let infinite = 0;
      for (let i = 0; i < matrix.data.length; i++)
        if (matrix.data[i] === Infinity || matrix.data[i] === -Infinity) infinite++;
      expect(infinite).toBe(0);
    });

    it('aggregates equal values computed by hand from the raw rows', () => {
      const bureau = train.bureau!.toRecords() as RawRow[];
      const balance = train.bureau_balance!.toRecords() as RawRow[];
      const instalments = train.installments_payments!.toRecords() as RawRow[];
      const ids = new Set(Array.from(matrix.ids));
      const creditsWithBalance = new Set(balance.map((b) => b.SK_ID_BUREAU));
      const chosen = [
        ...new Set(
          bureau
            .filter((b) => ids.has(Number(b.SK_ID_CURR)) && creditsWithBalance.has(b.SK_ID_BUREAU))
            .map((b) => Number(b.SK_ID_CURR)),
        ),
      ]
        .filter((id) => instalments.some((i) => i.SK_ID_CURR === id))
        .slice(0, 3);
      expect(chosen.length).toBe(3);
      for (const id of chosen) {
        const mine = bureau.filter((b) => b.SK_ID_CURR === id);
        const credit = mine.map((b) => num(b.AMT_CREDIT_SUM));
        const days = mine.map((b) => num(b.DAYS_CREDIT));
        expect(valueOf(matrix, id, 'BURO_COUNT')).toBe(mine.length);
        expect(valueOf(matrix, id, 'BURO_AMT_CREDIT_SUM_MAX')).toBe(Math.max(...present(credit)));
        expect(valueOf(matrix, id, 'BURO_DAYS_CREDIT_MIN')).toBe(Math.min(...days));
        expect(valueOf(matrix, id, 'BURO_DAYS_CREDIT_MEAN')).toBeCloseTo(mean(days), 9);
        expect(valueOf(matrix, id, 'BURO_DAYS_CREDIT_VAR')).toBeCloseTo(sampleVar(days), 6);
        expect(valueOf(matrix, id, 'BURO_AMT_CREDIT_SUM_SUM')).toBeCloseTo(
          present(credit).reduce((a, b) => a + b, 0),
          4,
        );
        const active = mine.filter((b) => b.CREDIT_ACTIVE === 'Active');
        expect(valueOf(matrix, id, 'BURO_ACTIVE_COUNT')).toBe(active.length);
        expect(valueOf(matrix, id, 'BURO_CREDIT_ACTIVE_ACTIVE_MEAN')).toBeCloseTo(active.length / mine.length, 12);
        // bureau_balance: months per credit, then summed per applicant
        const months = mine.map((b) => balance.filter((x) => x.SK_ID_BUREAU === b.SK_ID_BUREAU).length);
        expect(valueOf(matrix, id, 'BURO_BB_MONTHS_BALANCE_COUNT_SUM')).toBe(months.reduce((a, b) => a + b, 0));
        expect(valueOf(matrix, id, 'BURO_BB_MONTHS_BALANCE_COUNT_MAX')).toBe(Math.max(...months));
        // installments: days past due and payment share
        const inst = instalments.filter((i) => i.SK_ID_CURR === id);
        const dpd = inst
          .map((i) => num(i.DAYS_ENTRY_PAYMENT) - num(i.DAYS_INSTALMENT))
          .map((d) => (Number.isNaN(d) ? NaN : Math.max(d, 0)));
        const perc = inst
          .map((i) => num(i.AMT_PAYMENT) / num(i.AMT_INSTALMENT))
          .map((p) => (Number.isFinite(p) ? p : NaN));
        expect(valueOf(matrix, id, 'INSTAL_NUM_INSTALMENT_NUMBER_COUNT')).toBe(inst.length);
        expect(valueOf(matrix, id, 'INSTAL_DPD_MAX')).toBe(Math.max(...present(dpd)));
        expect(valueOf(matrix, id, 'INSTAL_PAYMENT_PERC_MEAN')).toBeCloseTo(mean(perc), 12);
      }
    });

    it('previous applications: counts, approved split and ratios by hand; no history gives zero counts', () => {
      const prev = train.previous_application!.toRecords() as RawRow[];
      const ids = new Set(Array.from(matrix.ids));
      const id = Number(
        prev.find((p) => ids.has(Number(p.SK_ID_CURR)) && p.NAME_CONTRACT_STATUS === 'Approved')!.SK_ID_CURR,
      );
      const mine = prev.filter((p) => p.SK_ID_CURR === id);
      const approved = mine.filter((p) => p.NAME_CONTRACT_STATUS === 'Approved');
      expect(valueOf(matrix, id, 'PREV_COUNT')).toBe(mine.length);
      expect(valueOf(matrix, id, 'PREV_APPROVED_COUNT')).toBe(approved.length);
      expect(valueOf(matrix, id, 'PREV_APPROVED_AMT_CREDIT_MAX')).toBe(
        Math.max(...approved.map((p) => num(p.AMT_CREDIT))),
      );
      expect(valueOf(matrix, id, 'PREV_APP_CREDIT_RATIO_MEAN')).toBeCloseTo(
        mean(mine.map((p) => num(p.AMT_APPLICATION) / num(p.AMT_CREDIT))),
        12,
      );
      // an applicant without any previous application
      const withPrevious = new Set(prev.map((p) => Number(p.SK_ID_CURR)));
      const without = Array.from(matrix.ids).find((i) => !withPrevious.has(i))!;
      expect(valueOf(matrix, without, 'PREV_COUNT')).toBe(0);
      expect(valueOf(matrix, without, 'PREV_REFUSED_COUNT')).toBe(0);
      expect(valueOf(matrix, without, 'PREV_AMT_CREDIT_MEAN')).toBeNaN();
    });

    it('transformOne equals the batch row, bit for bit, for every applicant of application_train', () => {
      const mismatches: string[] = [];
      trainIndex.applications.forEach((app, r) => {
        const one = pipeline.transformOne(app, trainIndex.historyOf(Number(app.SK_ID_CURR)));
        const bad = sameBits(one, matrix.data.subarray(r * matrix.nCols, (r + 1) * matrix.nCols));
        if (bad.length && mismatches.length < 5)
          mismatches.push(
            `${app.SK_ID_CURR}: ${bad
              .map((j) => matrix.featureNames[j])
              .slice(0, 5)
              .join(', ')}`,
          );
      });
      expect(mismatches).toEqual([]);
    });

    it('transformOne equals the batch row for application_test applicants, with numbers sent as text', () => {
      const m = pipeline.transform(test);
      const index = indexHistories(test);
      const mismatches: number[] = [];
      for (let r = 0; r < Math.min(1500, test.application.height); r++) {
        const app = index.applications[r];
        // half of them as an HTTP client might send them: every value as text
        const sent: RawApplication =
          r % 2 ? Object.fromEntries(Object.entries(app).map(([k, v]) => [k, v === null ? null : String(v)])) : app;
        const bad = sameBits(
          pipeline.transformOne(sent, index.historyOf(Number(app.SK_ID_CURR))),
          m.data.subarray(r * m.nCols, (r + 1) * m.nCols),
        );
        if (bad.length) mismatches.push(Number(app.SK_ID_CURR));
      }
      expect(m.target).toBeUndefined();
      expect(mismatches).toEqual([]);
    });

    it('transformMany equals the batch matrix; an applicant with 3 fields equals the batch row of those fields alone', () => {
      const applicants = trainIndex.applications.map((application) => ({
        application,
        history: trainIndex.historyOf(Number(application.SK_ID_CURR)),
      }));
      expect(sameBytes(pipeline.transformMany(applicants).data, matrix.data)).toBe(true);
      const kept = ['SK_ID_CURR', 'AMT_CREDIT', 'AMT_INCOME_TOTAL'];
      const app = train.application.head(50);
      const sparse = app.select(
        ...app.columns.map((c) => (kept.includes(c) ? pl.col(c) : pl.lit(null).cast(app.getColumn(c).dtype).alias(c))),
      );
      const m = pipeline.transform({ application: sparse });
      const few = trainIndex.applications
        .slice(0, 50)
        .map((a) => ({ application: Object.fromEntries(kept.map((c) => [c, a[c]])) as RawApplication }));
      expect(sameBytes(pipeline.transformMany(few).data, m.data)).toBe(true);
      few.forEach((a, r) =>
        expect(sameBits(pipeline.transformOne(a.application), m.data.subarray(r * m.nCols, (r + 1) * m.nCols))).toEqual(
          [],
        ),
      );
    });

    it('handles unseen categories and applicants without history', () => {
      const app = {
        ...trainIndex.applications[0],
        NAME_INCOME_TYPE: 'Astronaut',
        CODE_GENDER: 'XNA',
        SK_ID_CURR: 999999999,
      };
      const v = pipeline.transformOne(app);
      expect(v[col('NAME_INCOME_TYPE')]).toBeNaN();
      expect(v[col('CODE_GENDER')]).toBeNaN();
      expect(v[col('NAME_CONTRACT_TYPE')]).toBe(matrix.data[col('NAME_CONTRACT_TYPE')]);
      for (const name of [
        'BURO_COUNT',
        'PREV_COUNT',
        'POS_COUNT',
        'INSTAL_COUNT',
        'CC_COUNT',
        'BURO_ACTIVE_COUNT',
        'INSTAL_NUM_INSTALMENT_NUMBER_COUNT',
      ])
        expect(v[col(name)]).toBe(0);
      for (const name of ['BURO_DAYS_CREDIT_MEAN', 'INSTAL_DPD_MAX', 'CC_AMT_BALANCE_VAR', 'POS_SK_DPD_MEAN'])
        expect(v[col(name)]).toBeNaN();
      // absent fields are missing
      const sparse = pipeline.transformOne({ SK_ID_CURR: 1, AMT_CREDIT: 1000, AMT_INCOME_TOTAL: 500 });
      expect(sparse[col('CREDIT_INCOME_RATIO')]).toBe(2);
      expect(sparse[col('EXT_SOURCE_MEAN')]).toBeNaN();
    });

    it('treats absent side tables as no history, in both paths', () => {
      const bare = pipeline.transform({ application: train.application.head(40) });
      expect(bare.featureNames).toEqual(matrix.featureNames);
      for (let r = 0; r < bare.nRows; r++) {
        expect(bare.data[r * bare.nCols + col('BURO_COUNT')]).toBe(0);
        expect(bare.data[r * bare.nCols + col('INSTAL_DPD_MEAN')]).toBeNaN();
        expect(
          sameBits(
            pipeline.transformOne(trainIndex.applications[r]),
            bare.data.subarray(r * bare.nCols, (r + 1) * bare.nCols),
          ),
        ).toEqual([]);
      }
    });

    // Serialisation and fitting options (no leakage, one-hot) are logic, not data quirks: checked on generated rows
    // only, which keeps the real tier's time for the bit-for-bit parity on real rows.
    if (!known) {
      it('toJSON -> JSON text -> fromJSON gives the same matrix', () => {
        const restored = FeaturePipeline.fromJSON(JSON.parse(JSON.stringify(pipeline.toJSON())));
        const again = restored.transform(train);
        expect(again.featureNames).toEqual(matrix.featureNames);
        expect(again.categoricalFeatures).toEqual(matrix.categoricalFeatures);
        expect(sameBytes(again.data, matrix.data)).toBe(true);
        expect(pipeline.toJSON().version).toBe(1);
      });

      it('into: the matrix written over a reused buffer equals a fresh one, with or without side tables', () => {
        const rows = Int32Array.from({ length: 300 }, (_, i) => (7 * i) % train.application.height);
        const bare = { application: train.application };
        for (const tables of [train, bare]) {
          const fresh = pipeline.transform(tables, { rows });
          const into = new Float64Array(fresh.data.length + 5).fill(-1.5); // stale values everywhere
          const written = pipeline.transform(tables, { rows, into });
          expect(written.data.buffer).toBe(into.buffer);
          expect(sameBytes(written.data, fresh.data)).toBe(true);
          expect(Array.from(into.subarray(fresh.data.length))).toEqual([-1.5, -1.5, -1.5, -1.5, -1.5]);
        }
        const small = new Float64Array(pipeline.featureNames.length * 299);
        expect(() => pipeline.transform(bare, { rows, into: small })).toThrow(
          /into holds \d+ values, the matrix needs/,
        );
      });

      it("fitting on a row subset learns only that subset's categories (no leakage)", () => {
        const types = train.application.getColumn('NAME_INCOME_TYPE').toArray() as string[];
        const rows = Int32Array.from(types.flatMap((t, i) => (t === 'Working' || t === 'Pensioner' ? [i] : [])));
        const fold = FeaturePipeline.fit(train, { rows });
        expect(fold.toJSON().categoryLevels.NAME_INCOME_TYPE).toEqual(['Pensioner', 'Working']);
        const m = fold.transform(train);
        const j = m.featureNames.indexOf('NAME_INCOME_TYPE');
        const other = types.findIndex((t) => t === 'Commercial associate');
        expect(m.data[other * m.nCols + j]).toBeNaN();
        // the stateless part does not depend on the fit
        const k = m.featureNames.indexOf('BURO_DAYS_CREDIT_MEAN');
        const column = (x: FeatureMatrix) => Float64Array.from({ length: x.nRows }, (_, r) => x.data[r * x.nCols + k]);
        expect(sameBits(column(m), column(matrix))).toEqual([]);
        // transform on a row subset returns those rows in that order
        const some = fold.transform(train, { rows: Int32Array.from([5, 2]) });
        expect(Array.from(some.ids)).toEqual([matrix.ids[5], matrix.ids[2]]);
      });

      it('one-hot encoding for linear models, application-only option', () => {
        const hot = FeaturePipeline.fit(train, { categorical: 'onehot', sideTables: false });
        const m = hot.transform(train);
        expect(m.categoricalFeatures).toEqual([]);
        expect(m.featureNames.some((n) => n.startsWith('BURO_'))).toBe(false);
        const genders = ['CODE_GENDER_F', 'CODE_GENDER_M'].map((n) => m.featureNames.indexOf(n));
        let both = 0;
        for (let r = 0; r < m.nRows; r++)
          if (m.data[r * m.nCols + genders[0]] + m.data[r * m.nCols + genders[1]] > 1) both++;
        expect(both).toBe(0);
        for (let r = 0; r < 50; r++)
          expect(
            sameBits(hot.transformOne(trainIndex.applications[r]), m.data.subarray(r * m.nCols, (r + 1) * m.nCols)),
          ).toEqual([]);
      });
    }

    it('rawFields lists the application fields with types, categories and required flags', () => {
      const fields = pipeline.rawFields();
      const byName = new Map(fields.map((f) => [f.name, f]));
      expect(byName.get('SK_ID_CURR')).toMatchObject({ type: 'integer', required: true });
      expect(byName.get('AMT_CREDIT')).toMatchObject({ type: 'number', required: true });
      expect(byName.get('EXT_SOURCE_1')).toMatchObject({ type: 'number', required: false });
      expect(byName.get('CODE_GENDER')).toMatchObject({ type: 'string', values: ['F', 'M'] });
      expect(fields.some((f) => f.name === 'TARGET')).toBe(false);
    });

    it('FeatureColumns: fit and transform give the same pipeline and matrices as from the tables', async () => {
      const rows = Int32Array.from({ length: Math.floor(train.application.height / 2) }, (_, i) => 2 * i);
      const columns = FeatureColumns.of(train);
      expect(columns.nRows).toBe(train.application.height);
      const fromColumns = FeaturePipeline.fit(columns, { rows });
      expect(fromColumns.toJSON()).toEqual(FeaturePipeline.fit(train, { rows }).toJSON());
      expect(
        sameBytes(fromColumns.transform(columns, { rows }).data, fromColumns.transform(train, { rows }).data),
      ).toBe(true);
      expect(sameBytes(pipeline.transform(columns).data, matrix.data)).toBe(true);
      const copy = { ...train };
      let turns = 0;
      const consumed = await FeatureColumns.consume(copy, { afterEachTable: () => void turns++ });
      expect(Object.keys(copy)).toEqual([]);
      expect(turns).toBeGreaterThan(1);
      expect(sameBytes(pipeline.transform(consumed).data, matrix.data)).toBe(true);
      expect(FeaturePipeline.fit(consumed, { rows }).toJSON()).toEqual(fromColumns.toJSON());
      // The columns it keeps are the smaller: those a float32 holds exactly (counts, days, flags) are float32.
      const bytes = (c: FeatureColumns) =>
        [...c.columns.before, ...c.columns.after].reduce<number>(
          (sum, v) => sum + (typeof v === 'number' ? 0 : v.byteLength),
          0,
        );
      expect(bytes(consumed)).toBeLessThan(0.9 * bytes(columns));
      // Side tables read on demand, one at a time: the same columns, and no table is asked for twice.
      const loaded: string[] = [];
      const held: number[] = [];
      const onlyApplication = { application: train.application };
      const lazily = await FeatureColumns.consume(onlyApplication, {
        afterEachTable: () => void held.push(Object.keys(onlyApplication).length),
        load: async (table) => {
          loaded.push(table);
          return train[table];
        },
      });
      expect([...loaded].sort()).toEqual(
        Object.keys(train)
          .filter((t) => t !== 'application')
          .sort(),
      );
      expect(Math.max(...held)).toBe(1); // after each table's turn only the application is left
      expect(sameBytes(pipeline.transform(lazily).data, matrix.data)).toBe(true);
      const fewer = FeatureColumns.of(train, { sideTables: ['bureau'] });
      expect(() => pipeline.transform(fewer)).toThrow(/aggregate side tables \[bureau\]; the pipeline needs \[bureau,/);
      expect(() => FeaturePipeline.fit(fewer)).toThrow(FeatureError);
    });

    it('transformArriving gives the transform matrix whatever order the side tables arrive in', async () => {
      const arriving: HomeCreditTables = { application: train.application };
      const asked: string[][] = [];
      const arrived = await pipeline.transformArriving(arriving, async (pending) => {
        asked.push([...pending]);
        await new Promise((resolve) => setImmediate(resolve));
        const table = pending[pending.length - 1]; // the spec's order reversed
        arriving[table] = train[table];
        if (table === 'bureau') arriving.bureau_balance = train.bureau_balance;
        return table;
      });
      expect(asked[0]).toEqual([
        'bureau',
        'previous_application',
        'POS_CASH_balance',
        'installments_payments',
        'credit_card_balance',
      ]);
      expect(asked.map((p) => p.length)).toEqual([5, 4, 3, 2, 1]);
      expect(Object.keys(arriving)).toEqual([]);
      expect(sameBytes(arrived.data, matrix.data)).toBe(true);
      expect(Array.from(arrived.ids)).toEqual(Array.from(matrix.ids));
      // a table that never arrives (no file): nobody has that history, as transform without it
      const withoutCards: HomeCreditTables = { ...train, credit_card_balance: undefined };
      const partial: HomeCreditTables = { application: train.application };
      const skipped = await pipeline.transformArriving(partial, async (pending) => {
        if (pending[0] !== 'credit_card_balance') partial[pending[0]] = train[pending[0]];
        if (pending[0] === 'bureau') partial.bureau_balance = train.bureau_balance;
        return pending[0];
      });
      expect(sameBytes(skipped.data, pipeline.transform(withoutCards).data)).toBe(true);
      await expect(
        pipeline.transformArriving({ application: train.application }, async () => 'bureau'),
      ).rejects.toThrow(/not pending/);
    });

    it('rejects bad input with errors naming the problem', () => {
      const app = trainIndex.applications[0];
      expect(() => pipeline.transformOne({ ...app, AMT_CREDIT: 'lots' })).toThrow(/AMT_CREDIT is not a number/);
      expect(() => pipeline.transformOne(app, { bureau: [{ SK_ID_CURR: 1, SK_ID_BUREAU: 5 }] })).toThrow(
        /history.bureau\[0\] belongs to SK_ID_CURR 1/,
      );
      expect(() => pipeline.transform(train, { rows: Int32Array.from([train.application.height]) })).toThrow(
        FeatureError,
      );
      expect(() => FeaturePipeline.fromJSON({ ...pipeline.toJSON(), version: 99 })).toThrow(/version 99/);
      const shifted = pipeline.toJSON();
      shifted.featureNames = [...shifted.featureNames.slice(1), shifted.featureNames[0]];
      expect(() => FeaturePipeline.fromJSON(shifted)).toThrow(/different feature spec/);
      expect(() => FeaturePipeline.fit(train, { sideTables: ['nope' as never] })).toThrow(/unknown side table/);
    });
  });
}

async function loadBoth(dir: string) {
  return { train: await loadTables(dir), test: await loadTables(dir, { application: 'test' }) };
}

pipelineSuite(describe, 'FeaturePipeline on generated data', async () => loadBoth(await syntheticDataDir(SYNTHETIC)));
pipelineSuite(describeRealData, 'FeaturePipeline on the real sample', () => loadBoth(realDataDir()), {
  rows: 14368,
  firstIds: [100002, 100003, 100004],
});

describe('compactColumn', () => {
  it('keeps a column as float32 only when every value reads back as the same double', () => {
    const exact = Float64Array.from([0, -0, 1, -365243, 16777216, NaN, Infinity, 0.5, -2.25]);
    const compact = compactColumn(exact);
    expect(compact).toBeInstanceOf(Float32Array);
    expect(Array.from(compact)).toEqual(Array.from(exact)); // toEqual tells -0 from 0 and matches NaN
    for (const inexact of [[1, 0.1], [16777217], [1e39], [NaN, 123456.789]]) {
      const values = Float64Array.from(inexact);
      expect(compactColumn(values)).toBe(values);
    }
  });
});

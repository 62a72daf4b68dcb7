// Lineage read off the declarative spec, checked against what the pipeline computes: a feature changes when (and
// only when) one of the application fields its lineage names changes. Generated data (self-contained tier).
import { loadTables, type HomeCreditTables } from '@credit-scoring/data';
import { SYNTHETIC, syntheticDataDir } from '@credit-scoring/data/testing';
import { FeaturePipeline, formulaText, type RawApplication } from './index';

let tables: HomeCreditTables;
let pipeline: FeaturePipeline;

beforeAll(async () => {
  tables = await loadTables(await syntheticDataDir(SYNTHETIC), { application: 'train' });
  pipeline = FeaturePipeline.fit(tables);
}, 120_000);

const byName = () => new Map(pipeline.lineage().map((l) => [l.feature, l]));

it('names one lineage per feature, in feature order', () => {
  const lineage = pipeline.lineage();
  expect(lineage.map((l) => l.feature)).toEqual(pipeline.featureNames);
  const lin = byName();
  expect(lin.get('AMT_CREDIT')).toEqual({ feature: 'AMT_CREDIT', kind: 'field', fields: ['AMT_CREDIT'] });
  expect(lin.get('CREDIT_INCOME_RATIO')).toMatchObject({
    kind: 'formula',
    fields: ['AMT_CREDIT', 'AMT_INCOME_TOTAL'],
    formula: 'AMT_CREDIT / AMT_INCOME_TOTAL',
  });
  expect(lin.get('ORGANIZATION_TYPE')).toEqual({
    feature: 'ORGANIZATION_TYPE',
    kind: 'category',
    fields: ['ORGANIZATION_TYPE'],
  });
  expect(lin.get('BURO_ACTIVE_DEBT_CREDIT_RATIO_MEAN')).toMatchObject({
    kind: 'history',
    fields: [],
    history: {
      table: 'bureau',
      column: 'DEBT_CREDIT_RATIO',
      columns: ['AMT_CREDIT_SUM_DEBT', 'AMT_CREDIT_SUM'],
      agg: 'mean',
      where: { col: 'CREDIT_ACTIVE', in: ['Active'] },
    },
  });
  expect(lin.get('PREV_COUNT')?.history).toMatchObject({ table: 'previous_application', agg: 'rows' });
  expect(formulaText('EXT_SOURCE_MEAN')).toBe('mean(EXT_SOURCE_1, EXT_SOURCE_2, EXT_SOURCE_3)');
});

it('one-hot columns name their text field and level', () => {
  const onehot = FeaturePipeline.fit(tables, { categorical: 'onehot' });
  const flags = onehot.lineage().filter((l) => l.kind === 'category-flag');
  expect(flags.length).toBeGreaterThan(0);
  for (const flag of flags) expect(flag.feature.startsWith(`${flag.fields[0]}_`)).toBe(true);
  expect(onehot.lineage().map((l) => l.feature)).toEqual(onehot.featureNames);
});

it('each application feature moves with the fields its lineage names, and only with them', () => {
  const record = tables.application.drop('TARGET').row(0);
  const application = Object.fromEntries(
    tables.application.drop('TARGET').columns.map((c, j) => [c, record[j]]),
  ) as RawApplication;
  const base = pipeline.transformOne(application);
  const lineage = pipeline.lineage();
  for (const field of ['AMT_ANNUITY', 'DAYS_BIRTH', 'EXT_SOURCE_2', 'CNT_FAM_MEMBERS']) {
    const changed = pipeline.transformOne({ ...application, [field]: Number(application[field] ?? 1) * 1.5 + 1 });
    lineage.forEach((l, j) => {
      if (l.kind === 'history') return;
      const moved = !Object.is(changed[j], base[j]);
      if (moved) expect(l.fields).toContain(field);
      if (l.kind === 'field' && l.fields[0] === field) expect(moved).toBe(true);
    });
  }
});

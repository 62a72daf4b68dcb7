// /predict and /explain in the applicant's terms, through inject() on a real LightGBM model trained on generated
// Home Credit rows (self-contained tier): raw fields and values behind each contribution, category labels, the
// share of the training population below, the missing model inputs and their effect; /model/population; /app.
import * as os from 'node:os';
import * as path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { HomeCreditTables } from '@credit-scoring/data';
import { buildApp } from './app';
import { BundleSource } from './model/sources';
import type { Explanation, Prediction } from './schemas';
import {
  applicantsFor,
  generatedTables,
  heldOutRows,
  TrainedModel,
  trainSmallModel,
  writeBundle,
} from './testing/trained-model';
import type { ApplicantInput } from './scoring';

let tables: HomeCreditTables;
let model: TrainedModel;
let app: FastifyInstance;
let work: string;
let applicants: ApplicantInput[];

beforeAll(async () => {
  tables = await generatedTables();
  model = await trainSmallModel(tables, { rounds: 30 });
  work = mkdtempSync(path.join(os.tmpdir(), 'reasons-spec-'));
  const dir = await writeBundle(path.join(work, 'bundle'), model.package, { name: 'credit-scoring', version: '1' });
  app = await buildApp({ modelSource: new BundleSource(dir), autoLoadModel: false, defaultMetrics: false });
  await app.ready();
  await app.modelStore.refresh();
  applicants = applicantsFor(tables, heldOutRows(tables, 20));
}, 180_000);
afterAll(async () => {
  await app?.close();
  model?.booster.free();
  rmSync(work, { recursive: true, force: true });
});

async function explain(body: object, top = 100): Promise<Explanation[]> {
  const res = await app.inject({ method: 'POST', url: `/explain?top=${top}`, payload: body });
  expect(res.statusCode).toBe(200);
  return res.json().explanations;
}

it('traces each contribution to the raw fields and values the client sent, in one sentence', async () => {
  const [e] = await explain(applicants[0]);
  const application = applicants[0].application;
  for (const c of e.contributions) {
    for (const input of c.inputs ?? []) expect(input.value).toEqual(application[input.field] ?? null);
    expect(c.sentence).toMatch(/: (raises the risk|lowers the risk|no effect)$/);
  }
  const ratio = e.contributions.find((c) => c.feature === 'CREDIT_INCOME_RATIO');
  if (ratio && ratio.value !== null) {
    expect(ratio.inputs?.map((i) => i.field)).toEqual(['AMT_CREDIT', 'AMT_INCOME_TOTAL']);
    expect(ratio.sentence).toMatch(/^Credit \/ income = .* \(from Credit amount = .*, Income = .*\)/);
  }
});

/** The served model's lineage by feature name. */
function lineageOf(feature: string) {
  const served = app.modelStore.current;
  if (!served) throw new Error('no model');
  return served.lineage[served.featureNames.indexOf(feature)];
}

it('says a category in the words the client used, not its integer code', async () => {
  const found = (await explain(applicants)).flatMap((e, i) =>
    e.contributions
      .filter((c) => lineageOf(c.feature).kind === 'category' && c.value !== null && c.contribution !== 0)
      .map((c) => ({ c, application: applicants[i].application })),
  );
  expect(found.length).toBeGreaterThan(0);
  for (const { c, application } of found) {
    const word = application[c.feature];
    expect(typeof word).toBe('string');
    expect(c.label).toBe(word);
    expect(c.inputs).toEqual([{ field: c.feature, value: word }]);
    expect(c.sentence).toContain(` = ${word} (`);
    expect(c.sentence).toMatch(/ % of clients\): (raises|lowers) the risk$/);
  }
});

it('places a numeric value on the training population: the share below agrees with the training rows', async () => {
  const [e] = await explain(applicants[1]);
  const placed = e.contributions.filter((c) => c.shareBelow !== undefined && c.value !== null).slice(0, 5);
  expect(placed.length).toBeGreaterThan(0);
  const train = model.pipeline.transform(tables, { rows: model.trainRows });
  for (const c of placed) {
    const j = train.featureNames.indexOf(c.feature);
    const present: number[] = [];
    for (let i = 0; i < train.nRows; i++) {
      const v = train.data[i * train.nCols + j];
      if (!Number.isNaN(v)) present.push(v);
    }
    const below = present.filter((v) => v < (c.value as number)).length / present.length;
    const atOrBelow = present.filter((v) => v <= (c.value as number)).length / present.length;
    // Read off 101 quantiles: within a step (1 %) of the exact share, ties counted either way.
    expect(c.shareBelow as number).toBeGreaterThanOrEqual(below - 0.011);
    expect(c.shareBelow as number).toBeLessThanOrEqual(atOrBelow + 0.011);
    expect(c.sentence).toMatch(/(higher|lower) than \d+ % of clients/);
  }
});

it('compares days shown as years in years: an older client is older than most, not "lower"', async () => {
  const at = (days: number) => ({ ...applicants[2], application: { ...applicants[2].application, DAYS_BIRTH: days } });
  const age = async (days: number) =>
    (await explain(at(days)))[0].contributions.find((c) => c.feature === 'DAYS_BIRTH')?.sentence;
  // 25,000 days before the application = 68.4 years, older than nearly every applicant; 7,500 = 20.5, younger.
  expect(await age(-25_000)).toMatch(/^Age = 68\.4 years, higher than (9\d|100) % of clients: /);
  expect(await age(-7_500)).toMatch(/^Age = 20\.5 years, lower than (9\d|100) % of clients: /);
});

it('reports missing model inputs in /predict and /explain, and the effect of each in /explain', async () => {
  const sparse = {
    application: {
      SK_ID_CURR: 424242,
      AMT_CREDIT: 500000,
      AMT_INCOME_TOTAL: 150000,
      EXT_SOURCE_3: 0.4,
    },
  };
  const res = await app.inject({ method: 'POST', url: '/predict', payload: sparse });
  const [prediction] = res.json().predictions as Prediction[];
  const served = app.modelStore.current;
  if (!served) throw new Error('no model');
  expect(prediction.missingInputs).toEqual(served.modelInputs.filter((f) => !(f in sparse.application)));
  expect(prediction.missingInputs).toContain('EXT_SOURCE_2');
  expect(prediction.missingInputs).not.toContain('EXT_SOURCE_3');

  const [e] = await explain(sparse, 100);
  expect(e.missingInputs).toEqual(prediction.missingInputs);
  // The effects add up to the SHAP of every feature left empty by a missing input.
  const row = model.pipeline.transformOne(sparse.application);
  const contrib = model.booster.predictSingleContrib(row);
  const lineage = model.pipeline.lineage();
  let expected = 0;
  row.forEach((v, j) => {
    if (Number.isNaN(v) && lineage[j].fields.some((f) => prediction.missingInputs.includes(f))) expected += contrib[j];
  });
  const total = e.missingEffects.reduce((s, m) => s + m.contribution, 0);
  expect(total).toBeCloseTo(expected, 9);
  expect(e.missingEffects.length).toBeGreaterThan(0);
  for (const m of e.missingEffects) {
    expect(prediction.missingInputs).toContain(m.field);
    expect(m.sentence).toMatch(/is missing: (raises|lowers) the risk$/);
  }

  // A full application misses none of the inputs it carries.
  const [full] = (await app.inject({ method: 'POST', url: '/predict', payload: applicants[2] })).json().predictions;
  for (const field of full.missingInputs) expect(applicants[2].application[field] ?? null).toBeNull();
});

it('names the same missing inputs for an applicant in a batch as alone (the batch reads them in its transform)', async () => {
  const sparse = {
    application: { SK_ID_CURR: 424243, AMT_CREDIT: 500000, AMT_INCOME_TOTAL: 150000, EXT_SOURCE_2: null },
  };
  const batch = [sparse, applicants[2], applicants[3], sparse];
  const alone = async (url: string, body: object, key: string) =>
    (await app.inject({ method: 'POST', url, payload: body })).json()[key][0].missingInputs as string[];
  const inBatch = async (url: string, key: string) =>
    ((await app.inject({ method: 'POST', url, payload: batch })).json()[key] as Prediction[]).map(
      (p) => p.missingInputs,
    );
  const expected = await Promise.all(batch.map((b) => alone('/predict', b, 'predictions')));
  expect(expected[0]).toContain('EXT_SOURCE_2'); // null counts as missing
  expect(await inBatch('/predict', 'predictions')).toEqual(expected);
  expect(await inBatch('/explain', 'explanations')).toEqual(expected);
});

it('serves population summaries of named features, and 400 for too many', async () => {
  const res = await app.inject({ url: '/model/population?features=EXT_SOURCE_2,ORGANIZATION_TYPE,NOT_A_FEATURE' });
  expect(res.statusCode).toBe(200);
  const body = res.json();
  expect(body.rows).toBe(model.trainRows.length);
  const names = body.features.map((f: { feature: string }) => f.feature);
  expect(names).not.toContain('NOT_A_FEATURE');
  const organization = body.features.find((f: { feature: string }) => f.feature === 'ORGANIZATION_TYPE');
  if (organization) expect(organization.labels).toEqual(model.pipeline.toJSON().categoryLevels.ORGANIZATION_TYPE);
  const many = Array.from({ length: 21 }, (_, i) => `F${i}`).join(',');
  expect((await app.inject({ url: `/model/population?features=${many}` })).statusCode).toBe(400);
  expect((await app.inject({ url: '/model/population' })).statusCode).toBe(400);
});

it('serves the desk page and its assets from this server, no outside origin', async () => {
  const page = await app.inject({ url: '/app' });
  expect(page.statusCode).toBe(200);
  expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(page.headers['content-security-policy']).toContain("default-src 'self'");
  expect(page.body).not.toMatch(/https?:\/\//);
  for (const asset of ['/app/desk.js', '/app/desk.css']) {
    const res = await app.inject({ url: asset });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  }
  expect((await app.inject({ url: '/app/other.js' })).statusCode).toBe(404);
});

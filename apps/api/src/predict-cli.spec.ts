// `trainer predict` (the batch path over files) and the API (the one-row path behind POST /predict) give the same
// answers for the same bundle, on real applicants with their full history. The CLI runs as a user runs it, a child
// process; the API is built with buildApp and asked through inject() (apps do not import each other).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { realDataDir, tablePath } from '@credit-scoring/data';
import { describeRealData } from '@credit-scoring/data/testing';
import { buildApp } from './app';
import { BundleSource } from './model/sources';
import type { Prediction } from './schemas';
import { applicantsFor, FIRST_UNSEEN_ROW, realTables, trainSmallModel, writeBundle } from './testing/trained-model';

const root = path.resolve(__dirname, '..', '..', '..');
let work: string;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'api-predict-cli-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Real-data tier (the generated-data equality of the batch path is apps/trainer/src/commands/predict.spec.ts).
describeRealData('trainer predict and the API on the real sample', () => {
  it('trainer predict writes, for every real applicant, the probability and decision the API answers', async () => {
    const tables = await realTables();
    const model = await trainSmallModel(tables, { rounds: 20 });
    const bundle = await writeBundle(path.join(work, 'bundle'), model.package, {
      name: 'credit-scoring',
      version: '1',
    });
    const out = path.join(work, 'submission.csv');
    // The labelled file itself (TARGET is ignored), every side table, in chunks so several chunks are compared.
    const cli = spawnSync(
      path.join(root, 'node_modules', '.bin', 'tsx'),
      [
        path.join(root, 'apps', 'trainer', 'src', 'main.ts'),
        'predict',
        '--input',
        tablePath(realDataDir(), 'application_train'),
        '--data-dir',
        realDataDir(),
        '--bundle',
        bundle,
        '--out',
        out,
        '--with-decision',
        '--chunk-rows',
        '5000',
      ],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, TSX_TSCONFIG_PATH: path.join(root, 'tsconfig.base.json') },
      },
    );
    expect(cli.stderr).not.toMatch(/^trainer:/m);
    expect(cli.status).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('SK_ID_CURR,TARGET,decision,threshold');
    expect(lines.length - 1).toBe(tables.application.height);
    const written = new Map(
      lines.slice(1).map((line) => {
        const [id, probability, decision, threshold] = line.split(',');
        return [Number(id), { probability: Number(probability), decision, threshold: Number(threshold) }];
      }),
    );

    const app = await buildApp({ modelSource: new BundleSource(bundle), defaultMetrics: false });
    try {
      await app.ready();
      await app.modelStore.whenReady(30_000);
      // Unseen rows and rows the model was fitted on, in batches and one at a time.
      const rows = [
        ...Array.from({ length: 300 }, (_, i) => FIRST_UNSEEN_ROW + i),
        ...Array.from({ length: 20 }, (_, i) => i),
      ];
      const applicants = applicantsFor(tables, rows);
      const answers: Prediction[] = [];
      for (let i = 0; i < applicants.length; i += 100) {
        const res = await app.inject({ method: 'POST', url: '/predict', payload: applicants.slice(i, i + 100) });
        expect(res.statusCode).toBe(200);
        answers.push(...(res.json() as { predictions: Prediction[] }).predictions);
      }
      for (const applicant of applicants.slice(0, 5)) {
        const res = await app.inject({ method: 'POST', url: '/predict', payload: applicant });
        answers.push(...(res.json() as { predictions: Prediction[] }).predictions);
      }
      expect(answers).toHaveLength(rows.length + 5);
      for (const answer of answers) {
        const row = written.get(answer.SK_ID_CURR);
        expect({ id: answer.SK_ID_CURR, ...row }).toEqual({
          id: answer.SK_ID_CURR,
          probability: answer.probability,
          decision: answer.decision,
          threshold: answer.threshold,
        });
      }
    } finally {
      await app.close();
    }
  });
});

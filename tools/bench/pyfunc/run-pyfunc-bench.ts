// pyfunc benchmark: the registered model scored from Python through MLflow, beside `trainer predict`, file to file, on
// the generated Kaggle-scale test file (48,744 applicants with all six side tables): mlflow.pyfunc in one process
// (Kaggle layout through predict_tables, and the pyfunc contract, JSON history columns, through predict), and the Spark
// job tools/spark/score_kaggle.py (mlflow.pyfunc.spark_udf, local[2]). Every probability is compared with trainer
// predict's. Writes docs/benchmarks.md section 'pyfunc'.
// Usage: flock /tmp/heavy.lock npx tsx tools/bench/pyfunc/run-pyfunc-bench.ts [applicants=307511] [--no-spark]
//   Python: tools/mlflow/.venv (mlflow 3.17.2, lightgbm 4.7.0, pandas 2.3.3); Spark: SPARK_PYTHON, by default
//   tmp/spark-venv/bin/python (a venv with pyspark 4.0.1 beside the same packages, see tools/spark/README.md).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSynthetic, tablePath, workspaceRoot } from '@credit-scoring/data';
import { MlflowClient, registerModel, withRun } from '@credit-scoring/tracking';
import { startLocalServer } from '@credit-scoring/tracking/server';
import { compare, describe, timed, trainBundle, type Agreement, type Timed } from '../predict/run-predict-bench';

/** Every file of a folder, relative names, recursively. */
function filesOf(dir: string, prefix = ''): string[] {
  return fs
    .readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? filesOf(dir, path.join(prefix, e.name)) : [path.join(prefix, e.name).split(path.sep).join('/')],
    );
}

/** The bundle's files as a run's model/ artifact, registered as <name>@champion: the same model, from the registry. */
async function register(client: MlflowClient, bundle: string, name: string): Promise<string> {
  const experimentId = await client.getOrCreateExperiment('bench-pyfunc');
  return withRun(client, { experimentId, runName: 'bench-pyfunc' }, async (run) => {
    const files = filesOf(bundle).filter((f) => f !== 'registered_model.json');
    // MLmodel last, as logModel does
    for (const f of [...files.filter((f) => f !== 'MLmodel'), 'MLmodel'])
      await client.uploadArtifactBytes(run.runId, `model/${f}`, fs.readFileSync(path.join(bundle, f)));
    return (await registerModel(client, run.runId, name, { alias: 'champion' })).version;
  });
}

async function main(): Promise<void> {
  const root = workspaceRoot();
  const args = process.argv.slice(2);
  const applicants = Number(args.find((a) => /^\d+$/.test(a)) ?? 307511);
  const withSpark = !args.includes('--no-spark');
  const work = path.join(root, 'tmp', 'bench-pyfunc');
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  fs.mkdirSync(path.join(root, 'tmp', 'bench-predict'), { recursive: true }); // timed() writes there
  const dir = path.join(root, 'data', `bench-features-${applicants}`);
  if (!fs.existsSync(path.join(dir, 'credit_card_balance.csv'))) {
    console.log(`generating ${applicants} applicants into ${dir}`);
    await generateSynthetic({ rows: applicants, seed: 7, out: dir });
  }
  const input = tablePath(dir, 'application_test');
  const bundle = await trainBundle(path.join(work, 'bundle'));
  const local = process.env.MLFLOW_TRACKING_URI
    ? undefined
    : await startLocalServer({ storeDir: path.join(work, 'mlflow') });
  const trackingUri = process.env.MLFLOW_TRACKING_URI ?? (local?.uri as string);
  const client = new MlflowClient({ trackingUri });
  const name = `credit-scoring-bench-pyfunc-${process.pid}`;
  try {
    const version = await register(client, bundle, name);
    const uri = `models:/${name}@champion`;
    const python = path.join(root, 'tools', 'mlflow', '.venv', 'bin', 'python');
    const sparkPython = process.env.SPARK_PYTHON ?? path.join(root, 'tmp', 'spark-venv', 'bin', 'python');
    const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
    const env = {
      ...process.env,
      OMP_WAIT_POLICY: 'PASSIVE',
      MLFLOW_TRACKING_URI: trackingUri,
      TSX_TSCONFIG_PATH: path.join(root, 'tsconfig.base.json'),
    };
    const out = (n: string) => path.join(work, `${n}.csv`);
    const jobs: Array<{ name: string; run: () => Timed; file: string; detail?: () => string }> = [
      {
        name: "`trainer predict` (the API's scoring)",
        file: out('trainer'),
        run: () =>
          timed(
            tsx,
            [
              'apps/trainer/src/main.ts',
              'predict',
              '--input',
              input,
              '--data-dir',
              dir,
              '--bundle',
              bundle,
              '--out',
              out('trainer'),
            ],
            root,
            env,
          ),
      },
      {
        name: 'mlflow.pyfunc, Kaggle layout (`get_raw_model().predict_tables`)',
        file: out('tables'),
        run: () =>
          timed(python, ['tools/bench/pyfunc/pyfunc_batch.py', uri, input, dir, out('tables'), 'tables'], root, env),
      },
      {
        name: 'mlflow.pyfunc, JSON history columns (`predict`, 2,000 applicants per call)',
        file: out('nested'),
        run: () =>
          timed(python, ['tools/bench/pyfunc/pyfunc_batch.py', uri, input, dir, out('nested'), 'nested'], root, env),
      },
    ];
    if (withSpark)
      jobs.push({
        name: 'Spark `local[2]`, `mlflow.pyfunc.spark_udf` (tools/spark/score_kaggle.py)',
        file: out('spark'),
        run: () =>
          timed(
            sparkPython,
            [
              'tools/spark/score_kaggle.py',
              '--data-dir',
              dir,
              '--application',
              input,
              '--model-uri',
              uri,
              '--out',
              out('spark'),
            ],
            root,
            env,
          ),
      });
    const results: Array<{ name: string; t: Timed; same?: Agreement }> = [];
    for (const job of jobs) {
      const t = job.run();
      const same = job.file === out('trainer') ? undefined : compare(out('trainer'), job.file);
      console.log(job.name, t, same);
      results.push({ name: job.name, t, same });
    }
    const rows = compare(out('trainer'), out('trainer')).rows;
    const table = results.map(({ name, t, same }) => {
      const perSecond = Math.round(rows / t.seconds).toLocaleString('en');
      const agreement = same
        ? same.within === same.rows
          ? `all (largest ${same.maxDiff.toExponential(1)})`
          : describe(same)
        : 'reference';
      return `| ${name} | ${t.seconds.toFixed(1)} s | ${perSecond}/s | ${Math.round(t.maxRssMb).toLocaleString('en')} MB | ${agreement} |`;
    });
    const md = [
      '## pyfunc — the registered model from Python and Spark, beside `trainer predict`',
      '',
      `Command: \`flock /tmp/heavy.lock npx tsx tools/bench/pyfunc/run-pyfunc-bench.ts ${applicants}${withSpark ? '' : ' --no-spark'}\` — ` +
        `${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}.`,
      `Data: generated (libs/data generateSynthetic, seed 7, ${applicants.toLocaleString('en')} labelled applicants); scored: ` +
        `application_test.csv, ${rows.toLocaleString('en')} applicants, with the six side tables of the folder.`,
      `Model: the predict bench's (LightGBM trained on the real sample behind its fitted pipeline), registered as version ` +
        `${version} in a local MLflow 3.17.2 server and loaded from \`models:/<name>@champion\` by the Python jobs; ` +
        '`trainer predict` reads the same files as a bundle.',
      'Each job file to file: read the application file and the side tables, build the features, score, write ' +
        '`SK_ID_CURR,TARGET`; wall time (process start-up, model download and Spark session included) and peak RSS ' +
        'of the largest process by GNU time, one run each, on a machine shared with other jobs. Equal = every ' +
        "probability within 1e-9 of `trainer predict`'s.",
      '',
      '| job | time | applicants/s | peak RSS | equal to 1e-9 |',
      '|---|---|---|---|---|',
      ...table,
      '',
      'The JSON-history job includes nesting the side tables into one JSON array per applicant and table ' +
        '(tools/pyfunc/kaggle_rows.py) and parsing them back in the pyfunc: the price of the one-DataFrame contract ' +
        "that `mlflow models serve` and `spark_udf` need. Peak RSS is GNU time's for the process it started: for " +
        'Spark the Python driver only (the JVM and the Python workers it starts are not counted).',
    ].join('\n');
    require(path.join(root, 'tools', 'bench', 'write-section.js')).writeSection('pyfunc', md);
    console.log(md);
  } finally {
    await client.deleteRegisteredModel(name).catch(() => undefined);
    await local?.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

// Features benchmark: the seven-table feature job in pandas (features_pandas.py) and in libs/features, side by side
// on the same generated data. Writes docs/benchmarks.md section 'features'.
// Usage: flock /tmp/heavy.lock npx tsx tools/bench/features/run-features-bench.ts [applicants=307511]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSynthetic, loadTables, realDataDir, workspaceRoot } from '@credit-scoring/data';
import { FeaturePipeline, featureSpecJson } from '@credit-scoring/features';

interface Run {
  loadSeconds: number;
  featureSeconds: number;
  rows: number;
  cols: number;
  maxRssMb: number;
}

/** The feature spec as JSON (libs/features owns it), so the pandas script executes exactly our list of features. */
export const specJson = featureSpecJson;

/** Data rows of a CSV file (newlines minus the header), counted in chunks: the files are too big for one string. */
function dataRows(file: string): number {
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.alloc(1 << 22);
  let lines = 0;
  for (let n; (n = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0; )
    for (let i = 0; i < n; i++) if (chunk[i] === 10) lines++;
  fs.closeSync(fd);
  return lines - 1;
}

/** Same job check: pandas' matrix on the real sample against ours, cell by cell (NaN positions must agree). */
async function crossCheck(root: string, python: string, specFile: string): Promise<string> {
  const file = path.join(root, 'tmp', 'features-bench-pandas.f64');
  run(python, ['tools/bench/features/features_pandas.py', realDataDir(), specFile, file], root);
  const tables = await loadTables(realDataDir());
  const ours = FeaturePipeline.fit(tables).transform(tables);
  const bytes = fs.readFileSync(file);
  const theirs = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
  if (theirs.length !== ours.data.length)
    throw new Error(`pandas matrix has ${theirs.length} cells, ours ${ours.data.length}`);
  let nanMismatch = 0;
  let worst = 0;
  for (let i = 0; i < theirs.length; i++) {
    const a = ours.data[i];
    const b = theirs[i];
    if (Number.isNaN(a) !== Number.isNaN(b)) nanMismatch++;
    else if (!Number.isNaN(a)) worst = Math.max(worst, Math.abs(a - b) / Math.max(1, Math.abs(a)));
  }
  fs.rmSync(file);
  return `Same job check on the real sample (${ours.nRows.toLocaleString('en')} x ${ours.nCols}): ${nanMismatch} cells differ in missingness, largest relative difference ${worst.toExponential(1)}.`;
}

function run(cmd: string, args: string[], root: string): Run {
  const out = execFileSync(cmd, args, {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop()!) as Run;
}

async function main(): Promise<void> {
  const root = workspaceRoot();
  const applicants = Number(process.argv[2] ?? 307511);
  const dir = path.join(root, 'data', `bench-features-${applicants}`);
  if (!fs.existsSync(path.join(dir, 'application_train.csv'))) {
    console.log(`generating ${applicants} applicants into ${dir}`);
    await generateSynthetic({ rows: applicants, seed: 7, out: dir });
  }
  const specFile = path.join(root, 'tmp', 'features-bench-spec.json');
  fs.mkdirSync(path.dirname(specFile), { recursive: true });
  fs.writeFileSync(specFile, JSON.stringify(specJson()));
  const sizes = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.csv') && f !== 'application_test.csv')
    .map((f) => `${f.replace('.csv', '')} ${dataRows(path.join(dir, f)).toLocaleString('en')}`);
  const python = path.join(root, 'tools', 'pyref', '.venv', 'bin', 'python');
  const check = await crossCheck(root, python, specFile);
  console.log(check);
  const pandas = run(python, ['tools/bench/features/features_pandas.py', dir, specFile], root);
  console.log('pandas', pandas);
  const ours = run('npx', ['tsx', 'tools/bench/features/run-ours.ts', dir], root);
  console.log('ours', ours);
  const ratio = ours.featureSeconds / pandas.featureSeconds;
  const row = (name: string, r: Run) =>
    `| ${name} | ${r.featureSeconds.toFixed(1)} s | ${r.loadSeconds.toFixed(1)} s | ${Math.round(r.maxRssMb).toLocaleString('en')} MB | ${r.rows.toLocaleString('en')} x ${r.cols} |`;
  const md = [
    '## features',
    '',
    `Command: \`flock /tmp/heavy.lock npx tsx tools/bench/features/run-features-bench.ts ${applicants}\` — ${new Date().toISOString().slice(0, 10)},`,
    `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), generated data (libs/data generateSynthetic, seed 7): ${sizes.join(', ')} rows.`,
    'Job: the seven-table feature spec of libs/features (cleaning, ratios, category codes, per-applicant aggregates, dense',
    'float64 matrix). pandas executes the same spec (exported as JSON) with groupby().agg(); CSV loading is timed separately.',
    check,
    '',
    '| implementation | features (fit + transform) | CSV load | peak RSS (process) | matrix |',
    '|---|---|---|---|---|',
    row('pandas 2.3.3 (tools/bench/features/features_pandas.py)', pandas),
    row('libs/features (nodejs-polars 0.25.2)', ours),
    '',
    `Ours / pandas feature time: **${ratio.toFixed(2)}x** (target <= 0.5x).`,
  ].join('\n');
  require(path.join(root, 'tools', 'bench', 'write-section.js')).writeSection('features', md);
  console.log(md);
}

if (require.main === module)
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });

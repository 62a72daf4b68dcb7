// Drift benchmark: 300,000 × 120 reference vs 50,000 × 120 current (80 numeric + 40 categorical columns,
// generated deterministically), @credit-scoring/drift vs Evidently 0.7.23 DataDriftPreset on the same values.
//   flock /tmp/heavy.lock npx tsx tools/bench/drift/bench.ts [--no-evidently] [--rows 300000] [--current-rows 50000]
// Evidently runs only when tools/drift/.venv exists (bash tools/drift/setup.sh). Writes docs/benchmarks.md § drift.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Random, workspaceRoot } from '@credit-scoring/data';
import { ColumnarData, ColumnSchema, detectDrift, renderDriftHtml } from '@credit-scoring/drift';

const ROOT = workspaceRoot();
const N_NUMERIC = 80;
const N_CATEGORICAL = 40;

/** Uniform draws in [0, 1) from the workspace's seeded generator: the same columns on every run. */
function rng(seed: number): () => number {
  const random = new Random(seed);
  return () => random.next();
}

function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

interface Generated {
  data: ColumnarData;
  codes: Record<string, Int32Array>;
  levels: Record<string, number>;
}

/** Numeric columns of four shapes with 5% missing; categorical columns with 2–12 levels and 2% missing.
 *  The current data drifts on every 4th numeric and every 5th categorical column. */
function generate(rows: number, seed: number, drifted: boolean): Generated {
  const data: ColumnarData = {};
  const codes: Record<string, Int32Array> = {};
  const levels: Record<string, number> = {};
  for (let c = 0; c < N_NUMERIC; c++) {
    const r = rng(seed * 1000 + c + 1);
    const shift = drifted && c % 4 === 0 ? 0.3 : 0;
    const col = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      if (r() < 0.05) {
        col[i] = NaN;
        continue;
      }
      const z = normal(r) + shift;
      col[i] = c % 4 === 0 ? z : c % 4 === 1 ? Math.exp(z / 2) * 1000 : c % 4 === 2 ? Math.round(z * 10) : r() + shift;
    }
    data[`num_${c}`] = col;
  }
  for (let c = 0; c < N_CATEGORICAL; c++) {
    const r = rng(seed * 1000 + 500 + c);
    const k = 2 + (c % 11);
    const skew = drifted && c % 5 === 0 ? 2.5 : 1.5;
    const code = new Int32Array(rows);
    const labels = new Array<string | null>(rows);
    for (let i = 0; i < rows; i++) {
      if (r() < 0.02) {
        code[i] = -1;
        labels[i] = null;
        continue;
      }
      code[i] = Math.min(k - 1, Math.floor(k * r() ** skew));
      labels[i] = `L${code[i]}`;
    }
    data[`cat_${c}`] = labels;
    codes[`cat_${c}`] = code;
    levels[`cat_${c}`] = k;
  }
  return { data, codes, levels };
}

/** Column-major binary dump for the Python side: float64 per numeric column, int32 codes per categorical one. */
function dump(g: Generated, file: string): void {
  const parts: Buffer[] = [];
  for (let c = 0; c < N_NUMERIC; c++) parts.push(Buffer.from((g.data[`num_${c}`] as Float64Array).buffer));
  for (let c = 0; c < N_CATEGORICAL; c++) parts.push(Buffer.from(g.codes[`cat_${c}`].buffer));
  fs.writeFileSync(file, Buffer.concat(parts));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const secs = (xs: number[]) => xs.map((t) => t.toFixed(2)).join(', ');

function main(): void {
  const { values } = parseArgs({
    options: {
      'no-evidently': { type: 'boolean' },
      rows: { type: 'string' },
      'current-rows': { type: 'string' },
      repeats: { type: 'string' },
    },
  });
  const refRows = Number(values.rows ?? 300000);
  const curRows = Number(values['current-rows'] ?? 50000);
  const repeats = Number(values.repeats ?? 3);
  const t0 = Date.now();
  const ref = generate(refRows, 1, false);
  const cur = generate(curRows, 2, true);
  console.log(
    `generated ${refRows} + ${curRows} rows × ${N_NUMERIC + N_CATEGORICAL} columns in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  const schema: ColumnSchema = {};
  for (let c = 0; c < N_NUMERIC; c++) schema[`num_${c}`] = 'numeric';
  for (let c = 0; c < N_CATEGORICAL; c++) schema[`cat_${c}`] = 'categorical';

  const detectTimes: number[] = [];
  const detectCpu: number[] = [];
  const htmlTimes: number[] = [];
  let drifted = 0;
  let ourScores: Record<string, number> = {};
  for (let i = 0; i < repeats; i++) {
    const cpu = process.cpuUsage();
    const a = process.hrtime.bigint();
    const report = detectDrift(ref.data, cur.data, { schema });
    const b = process.hrtime.bigint();
    const used = process.cpuUsage(cpu);
    detectCpu.push((used.user + used.system) / 1e6);
    renderDriftHtml(report);
    const c = process.hrtime.bigint();
    detectTimes.push(Number(b - a) / 1e9);
    htmlTimes.push(Number(c - b) / 1e9);
    drifted = report.dataset.numberOfDriftedColumns;
    // A column no test could score (no current values) shows as NaN in the agreement, never as a match.
    ourScores = Object.fromEntries(report.columns.map((col) => [col.column, col.score ?? NaN]));
  }
  console.log(
    `ours: detectDrift wall ${secs(detectTimes)} s, cpu ${secs(detectCpu)} s; html ${median(htmlTimes).toFixed(2)} s; ${drifted} drifted`,
  );

  let evidently: { seconds: number[]; cpu: number[]; drifted: number; scores: Record<string, number> } | null = null;
  const python = path.join(ROOT, 'tools', 'drift', '.venv', 'bin', 'python');
  if (!values['no-evidently'] && fs.existsSync(python)) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-bench-'));
    try {
      dump(ref, path.join(dir, 'reference.bin'));
      dump(cur, path.join(dir, 'current.bin'));
      const meta = {
        numeric: N_NUMERIC,
        categorical: N_CATEGORICAL,
        levels: ref.levels,
        referenceRows: refRows,
        currentRows: curRows,
        repeats: Math.min(repeats, 2),
      };
      fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta));
      const out = spawnSync(python, [path.join(__dirname, 'evidently_bench.py'), dir], {
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      });
      if (out.status !== 0) throw new Error(`Evidently benchmark failed: ${out.stderr.slice(-2000)}`);
      evidently = JSON.parse(out.stdout.trim().split('\n').pop() as string);
      if (evidently)
        console.log(
          `evidently: wall ${secs(evidently.seconds)} s, cpu ${secs(evidently.cpu)} s; ${evidently.drifted} drifted`,
        );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  let agreement = '';
  if (evidently) {
    let maxRel = 0;
    for (const [k, v] of Object.entries(evidently.scores)) {
      const o = ourScores[k];
      const rel = o === v ? 0 : Math.abs(o - v) / Math.max(Math.abs(o), Math.abs(v));
      maxRel = Math.max(maxRel, rel);
    }
    agreement = `Same data: ${drifted} / ${evidently.drifted} drifted columns (ours / Evidently); largest relative difference between the two per-column scores ${maxRel.toExponential(2)}.`;
  }
  const date = new Date().toISOString().slice(0, 10);
  const rowsTable = [
    '| implementation | CPU time (s, median) | wall time (s, median) | wall times of the runs (s) | HTML report (s) |',
    '|---|---|---|---|---|',
    `| @credit-scoring/drift (Node ${process.version}), detectDrift | ${median(detectCpu).toFixed(2)} | ${median(detectTimes).toFixed(2)} | ${secs(detectTimes)} | ${median(htmlTimes).toFixed(2)} |`,
  ];
  if (evidently)
    rowsTable.push(
      `| Evidently 0.7.23 DataDriftPreset (Python; DataFrames already in memory) | ${median(evidently.cpu).toFixed(2)} | ${median(evidently.seconds).toFixed(2)} | ${secs(evidently.seconds)} | included (Evidently renders its widgets inside run) |`,
    );
  else rowsTable.push('| Evidently | not run (no tools/drift/.venv or --no-evidently) | | | |');
  const md = `## drift

Data drift on generated data: reference ${refRows.toLocaleString('en')} rows × 120 columns (80 numeric in four shapes,
40 categorical with 2–12 levels; 5% / 2% missing) vs current ${curRows.toLocaleString('en')} rows, drifted on every 4th numeric
and 5th categorical column. With > 1000 reference rows both use normed Wasserstein (numeric) and Jensen–Shannon
(categorical). Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ${date}.
Command: \`flock /tmp/heavy.lock npx tsx tools/bench/drift/bench.ts\` (Evidently side via tools/drift/.venv).
The machine is shared with other jobs, so CPU time (user + system, all threads of the process) is the steadier
figure. Our time includes cleaning, test selection, the tests and the plot data.

${rowsTable.join('\n')}

${agreement}
`;
  require(path.join(ROOT, 'tools', 'bench', 'write-section.js')).writeSection('drift', md);
  console.log(md);
}

main();

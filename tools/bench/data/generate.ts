// Generator (and loader) at Kaggle scale, side by side with the real Kaggle row counts.
// Usage: flock /tmp/heavy.lock npx tsx tools/bench/data/generate.ts [--rows 307511] [--seed 42] [--keep]
// Each phase runs in its own child process so its peak RSS is its own. Output goes to tmp/bench-data (git-ignored)
// and is deleted afterwards unless --keep. Writes the 'generator' section of docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSynthetic, loadTables, TABLE_NAMES, tablePath, workspaceRoot, type TableName } from '@credit-scoring/data';

const { writeSection } = require('../write-section.js') as { writeSection: (name: string, markdown: string) => void };

/** Row counts of the full Kaggle files (Home Credit Default Risk, 2018). */
const KAGGLE_ROWS: Record<TableName, number> = {
  application_train: 307511,
  application_test: 48744,
  bureau: 1716428,
  bureau_balance: 27299925,
  previous_application: 1670214,
  POS_CASH_balance: 10001358,
  installments_payments: 13605401,
  credit_card_balance: 3840312,
};

interface PhaseResult {
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  rows?: Record<TableName, number>;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function measure(work: () => Promise<Record<TableName, number> | undefined>): Promise<PhaseResult> {
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const rows = await work();
  const used = process.cpuUsage(cpu);
  return {
    wallSeconds: Number(process.hrtime.bigint() - started) / 1e9,
    cpuSeconds: (used.user + used.system) / 1e6,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    rows,
  };
}

/** Child-process entry: one phase, result as JSON on stdout. */
async function runPhase(phase: string, out: string, rows: number, seed: number): Promise<void> {
  const result =
    phase === 'generate'
      ? await measure(async () => (await generateSynthetic({ rows, seed, out })).rows)
      : await measure(async () => {
          const tables = await loadTables(out);
          return Object.fromEntries(
            Object.entries(tables).map(([name, frame]) => [name === 'application' ? 'application_train' : name, frame.height]),
          ) as Record<TableName, number>;
        });
  process.stdout.write(JSON.stringify(result));
}

function child(phase: string, out: string, rows: number, seed: number): PhaseResult {
  const stdout = execFileSync(
    process.execPath,
    [...process.execArgv, __filename, '--phase', phase, '--out', out, '--rows', String(rows), '--seed', String(seed)],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout) as PhaseResult;
}

async function main() {
  const rows = Number(arg('rows', '307511'));
  const seed = Number(arg('seed', '42'));
  const out = arg('out', path.join(workspaceRoot(), 'tmp', 'bench-data'));
  const phase = arg('phase', '');
  if (phase) return runPhase(phase, out, rows, seed);

  fs.rmSync(out, { recursive: true, force: true });
  const generated = child('generate', out, rows, seed);
  const sizes = Object.fromEntries(TABLE_NAMES.map((t) => [t, fs.statSync(tablePath(out, t)).size])) as Record<TableName, number>;
  const loaded = child('load', out, rows, seed);
  if (!process.argv.includes('--keep')) fs.rmSync(out, { recursive: true, force: true });

  const totalRows = TABLE_NAMES.reduce((sum, t) => sum + (generated.rows?.[t] ?? 0), 0);
  const totalBytes = TABLE_NAMES.reduce((sum, t) => sum + sizes[t], 0);
  const fmt = (n: number) => n.toLocaleString('en-US');
  const table = TABLE_NAMES.map(
    (t) => `| ${t} | ${fmt(generated.rows?.[t] ?? 0)} | ${fmt(KAGGLE_ROWS[t])} | ${(sizes[t] / 1e6).toFixed(0)} |`,
  ).join('\n');
  const markdown = `## generator

\`generateSynthetic({ rows: ${fmt(rows)}, seed: ${seed} })\` writes the eight Kaggle files (streaming, one applicant at a
time), then \`loadTables\` reads all of them back with the explicit schemas. Each phase ran in its own process.
Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), shared with other jobs (wall time varies
with load; CPU time is the steadier figure), Node ${process.version}, nodejs-polars 0.25.2, ${new Date().toISOString().slice(0, 10)}.
Command: \`flock /tmp/heavy.lock npx tsx tools/bench/data/generate.ts --rows ${rows} --seed ${seed}\`

| phase | wall (s) | CPU (s) | peak RSS (MB) |
|---|---|---|---|
| generate ${fmt(totalRows)} rows, ${(totalBytes / 1e9).toFixed(2)} GB of CSV | ${generated.wallSeconds.toFixed(1)} | ${generated.cpuSeconds.toFixed(1)} | ${generated.peakRssMb} |
| loadTables (application_train + the six side tables) | ${loaded.wallSeconds.toFixed(1)} | ${loaded.cpuSeconds.toFixed(1)} | ${loaded.peakRssMb} |

Rows per table, generated vs the real Kaggle files:

| table | generated rows | Kaggle rows | generated MB |
|---|---|---|---|
${table}`;
  writeSection('generator', markdown);
  console.log(markdown);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});

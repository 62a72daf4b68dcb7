// The features stage's side tables at Kaggle scale, read one ahead (readSideTablesAhead: the next table parsed by polars
// and its lines checked on a worker thread while the caller aggregates the one it has) beside one at a time on the
// caller's thread (readTable, as the trainer read them before). Both ways run the trainer's consumption of the tables
// (FeatureColumns.consume over the application and the six side tables of the generated 307,511 applicants), each in
// its own process (its peak RSS is its own), interleaved; the columns must come out the same.
//   flock /tmp/heavy.lock npx tsx tools/bench/features/read-ahead.ts [--rounds 3] [--data-dir data/generated/307511-seed42]
// Writes the 'side-tables-ahead' section of docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { resolve } from 'node:path';
import {
  loadTables,
  readSideTablesAhead,
  readTable,
  tablePath,
  workspaceRoot,
  type SideTableName,
} from '@credit-scoring/data';
import { FeatureColumns, FeaturePipeline } from '@credit-scoring/features';
import { Dataset } from '@credit-scoring/lightgbm';

const WAYS = ['one at a time (readTable)', 'one ahead (readSideTablesAhead)'] as const;
type Way = (typeof WAYS)[number];

interface Measured {
  way: Way;
  seconds: number;
  cpuSeconds: number;
  peakRssGiB: number;
  /** md5 of the feature matrix of the first 20,000 applicants: the same in both ways or the bench fails */
  columns: string;
}

function argValue(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

function peakRss(): number {
  const line = fs
    .readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'));
  if (!line) throw new Error('no VmHWM in /proc/self/status');
  return Number(line.split(/\s+/)[1]) * 1024;
}

/** One way, in this process: the application read first (as the trainer's load stage), then the timed consumption. */
async function child(dataDir: string, way: Way): Promise<void> {
  const tables = await loadTables(dataDir, { application: 'train', sideTables: false });
  const ahead = way === WAYS[1] ? readSideTablesAhead(dataDir) : undefined;
  const oneAtATime = async (table: SideTableName) =>
    fs.existsSync(tablePath(dataDir, table)) ? readTable(tablePath(dataDir, table), table) : undefined;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const columns = await FeatureColumns.consume(tables, {
    sideTables: true,
    afterEachTable: () => Dataset.releaseFreedMemory(),
    load: ahead ? ahead.read : oneAtATime,
  }).finally(() => ahead?.close());
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const rows = Int32Array.from({ length: Math.min(columns.nRows, 20_000) }, (_, i) => i);
  const matrix = FeaturePipeline.fit(columns, { rows, sideTables: true }).transform(columns, { rows });
  const measured: Measured = {
    way,
    seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    peakRssGiB: peakRss() / 2 ** 30,
    columns: createHash('md5').update(new Uint8Array(matrix.data.buffer)).digest('hex'),
  };
  process.stdout.write(`${JSON.stringify(measured)}\n`);
}

async function main(): Promise<void> {
  const childAt = process.argv.indexOf('--child');
  if (childAt > 0) return child(process.argv[childAt + 1], process.argv[childAt + 2] as Way);
  const rounds = Number(argValue('--rounds', '3'));
  const dataDir = resolve(workspaceRoot(), argValue('--data-dir', 'data/generated/307511-seed42'));
  if (!fs.existsSync(tablePath(dataDir, 'installments_payments')))
    throw new Error(`no side tables in ${dataDir}: generate them with tools/bench/pipeline/kaggle.sh first`);
  const results: Measured[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [...WAYS] : [...WAYS].reverse();
    for (const way of order) {
      const out = execFileSync(process.execPath, [...process.execArgv, __filename, '--child', dataDir, way], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const measured = JSON.parse(out.trim().split('\n').at(-1) ?? '') as Measured;
      results.push(measured);
      process.stderr.write(
        `round ${round + 1} ${way}: ${measured.seconds.toFixed(1)} s, CPU ${measured.cpuSeconds.toFixed(1)} s, ` +
          `peak ${measured.peakRssGiB.toFixed(2)} GiB\n`,
      );
    }
  }
  if (new Set(results.map((r) => r.columns)).size !== 1) throw new Error('the two ways computed different columns');
  writeSection(results, rounds, dataDir);
}

function writeSection(results: Measured[], rounds: number, dataDir: string): void {
  const median = (a: number[]) => a.slice().sort((p, q) => p - q)[Math.floor(a.length / 2)];
  const cell = (a: number[], digits: number) =>
    `${median(a).toFixed(digits)} (${a.map((t) => t.toFixed(digits)).join(', ')})`;
  const rows = WAYS.map((way) => {
    const mine = results.filter((r) => r.way === way);
    const [wall, cpu, peak] = [
      mine.map((r) => r.seconds),
      mine.map((r) => r.cpuSeconds),
      mine.map((r) => r.peakRssGiB),
    ];
    return `| ${way} | ${cell(wall, 1)} | ${cell(cpu, 1)} | ${cell(peak, 2)} |`;
  });
  const md = [
    '## side-tables-ahead',
    '',
    `The features stage of \`trainer run\` at Kaggle scale (${relativeDir(dataDir)}: the application and six side ` +
      'tables, 2.6 GB of CSV): FeatureColumns.consume aggregating each side table as it is read, with the tables read ' +
      'one ahead (`readSideTablesAhead`, libs/data: the next file parsed by polars on its threads and its lines ' +
      "checked on a worker thread while this thread aggregates the table it has; the trainer's way since session 15) " +
      "beside one at a time on the caller's thread (`readTable`: check, then parse, then aggregate; the way before). " +
      `Each way in its own process, ${rounds} rounds interleaved, the application read before the clock starts; the ` +
      'feature matrix of the first 20,000 applicants is the same in every run (md5). Median (each round).',
    '',
    `Command: \`flock /tmp/heavy.lock npx tsx tools/bench/features/read-ahead.ts --rounds ${rounds}\``,
    '',
    '| side tables read | seconds | CPU seconds | peak RSS (GiB) |',
    '|---|---:|---:|---:|',
    ...rows,
    '',
  ].join('\n');
  require('../write-section.js').writeSection('side-tables-ahead', md);
}

const relativeDir = (dir: string) => dir.replace(`${workspaceRoot()}/`, '');

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

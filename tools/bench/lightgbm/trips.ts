// Early stopping's trips to the worker thread: the search's fits as the trainer runs them (a fold of 6,400 real
// applicants x the trainer's features, early stopping on its inner 15 %, two folds at once on one thread each), with
// one boosting round per trip (`maxRoundsPerTrip: 1`, the binding before commit b94112d) beside the default (every
// round up to the first one early stopping could stop at, in one trip). Same trees either way: checked here too.
//   flock /tmp/heavy.lock npx tsx tools/bench/lightgbm/trips.ts [--rounds 3]
// Needs ../shared/data/home-credit; writes the 'boost-trips' section of docs/benchmarks.md.
import { loadTables, realDataStatus } from '@credit-scoring/data';
import { FeaturePipeline, targetOf } from '@credit-scoring/features';
import { Dataset, train } from '@credit-scoring/lightgbm';
import {
  type BoosterSpec,
  lightgbmSpec,
  plainGbmSpec,
  stratifiedKFold,
  stratifiedSplit,
} from '@credit-scoring/scoring';

const SAMPLE = 8_000; // the trainer's search sample at Kaggle scale
const FOLDS = 5;
const SEED = 42;
const MODES = { 'one round per trip': 1, 'up to the earliest stop': undefined } as const;
type Mode = keyof typeof MODES;

interface FitResult {
  seconds: number;
  bestIteration: number;
  model: string;
}

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** One fit of the search: early stopping on the inner 15 % of the fold's training rows, one thread. */
async function fitFold(
  spec: BoosterSpec,
  x: Float64Array,
  y: Float64Array,
  nCols: number,
  trainRows: Int32Array,
  mode: Mode,
): Promise<FitResult> {
  const setup = spec.trainingSetup({}, SEED);
  const params = { ...setup.params, num_threads: 1 };
  const inner = stratifiedSplit(y, trainRows, 0.15, SEED);
  const datasetOf = (rows: Int32Array, reference?: Dataset) =>
    new Dataset(x, { nRows: rows.length, nCols, rows, label: Float64Array.from(rows, (r) => y[r]), params, reference });
  const started = performance.now();
  const fit = datasetOf(inner.train);
  const stop = datasetOf(inner.valid, fit);
  const booster = await train(params, fit, {
    valid: [stop],
    numBoostRound: setup.numBoostRound,
    earlyStoppingRounds: setup.earlyStoppingRounds,
    earlyStoppingMinRounds: setup.earlyStoppingMinRounds,
    maxRoundsPerTrip: MODES[mode],
  });
  const seconds = (performance.now() - started) / 1000;
  const result = { seconds, bestIteration: booster.bestIteration, model: booster.saveModel() };
  booster.free();
  fit.free();
  stop.free();
  return result;
}

async function main(): Promise<void> {
  const rounds = argValue('--rounds', 3);
  const status = realDataStatus();
  if (!status.available) throw new Error(`needs the real rows: ${status.reason}`);
  const tables = await loadTables(status.dir);
  const sample = Int32Array.from({ length: Math.min(SAMPLE, tables.application.height) }, (_, i) => i);
  const pipeline = FeaturePipeline.fit(tables, { rows: sample });
  const matrix = pipeline.transform(tables, { rows: sample });
  const y = targetOf(matrix);
  const folds = stratifiedKFold(y, FOLDS, SEED);
  process.stderr.write(`${matrix.nRows} applicants x ${matrix.nCols} features, ${FOLDS} folds\n`);

  const rows: string[] = [];
  for (const spec of [lightgbmSpec, plainGbmSpec]) {
    const times: Record<Mode, number[]> = { 'one round per trip': [], 'up to the earliest stop': [] };
    const models: Record<Mode, string[]> = { 'one round per trip': [], 'up to the earliest stop': [] };
    let best: number[] = [];
    for (let round = 0; round < rounds; round++) {
      // Interleaved, the order reversed each round, so a drift of the machine falls on both.
      const order = (Object.keys(MODES) as Mode[]).slice();
      if (round % 2 === 1) order.reverse();
      for (const mode of order) {
        // The whole search's shape: every fold, two at once, one thread each.
        const started = performance.now();
        const results: FitResult[] = [];
        for (let f = 0; f < FOLDS; f += 2) {
          const pair = folds.slice(f, f + 2);
          results.push(
            ...(await Promise.all(pair.map((fold) => fitFold(spec, matrix.data, y, matrix.nCols, fold.train, mode)))),
          );
        }
        times[mode].push((performance.now() - started) / 1000);
        models[mode] = results.map((r) => r.model);
        best = results.map((r) => r.bestIteration);
        process.stderr.write(`${spec.name} round ${round + 1} ${mode}: ${times[mode].at(-1)?.toFixed(2)} s\n`);
      }
    }
    const same = models['one round per trip'].every((m, i) => m === models['up to the earliest stop'][i]);
    if (!same) throw new Error(`${spec.name}: the two modes trained different trees`);
    const median = (a: number[]) => a.slice().sort((p, q) => p - q)[Math.floor(a.length / 2)];
    const one = median(times['one round per trip']);
    const batched = median(times['up to the earliest stop']);
    const cell = (a: number[]) => `${median(a).toFixed(2)} (${a.map((t) => t.toFixed(2)).join(', ')})`;
    rows.push(
      `| ${spec.name} | ${best.join(', ')} | ${cell(times['one round per trip'])} | ` +
        `${cell(times['up to the earliest stop'])} | ${(batched / one - 1) * 100 > 0 ? '+' : ''}${((batched / one - 1) * 100).toFixed(1)} % | yes |`,
    );
  }
  const md = [
    '## boost-trips',
    '',
    `Command: \`flock /tmp/heavy.lock npx tsx tools/bench/lightgbm/trips.ts --rounds ${rounds}\` (${new Date().toISOString().slice(0, 16)} UTC,`,
    `2 cores). The trainer's search fits, as it runs them: ${matrix.nRows.toLocaleString('en')} real`,
    `applicants (the first of ../shared's application_train.csv, with their side-table rows) x ${matrix.nCols} features, ${FOLDS} stratified`,
    "folds; each fold's booster early-stopped on the inner 15 % of its training rows with the family's default",
    'parameters, two folds at once on one thread each. Seconds for all five folds, median of the rounds (each round',
    'listed), the two ways interleaved. "Same trees": every fold\'s saved model text identical in both ways. The',
    'event loop has nothing else to do here; in the trainer it also serves the other family searching beside, so a trip',
    'waited longer there (section "pipeline", s13-trips: lightgbm\'s search 3m22s against 4m24s).',
    '',
    '| family | best iteration per fold | one round per trip, s | up to the earliest stop, s | change | same trees |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  process.stdout.write(`${md}\n`);
  require('../write-section.js').writeSection('boost-trips', md);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

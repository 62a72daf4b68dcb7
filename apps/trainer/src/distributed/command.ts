import type { MlflowClient } from '@credit-scoring/tracking';
import type { TrainConfig } from '../config';
import { formatSeconds, type StageClock } from '../progress';
import { runDistributed, type DistributedSettings } from './coordinator';

/** `trainer run --workers ...`: the distributed training, then its summary on stdout. */
export async function runDistributedCommand(
  config: TrainConfig,
  settings: DistributedSettings,
  client: MlflowClient,
  clock: StageClock,
): Promise<number> {
  const result = await runDistributed(config, settings, client, clock);
  const out = process.stdout;
  out.write(`\nDistributed LightGBM on ${result.workers} worker(s): ${result.iterations} iterations, `);
  out.write(`best ${result.bestIteration} (validation AUC ${result.bestValidAuc.toFixed(4)}); `);
  out.write(`test AUC ${result.testAuc.toFixed(4)}\n`);
  out.write('  rank  address                 rows      link    bin   boost   wait   total  peak RSS\n');
  for (const w of result.reports) {
    const s = w.seconds;
    out.write(
      `  ${String(w.rank).padStart(4)}  ${w.address.padEnd(22)} ${String(w.trainRows).padStart(6)} ` +
        [s.network, s.dataset, s.boosting, s.decisions, s.total].map((x) => formatSeconds(x).padStart(7)).join('') +
        `  ${(w.peakRssBytes / 2 ** 20).toFixed(0).padStart(5)} MB\n`,
    );
  }
  out.write(
    `Stages\n${clock.durations.map((d) => `  ${d.stage.padEnd(40)} ${formatSeconds(d.seconds)}`).join('\n')}\n`,
  );
  out.write(`Run: ${client.trackingUri}/#/experiments/${result.experimentId}/runs/${result.runId}\n`);
  // One machine-readable line for scripts (tests, tools/bench/distributed).
  const { runId, testAuc, bestIteration, iterations, workers, reports, seconds } = result;
  out.write(`RESULT ${JSON.stringify({ runId, testAuc, bestIteration, iterations, workers, seconds, reports })}\n`);
  return 0;
}

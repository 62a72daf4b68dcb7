import { relative } from 'node:path';
import { comparisonMarkdown } from '@credit-scoring/scoring';
import type { TrainConfig } from '../config';
import { formatSeconds } from '../progress';
import type { PipelineResult } from './train';

/** One row per model: CV cost and CV AUC of each trial, the chosen one in bold; trials a time budget cut are marked. */
function searchTrialsMarkdown(searches: PipelineResult['searches']): string {
  const width = Math.max(1, ...searches.map((s) => s.trials.length));
  const header = `| model | ${Array.from({ length: width }, (_, i) => `trial ${i + 1}: CV cost / CV AUC`).join(' | ')} |`;
  const rows = searches.map(({ model, chosen, stoppedBy, trials }) => {
    const cells = trials.map((t) => {
      const cell = `${t.cvCost.toFixed(2)} / ${t.cvAuc.toFixed(4)}`;
      return t.trial === chosen ? `**${cell}**` : cell;
    });
    while (cells.length < width) cells.push(stoppedBy === 'time' ? 'not run (time budget)' : '—');
    return `| ${model} | ${cells.join(' | ')} |`;
  });
  return [header, `|---|${'---:|'.repeat(width)}`, ...rows].join('\n');
}

/** The data folder as the command line gave it (relative to where it ran), not this machine's absolute path. */
function dataDirShown(dir: string): string {
  return relative(process.cwd(), dir) || '.';
}

/** The run's results as Markdown: what was run (the exact command), on what, and what came out. */
export function resultsMarkdown(
  result: PipelineResult,
  config: TrainConfig,
  command: string,
  trackingUri: string,
): string {
  const c = result.champion;
  const cost =
    config.cost.kind === 'credit'
      ? `credit: a false negative loses ${config.cost.fnLoss} × AMT_CREDIT, a false positive ${config.cost.fpLoss} × AMT_CREDIT`
      : `unit: a false negative costs ${config.cost.fn}, a false positive ${config.cost.fp}`;
  const s = result.splits;
  return [
    '# Results',
    '',
    `Written by the trainer on ${new Date().toISOString().slice(0, 10)} with:`,
    '',
    '```bash',
    command,
    '```',
    '',
    `- Data: ${config.dataDir ? dataDirShown(config.dataDir) : `generated, ${config.rows} applicants, seed ${config.seed}`} (default rate ${((result.data.defaultRate as number) * 100).toFixed(2)} %).`,
    `- Split: ${s.train} training applicants (search and ${s.folds}-fold stratified CV on ${s.cv} of them, the feature pipeline fitted inside each fold), ${s.test} held out for the test columns; ${s.features} features.`,
    ...(result.finalFits === 'champion'
      ? [
          `- Final fits: the champion only (\`--final-fits\`); the other families show their CV figures, — in the test columns.`,
        ]
      : []),
    `- Cost (${cost}); costs below are per applicant. Each model's threshold is the one minimising its out-of-fold cost; the test columns apply it unchanged.`,
    `- Seed ${config.seed}, ${config.budget} search trials per model. MLflow: ${trackingUri}, experiment \`${config.experiment}\`, parent run \`${result.parentRunId}\`.`,
    '',
    '## Model comparison',
    '',
    comparisonMarkdown(result.comparison),
    '',
    '## Search trials',
    '',
    "Trial 1 is each model's defaults; the search keeps the trial with the lowest CV cost (bold), which is not always the one",
    'with the highest CV AUC; — means the model had nothing more to search. Parameters of every trial: `search_trials.csv`',
    'in each model run.',
    '',
    searchTrialsMarkdown(result.searches),
    '',
    '## Champion',
    '',
    `- **${c.model}**, registered as \`${c.name}\` version ${c.version} with alias \`@${c.alias}\`.`,
    `- Cross-validated ROC AUC ${c.cvAuc.toFixed(4)} ± ${c.cvAucStd.toFixed(4)} (${s.folds} folds); test ROC AUC ${c.testAuc.toFixed(4)}.`,
    `- Decision threshold ${c.threshold} (refuse when the probability of default is at least this); the Bayes threshold FP/(FP+FN) for calibrated probabilities is ${c.bayes.threshold.toFixed(3)} — ${c.bayes.agrees ? 'they agree (within 0.02, or the Bayes threshold costs at most 0.5 % more)' : 'they differ: the probabilities are not calibrated for this cost'}.`,
    '',
    '## Time per stage (2 cores)',
    '',
    'Model families train side by side, so their stages overlap: the total is the wall time, not their sum.',
    '',
    '| stage | time |',
    '|---|---:|',
    ...result.stages.map((st) => `| ${st.stage} | ${formatSeconds(st.seconds)} |`),
    `| **total** | **${formatSeconds(result.elapsedSeconds)}** |`,
    '',
  ].join('\n');
}

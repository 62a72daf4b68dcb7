import {
  accuracy,
  CostModel,
  decideAll,
  f1,
  normalizedBusinessCost,
  rocAuc,
  type Numbers,
} from '@credit-scoring/decision';
import { CvResult } from './cv';
import { HyperParams } from './models';

/** One row of the model comparison table. Test metrics use the threshold chosen in cross-validation. */
export interface ComparisonRow {
  model: string;
  bestParams: HyperParams;
  threshold: number;
  accuracy: number;
  /** ROC AUC on the held-out test set. */
  auc: number;
  f1: number;
  /** Mean ROC AUC over the CV folds (the best parameters'). */
  cvAuc: number;
  /** Mean CV business cost per applicant. */
  cvCost: number;
  /** Business cost per applicant on the held-out test set. */
  testCost: number;
}

export function comparisonRow(args: {
  model: string;
  cv: CvResult;
  test: { yTrue: Numbers; prob: Numbers; amtCredit?: Numbers };
  costModel: CostModel;
}): ComparisonRow {
  const { cv, test } = args;
  const decisions = decideAll(test.prob, cv.threshold);
  return {
    model: args.model,
    bestParams: cv.params,
    threshold: cv.threshold,
    accuracy: accuracy(test.yTrue, decisions),
    auc: rocAuc(test.yTrue, test.prob),
    f1: f1(test.yTrue, decisions),
    cvAuc: cv.mean.auc,
    cvCost: cv.mean.normalizedCost,
    testCost: normalizedBusinessCost(test.yTrue, decisions, test.amtCredit, args.costModel),
  };
}

/**
 * The comparison's figures as text cells, best test cost first, one row per model: threshold, CV AUC, test AUC,
 * accuracy, F1, CV cost, test cost (accuracy and F1 on the test set). The Markdown and console tables both print these.
 */
export function comparisonCells(
  rows: ComparisonRow[],
  opts: { costDigits?: number } = {},
): Array<{ row: ComparisonRow; cells: string[] }> {
  const digits = opts.costDigits ?? 2;
  return rows
    .slice()
    .sort((a, b) => a.testCost - b.testCost)
    .map((r) => ({
      row: r,
      cells: [
        r.threshold.toFixed(3),
        r.cvAuc.toFixed(4),
        r.auc.toFixed(4),
        r.accuracy.toFixed(4),
        r.f1.toFixed(4),
        r.cvCost.toFixed(digits),
        r.testCost.toFixed(digits),
      ],
    }));
}

/** The comparison as a Markdown table with each model's best parameters. */
export function comparisonMarkdown(rows: ComparisonRow[], opts: { costDigits?: number } = {}): string {
  const params = (p: HyperParams) =>
    Object.entries(p)
      .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(4)) : v}`)
      .join(', ') || '—';
  const lines = [
    '| model | best params | threshold | CV AUC | test AUC | accuracy | F1 | CV cost / applicant | test cost / applicant |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...comparisonCells(rows, opts).map(
      ({ row, cells }) => `| ${row.model} | ${params(row.bestParams)} | ${cells.join(' | ')} |`,
    ),
  ];
  return lines.join('\n');
}

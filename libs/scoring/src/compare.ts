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

/**
 * One row of the model comparison table. Test metrics use the threshold chosen in cross-validation; they are null for
 * a family that had no final fit (the trainer's `--final-fits champion`): its row holds its search's figures only.
 */
export interface ComparisonRow {
  model: string;
  bestParams: HyperParams;
  threshold: number;
  accuracy: number | null;
  /** ROC AUC on the held-out test set. */
  auc: number | null;
  f1: number | null;
  /** Mean ROC AUC over the CV folds (the best parameters'). */
  cvAuc: number;
  /** Mean CV business cost per applicant. */
  cvCost: number;
  /** Business cost per applicant on the held-out test set. */
  testCost: number | null;
}

/** A comparison row with its test figures: the family was fitted on the whole training part and scored on the test set. */
export type TestedRow = ComparisonRow & { accuracy: number; auc: number; f1: number; testCost: number };

/** The row of a family that was searched and cross-validated but not fitted on the whole training part. */
export function searchedRow(args: { model: string; cv: CvResult }): ComparisonRow {
  const { cv } = args;
  return {
    model: args.model,
    bestParams: cv.params,
    threshold: cv.threshold,
    accuracy: null,
    auc: null,
    f1: null,
    cvAuc: cv.mean.auc,
    cvCost: cv.mean.normalizedCost,
    testCost: null,
  };
}

export function comparisonRow(args: {
  model: string;
  cv: CvResult;
  test: { yTrue: Numbers; prob: Numbers; amtCredit?: Numbers };
  costModel: CostModel;
}): TestedRow {
  const { cv, test } = args;
  const decisions = decideAll(test.prob, cv.threshold);
  return {
    ...searchedRow({ model: args.model, cv }),
    accuracy: accuracy(test.yTrue, decisions),
    auc: rocAuc(test.yTrue, test.prob),
    f1: f1(test.yTrue, decisions),
    testCost: normalizedBusinessCost(test.yTrue, decisions, test.amtCredit, args.costModel),
  };
}

/** What a table shows for a test figure of a family that had no final fit. */
export const NOT_TESTED = '—';

/**
 * The comparison's figures as text cells, best test cost first (then the families without test figures, best CV cost
 * first), one row per model: threshold, CV AUC, test AUC, accuracy, F1, CV cost, test cost (accuracy and F1 on the
 * test set; NOT_TESTED where there was no final fit). The Markdown and console tables both print these.
 */
export function comparisonCells(
  rows: ComparisonRow[],
  opts: { costDigits?: number } = {},
): Array<{ row: ComparisonRow; cells: string[] }> {
  const digits = opts.costDigits ?? 2;
  const fixed = (value: number | null, places: number) => (value === null ? NOT_TESTED : value.toFixed(places));
  return rows
    .slice()
    .sort((a, b) => testCostOrder(a) - testCostOrder(b) || a.cvCost - b.cvCost)
    .map((r) => ({
      row: r,
      cells: [
        r.threshold.toFixed(3),
        r.cvAuc.toFixed(4),
        fixed(r.auc, 4),
        fixed(r.accuracy, 4),
        fixed(r.f1, 4),
        r.cvCost.toFixed(digits),
        fixed(r.testCost, digits),
      ],
    }));
}

/** Rows without test figures sort after every row with them. */
const testCostOrder = (row: ComparisonRow) => row.testCost ?? Number.POSITIVE_INFINITY;

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

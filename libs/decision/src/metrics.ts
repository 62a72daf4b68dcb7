import { decideAll } from './decide';
import { checkBinaryLabels, checkFiniteScores, checkSameLength, Numbers } from './validate';

/** Counts for binary decisions, positive class = 1 (default). */
export interface ConfusionMatrix {
  tn: number;
  fp: number;
  fn: number;
  tp: number;
}

function checkDecisions(what: string, yTrue: Numbers, yPred: Numbers): number {
  const n = checkSameLength(what, { yTrue, yPred });
  checkBinaryLabels(what, yTrue);
  for (let i = 0; i < n; i++) {
    if (yPred[i] !== 0 && yPred[i] !== 1)
      throw new Error(`${what}: yPred[${i}] = ${yPred[i]} is not a decision (0 or 1)`);
  }
  return n;
}

export function confusionMatrix(yTrue: Numbers, yPred: Numbers): ConfusionMatrix {
  const n = checkDecisions('confusionMatrix', yTrue, yPred);
  const m: ConfusionMatrix = { tn: 0, fp: 0, fn: 0, tp: 0 };
  for (let i = 0; i < n; i++) {
    if (yTrue[i] === 1) {
      if (yPred[i] === 1) m.tp++;
      else m.fn++;
    } else if (yPred[i] === 1) m.fp++;
    else m.tn++;
  }
  return m;
}

export function accuracy(yTrue: Numbers, yPred: Numbers): number {
  const m = confusionMatrix(yTrue, yPred);
  return (m.tp + m.tn) / yTrue.length;
}

/** tp / (tp + fp); 0 when nothing is predicted positive (sklearn's zero_division default). */
export function precision(yTrue: Numbers, yPred: Numbers): number {
  const m = confusionMatrix(yTrue, yPred);
  return m.tp + m.fp === 0 ? 0 : m.tp / (m.tp + m.fp);
}

/** tp / (tp + fn); 0 when there is no positive (sklearn's zero_division default). */
export function recall(yTrue: Numbers, yPred: Numbers): number {
  const m = confusionMatrix(yTrue, yPred);
  return m.tp + m.fn === 0 ? 0 : m.tp / (m.tp + m.fn);
}

export function f1(yTrue: Numbers, yPred: Numbers): number {
  const m = confusionMatrix(yTrue, yPred);
  const denominator = 2 * m.tp + m.fp + m.fn;
  return denominator === 0 ? 0 : (2 * m.tp) / denominator;
}

/**
 * Cumulative (false positives, true positives) after each group of tied scores, scores visited from high to low.
 * Tied scores form one step, which is how sklearn's roc_curve / precision_recall_curve treat ties.
 */
interface ScoreSteps {
  thresholds: number[];
  fps: number[];
  tps: number[];
  positives: number;
  negatives: number;
}

function scoreSteps(what: string, yTrue: Numbers, scores: Numbers): ScoreSteps {
  const n = checkSameLength(what, { yTrue, scores });
  checkBinaryLabels(what, yTrue);
  checkFiniteScores(what, 'scores', scores);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const steps: ScoreSteps = { thresholds: [], fps: [], tps: [], positives: 0, negatives: 0 };
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    if (yTrue[i] === 1) tp++;
    else fp++;
    const lastOfGroup = k === n - 1 || scores[order[k + 1]] !== scores[i];
    if (lastOfGroup) {
      steps.thresholds.push(scores[i]);
      steps.fps.push(fp);
      steps.tps.push(tp);
    }
  }
  steps.positives = tp;
  steps.negatives = fp;
  return steps;
}

export interface RocCurve {
  fpr: number[];
  tpr: number[];
  thresholds: number[];
}

/**
 * ROC curve at every distinct score (sklearn's roc_curve with drop_intermediate=false): starts at (0, 0) with
 * threshold +Infinity, then one point per distinct score from high to low.
 */
export function rocCurve(yTrue: Numbers, scores: Numbers): RocCurve {
  const s = scoreSteps('rocCurve', yTrue, scores);
  if (s.positives === 0 || s.negatives === 0) {
    throw new Error(`rocCurve: needs both classes, got ${s.positives} positives and ${s.negatives} negatives`);
  }
  return {
    fpr: [0, ...s.fps.map((v) => v / s.negatives)],
    tpr: [0, ...s.tps.map((v) => v / s.positives)],
    thresholds: [Infinity, ...s.thresholds],
  };
}

/** Area under the ROC curve by the trapezoidal rule over tied-score steps (identical to sklearn's roc_auc_score). */
export function rocAuc(yTrue: Numbers, scores: Numbers): number {
  const { fpr, tpr } = rocCurve(yTrue, scores);
  let area = 0;
  for (let k = 1; k < fpr.length; k++) area += ((fpr[k] - fpr[k - 1]) * (tpr[k] + tpr[k - 1])) / 2;
  return area;
}

/**
 * Average precision, sklearn's average_precision_score: Σ (R_k − R_{k−1}) · P_k over the tied-score steps
 * (a step function, no interpolation).
 */
export function prAuc(yTrue: Numbers, scores: Numbers): number {
  const s = scoreSteps('prAuc', yTrue, scores);
  if (s.positives === 0) throw new Error('prAuc: needs at least one positive label');
  let ap = 0;
  let previousRecall = 0;
  for (let k = 0; k < s.thresholds.length; k++) {
    const r = s.tps[k] / s.positives;
    const p = s.tps[k] / (s.tps[k] + s.fps[k]);
    ap += (r - previousRecall) * p;
    previousRecall = r;
  }
  return ap;
}

/** Every threshold-free and thresholded metric at once, for CV folds, test sets and MLflow. */
export interface ClassificationReport {
  auc: number;
  prAuc: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  confusion: ConfusionMatrix;
  threshold: number;
}

export function classificationReport(yTrue: Numbers, prob: Numbers, threshold: number): ClassificationReport {
  const yPred = decideAll(prob, threshold);
  const confusion = confusionMatrix(yTrue, yPred);
  const { tp, fp, fn, tn } = confusion;
  return {
    auc: rocAuc(yTrue, prob),
    prAuc: prAuc(yTrue, prob),
    accuracy: (tp + tn) / yTrue.length,
    precision: tp + fp === 0 ? 0 : tp / (tp + fp),
    recall: tp + fn === 0 ? 0 : tp / (tp + fn),
    f1: 2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn),
    confusion,
    threshold,
  };
}

import { ConfusionMatrix, rocAuc, rocCurve, ThresholdSearchResult, type Numbers } from '@credit-scoring/decision';
import { Plot, renderPlots, VegaLiteSpec } from './render';

/*
 * Chart specifications (pure functions, easy to inspect) and their rendered versions. Every chart is a Vega-Lite
 * spec with inline data; rendering happens in one worker per call (see render.ts).
 */

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const WIDTH = 480;
const HEIGHT = 360;

/** At most `max` evenly spaced indices of 0..n−1 (first and last kept), so big curves stay small SVGs. */
function thinIndices(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: max }, (_, k) => Math.round((k * (n - 1)) / (max - 1)));
}

/** The chance line and the axes every ROC chart shares. */
const CHANCE_DIAGONAL = {
  data: {
    values: [
      { fpr: 0, tpr: 0 },
      { fpr: 1, tpr: 1 },
    ],
  },
  mark: { type: 'line', strokeDash: [4, 4], color: '#999999' },
  encoding: { x: { field: 'fpr', type: 'quantitative' }, y: { field: 'tpr', type: 'quantitative' } },
};
const ROC_AXES = {
  x: {
    field: 'fpr',
    type: 'quantitative',
    title: 'False positive rate (good clients refused)',
    scale: { domain: [0, 1] },
  },
  y: { field: 'tpr', type: 'quantitative', title: 'True positive rate (defaults caught)', scale: { domain: [0, 1] } },
};

export function rocCurveSpec(yTrue: Numbers, prob: Numbers, opts: { title?: string } = {}): VegaLiteSpec {
  const curve = rocCurve(yTrue, prob);
  const auc = rocAuc(yTrue, prob);
  const points = thinIndices(curve.fpr.length, 800).map((k) => ({ fpr: curve.fpr[k], tpr: curve.tpr[k] }));
  return {
    $schema: SCHEMA,
    title: opts.title ?? `ROC curve (AUC = ${auc.toFixed(3)})`,
    width: WIDTH,
    height: HEIGHT,
    layer: [
      CHANCE_DIAGONAL,
      {
        data: { values: points },
        mark: { type: 'line', color: '#1f77b4' },
        encoding: {
          ...ROC_AXES,
          order: { field: 'fpr' },
        },
      },
    ],
  };
}

/** One model's scores for the ROC overlay. */
export interface RocSeries {
  model: string;
  yTrue: Numbers;
  prob: Numbers;
}

/** Every model's ROC curve on one chart (same test rows), the legend naming each with its AUC, best first. */
export function rocOverlaySpec(series: RocSeries[], opts: { title?: string } = {}): VegaLiteSpec {
  const curves = series
    .map((s) => ({ ...s, auc: rocAuc(s.yTrue, s.prob), curve: rocCurve(s.yTrue, s.prob) }))
    .sort((a, b) => b.auc - a.auc);
  const label = (c: { model: string; auc: number }) => `${c.model} (AUC ${c.auc.toFixed(3)})`;
  const points = curves.flatMap((c) =>
    thinIndices(c.curve.fpr.length, 400).map((k) => ({ model: label(c), fpr: c.curve.fpr[k], tpr: c.curve.tpr[k] })),
  );
  return {
    $schema: SCHEMA,
    title: opts.title ?? 'ROC curves of the compared models (test set)',
    width: WIDTH,
    height: HEIGHT,
    layer: [
      CHANCE_DIAGONAL,
      {
        data: { values: points },
        mark: { type: 'line', strokeWidth: 1.8 },
        encoding: {
          ...ROC_AXES,
          color: {
            field: 'model',
            type: 'nominal',
            title: 'model',
            sort: curves.map(label),
            scale: { scheme: 'category10' },
            legend: { orient: 'bottom-right', labelLimit: 260 },
          },
          order: { field: 'fpr' },
        },
      },
    ],
  };
}

export function costCurveSpec(
  search: ThresholdSearchResult,
  opts: { title?: string; bayesThreshold?: number; costLabel?: string } = {},
): VegaLiteSpec {
  const { thresholds, normalizedCosts } = search.curve;
  const points = thinIndices(thresholds.length, 1001).map((k) => ({
    threshold: thresholds[k],
    cost: normalizedCosts[k],
  }));
  const marks: Array<{ threshold: number; label: string; color: string }> = [
    { threshold: search.threshold, label: `chosen ${search.threshold.toFixed(3)}`, color: '#d62728' },
  ];
  if (opts.bayesThreshold !== undefined) {
    marks.push({ threshold: opts.bayesThreshold, label: `Bayes ${opts.bayesThreshold.toFixed(3)}`, color: '#2ca02c' });
  }
  return {
    $schema: SCHEMA,
    title: opts.title ?? 'Business cost by decision threshold',
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values: points },
        mark: { type: 'line', color: '#1f77b4' },
        encoding: {
          x: {
            field: 'threshold',
            type: 'quantitative',
            title: 'Threshold (refuse when P(default) ≥ threshold)',
            scale: { domain: [0, 1] },
          },
          y: { field: 'cost', type: 'quantitative', title: opts.costLabel ?? 'Cost per applicant' },
        },
      },
      {
        data: { values: marks },
        mark: { type: 'rule', strokeDash: [6, 3] },
        encoding: {
          x: { field: 'threshold', type: 'quantitative' },
          color: { field: 'color', type: 'nominal', scale: null },
        },
      },
      {
        data: { values: marks.map((m, k) => ({ ...m, row: k })) },
        mark: { type: 'text', align: 'left', dx: 4, baseline: 'top', fontSize: 12 },
        encoding: {
          x: { field: 'threshold', type: 'quantitative' },
          y: { value: 0 },
          yOffset: { field: 'row', type: 'quantitative', scale: { range: [4, 22] } },
          text: { field: 'label' },
          color: { field: 'color', type: 'nominal', scale: null },
        },
      },
    ],
  };
}

export function confusionMatrixSpec(m: ConfusionMatrix, opts: { title?: string } = {}): VegaLiteSpec {
  const total = m.tn + m.fp + m.fn + m.tp;
  const cell = (actual: string, predicted: string, count: number) => ({
    actual,
    predicted,
    count,
    label: `${count} (${((100 * count) / total).toFixed(1)}%)`,
  });
  const values = [
    cell('repaid (0)', 'accept (0)', m.tn),
    cell('repaid (0)', 'refuse (1)', m.fp),
    cell('default (1)', 'accept (0)', m.fn),
    cell('default (1)', 'refuse (1)', m.tp),
  ];
  return {
    $schema: SCHEMA,
    title: opts.title ?? 'Confusion matrix',
    width: 320,
    height: 320,
    data: { values },
    encoding: {
      x: { field: 'predicted', type: 'nominal', title: 'Decision', axis: { labelAngle: 0 } },
      y: { field: 'actual', type: 'nominal', title: 'Outcome', sort: ['repaid (0)', 'default (1)'] },
    },
    layer: [
      {
        mark: 'rect',
        encoding: { color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues' }, title: 'count' } },
      },
      {
        mark: { type: 'text', fontSize: 14 },
        encoding: {
          text: { field: 'label' },
          color: { condition: { test: `datum.count > ${total / 4}`, value: 'white' }, value: 'black' },
        },
      },
    ],
  };
}

export interface ImportanceRow {
  feature: string;
  importance: number;
}

export function importanceSpec(
  rows: ImportanceRow[],
  opts: { title?: string; top?: number; measure?: string } = {},
): VegaLiteSpec {
  const top = rows
    .slice()
    .sort((a, b) => b.importance - a.importance)
    .slice(0, opts.top ?? 20);
  return {
    $schema: SCHEMA,
    title: opts.title ?? `Feature importance (${opts.measure ?? 'gain'}), top ${top.length}`,
    width: WIDTH,
    height: Math.max(120, 18 * top.length),
    data: { values: top },
    mark: { type: 'bar', color: '#1f77b4' },
    encoding: {
      y: { field: 'feature', type: 'nominal', sort: '-x', title: null },
      x: { field: 'importance', type: 'quantitative', title: opts.measure ?? 'gain' },
    },
  };
}

/** One dot of the SHAP summary: a row's contribution for a feature and where its value sits (0 = low, 1 = high). */
export interface ShapPoint {
  feature: string;
  contribution: number;
  valueRank: number | null;
  jitter: number;
}

export function shapSummarySpec(
  points: ShapPoint[],
  featureOrder: string[],
  opts: { title?: string } = {},
): VegaLiteSpec {
  return {
    $schema: SCHEMA,
    title: opts.title ?? `SHAP summary, top ${featureOrder.length} features`,
    width: WIDTH,
    height: { step: 22 } as unknown as number,
    data: { values: points },
    mark: { type: 'circle', size: 12, opacity: 0.7 },
    encoding: {
      y: { field: 'feature', type: 'nominal', sort: featureOrder, title: null },
      yOffset: { field: 'jitter', type: 'quantitative', scale: { domain: [-1, 1] } },
      x: { field: 'contribution', type: 'quantitative', title: 'SHAP value (contribution to log-odds of default)' },
      color: {
        field: 'valueRank',
        type: 'quantitative',
        title: 'feature value',
        scale: { domain: [0, 1], range: ['#1f77b4', '#d62728'] },
        legend: { labelExpr: "datum.value == 0 ? 'low' : datum.value == 1 ? 'high' : ''", values: [0, 1] },
      },
    },
  };
}

async function renderOne(spec: VegaLiteSpec): Promise<Plot> {
  const [plot] = await renderPlots([spec]);
  return plot;
}

export const rocCurvePlot = (yTrue: Numbers, prob: Numbers, opts?: { title?: string }) =>
  renderOne(rocCurveSpec(yTrue, prob, opts));
export const rocOverlayPlot = (series: RocSeries[], opts?: { title?: string }) =>
  renderOne(rocOverlaySpec(series, opts));
export const costCurvePlot = (
  search: ThresholdSearchResult,
  opts?: { title?: string; bayesThreshold?: number; costLabel?: string },
) => renderOne(costCurveSpec(search, opts));
export const confusionMatrixPlot = (m: ConfusionMatrix, opts?: { title?: string }) =>
  renderOne(confusionMatrixSpec(m, opts));
export const importancePlot = (rows: ImportanceRow[], opts?: { title?: string; top?: number; measure?: string }) =>
  renderOne(importanceSpec(rows, opts));
export const shapSummaryPlot = (points: ShapPoint[], featureOrder: string[], opts?: { title?: string }) =>
  renderOne(shapSummarySpec(points, featureOrder, opts));

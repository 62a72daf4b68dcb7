import { confusionMatrix, decideAll, thresholdSearch } from '@credit-scoring/decision';
import { summarizeContributions } from './importance';
import { Mulberry32Random } from '@credit-scoring/data';
import {
  confusionMatrixPlot,
  costCurvePlot,
  costCurveSpec,
  importancePlot,
  rocCurvePlot,
  rocOverlayPlot,
  shapSummaryPlot,
} from './plots/charts';
import { Plot, rasterizeSvg, renderSvgs } from './plots/render';
import { runLoneProcess } from './testing/lone-process';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function expectValidPlot(plot: Plot, texts: string[]): void {
  expect(plot.svg.startsWith('<svg')).toBe(true);
  expect(plot.svg.trimEnd().endsWith('</svg>')).toBe(true);
  for (const text of texts) expect(plot.svg).toContain(text);
  expect(plot.png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(plot.png.length).toBeGreaterThan(5_000);
}

/** Share of pixels that are not (near) white. */
function inkShare(svg: string): number {
  const { rgba } = rasterizeSvg(svg);
  let ink = 0;
  for (let p = 0; p < rgba.length; p += 4) if (rgba[p] + rgba[p + 1] + rgba[p + 2] < 600) ink++;
  return ink / (rgba.length / 4);
}

describe('plots (vega-lite → SVG → PNG)', () => {
  const random = new Mulberry32Random(5);
  const n = 2000;
  const prob = Float64Array.from({ length: n }, () => random.next() ** 2);
  const yTrue = Uint8Array.from(prob, (p) => (random.next() < p ? 1 : 0));

  it('ROC curve', async () => {
    expectValidPlot(await rocCurvePlot(yTrue, prob), ['ROC curve (AUC = ', 'False positive rate']);
  });

  it('ROC overlay: one curve per model, the legend naming each with its AUC, best first', async () => {
    const noisy = Float64Array.from(prob, (p) => 0.5 * p + 0.5 * random.next());
    const plot = await rocOverlayPlot([
      { model: 'Noisy', yTrue, prob: noisy },
      { model: 'LightGBM', yTrue, prob },
    ]);
    expectValidPlot(plot, ['ROC curves of the compared models', 'LightGBM (AUC ', 'Noisy (AUC ']);
    expect(plot.svg.indexOf('LightGBM (AUC ')).toBeLessThan(plot.svg.indexOf('Noisy (AUC '));
  });

  it('cost vs threshold marks the chosen threshold', async () => {
    const search = thresholdSearch(yTrue, prob, undefined, { kind: 'unit', fn: 10, fp: 1 });
    const spec = costCurveSpec(search, { bayesThreshold: 1 / 11 });
    expect(JSON.stringify(spec)).toContain(`chosen ${search.threshold.toFixed(3)}`);
    expectValidPlot(await costCurvePlot(search, { bayesThreshold: 1 / 11 }), [
      `chosen ${search.threshold.toFixed(3)}`,
      'Bayes 0.091',
    ]);
  });

  it('confusion matrix heatmap', async () => {
    const m = confusionMatrix(yTrue, decideAll(prob, 0.3));
    expectValidPlot(await confusionMatrixPlot(m), ['Confusion matrix', `${m.tp} (`, 'refuse (1)']);
  });

  it('gain importance bars', async () => {
    const rows = Array.from({ length: 30 }, (_, j) => ({ feature: `FEATURE_${j}`, importance: (j * 37) % 101 }));
    const plot = await importancePlot(rows, { top: 20 });
    expectValidPlot(plot, ['FEATURE_', 'top 20']);
    // Only the top 20 are drawn: FEATURE_0 has importance 0, the lowest.
    expect(plot.svg).not.toContain('>FEATURE_0<');
  });

  it('SHAP summary beeswarm', async () => {
    const names = Array.from({ length: 25 }, (_, j) => `F${j}`);
    const rows = 300;
    const data = Float64Array.from({ length: rows * 25 }, () => random.next());
    const contribs = new Float64Array(rows * 26);
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < 25; j++) contribs[i * 26 + j] = (data[i * 25 + j] - 0.5) * (25 - j);
    const summary = summarizeContributions(contribs, data, names, { top: 20 });
    const plot = await shapSummaryPlot(summary.points, summary.featureOrder);
    expectValidPlot(plot, ['SHAP summary', 'F0', 'feature value']);
    expect(plot.svg).not.toContain('>F24<');
  });

  it('text is really drawn with the system fonts', async () => {
    // Same chart with and without its title and axis titles: the text must add visible ink.
    const m = { tn: 50, fp: 10, fn: 5, tp: 8 };
    const withText = await confusionMatrixPlot(m, { title: 'WWWWWWWWWWWWWWWWWWWWWWWWWWWW' });
    const withoutText = await confusionMatrixPlot(m, { title: '' });
    expect(inkShare(withText.svg) - inkShare(withoutText.svg)).toBeGreaterThan(0.005);
  });

  it('one worker serves charts drawn at once, survives a bad spec, and never keeps the process alive', async () => {
    const titles = Array.from({ length: 6 }, (_, i) => `chart number ${i}`);
    const m = { tn: 50, fp: 10, fn: 5, tp: 8 };
    const plots = await Promise.all(titles.map((title) => confusionMatrixPlot(m, { title })));
    plots.forEach((plot, i) => expectValidPlot(plot, [titles[i]]));
    await expect(renderSvgs([{ mark: 'no-such-mark', data: { values: [] } }])).rejects.toThrow(/vega rendering failed/);
    expectValidPlot(await confusionMatrixPlot(m, { title: 'after the failure' }), ['after the failure']);
    // A process that draws a chart and has nothing else to do exits by itself, promptly.
    const script = `require(${JSON.stringify(require.resolve('./plots/charts'))})
      .confusionMatrixPlot({ tn: 1, fp: 2, fn: 3, tp: 4 }).then((p) => process.stdout.write(String(p.svg.length)))`;
    const child = runLoneProcess(script, 30_000);
    expect(child.error).toBeUndefined();
    expect(child.status).toBe(0);
    expect(Number(child.stdout.trim())).toBeGreaterThan(1000);
  });
});

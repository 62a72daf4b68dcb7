// Worker thread that turns Vega-Lite specs into SVG. vega and vega-lite are ES modules only; a worker runs in plain
// Node (outside Jest's CommonJS sandbox, and under tsx or compiled JS alike), so importing them here always works.
// It lives as long as the process and answers every request: importing vega and vega-lite is most of a chart's cost.
import { parentPort } from 'node:worker_threads';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

async function toSvg(spec) {
  const { spec: compiled } = vegaLite.compile(spec);
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

parentPort.on('message', async ({ id, specs }) => {
  try {
    const svgs = [];
    for (const spec of specs) svgs.push(await toSvg(spec));
    parentPort.postMessage({ id, svgs });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});

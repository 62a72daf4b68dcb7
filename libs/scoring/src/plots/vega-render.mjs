// Worker thread that turns Vega-Lite specs into SVG. vega and vega-lite are ES modules only; a worker runs in plain
// Node (outside Jest's CommonJS sandbox, and under tsx or compiled JS alike), so importing them here always works.
import { parentPort, workerData } from 'node:worker_threads';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

const svgs = [];
for (const spec of workerData.specs) {
  const { spec: compiled } = vegaLite.compile(spec);
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  svgs.push(await view.toSVG());
  view.finalize();
}
parentPort.postMessage(svgs);

import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Resvg } from '@resvg/resvg-js';

/** A rendered chart: the SVG text and the same picture as PNG bytes. */
export interface Plot {
  svg: string;
  png: Buffer;
}

/** A Vega-Lite specification (JSON). Typed loosely on purpose: vega-lite's own types are ESM-only. */
export type VegaLiteSpec = Record<string, unknown>;

/** Fonts resvg should use: the system ones (DejaVu on our images), so axis labels and titles are drawn. */
const FONT_FAMILY = 'DejaVu Sans';

/** Renders specs to SVG in a short-lived worker (see vega-render.mjs for why a worker). */
export function renderSvgs(specs: VegaLiteSpec[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'vega-render.mjs'), { workerData: { specs } });
    worker.once('message', (svgs: string[]) => resolve(svgs));
    worker.once('error', (error) => reject(new Error(`vega rendering failed: ${error.message}`)));
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`vega rendering worker exited with code ${code}`));
    });
  });
}

function resvgFor(svg: string, scale: number): Resvg {
  return new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
  });
}

/** SVG → PNG with resvg, at `scale` × the SVG size (2 = crisp on high-DPI screens and in reports). */
export function svgToPng(svg: string, scale = 2): Buffer {
  return resvgFor(svg, scale).render().asPng();
}

/** SVG → raw RGBA pixels (what the PNG encodes), e.g. to check that text was actually drawn. */
export function rasterizeSvg(svg: string, scale = 1): { width: number; height: number; rgba: Buffer } {
  const image = resvgFor(svg, scale).render();
  return { width: image.width, height: image.height, rgba: image.pixels };
}

export async function renderPlots(specs: VegaLiteSpec[]): Promise<Plot[]> {
  const svgs = await renderSvgs(
    specs.map((spec) => ({ ...spec, config: { font: FONT_FAMILY, ...(spec.config as object) } })),
  );
  return svgs.map((svg) => ({ svg, png: svgToPng(svg) }));
}

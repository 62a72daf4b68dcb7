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

interface Pending {
  resolve: (svgs: string[]) => void;
  reject: (error: Error) => void;
}
type Reply = { id: number; svgs: string[] } | { id: number; error: string };

/**
 * The process's one Vega worker (see vega-render.mjs for why a worker). Started on the first chart and kept: a worker
 * per chart spent ~0.4 s of its ~0.45 s importing vega and vega-lite, and a training run draws ~20 charts, the last
 * ones on its critical path. Unreferenced while idle, so it never keeps the process alive; a crash fails the charts
 * in flight and the next chart starts a new worker.
 */
class VegaWorker {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();

  render(specs: VegaLiteSpec[]): Promise<string[]> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref(); // a chart in flight keeps the process alive
      worker.postMessage({ id, specs });
    });
  }

  private start(): Worker {
    const worker = new Worker(path.join(__dirname, 'vega-render.mjs'));
    worker.on('message', (reply: Reply) => {
      const request = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if ('error' in reply) request?.reject(new Error(`vega rendering failed: ${reply.error}`));
      else request?.resolve(reply.svgs);
    });
    worker.on('error', (error) => this.fail(worker, new Error(`vega rendering failed: ${error.message}`)));
    worker.on('exit', (code) => this.fail(worker, new Error(`vega rendering worker exited with code ${code}`)));
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private fail(worker: Worker, error: Error): void {
    if (this.worker === worker) this.worker = undefined;
    for (const request of this.pending.values()) request.reject(error);
    this.pending.clear();
  }
}

const vegaWorker = new VegaWorker();

/** Renders specs to SVG on the process's Vega worker. */
export function renderSvgs(specs: VegaLiteSpec[]): Promise<string[]> {
  return vegaWorker.render(specs);
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

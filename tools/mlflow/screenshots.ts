// Screenshots of the MLflow UI for the README (docs/images/mlflow-*.png), regenerated from scratch: a throw-away MLflow
// server, `trainer run` on a small generated data set into it, then headless Chromium (Debian's /usr/bin/chromium
// driven by puppeteer-core) on the runs table, the logged models and the parent run's ROC overlay.
//
//   npx tsx tools/mlflow/screenshots.ts [--out docs/images] [--rows 2000] [--chromium /usr/bin/chromium]
//   npx tsx tools/mlflow/screenshots.ts --tracking-uri http://127.0.0.1:5000   # pictures of an existing server's
//                                       experiment credit-scoring (its latest comparison), without training
//
// About two minutes on 2 cores. Nothing is left behind but the PNGs (and the generated data under data/generated/).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import puppeteer, { type Page } from 'puppeteer-core';
import { MlflowClient } from '@credit-scoring/tracking';
import { workspaceRoot } from '@credit-scoring/data';
import { startLocalServer } from '@credit-scoring/tracking/server';

const EXPERIMENT = 'credit-scoring';
/** Expands the parents of the runs table (nested runs start collapsed; the +/- button of the run-name cell). */
const EXPAND_PARENTS = `document.querySelectorAll('button[data-component-id*="runnamecellrenderer"]').forEach((b) => b.click())`;
/** Closes the MLflow Assistant side panel, which would take a third of the picture. */
const CLOSE_ASSISTANT = `(() => {
  const close = [...document.querySelectorAll('button')].find((b) => b.getAttribute('aria-label') === 'Close');
  if (close) close.click();
})()`;
const VIEWPORT = { width: 1600, height: 900, deviceScaleFactor: 1 };

/** `trainer run` as a user runs it (a child process through tsx), into the given server. */
function train(trackingUri: string, rows: number): Promise<void> {
  const root = workspaceRoot();
  const args = [
    'tsx',
    join(root, 'apps/trainer/src/main.ts'),
    'run',
    ...['--rows', String(rows), '--folds', '3', '--budget', '1', '--search-rows', String(Math.min(rows, 2000))],
    ...['--tracking-uri', trackingUri, '--experiment', EXPERIMENT, '--no-bundle', '--tag', 'purpose=screenshots'],
  ];
  return new Promise((done, fail) => {
    const child = spawn('npx', args, {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.base.json'), MLFLOW_TRACKING_URI: trackingUri },
    });
    child.once('error', fail);
    child.once('exit', (code) => (code === 0 ? done() : fail(new Error(`trainer run exited with ${code}`))));
  });
}

/** Waits until the page shows `text` (the UI renders after its REST calls), then a little for charts to settle. */
async function waitForText(page: Page, text: string, timeoutMs = 60_000): Promise<void> {
  process.stderr.write(`  waiting for '${text}' on ${page.url()}\n`);
  // Page code as a string: this project compiles without the DOM's types.
  await page.waitForFunction(`document.body && document.body.innerText.includes(${JSON.stringify(text)})`, {
    timeout: timeoutMs,
  });
  await new Promise((r) => setTimeout(r, 1500));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: 'docs/images' },
      rows: { type: 'string', default: '2000' },
      chromium: { type: 'string', default: '/usr/bin/chromium' },
      'tracking-uri': { type: 'string' },
    },
  });
  const out = resolve(values.out!);
  mkdirSync(out, { recursive: true });
  const existing = values['tracking-uri'];
  const store = existing ? undefined : mkdtempSync(join(tmpdir(), 'mlflow-screenshots-'));
  const server = store ? await startLocalServer({ storeDir: store }) : undefined;
  const trackingUri = existing ?? server!.uri;
  const browser = await puppeteer.launch({
    executablePath: values.chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  try {
    if (server) await train(trackingUri, Number(values.rows));
    const client = new MlflowClient({ trackingUri });
    const experimentId = (await client.getExperimentByName(EXPERIMENT))!.experimentId;
    const { runs } = await client.searchRuns({
      experimentIds: [experimentId],
      orderBy: ['attributes.start_time DESC'],
    });
    const parent = runs.find((r) => !r.tags['mlflow.parentRunId'])!;
    const page = await browser.newPage();
    await page.setViewport(VIEWPORT);
    const base = `${trackingUri}/#/experiments/${experimentId}`;

    // MLflow 3.17's UI shows the GenAI view unless the URL (or the sidebar's toggle, remembered by the browser) asks
    // for the model-training one.
    const ml = '?workflowType=machine_learning';
    await page.setViewport({ ...VIEWPORT, height: 540 });
    await page.goto(`${base}/runs${ml}`, { waitUntil: 'networkidle0' });
    await waitForText(page, parent.info.runName);
    await page.evaluate(CLOSE_ASSISTANT);
    await page.evaluate(EXPAND_PARENTS);
    await waitForText(page, 'Random Forest');
    await page.screenshot({ path: join(out, 'mlflow-runs.png') });

    // Wider, so the metric columns (on the test dataset) come into view beside the model names.
    await page.setViewport({ ...VIEWPORT, width: 2200, height: 520 });
    await page.goto(`${base}/models${ml}`, { waitUntil: 'networkidle0' });
    await waitForText(page, 'Gradient Boosting');
    await page.evaluate(CLOSE_ASSISTANT);
    await page.screenshot({ path: join(out, 'mlflow-logged-models.png') });

    const artifacts = `${base}/runs/${parent.info.runId}/artifacts`;
    await page.setViewport({ ...VIEWPORT, height: 1180 });
    // A fresh load per artifact: a hash change alone does not always select the file in the artifact browser.
    await page.goto('about:blank');
    await page.goto(`${artifacts}/plots/roc_overlay.png${ml}`, { waitUntil: 'networkidle0' });
    await page.waitForFunction(
      `[...document.images].some((i) => i.src.startsWith('blob:') && i.complete && i.naturalWidth > 500)`,
      { timeout: 60_000 },
    );
    await page.evaluate(CLOSE_ASSISTANT);
    await new Promise((r) => setTimeout(r, 1000));
    await page.screenshot({ path: join(out, 'mlflow-roc-overlay.png') });

    await page.setViewport({ ...VIEWPORT, height: 720 });
    await page.goto('about:blank');
    await page.goto(`${artifacts}/comparison.html${ml}`, { waitUntil: 'networkidle0' });
    await page.waitForFunction(`!!document.querySelector('iframe')`, { timeout: 60_000 }); // the rendered HTML
    await page.evaluate(CLOSE_ASSISTANT);
    await new Promise((r) => setTimeout(r, 1500));
    await page.screenshot({ path: join(out, 'mlflow-comparison.png') });
    process.stdout.write(`screenshots written to ${out}\n`);
  } finally {
    await browser.close();
    await server?.stop();
    if (store) rmSync(store, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`screenshots: ${(err as Error).message}\n`);
  process.exit(1);
});

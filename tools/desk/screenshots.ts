// Screenshots of the decision desk for the README (docs/desk/*.png): the same headless Chromium and the same real
// model and clients as its browser tests (apps/api/src/desk.spec.ts), one PNG per screen.
//
//   flock /tmp/heavy.lock npx tsx tools/desk/screenshots.ts [--out docs/desk]
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'puppeteer-core';
import { browserUnavailable, launchBrowser, startDesk } from '../../apps/api/src/testing/desk-server';

const root = path.resolve(__dirname, '..', '..');
const outArg = process.argv.indexOf('--out');
const out = path.resolve(outArg > 0 ? process.argv[outArg + 1] : path.join(root, 'docs', 'desk'));
const CLIENT = 100001;

// The page's globals used inside page.evaluate (the workspace compiles without the DOM library).
declare const document: {
  querySelector(selector: string): { textContent: string | null; removeAttribute(name: string): void } | null;
  querySelectorAll(selector: string): ArrayLike<unknown>;
};

async function shoot(page: Page, selector: string, file: string): Promise<void> {
  const element = await page.$(selector);
  if (!element) throw new Error(`nothing matches ${selector}`);
  await element.screenshot({ path: path.join(out, file) as `${string}.png` });
  process.stderr.write(`wrote ${path.relative(root, path.join(out, file))}\n`);
}

async function main(): Promise<number> {
  const missing = browserUnavailable();
  if (missing) {
    process.stderr.write(`screenshots: ${missing}\n`);
    return 2;
  }
  fs.mkdirSync(out, { recursive: true });
  const desk = await startDesk();
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1100, height: 900, deviceScaleFactor: 1 });
    await page.goto(`${desk.url}/app`, { waitUntil: 'networkidle0' });

    // 1. Look up a client: the decision against the threshold and the reasons as sentences.
    await page.type('#client-id', String(CLIENT));
    await page.keyboard.press('Enter');
    await page.waitForSelector('#distributions figure svg');
    await shoot(page, 'section.card', '1-find.png');
    await shoot(page, '#result', '2-decision.png');

    // 2. What-if: a better external score 3.
    await page.click('#field-EXT_SOURCE_3', { count: 3 });
    await page.keyboard.type('0.7');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#whatif-delta')?.textContent);
    await page.evaluate(() => document.querySelector('details')?.removeAttribute('open'));
    await shoot(page, '#whatif', '3-what-if.png');

    // 3. A CSV of 50 real applicants, sorted by risk (highest first).
    const lines = fs.readFileSync(desk.clientsCsv, 'utf8').split('\n');
    const csv = path.join(desk.work, 'fifty.csv');
    fs.writeFileSync(csv, lines.slice(0, 51).join('\n') + '\n');
    await (await page.$('input#upload'))?.uploadFile(csv);
    await page.click('#upload-form button');
    await page.waitForFunction(() => document.querySelectorAll('#batch-table tbody tr').length === 50);
    await page.click('#batch-table button[data-key="probability"]');
    await page.click('#batch-table button[data-key="probability"]');
    await shoot(page, '#batch', '4-batch.png');
  } finally {
    await browser.close();
    await desk.close();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`screenshots: ${error.message}\n`);
    process.exit(1);
  },
);

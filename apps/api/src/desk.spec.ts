// The decision desk in a real browser: Debian's headless Chromium driven by puppeteer-core against the API on a
// loopback port, with a model trained on the real sample and the real application_test.csv as the client lookup.
// What the page shows is compared with what /explain and /predict answer for the same applications. Real-data tier;
// skipped with the reason in the title when the sample or Chromium is absent.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { describeRealData } from '@credit-scoring/data/testing';
import type { Explanation, Prediction } from './schemas';
import { BROWSER_SKIP_MARK, browserUnavailable, DeskServer, launchBrowser, startDesk } from './testing/desk-server';

jest.setTimeout(120_000);

// The page's globals as these tests read them inside page.evaluate (the workspace compiles without the DOM library).
interface PageNode {
  id: string;
  textContent: string | null;
  classList: { contains(name: string): boolean };
  getAttribute(name: string): string | null;
}
declare const document: {
  activeElement: PageNode | null;
  querySelector(selector: string): PageNode | null;
  querySelectorAll(selector: string): ArrayLike<PageNode>;
};
declare const window: { axe: { run(): Promise<{ violations: Array<Record<string, unknown>> }> } };

const KNOWN_CLIENT = 100001;

function describeInBrowser(name: string, fn: () => void): void {
  const missing = browserUnavailable();
  if (missing) describe.skip(`${name} [${BROWSER_SKIP_MARK}${missing}]`, fn);
  else describeRealData(name, fn);
}

describeInBrowser('decision desk in headless Chromium', () => {
  let desk: DeskServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    desk = await startDesk();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await desk?.close();
  });
  beforeEach(async () => {
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(`${desk.url}/app`, { waitUntil: 'networkidle0' });
  });
  afterEach(async () => {
    await page?.close();
  });

  async function explainViaApi(application: Record<string, unknown>): Promise<Explanation> {
    const response = await desk.app.inject({ method: 'POST', url: '/explain?top=10', payload: { application } });
    expect(response.statusCode).toBe(200);
    return response.json().explanations[0];
  }

  async function lookUp(id: number): Promise<void> {
    await page.type('#client-id', String(id));
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      (want) => document.querySelector('#decision-text')?.textContent?.includes(`Client ${want}:`),
      {},
      id,
    );
    await settled();
  }

  /** Waits until the page has finished what it was asked (the decision is drawn before its what-if form). */
  async function settled(): Promise<void> {
    await page.waitForFunction(() => document.querySelector('#main')?.getAttribute('aria-busy') === null);
  }

  /** What the page shows: probability (exact, from the data attribute), decision, reason and missing sentences. */
  async function shown(): Promise<{ probability: number; decision: string; reasons: string[]; missing: string[] }> {
    return page.evaluate(() => ({
      probability: Number(document.querySelector('#decision-text')?.getAttribute('data-probability')),
      decision: document.querySelector('#decision-word')?.textContent ?? '',
      reasons: Array.from(document.querySelectorAll('#reasons li')).map((li) => li.textContent ?? ''),
      missing: Array.from(document.querySelectorAll('#missing li')).map((li) => li.getAttribute('data-field') ?? ''),
    }));
  }

  it('links the desk from the welcome JSON and serves it without any outside asset', async () => {
    const welcome = await desk.app.inject({ url: '/' });
    expect(welcome.json().links.desk).toBe('/app');
    const outside: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(desk.url)) outside.push(request.url());
    });
    await page.reload({ waitUntil: 'networkidle0' });
    expect(outside).toEqual([]);
    expect(await page.$eval('#model-info', (e) => e.textContent)).toMatch(/version 1: .* or more are refused/);
  });

  it('looks up a real client and shows the decision and the reasons /explain gives', async () => {
    await lookUp(KNOWN_CLIENT);
    const application = desk.clients.get(KNOWN_CLIENT) as Record<string, unknown>;
    const expected = await explainViaApi(application);
    const page_ = await shown();
    expect(page_.probability).toBe(expected.probability);
    expect(page_.decision).toBe(expected.decision);
    expect(page_.reasons).toEqual(expected.contributions.map((c) => c.sentence));
    expect(page_.reasons[0]).toMatch(/: (raises|lowers) the risk$/);
    const missingWithEffect = expected.missingEffects.filter((m) => m.contribution !== 0).slice(0, 15);
    expect(page_.missing).toEqual(missingWithEffect.map((m) => m.field));
    // The waterfall and the strongest features on the population are drawn.
    expect(await page.$$eval('#waterfall svg rect', (r) => r.length)).toBe(expected.contributions.length + 1);
    await page.waitForSelector('#distributions figure svg');
    const placed = await page.$$eval('#distributions figure', (f) => f.map((x) => x.getAttribute('data-feature')));
    expect(placed.length).toBeGreaterThan(0);
    for (const feature of placed) expect(expected.contributions.map((c) => c.feature)).toContain(feature);
  });

  it('scores an application entered by hand, as /explain does', async () => {
    await page.click('#enter summary');
    const entered = { SK_ID_CURR: 7, AMT_CREDIT: 450000, AMT_INCOME_TOTAL: 90000, EXT_SOURCE_3: 0.35 };
    for (const [field, value] of Object.entries(entered)) await page.type(`#enter-${field}`, String(value));
    await page.click('#enter-form button[type="submit"]');
    await page.waitForFunction(() => document.querySelector('#decision-text')?.textContent?.includes('Client 7:'));
    await settled();
    const expected = await explainViaApi(entered);
    const page_ = await shown();
    expect(page_.probability).toBe(expected.probability);
    expect(page_.reasons).toEqual(expected.contributions.map((c) => c.sentence));
    expect(await page.$eval('#missing-summary', (e) => e.textContent)).toContain(
      `${expected.missingInputs.length} of the`,
    );
  });

  it('says clearly when a client is unknown', async () => {
    await page.type('#client-id', '1');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#status')?.classList.contains('error'));
    expect(await page.$eval('#status', (e) => e.textContent)).toBe(
      'no client with SK_ID_CURR 1 in the clients dataset',
    );
  });

  it('scores an uploaded CSV of 50 real applicants, sorts the table and downloads the results', async () => {
    const lines = fs.readFileSync(desk.clientsCsv, 'utf8').split('\n');
    const csv = path.join(desk.work, 'fifty.csv');
    fs.writeFileSync(csv, lines.slice(0, 51).join('\n') + '\n');
    const ids = lines.slice(1, 51).map((l) => Number(l.split(',')[0]));
    const input = await page.$('input#upload');
    await input?.uploadFile(csv);
    await page.click('#upload-form button');
    await page.waitForFunction(() => document.querySelectorAll('#batch-table tbody tr').length === 50);

    const response = await desk.app.inject({
      method: 'POST',
      url: '/predict',
      payload: ids.map((id) => ({ application: desk.clients.get(id) })),
    });
    const expected = new Map<number, Prediction>(
      (response.json().predictions as Prediction[]).map((p) => [p.SK_ID_CURR, p]),
    );
    const rows = () =>
      page.$$eval('#batch-table tbody tr', (trs) =>
        trs.map((tr) => ({
          id: Number(tr.getAttribute('data-id')),
          probability: Number(tr.querySelector('[data-probability]')?.getAttribute('data-probability')),
          decision: tr.querySelector('.badge')?.textContent,
        })),
      );
    const table = await rows();
    expect(table.map((r) => r.id)).toEqual(ids);
    for (const r of table) {
      expect(r.probability).toBe(expected.get(r.id)?.probability);
      expect(r.decision).toBe(expected.get(r.id)?.decision);
    }

    // Sort by risk (ascending, then descending on a second press), by keyboard.
    await page.focus('#batch-table button[data-key="probability"]');
    await page.keyboard.press('Enter');
    const ascending = (await rows()).map((r) => r.probability);
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    await page.keyboard.press('Enter');
    const descending = (await rows()).map((r) => r.probability);
    expect(descending).toEqual([...ascending].reverse());
    expect(await page.$eval('#batch-table th[aria-sort="descending"] button', (b) => b.textContent)).toBe(
      'Risk of default',
    );

    // Download: Chromium saves the file the page builds.
    const downloads = path.join(desk.work, 'downloads');
    fs.mkdirSync(downloads);
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    await page.click('#download');
    const file = path.join(downloads, 'decisions.csv');
    for (let i = 0; i < 100 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
    const [header, ...body] = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(header).toBe('SK_ID_CURR,probability,decision,threshold,model_version,missing_inputs');
    expect(body).toHaveLength(50);
    for (const line of body) {
      const [id, probability, decision] = line.split(',');
      expect(Number(probability)).toBe(expected.get(Number(id))?.probability);
      expect(decision).toBe(expected.get(Number(id))?.decision);
    }
  });

  it('what-if: changing a field scores the edited application again, as /explain does', async () => {
    await lookUp(KNOWN_CLIENT);
    const before = (await shown()).probability;
    const field = await page.$('#field-EXT_SOURCE_3');
    expect(field).not.toBeNull();
    await page.click('#field-EXT_SOURCE_3', { count: 3 });
    await page.keyboard.type('0.9');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#whatif-delta')?.textContent?.includes('0.9'));
    const after = await shown();
    const application = { ...(desk.clients.get(KNOWN_CLIENT) as Record<string, unknown>), EXT_SOURCE_3: 0.9 };
    const expected = await explainViaApi(application);
    expect(after.probability).not.toBe(before);
    expect(after.probability).toBe(expected.probability);
    expect(after.reasons).toEqual(expected.contributions.map((c) => c.sentence));
    expect(await page.$eval('#whatif-delta', (e) => e.textContent)).toContain(
      `risk of default ${(expected.probability * 100).toFixed(1)} %`,
    );
  });

  it('has no serious or critical accessibility violation (axe-core) with every section shown', async () => {
    // axe is injected as an inline script, which the page's Content-Security-Policy (rightly) forbids.
    await page.setBypassCSP(true);
    await page.reload({ waitUntil: 'networkidle0' });
    await lookUp(KNOWN_CLIENT);
    await page.waitForSelector('#distributions figure svg');
    await page.type('#paste', fs.readFileSync(desk.clientsCsv, 'utf8').split('\n').slice(0, 6).join('\n'));
    await page.click('#paste-form button');
    await page.waitForFunction(() => document.querySelectorAll('#batch-table tbody tr').length === 5);
    await page.click('#enter summary'); // the hand-entry form open too
    await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
    const violations = await page.evaluate(async () => {
      const result = await window.axe.run();
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: (v.nodes as unknown[]).length }));
    });
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
  });

  it('can be used from the keyboard: the skip link, then the client number field', async () => {
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to the content');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('client-id');
  });
});

// The decision desk in a real browser: Debian's headless Chromium driven by puppeteer-core against the API on a
// loopback port, with a model trained on the real sample and the real application_test.csv as the client lookup.
// What the page shows is compared with what /explain and /predict answer for the same applications. Real-data tier;
// skipped with the reason in the title when the sample or Chromium is absent.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { describeRealData } from '@credit-scoring/data/testing';
import { buildApp } from './app';
import { BundleSource } from './model/sources';
import type { Explanation, Prediction } from './schemas';
import type { ApplicantInput } from './scoring';
import { BROWSER_SKIP_MARK, browserUnavailable, DeskServer, launchBrowser, startDesk } from './testing/desk-server';
import { applicantsFor, heldOutRows, realTables } from './testing/trained-model';

jest.setTimeout(120_000);

// The page's globals as these tests read them inside page.evaluate (the workspace compiles without the DOM library).
interface PageNode {
  id: string;
  textContent: string | null;
  value: string;
  hidden: boolean;
  open: boolean;
  classList: { contains(name: string): boolean };
  getAttribute(name: string): string | null;
  closest(selector: string): PageNode | null;
  dispatchEvent(event: Event): boolean;
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

  /** Clicks a button that starts a request and waits until the page has answered it. */
  async function submit(selector: string): Promise<void> {
    await page.click(selector);
    await settled();
  }

  const statusText = () => page.evaluate(() => document.querySelector('#status')?.textContent ?? '');
  const isHidden = (selector: string) => page.evaluate((s) => (document.querySelector(s) as PageNode).hidden, selector);

  async function paste(text: string): Promise<void> {
    await page.evaluate((t) => {
      (document.querySelector('#paste') as PageNode).value = t;
    }, text);
    await submit('#paste-form button');
  }

  async function upload(name: string, text: string): Promise<void> {
    const file = path.join(desk.work, name);
    fs.writeFileSync(file, text);
    const input = await page.$('input#upload');
    await input?.uploadFile(file);
    await submit('#upload-form button');
  }

  /** Types a value in a what-if field (all fields shown) and presses Enter, as an officer does. */
  async function whatIf(field: string, value: string): Promise<void> {
    await page.evaluate(() => {
      for (const details of Array.from(document.querySelectorAll('#whatif details'))) details.open = true;
    });
    await page.click(`#field-${field}`, { count: 3 });
    await page.keyboard.type(value);
    await page.keyboard.press('Enter');
  }

  /** The clients file's header and its data lines without quoted cells, so a cell can be found by its column. */
  function csvLines(): { header: string; rows: string[] } {
    const [header, ...rest] = fs.readFileSync(desk.clientsCsv, 'utf8').split('\n');
    return { header, rows: rest.filter((l) => l.trim() !== '' && !l.includes('"')) };
  }

  function withCell(header: string, row: string, column: string, value: string): string {
    const k = header.split(',').indexOf(column);
    expect(k).toBeGreaterThanOrEqual(0);
    const cells = row.split(',');
    cells[k] = value;
    return cells.join(',');
  }

  const rowCount = () => page.evaluate(() => document.querySelectorAll('#batch-table tbody tr').length);

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

  it('what-if: two edits made back to back are both scored, and the form and the decision agree', async () => {
    await lookUp(KNOWN_CLIENT);
    // Two change events before the first answer: the second request must carry the first edit too.
    await page.evaluate(() => {
      for (const [id, value] of [
        ['#field-EXT_SOURCE_3', '0.9'],
        ['#field-EXT_SOURCE_2', '0.1'],
      ]) {
        const input = document.querySelector(id) as PageNode;
        input.value = value;
        input.dispatchEvent(new Event('change', { bubbles: true }));
      }
    });
    await settled();
    const client = desk.clients.get(KNOWN_CLIENT) as Record<string, unknown>;
    const both = await explainViaApi({ ...client, EXT_SOURCE_3: 0.9, EXT_SOURCE_2: 0.1 });
    const secondOnly = await explainViaApi({ ...client, EXT_SOURCE_2: 0.1 });
    expect(both.probability).not.toBe(secondOnly.probability); // the test can tell them apart
    expect((await shown()).probability).toBe(both.probability);
    const delta = await page.evaluate(() => document.querySelector('#whatif-delta')?.textContent ?? '');
    expect(delta).toContain('External score 3 = 0.9');
    expect(delta).toContain('External score 2 = 0.1');
    expect(delta).toContain(`risk of default ${(both.probability * 100).toFixed(1)} %`);
  });

  it('what-if: a slow answer to an earlier edit never replaces the answer to a later one', async () => {
    await lookUp(KNOWN_CLIENT);
    // The first what-if answer comes back last (network latency), after the second edit was scored.
    await page.setRequestInterception(true);
    let delayed = false;
    page.on('request', (request) => {
      if (request.isInterceptResolutionHandled()) return;
      if (!delayed && request.url().includes('/explain')) {
        delayed = true;
        setTimeout(() => void request.continue(), 1500);
      } else void request.continue();
    });
    await whatIf('EXT_SOURCE_3', '0.9');
    await whatIf('EXT_SOURCE_2', '0.1');
    await settled();
    expect(delayed).toBe(true);
    const client = desk.clients.get(KNOWN_CLIENT) as Record<string, unknown>;
    const both = await explainViaApi({ ...client, EXT_SOURCE_3: 0.9, EXT_SOURCE_2: 0.1 });
    const firstOnly = await explainViaApi({ ...client, EXT_SOURCE_3: 0.9 });
    expect(both.probability).not.toBe(firstOnly.probability);
    expect((await shown()).probability).toBe(both.probability);
    expect(await page.evaluate(() => (document.querySelector('#field-EXT_SOURCE_2') as PageNode).value)).toBe('0.1');
    expect(await isHidden('#result-stale')).toBe(true);
  });

  it('scores a pasted { application, history } with its history, as POST /predict does the same body', async () => {
    const tables = await realTables();
    const candidates = applicantsFor(tables, heldOutRows(tables, 60)).filter((a) => a.history);
    const predict = async (body: ApplicantInput[]) =>
      (await desk.app.inject({ method: 'POST', url: '/predict', payload: body })).json().predictions as Prediction[];
    const withHistory = await predict(candidates);
    const without = await predict(candidates.map((a) => ({ application: a.application })));
    const k = withHistory.findIndex((p, i) => p.probability !== without[i].probability);
    expect(k).toBeGreaterThanOrEqual(0); // an applicant whose history moves the score
    const applicant = candidates[k];
    await paste(JSON.stringify(applicant));
    expect((await shown()).probability).toBe(withHistory[k].probability);
    expect(await statusText()).toMatch(/with \d+ rows of credit history/);
    // What-if keeps the history: the edited application is scored with it.
    await whatIf('EXT_SOURCE_3', '0.9');
    await settled();
    const edited = await desk.app.inject({
      method: 'POST',
      url: '/explain?top=10',
      payload: { application: { ...applicant.application, EXT_SOURCE_3: 0.9 }, history: applicant.history },
    });
    expect((await shown()).probability).toBe(edited.json().explanations[0].probability);
  });

  it('checks a whole file before scoring: bad lines are named by line and field, and nothing is scored', async () => {
    const fields = (await desk.app.inject({ url: '/features' })).json().fields as Array<{ name: string; type: string }>;
    expect(fields.find((f) => f.name === 'CNT_CHILDREN')?.type).toBe('integer');
    const { header, rows } = csvLines();
    const body = rows.slice(0, 2100);
    // File line n is body[n - 2]: line 1504 is in the second chunk of 1000, line 30 in the first.
    body[1502] = withCell(header, body[1502], 'CNT_CHILDREN', '1.5');
    body[28] = withCell(header, body[28], 'AMT_INCOME_TOTAL', '0x10');
    const posted: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/predict')) posted.push(request.url());
    });
    await upload('bad-line.csv', [header, ...body].join('\n') + '\n');
    const status = await statusText();
    expect(status).toMatch(/^Nothing was scored: the file has 2 problems/);
    expect(status).toContain('line 30, Income (AMT_INCOME_TOTAL): "0x10" is not a number');
    expect(status).toMatch(/line 1504, [^;]*\(CNT_CHILDREN\): "1\.5" is not a whole number/);
    expect(status).not.toContain('body[');
    expect(posted).toEqual([]);
    expect(await isHidden('#batch')).toBe(true);
  });

  it('when scoring stops part way through a file, shows what was scored and the line it stopped at', async () => {
    const { header, rows } = csvLines();
    const body = rows.slice(0, 2100);
    // The second chunk's request is lost on the network: the first chunk's 1,000 decisions were made (and logged).
    await page.setRequestInterception(true);
    let predicts = 0;
    page.on('request', (request) => {
      if (request.isInterceptResolutionHandled()) return;
      if (request.url().includes('/predict') && ++predicts === 2) void request.abort('connectionreset');
      else void request.continue();
    });
    await upload('cut.csv', [header, ...body].join('\n') + '\n');
    expect(await statusText()).toMatch(/^Scoring stopped at line 1002: The server did not answer/);
    expect(await statusText()).toContain('The 1000 applications before it were scored and are shown below');
    expect(await rowCount()).toBe(1000);
    expect(await page.evaluate(() => document.querySelector('#batch-summary')?.textContent)).toMatch(
      /^1000 of the 2100 applications scored/,
    );
  });

  it('clears the previous results when a new request fails', async () => {
    await lookUp(KNOWN_CLIENT);
    await page.click('#client-id', { count: 3 });
    await page.keyboard.type('999');
    await submit('#lookup-form button');
    expect(await statusText()).toBe('no client with SK_ID_CURR 999 in the clients dataset');
    expect(await isHidden('#result')).toBe(true);
    expect(await isHidden('#whatif')).toBe(true);

    const { header, rows } = csvLines();
    await paste([header, ...rows.slice(0, 5)].join('\n'));
    expect(await rowCount()).toBe(5);
    expect(await isHidden('#batch')).toBe(false);
    await upload('empty.csv', header + '\n');
    expect(await page.evaluate(() => document.querySelector('#status')?.classList.contains('error'))).toBe(true);
    expect(await isHidden('#batch')).toBe(true);
  });

  it("says what went wrong in the officer's words, and what to do", async () => {
    const { header, rows } = csvLines();
    const fail = async (action: () => Promise<void>) => {
      await action();
      expect(await page.evaluate(() => document.querySelector('#status')?.classList.contains('error'))).toBe(true);
      return statusText();
    };
    const lookUpId = async (id: string) => {
      await page.click('#client-id', { count: 3 });
      await page.keyboard.type(id);
      await submit('#lookup-form button');
    };
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    expect(await fail(() => lookUpId('12345678901'))).toBe(
      'A client number has at most 10 digits (the largest is 2147483647): check the number.',
    );
    expect(requests.filter((u) => u.includes('/clients/'))).toEqual([]);
    const semicolons = [header, ...rows.slice(0, 3)].map((l) => l.replaceAll(',', ';')).join('\n');
    expect(await fail(() => upload('semicolons.csv', semicolons))).toMatch(/^The columns are separated by semicolons/);
    const tabs = [header, ...rows.slice(0, 3)].map((l) => l.replaceAll(',', '\t')).join('\n');
    expect(await fail(() => paste(tabs))).toMatch(/^The columns are separated by tabs/);
    const client = desk.clients.get(KNOWN_CLIENT) as Record<string, unknown>;
    const poisoned = `{"application": ${JSON.stringify(client).slice(0, -1)}, "__proto__": {"AMT_CREDIT": 1}}}`;
    expect(await fail(() => paste(poisoned))).toBe(
      'The JSON has a key "__proto__", which no application has: remove it.',
    );
    expect(await fail(() => paste(JSON.stringify({ application: { ...client, AMT_CREDIT: '1000' } })))).toBe(
      'Nothing was scored: the application: Credit amount (AMT_CREDIT) must be a number, not "1000".',
    );

    // A JSON array of applicants, as POST /predict takes it, is scored as a batch.
    const two = rows.slice(0, 2).map((l) => ({ application: desk.clients.get(Number(l.split(',')[0])) }));
    expect(two.every((a) => a.application)).toBe(true);
    await paste(JSON.stringify(two));
    const expected = (await desk.app.inject({ method: 'POST', url: '/predict', payload: two })).json().predictions;
    expect(await rowCount()).toBe(2);
    expect(
      await page.evaluate(() =>
        Array.from(document.querySelectorAll('#batch-table [data-probability]')).map((td) =>
          Number(td.getAttribute('data-probability')),
        ),
      ),
    ).toEqual(expected.map((p: Prediction) => p.probability));
  });

  it('asks for the API key under Settings when the server wants one, and says when it is wrong', async () => {
    const secured = await buildApp({
      modelSource: new BundleSource(path.join(desk.work, 'bundle')),
      clients: desk.clients,
      apiKey: 'desk-test-key',
      defaultMetrics: false,
      autoLoadModel: false,
    });
    try {
      await secured.ready();
      await secured.modelStore.refresh();
      const url = await secured.listen({ host: '127.0.0.1', port: 0 });
      await page.goto(`${url}/app`, { waitUntil: 'networkidle0' });
      await page.type('#client-id', String(KNOWN_CLIENT));
      await submit('#lookup-form button');
      expect(await statusText()).toBe(
        'This server asks for an API key: enter it under Settings (opened below) and try again.',
      );
      expect(await page.evaluate(() => (document.querySelector('#settings') as PageNode).open)).toBe(true);
      await page.type('#api-key', 'wrong');
      await submit('#lookup-form button');
      expect(await statusText()).toBe(
        'The API key entered under Settings is not accepted by the server: check it and try again.',
      );
      await page.click('#api-key', { count: 3 });
      await page.keyboard.type('desk-test-key');
      await submit('#lookup-form button');
      expect(await statusText()).toMatch(new RegExp(`^Client ${KNOWN_CLIENT}: (granted|refused)`));
    } finally {
      await secured.close();
    }
  });

  it('moves the focus to the decision when a line of the table is opened from the keyboard', async () => {
    const { header, rows } = csvLines();
    await paste([header, ...rows.slice(0, 5)].join('\n'));
    const id = Number(rows[0].split(',')[0]);
    await page.focus(`#batch-table tr[data-id="${id}"] button`);
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      (want) => document.querySelector('#decision-text')?.textContent?.includes(`Client ${want}:`),
      {},
      id,
    );
    await settled();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('result-title');
    await page.keyboard.press('Tab'); // the next stop is in the decision's sections, not back in the table
    expect(await page.evaluate(() => document.activeElement?.closest('#result, #whatif')?.id)).toBeDefined();
  });

  it('takes plain decimal numbers only, and says which field is wrong', async () => {
    await page.click('#enter summary');
    for (const [field, value] of Object.entries({ SK_ID_CURR: '7', AMT_CREDIT: '450000', AMT_INCOME_TOTAL: '0x10' }))
      await page.type(`#enter-${field}`, value);
    await submit('#enter-form button[type="submit"]');
    expect(await statusText()).toBe(
      'Income (AMT_INCOME_TOTAL): "0x10" is not a number (digits, with a point for decimals: 1250.5)',
    );
    expect(await isHidden('#result')).toBe(true);

    await lookUp(KNOWN_CLIENT);
    const before = (await shown()).probability;
    await whatIf('AMT_INCOME_TOTAL', '1e3');
    await settled();
    expect(await page.evaluate(() => document.querySelector('#whatif-delta')?.textContent)).toContain(
      'Not scored: Income (AMT_INCOME_TOTAL): "1e3" is not a number',
    );
    expect((await shown()).probability).toBe(before);
    expect(await isHidden('#result-stale')).toBe(false);

    const { header, rows } = csvLines();
    await paste([header, withCell(header, rows[0], 'AMT_CREDIT', 'Infinity')].join('\n'));
    expect(await statusText()).toMatch(/line 2, [^;]*\(AMT_CREDIT\): "Infinity" is not a number/);
  });

  it('names its icon, so loading it makes no failed request (no /favicon.ico 404) and no console error', async () => {
    const fresh = await browser.newPage();
    const problems: string[] = [];
    fresh.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    fresh.on('requestfailed', (r) => problems.push(`failed ${r.url()}`));
    fresh.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    let icon: string | null;
    try {
      await fresh.goto(`${desk.url}/app`, { waitUntil: 'networkidle0' });
      icon = await fresh.evaluate(() => document.querySelector('link[rel~="icon"]')?.getAttribute('href') ?? null);
    } finally {
      await fresh.close();
    }
    expect(problems).toEqual([]);
    // Headless Chromium does not always ask for an icon, a desktop browser does: without a link it asks for
    // /favicon.ico, which this server does not have. The icon named must need no request, or be served.
    expect(icon).not.toBeNull();
    if (!icon?.startsWith('data:')) expect((await fetch(new URL(icon as string, desk.url))).status).toBe(200);
  });
});

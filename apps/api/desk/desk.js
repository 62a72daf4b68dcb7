// The decision desk's page script: a plain ES module talking to this server's JSON API (/features, /clients/:id,
// /predict, /explain, /model/population). Everything the page says about a score comes from /explain as it is
// (the sentences included), so the page and the API cannot disagree.
const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
/** Largest batch the API takes per /predict request. */
const PREDICT_CHUNK = 1000;
/** Reasons shown, and features placed on the population's distribution. */
const TOP = 10;
const DISTRIBUTIONS = 4;

const state = {
  model: null,
  fields: [], // from /features: { name, title, type, required, allowedValues, modelInput }
  fieldByName: new Map(),
  original: null, // the application as received
  current: null, // the application as edited in what-if
  explanation: null,
  batch: [], // { application, prediction }
  sort: { key: null, dir: 1 },
};

// ------------------------------------------------------------------------------------------------- API calls

async function api(path, body) {
  const headers = { accept: 'application/json' };
  const key = $('api-key').value.trim();
  if (key) headers['x-api-key'] = key;
  const init = body === undefined ? { headers } : { method: 'POST', headers, body: JSON.stringify(body) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, init);
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(json.message || `${response.status} ${response.statusText}`);
  return json;
}

function say(text, error = false) {
  const status = $('status');
  status.textContent = text;
  status.classList.toggle('error', error);
}

const percent = (p) => `${(p * 100).toFixed(1)} %`;

// ------------------------------------------------------------------------------------------------- input parsing

/** One CSV line into cells; double quotes around a cell may hold commas and doubled quotes. */
function csvCells(line) {
  const cells = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') ((cell += '"'), i++);
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') (cells.push(cell), (cell = ''));
    else cell += c;
  }
  cells.push(cell);
  return cells;
}

/**
 * CSV text into applications typed as the API wants them: numbers for numeric fields, text for text fields, empty
 * cells left out (missing). Columns the API does not know (e.g. TARGET) are set aside and reported.
 */
function parseCsv(text) {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new Error('a CSV needs a line of column names and at least one application');
  const header = csvCells(lines[0]).map((h) => h.trim());
  const ignored = header.filter((h) => !state.fieldByName.has(h));
  const applications = lines.slice(1).map((line, n) => {
    const cells = csvCells(line);
    const application = {};
    header.forEach((name, k) => {
      const field = state.fieldByName.get(name);
      const cell = (cells[k] ?? '').trim();
      if (!field || cell === '') return;
      if (field.type === 'string') application[name] = cell;
      else {
        const value = Number(cell);
        if (!Number.isFinite(value)) throw new Error(`line ${n + 2}: ${name} is not a number ("${cell}")`);
        application[name] = value;
      }
    });
    return application;
  });
  return { applications, ignored };
}

function parsePasted(text) {
  const trimmed = text.trim();
  if (!trimmed) throw new Error('paste an application first');
  if (trimmed.startsWith('{')) {
    let value;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      throw new Error(`this is not valid JSON (${error.message})`);
    }
    return { applications: [value.application ?? value], ignored: [] };
  }
  return parseCsv(trimmed);
}

// ------------------------------------------------------------------------------------------------- one applicant

async function explainOne(application, { keepForm = false } = {}) {
  const explanation = (await api(`/explain?top=${TOP}`, { application })).explanations[0];
  state.explanation = explanation;
  renderDecision(explanation);
  renderReasons(explanation);
  renderMissing(explanation);
  renderWaterfall(explanation);
  await renderDistributions(explanation);
  if (!keepForm) renderWhatIf(application, explanation);
  $('result').hidden = false;
  $('whatif').hidden = false;
  return explanation;
}

async function showApplication(application, where) {
  state.original = { ...application };
  state.current = { ...application };
  $('whatif-delta').textContent = '';
  say(`Scoring ${where}…`);
  const explanation = await explainOne(application);
  const who = where.charAt(0).toUpperCase() + where.slice(1);
  say(`${who}: ${explanation.decision} (risk of default ${percent(explanation.probability)}).`);
}

function renderDecision(e) {
  const decision = $('decision');
  decision.replaceChildren();
  const badge = el('span', { class: `badge ${e.decision}`, id: 'decision-word' }, e.decision);
  const text = el(
    'p',
    { id: 'decision-text', 'data-probability': String(e.probability), 'data-threshold': String(e.threshold) },
    `Client ${e.SK_ID_CURR}: risk of default ${percent(e.probability)}, threshold ${percent(e.threshold)}: `,
    badge,
    e.decision === 'refused' ? ' (the risk is at or above the threshold)' : ' (the risk is below the threshold)',
  );
  decision.append(text);
  $('gauge').replaceChildren(gauge(e.probability, e.threshold));
}

function renderReasons(e) {
  $('reasons').replaceChildren(
    ...e.contributions.map((c) =>
      el('li', { class: c.contribution > 0 ? 'raise' : 'lower', 'data-feature': c.feature }, c.sentence),
    ),
  );
}

function renderMissing(e) {
  const n = e.missingInputs.length;
  $('missing-summary').textContent = n
    ? `${n} of the ${state.fields.filter((f) => f.modelInput).length} fields the model reads are missing.`
    : 'Every field the model reads is present.';
  $('missing').replaceChildren(
    ...e.missingEffects
      .filter((m) => m.contribution !== 0)
      .slice(0, 15)
      .map((m) =>
        el(
          'li',
          { class: m.contribution > 0 ? 'raise' : 'lower', 'data-field': m.field },
          `${m.sentence} (${m.contribution > 0 ? '+' : ''}${m.contribution.toFixed(3)} log-odds)`,
        ),
      ),
  );
}

// ------------------------------------------------------------------------------------------------- drawings

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function chart(width, height, label) {
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label });
  root.append(svg('title', {}, label));
  return root;
}

/** The probability on a 0..1 scale with the threshold marked. */
function gauge(probability, threshold) {
  const w = 640;
  const x = (p) => 20 + p * (w - 40);
  const label = `Risk of default ${percent(probability)} against the threshold ${percent(threshold)}`;
  const root = chart(w, 84, label);
  const anchor = probability < 0.1 ? 'start' : probability > 0.9 ? 'end' : 'middle';
  root.append(
    svg('rect', { x: x(0), y: 20, width: x(threshold) - x(0), height: 18, fill: '#d7ead8' }),
    svg('rect', { x: x(threshold), y: 20, width: x(1) - x(threshold), height: 18, fill: '#f5d3d8' }),
    svg('line', { x1: x(threshold), x2: x(threshold), y1: 12, y2: 46, stroke: '#1a1a1a', 'stroke-width': 2 }),
    svg('text', { x: x(threshold) + 4, y: 12 }, `threshold ${percent(threshold)}`),
    svg('circle', { cx: x(probability), cy: 29, r: 7, fill: probability >= threshold ? '#a3001b' : '#1b5e20' }),
    svg('text', { x: x(0), y: 54 }, '0 %'),
    svg('text', { x: x(1), y: 54, 'text-anchor': 'end' }, '100 %'),
    svg('text', { x: x(probability), y: 76, 'text-anchor': anchor }, `this client ${percent(probability)}`),
  );
  return root;
}

/** SHAP waterfall: from the average client's log-odds, each reason adds its part, to this client's log-odds. */
function renderWaterfall(e) {
  const shown = e.contributions;
  const rest = e.rawScore - e.baseValue - shown.reduce((s, c) => s + c.contribution, 0);
  // The feature in plain words: the start of its sentence ("External score 3 = 0.16, ..." → External score 3).
  const title = (c) => c.sentence.split(/ = | is missing|: /)[0];
  const steps = [...shown.map((c) => ({ name: title(c), delta: c.contribution }))];
  steps.push({ name: 'all other features', delta: rest });
  let at = e.baseValue;
  const bars = steps.map((s) => {
    const bar = { ...s, from: at, to: at + s.delta };
    at += s.delta;
    return bar;
  });
  const values = [e.baseValue, e.rawScore, ...bars.flatMap((b) => [b.from, b.to])];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const w = 720;
  const left = 260;
  const row = 22;
  const h = (bars.length + 2) * row + 30;
  const x = (v) => left + ((v - lo) / (hi - lo || 1)) * (w - left - 70);
  const label =
    `SHAP waterfall: average client ${e.baseValue.toFixed(2)} log-odds, this client ${e.rawScore.toFixed(2)}; ` +
    'red bars raise the risk, green bars lower it';
  const root = chart(w, h, label);
  const line = (y, v, text) => {
    root.append(
      svg('text', { x: left - 8, y: y + 15, 'text-anchor': 'end' }, text),
      svg('line', { x1: x(v), x2: x(v), y1: y + 2, y2: y + row, stroke: '#1a1a1a', 'stroke-width': 2 }),
      svg('text', { x: x(v) + 6, y: y + 15 }, v.toFixed(2)),
    );
  };
  line(0, e.baseValue, 'average client (base value)');
  bars.forEach((b, i) => {
    const y = (i + 1) * row;
    const name = b.name.length > 36 ? `${b.name.slice(0, 35)}…` : b.name;
    root.append(
      svg('text', { x: left - 8, y: y + 15, 'text-anchor': 'end' }, name),
      svg('rect', {
        x: Math.min(x(b.from), x(b.to)),
        y: y + 4,
        width: Math.max(1, Math.abs(x(b.to) - x(b.from))),
        height: row - 8,
        fill: b.delta > 0 ? '#a3001b' : '#1b5e20',
      }),
      svg('text', { x: Math.max(x(b.from), x(b.to)) + 4, y: y + 15 }, `${b.delta > 0 ? '+' : ''}${b.delta.toFixed(3)}`),
    );
  });
  line((bars.length + 1) * row, e.rawScore, 'this client (log-odds)');
  root.append(svg('text', { x: left, y: h - 4 }, 'log-odds of default; red raises the risk, green lowers it'));
  $('waterfall').replaceChildren(root);
}

/** The client's value on the training population of the strongest features (quantiles → a histogram). */
async function renderDistributions(e) {
  const top = e.contributions.filter((c) => c.value !== null).slice(0, DISTRIBUTIONS);
  const box = $('distributions');
  if (!top.length) return box.replaceChildren(el('p', {}, 'No feature with a value to place.'));
  const names = top.map((c) => c.feature).join(',');
  const { features } = await api(`/model/population?features=${encodeURIComponent(names)}`);
  const byName = new Map(features.map((f) => [f.feature, f]));
  const figures = top
    .filter((c) => byName.has(c.feature))
    .map((c) => {
      const f = byName.get(c.feature);
      const caption = el('figcaption', {}, c.sentence);
      const drawing = f.kind === 'category' ? categoryChart(f, c) : numericChart(f, c);
      return el('figure', { 'data-feature': c.feature }, drawing, caption);
    });
  box.replaceChildren(
    ...(figures.length ? figures : [el('p', {}, 'This model was packaged without population summaries.')]),
  );
}

function numericChart(f, c) {
  const q = f.quantiles;
  // Bins between the 1 % and 99 % quantiles (the extremes would squash the rest); each quantile step holds 1 %.
  const lo = Math.min(q[1], c.value);
  const hi = Math.max(q[99], c.value);
  const nBins = 24;
  const width = (hi - lo) / nBins || 1;
  const mass = new Array(nBins).fill(0);
  for (let k = 0; k < q.length - 1; k++) {
    const a = Math.max(q[k], lo);
    const b = Math.min(q[k + 1], hi);
    if (b < a) continue;
    if (b === a) {
      mass[Math.min(nBins - 1, Math.floor((a - lo) / width))] += 1;
      continue;
    }
    for (let i = 0; i < nBins; i++) {
      const overlap = Math.min(b, lo + (i + 1) * width) - Math.max(a, lo + i * width);
      if (overlap > 0) mass[i] += overlap / (b - a);
    }
  }
  const w = 320;
  const h = 130;
  const peak = Math.max(...mass) || 1;
  const x = (v) => 10 + ((v - lo) / (hi - lo || 1)) * (w - 20);
  const root = chart(w, h, `${f.title}: distribution of the clients, this client's value marked`);
  mass.forEach((m, i) => {
    const bh = (m / peak) * 80;
    root.append(
      svg('rect', { x: x(lo + i * width) + 1, y: 95 - bh, width: (w - 20) / nBins - 2, height: bh, fill: '#9fb7cc' }),
    );
  });
  root.append(
    svg('line', { x1: x(c.value), x2: x(c.value), y1: 8, y2: 98, stroke: '#a3001b', 'stroke-width': 3 }),
    svg('text', { x: Math.min(x(c.value) + 4, w - 70), y: 12 }, 'this client'),
    svg('text', { x: 10, y: 112 }, fmt(lo)),
    svg('text', { x: w - 10, y: 112, 'text-anchor': 'end' }, fmt(hi)),
    svg('text', { x: 10, y: 126 }, f.title.length > 48 ? `${f.title.slice(0, 47)}…` : f.title),
  );
  return root;
}

function categoryChart(f, c) {
  const order = f.labels.map((label, code) => ({ label, code, share: f.shares[code] }));
  order.sort((a, b) => b.share - a.share);
  const shown = order.slice(0, 6);
  if (!shown.some((o) => o.code === c.value)) shown.push(order.find((o) => o.code === c.value));
  const w = 320;
  const row = 18;
  const h = shown.length * row + 24;
  const peak = Math.max(...shown.map((o) => o.share)) || 1;
  const root = chart(w, h, `${f.title}: share of clients per category, this client's highlighted`);
  shown.forEach((o, i) => {
    const mine = o.code === c.value;
    const name = o.label.length > 22 ? `${o.label.slice(0, 21)}…` : o.label;
    root.append(
      svg('text', { x: 150, y: i * row + 13, 'text-anchor': 'end' }, `${mine ? '▶ ' : ''}${name}`),
      svg('rect', {
        x: 156,
        y: i * row + 3,
        width: Math.max(1, (o.share / peak) * 120),
        height: row - 6,
        fill: mine ? '#a3001b' : '#9fb7cc',
      }),
      svg('text', { x: 160 + (o.share / peak) * 120, y: i * row + 13 }, `${Math.round(o.share * 100)} %`),
    );
  });
  root.append(svg('text', { x: 4, y: h - 4 }, f.title));
  return root;
}

const fmt = (v) => (Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(3)).toString());

// ------------------------------------------------------------------------------------------------- what-if

function fieldInput(field, value, prefix = 'field') {
  const id = `${prefix}-${field.name}`;
  const label = el(
    'label',
    { for: id },
    `${field.title}${field.required ? ' (required)' : ''} `,
    el('span', { class: 'code' }, field.name),
  );
  let input;
  if (field.allowedValues) {
    input = el('select', { id, name: field.name });
    const options = ['', ...field.allowedValues];
    if (value !== undefined && value !== null && !options.includes(value)) options.push(String(value));
    for (const option of options) {
      const o = el('option', { value: option }, option === '' ? '(missing)' : option);
      if ((value ?? '') === option) o.selected = true;
      input.append(o);
    }
  } else {
    input = el('input', { id, name: field.name, inputmode: 'decimal', autocomplete: 'off' });
    input.value = value === undefined || value === null ? '' : String(value);
    input.placeholder = 'missing';
  }
  if (field.required) input.required = true;
  input.dataset.field = field.name;
  return el('div', {}, label, input);
}

function renderWhatIf(application, e) {
  const main = new Set();
  for (const c of e.contributions) for (const i of c.inputs) main.add(i.field);
  const editable = state.fields.filter((f) => f.name !== 'SK_ID_CURR');
  $('whatif-main').replaceChildren(
    ...editable.filter((f) => main.has(f.name)).map((f) => fieldInput(f, application[f.name])),
  );
  $('whatif-all').replaceChildren(
    ...editable.filter((f) => !main.has(f.name)).map((f) => fieldInput(f, application[f.name])),
  );
}

/** One typed value of a form input: undefined when empty, an Error when it is not what the field takes. */
function typedValue(field, raw) {
  if (raw === '') return undefined;
  if (field.type === 'string') return raw;
  const value = Number(raw);
  if (!Number.isFinite(value) || (field.type === 'integer' && !Number.isInteger(value))) {
    return new Error(`${field.title}: "${raw}" is not ${field.type === 'integer' ? 'a whole number' : 'a number'}`);
  }
  return value;
}

/** The hand-entry form: the client number, the required fields, then every field the model reads. */
function renderEntryForm() {
  const first = state.fields.filter((f) => f.required);
  const rest = state.fields.filter((f) => !f.required && f.modelInput);
  $('enter-fields').replaceChildren(...[...first, ...rest].map((f) => fieldInput(f, undefined, 'enter')));
}

function enteredApplication() {
  const application = {};
  for (const input of document.querySelectorAll('#enter-fields [data-field]')) {
    const field = state.fieldByName.get(input.dataset.field);
    const value = typedValue(field, input.value.trim());
    if (value instanceof Error) throw value;
    if (value === undefined && field.required) throw new Error(`${field.title} is required`);
    if (value !== undefined) application[field.name] = value;
  }
  return application;
}

async function whatIfChanged(target) {
  const field = state.fieldByName.get(target.dataset.field);
  if (!field) return;
  const raw = target.value.trim();
  const next = { ...state.current };
  const value = typedValue(field, raw);
  if (value instanceof Error) {
    $('whatif-delta').textContent = `${value.message}.`;
    return;
  }
  if (value === undefined) delete next[field.name];
  else next[field.name] = value;
  const before = state.explanation.probability;
  try {
    const e = await explainOne(next, { keepForm: true });
    state.current = next;
    const moved = e.probability - before;
    $('whatif-delta').textContent =
      `With ${field.title} = ${raw === '' ? 'missing' : raw}: risk of default ${percent(e.probability)} ` +
      `(${moved >= 0 ? '+' : ''}${(moved * 100).toFixed(2)} points), ${e.decision}.`;
  } catch (error) {
    $('whatif-delta').textContent = `Not scored: ${error.message}`;
  }
}

// ------------------------------------------------------------------------------------------------- many applicants

async function scoreMany(applications, ignored) {
  say(`Scoring ${applications.length} applications…`);
  const predictions = [];
  for (let start = 0; start < applications.length; start += PREDICT_CHUNK) {
    const chunk = applications.slice(start, start + PREDICT_CHUNK).map((application) => ({ application }));
    predictions.push(...(await api('/predict', chunk)).predictions);
  }
  state.batch = applications.map((application, i) => ({ application, prediction: predictions[i] }));
  state.sort = { key: null, dir: 1 };
  renderBatch();
  const refused = predictions.filter((p) => p.decision === 'refused').length;
  $('batch-summary').textContent =
    `${predictions.length} applications scored: ${predictions.length - refused} granted, ${refused} refused.` +
    (ignored.length ? ` Columns not used: ${ignored.join(', ')}.` : '');
  $('batch').hidden = false;
  say(`${predictions.length} applications scored.`);
}

function sortValue(row, key) {
  if (key === 'missing') return row.prediction.missingInputs.length;
  return row.prediction[key];
}

function renderBatch() {
  const { key, dir } = state.sort;
  const rows = [...state.batch];
  if (key)
    rows.sort((a, b) =>
      sortValue(a, key) > sortValue(b, key) ? dir : sortValue(a, key) < sortValue(b, key) ? -dir : 0,
    );
  for (const th of document.querySelectorAll('#batch-table th[aria-sort]')) {
    const k = th.querySelector('button').dataset.key;
    th.setAttribute('aria-sort', k === key ? (dir > 0 ? 'ascending' : 'descending') : 'none');
  }
  $('batch-table').tBodies[0].replaceChildren(
    ...rows.map((row) => {
      const p = row.prediction;
      const open = el('button', { type: 'button', 'aria-label': `Reasons for client ${p.SK_ID_CURR}` }, 'Reasons');
      open.addEventListener('click', () =>
        showApplication(row.application, `client ${p.SK_ID_CURR}`)
          .then(() => $('result-title').scrollIntoView())
          .catch((error) => say(error.message, true)),
      );
      return el(
        'tr',
        { 'data-id': String(p.SK_ID_CURR) },
        el('td', { class: 'num' }, String(p.SK_ID_CURR)),
        el('td', { class: 'num', 'data-probability': String(p.probability) }, percent(p.probability)),
        el('td', {}, el('span', { class: `badge ${p.decision}` }, p.decision)),
        el('td', { class: 'num' }, String(p.missingInputs.length)),
        el('td', {}, open),
      );
    }),
  );
}

function resultsCsv() {
  const lines = ['SK_ID_CURR,probability,decision,threshold,model_version,missing_inputs'];
  for (const { prediction: p } of state.batch) {
    lines.push(
      [p.SK_ID_CURR, p.probability, p.decision, p.threshold, p.modelVersion, `"${p.missingInputs.join(' ')}"`].join(
        ',',
      ),
    );
  }
  return lines.join('\n') + '\n';
}

function download() {
  const url = URL.createObjectURL(new Blob([resultsCsv()], { type: 'text/csv' }));
  const a = el('a', { href: url, download: 'decisions.csv' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ------------------------------------------------------------------------------------------------- wiring

// While a task runs the main region is marked busy (aria-busy): assistive technology waits for the whole answer
// rather than announcing the decision before its reasons and what-if form are drawn, and so do the browser tests.
let running = 0;
async function handle(task) {
  running += 1;
  $('main').setAttribute('aria-busy', 'true');
  try {
    await task();
  } catch (error) {
    say(error.message, true);
  } finally {
    running -= 1;
    if (running === 0) $('main').removeAttribute('aria-busy');
  }
}

async function start() {
  try {
    const [model, features] = await Promise.all([api('/model'), api('/features')]);
    state.model = model;
    state.fields = features.fields;
    state.fieldByName = new Map(features.fields.map((f) => [f.name, f]));
    $('model-info').textContent =
      `Model ${model.name} version ${model.version}: applications with a risk of default of ` +
      `${percent(model.threshold)} or more are refused.`;
  } catch (error) {
    $('model-info').textContent = `The model is not available yet: ${error.message}. Reload the page in a moment.`;
  }

  $('lookup-form').addEventListener('submit', (event) => {
    event.preventDefault();
    handle(async () => {
      const id = $('client-id').value.trim();
      if (!/^[0-9]+$/.test(id)) throw new Error('a client number is digits only');
      $('batch').hidden = true;
      const { application } = await api(`/clients/${id}`);
      await showApplication(application, `client ${id}`);
    });
  });
  renderEntryForm();
  $('enter-form').addEventListener('submit', (event) => {
    event.preventDefault();
    handle(async () => {
      const application = enteredApplication();
      $('batch').hidden = true;
      await showApplication(application, `client ${application.SK_ID_CURR}`);
    });
  });
  $('paste-form').addEventListener('submit', (event) => {
    event.preventDefault();
    handle(async () => {
      const { applications, ignored } = parsePasted($('paste').value);
      if (applications.length === 1) {
        $('batch').hidden = true;
        await showApplication(applications[0], `client ${applications[0].SK_ID_CURR ?? ''}`.trim());
      } else await scoreMany(applications, ignored);
    });
  });
  $('upload-form').addEventListener('submit', (event) => {
    event.preventDefault();
    handle(async () => {
      const file = $('upload').files[0];
      if (!file) throw new Error('choose a CSV file first');
      const { applications, ignored } = parseCsv(await file.text());
      await scoreMany(applications, ignored);
    });
  });
  $('download').addEventListener('click', download);
  for (const button of document.querySelectorAll('#batch-table th button')) {
    button.addEventListener('click', () => {
      const key = button.dataset.key;
      state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : 1 };
      renderBatch();
    });
  }
  $('whatif-form').addEventListener('change', (event) => handle(() => whatIfChanged(event.target)));
  $('whatif-form').addEventListener('submit', (event) => event.preventDefault());
  $('whatif-form').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && event.target.dataset.field) {
      event.preventDefault();
      event.target.blur(); // fires change
    }
  });
  $('whatif-reset').addEventListener('click', () =>
    handle(async () => {
      state.current = { ...state.original };
      $('whatif-delta').textContent = '';
      await explainOne(state.original);
    }),
  );
}

start();

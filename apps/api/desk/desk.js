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
/** The API's limits on a client number (a 32-bit id) and on a text value. */
const MAX_ID = 2147483647;
const MAX_TEXT = 200;
/** Problems listed in one message; the rest are counted. */
const LISTED = 8;

const state = {
  model: null,
  fields: [], // from /features: { name, title, type, required, allowedValues, modelInput }
  fieldByName: new Map(),
  original: null, // the applicant as received: { application, history? }
  originalProbability: null,
  explanation: null,
  batch: [], // { applicant, prediction }
  sort: { key: null, dir: 1 },
};

// ------------------------------------------------------------------------------------------------------- API calls

/** An answer of the API other than 2xx, with its status and the request fields it names. */
class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super(body.message || `error ${status}`);
    this.status = status;
    this.fields = body.fields ?? [];
    this.retryAfter = retryAfter;
  }
}

async function api(path, body) {
  const headers = { accept: 'application/json' };
  const key = $('api-key').value.trim();
  if (key) headers['x-api-key'] = key;
  const init = body === undefined ? { headers } : { method: 'POST', headers, body: JSON.stringify(body) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new Error('The server did not answer (the network or the server is down): try again in a moment.');
  }
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, json, response.headers.get('retry-after'));
  return json;
}

function say(text, error = false) {
  const status = $('status');
  status.textContent = text;
  status.classList.toggle('error', error);
}

const percent = (p) => `${(p * 100).toFixed(1)} %`;

/** A field as officers read it: its title, with the column name when they differ. */
function fieldWords(name) {
  const field = state.fieldByName.get(name);
  return field && field.title !== name ? `${field.title} (${name})` : name;
}

/** A list of problems in one sentence: the first few, then how many more. */
function listProblems(problems) {
  const more = problems.length > LISTED ? `; and ${problems.length - LISTED} more` : '';
  return problems.slice(0, LISTED).join('; ') + more;
}

// ----------------------------------------------------------------------------------- API errors in officers' words

/**
 * What an API error means for the officer, and what to do. `place(i)` names the i-th applicant of the request as
 * the officer knows it (a line of their file); the API only knows its index in the request.
 */
function officerMessage(error, place = () => '') {
  if (!(error instanceof ApiError)) return error.message;
  const { status, message } = error;
  if (status === 401) return apiKeyMessage();
  if (status === 429 && /API key/.test(message)) {
    openSettings();
    const wait = error.retryAfter ?? 60;
    return `Too many wrong API keys from this computer: wait ${wait} s, then check the key under Settings.`;
  }
  if (status === 429) return 'The server is busy (too many requests): wait a moment and try again.';
  if (status === 413) return 'This is more than the server takes at once: send fewer applications or less history.';
  if (status === 503) return 'The model is not available yet (the server is loading it): try again in a moment.';
  if (status >= 500) return `The server failed (error ${status}): try again, and tell support if it happens again.`;
  if (status === 400 && message.startsWith('invalid request: ')) {
    return message
      .slice('invalid request: '.length)
      .split(/; (?=body)/)
      .map((problem) => officerProblem(problem, place))
      .join('; ');
  }
  return message;
}

function openSettings() {
  $('settings').open = true;
}

function apiKeyMessage() {
  openSettings();
  return $('api-key').value.trim()
    ? 'The API key entered under Settings is not accepted by the server: check it and try again.'
    : 'This server asks for an API key: enter it under Settings (opened below) and try again.';
}

/** "body[502].application.CNT_CHILDREN must be an integer or null, got number 1.5" → "line 1504, Children (…". */
function officerProblem(problem, place) {
  const m = /^body(?:\[(\d+)\])?((?:\.\w+|\[\d+\])*):? (.*)$/.exec(problem);
  if (!m) return problem;
  const [, index, path, rule] = m;
  const where = place(Number(index ?? 0));
  const subject = pathWords(path);
  if (!subject) return where ? `${where}: ${ruleWords(rule)}` : ruleWords(rule);
  return `${where ? `${where}, ` : ''}${subject} ${ruleWords(rule)}`;
}

function pathWords(path) {
  const application = /^\.application\.(\w+)$/.exec(path);
  if (application) return fieldWords(application[1]);
  const history = /^\.history(?:\.(\w+))?(?:\[(\d+)\])?(?:\.(\w+))?$/.exec(path);
  if (!history) return path.replace(/^\./, '');
  const [, table, row, field] = history;
  return ['credit history', table && `table ${table}`, row && `row ${Number(row) + 1}`, field]
    .filter(Boolean)
    .join(', ');
}

const TYPE_WORDS = { integer: 'a whole number', number: 'a number', string: 'text' };

function ruleWords(rule) {
  if (rule === 'is not a known field') return 'is not a field an application has: check its name';
  if (rule.startsWith('is required')) return `${rule}: fill it in`;
  const type = /^must be an? (integer|number|string)(?: or null)?, got (?:number |the text )?(.*)$/.exec(rule);
  if (type) return `must be ${TYPE_WORDS[type[1]]}, not ${type[2]}`;
  const bound = /^must be ([<>])= (\S+)$/.exec(rule);
  if (bound) return `must be at ${bound[1] === '<' ? 'most' : 'least'} ${bound[2]}`;
  return rule;
}

// --------------------------------------------------------------------------------------------------- input parsing

/** Numbers typed by hand: plain decimals only (Number() would also take 0x10, 1e3 or Infinity). */
const TYPED_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/;
/** Numbers in a file: also the exponent form, which pandas writes for small floats (7.36e-05). */
const FILE_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * One value as the API wants it, from the text of a form field or a CSV cell: undefined when empty (missing), an
 * Error naming the field when it is not what the field takes.
 */
function typedValue(field, raw, pattern = TYPED_NUMBER) {
  if (raw === '') return undefined;
  const name = fieldWords(field.name);
  if (field.type === 'string') {
    return raw.length > MAX_TEXT ? new Error(`${name}: longer than ${MAX_TEXT} characters`) : raw;
  }
  const value = pattern.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(value)) {
    return new Error(`${name}: "${raw}" is not a number (digits, with a point for decimals: 1250.5)`);
  }
  if (field.type === 'integer' && !Number.isSafeInteger(value)) {
    return new Error(`${name}: "${raw}" is not a whole number`);
  }
  if (field.name === 'SK_ID_CURR' && (value < 0 || value > MAX_ID)) {
    return new Error(`${name}: a client number is between 0 and ${MAX_ID}`);
  }
  return value;
}

/** A number as plain decimal digits, the same value: String() gives 7.3e-5 or 1e+21, which the form would refuse. */
function plainNumber(value) {
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(String(value));
  if (!m) return String(value);
  const [, sign, lead, rest = '', exponent] = m;
  const digits = lead + rest;
  const point = 1 + Number(exponent);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

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

const count = (text, c) => text.split(c).length - 1;

/** The column names, or an error saying why the first line is not a header this desk reads. */
function csvHeader(line) {
  const commas = count(line, ',');
  if (count(line, ';') > commas) {
    throw new Error('The columns are separated by semicolons (;): save the file as CSV with commas and try again.');
  }
  if (count(line, '\t') > commas) {
    throw new Error('The columns are separated by tabs: save the file as CSV with commas and try again.');
  }
  const header = csvCells(line).map((h) => h.trim());
  const missing = state.fields.filter((f) => f.required && !header.includes(f.name)).map((f) => fieldWords(f.name));
  if (!header.some((h) => state.fieldByName.has(h))) {
    throw new Error('The first line must name the columns (SK_ID_CURR, AMT_CREDIT…): none of its names is a field.');
  }
  if (missing.length)
    throw new Error(`The file has no column for ${missing.join(', ')}, which every application needs.`);
  return header;
}

/**
 * CSV text into applicants typed as the API wants them: numbers for numeric fields, text for text fields, empty
 * cells left out (missing). Columns the API does not know (e.g. TARGET) are set aside and reported. The whole file
 * is checked before anything is scored: the API would refuse a batch with one bad line, after scoring (and logging)
 * the batches before it.
 */
function parseCsv(text) {
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== '');
  const rows = lines.map((l, i) => ({ line: i + 1, text: l })).filter((r, i) => i > first && r.text.trim() !== '');
  if (first < 0 || !rows.length) {
    throw new Error('A CSV needs the column names (SK_ID_CURR,…) on its first line, then one line per application.');
  }
  const header = csvHeader(lines[first]);
  const problems = [];
  const notes = [];
  const applicants = rows.map((row) => ({ application: csvApplication(header, row, problems, notes) }));
  if (problems.length) {
    const n = problems.length;
    throw new Error(
      `Nothing was scored: the file has ${n} problem${n > 1 ? 's' : ''}. ${listProblems(problems)}. ` +
        'Correct the file and try again.',
    );
  }
  const ignored = header.filter((h) => !state.fieldByName.has(h));
  return { applicants, lines: rows.map((r) => r.line), ignored, notes };
}

/** One CSV line as an application; its problems, and the categories the model has not seen, are collected. */
function csvApplication(header, row, problems, notes) {
  const cells = csvCells(row.text);
  const application = {};
  header.forEach((name, k) => {
    const field = state.fieldByName.get(name);
    if (!field) return;
    const value = typedValue(field, (cells[k] ?? '').trim(), FILE_NUMBER);
    if (value instanceof Error) problems.push(`line ${row.line}, ${value.message}`);
    else if (value === undefined && field.required)
      problems.push(`line ${row.line}, ${fieldWords(name)}: required, but the cell is empty`);
    else if (value !== undefined) application[name] = value;
    if (field.allowedValues && typeof value === 'string' && !field.allowedValues.includes(value)) {
      notes.push(`line ${row.line}, ${fieldWords(name)} "${value}"`);
    }
  });
  return application;
}

/** Keys the server refuses in any JSON (prototype poisoning), found anywhere in a pasted value. */
function forbiddenKey(value) {
  if (value === null || typeof value !== 'object') return undefined;
  for (const key of Object.keys(value)) {
    if (key === '__proto__' || key === 'constructor') return key;
    const inner = forbiddenKey(value[key]);
    if (inner) return inner;
  }
  return undefined;
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A pasted JSON item as an applicant: { application, history } as POST /predict takes it, or a bare application. */
function jsonApplicant(item, where) {
  if (!isObject(item)) throw new Error(`${where} is not a JSON object ({ "SK_ID_CURR": …, … })`);
  if (!('application' in item)) return { application: item };
  const other = Object.keys(item).filter((k) => k !== 'application' && k !== 'history');
  if (other.length) throw new Error(`${where} has "${other[0]}" besides "application" and "history": remove it`);
  if (!isObject(item.application)) throw new Error(`${where}: "application" must be a JSON object`);
  if (item.history === undefined) return { application: item.application };
  if (!isObject(item.history)) throw new Error(`${where}: "history" must be a JSON object of side tables`);
  return { application: item.application, history: item.history };
}

/** What the desk can check of a JSON application: its known fields' types and the required ones. */
function jsonProblems(application) {
  const problems = [];
  for (const field of state.fields) {
    const value = application[field.name];
    const name = fieldWords(field.name);
    if (value === undefined || value === null) {
      if (field.required) problems.push(`${name} is required`);
    } else if (field.type === 'string' ? typeof value !== 'string' : typeof value !== 'number') {
      problems.push(`${name} must be ${TYPE_WORDS[field.type]}, not ${JSON.stringify(value)}`);
    } else if (field.type === 'integer' && !Number.isInteger(value)) {
      problems.push(`${name} must be a whole number, not ${value}`);
    }
  }
  return problems;
}

function parseJson(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`This is not valid JSON (${error.message}): check the brackets, quotes and commas.`);
  }
  const forbidden = forbiddenKey(value);
  if (forbidden) throw new Error(`The JSON has a key "${forbidden}", which no application has: remove it.`);
  const list = Array.isArray(value) ? value : [value];
  if (!list.length) throw new Error('The JSON list is empty: paste at least one application.');
  const name = (i) => (list.length > 1 ? `application ${i + 1}` : 'the application');
  const applicants = list.map((item, i) => jsonApplicant(item, name(i)));
  const problems = applicants.flatMap((a, i) => jsonProblems(a.application).map((p) => `${name(i)}: ${p}`));
  if (problems.length) throw new Error(`Nothing was scored: ${listProblems(problems)}.`);
  return { applicants, place: (i) => (list.length > 1 ? name(i) : ''), ignored: [], notes: [] };
}

function parsePasted(text) {
  const trimmed = text.trim();
  if (!trimmed) throw new Error('Paste an application first.');
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return parseJson(trimmed);
  const csv = parseCsv(trimmed);
  return { ...csv, place: (i) => `line ${csv.lines[i]}` };
}

// --------------------------------------------------------------------------------------------------- one applicant

// Every request that draws results takes a ticket; an answer whose ticket is no longer the latest is dropped, so a
// slow answer never overwrites a newer one (what-if edits in quick succession, a lookup while a what-if runs).
let latest = 0;
const newTicket = () => ++latest;
class Superseded extends Error {}

/** A new request from the search forms: what was shown belongs to the previous one, so it goes. */
function clearResults({ keepBatch = false } = {}) {
  newTicket();
  $('result').hidden = true;
  $('whatif').hidden = true;
  state.original = null;
  state.explanation = null;
  if (keepBatch) return;
  $('batch').hidden = true;
  state.batch = [];
}

/** The explanation of one applicant and its population summaries, or Superseded when a newer request was made. */
async function scoreOne(applicant, ticket) {
  const explanation = (await api(`/explain?top=${TOP}`, applicant)).explanations[0];
  const population = await populationOf(explanation);
  if (ticket !== latest) throw new Superseded();
  return { explanation, population };
}

function drawResult({ explanation, population }) {
  state.explanation = explanation;
  renderDecision(explanation);
  renderReasons(explanation);
  renderMissing(explanation);
  renderWaterfall(explanation);
  renderDistributions(explanation, population);
  markStale('');
  $('result').hidden = false;
}

/** Says, on the decision itself, that it is not for the values now in the what-if form (or clears that). */
function markStale(why) {
  $('result').classList.toggle('stale', Boolean(why));
  $('result-stale').hidden = !why;
  $('result-stale').textContent = why ? `Not up to date: this decision is for the values before ${why}` : '';
}

const historyRows = (history) =>
  Object.values(history ?? {}).reduce((n, rows) => n + (Array.isArray(rows) ? rows.length : 0), 0);

async function showApplicant(applicant, where) {
  const ticket = newTicket();
  say(`Scoring ${where}…`);
  const scored = await scoreOne(applicant, ticket);
  const { explanation } = scored;
  state.original = applicant;
  state.originalProbability = explanation.probability;
  drawResult(scored);
  renderWhatIf(applicant.application, explanation);
  $('whatif-delta').textContent = '';
  $('whatif').hidden = false;
  const rows = historyRows(applicant.history);
  const who = where.charAt(0).toUpperCase() + where.slice(1);
  say(
    `${who}${rows ? ` with ${rows} rows of credit history` : ''}: ${explanation.decision} ` +
      `(risk of default ${percent(explanation.probability)}).`,
  );
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

// -------------------------------------------------------------------------------------------------------- drawings

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

/** The strongest features with a value: the ones placed on the training population. */
const placed = (e) => e.contributions.filter((c) => c.value !== null).slice(0, DISTRIBUTIONS);

/** The population summaries of the strongest features (fetched before anything is drawn: one answer, one drawing). */
async function populationOf(e) {
  const names = placed(e).map((c) => c.feature);
  if (!names.length) return [];
  const query = encodeURIComponent(names.join(','));
  return (await api(`/model/population?features=${query}`)).features;
}

/** The client's value on the training population of the strongest features (quantiles → a histogram). */
function renderDistributions(e, features) {
  const top = placed(e);
  const box = $('distributions');
  if (!top.length) return box.replaceChildren(el('p', {}, 'No feature with a value to place.'));
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

// --------------------------------------------------------------------------------------------------------- what-if

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
    input.value = shownValue(value, '');
    input.placeholder = 'missing';
  }
  if (field.required) input.required = true;
  input.dataset.field = field.name;
  return el('div', {}, label, input);
}

/** A value as the form shows it: numbers as plain decimals, which is what the form reads back. */
const shownValue = (value, missing) =>
  value === undefined || value === null ? missing : typeof value === 'number' ? plainNumber(value) : String(value);

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

/** The hand-entry form: the client number, the required fields, then every field the model reads. */
function renderEntryForm() {
  const first = state.fields.filter((f) => f.required);
  const rest = state.fields.filter((f) => !f.required && f.modelInput);
  $('enter-fields').replaceChildren(...[...first, ...rest].map((f) => fieldInput(f, undefined, 'enter')));
}

/** The values of a form's fields over `application`: an Error names the first field that is not right. */
function formValues(selector, application) {
  for (const input of document.querySelectorAll(`${selector} [data-field]`)) {
    const field = state.fieldByName.get(input.dataset.field);
    const value = typedValue(field, input.value.trim());
    if (value instanceof Error) throw value;
    if (value === undefined && field.required) throw new Error(`${fieldWords(field.name)} is required`);
    if (value === undefined) delete application[field.name];
    else application[field.name] = value;
  }
  return application;
}

const sentence = (text) => (/[.!?]$/.test(text) ? text : `${text}.`);

/** The fields whose value differs from the application as received, as "title = value". */
function changes(application) {
  const received = state.original.application;
  return state.fields
    .filter((f) => (application[f.name] ?? null) !== (received[f.name] ?? null))
    .map((f) => `${f.title} = ${shownValue(application[f.name], 'missing')}`);
}

function deltaText(application, e) {
  const changed = changes(application);
  const risk = `risk of default ${percent(e.probability)}`;
  if (!changed.length) return `As received: ${risk}, ${e.decision}.`;
  const listed =
    changed.length > 4
      ? `${changed.slice(0, 4).join(', ')} and ${changed.length - 4} other changes`
      : changed.join(', ');
  const moved = e.probability - state.originalProbability;
  return (
    `With ${listed}: ${risk} (${moved >= 0 ? '+' : ''}${(moved * 100).toFixed(2)} points from the application as ` +
    `received), ${e.decision}.`
  );
}

/**
 * Scores the application as the form shows it now: every field is read from the form (not from the last answer),
 * so an edit made while an earlier one was being scored is never lost, and only the latest answer is drawn.
 */
async function whatIfChanged() {
  if (!state.original) return; // the results were cleared by a newer request
  const ticket = newTicket();
  const { history } = state.original;
  try {
    const application = formValues('#whatif-form', { ...state.original.application });
    const scored = await scoreOne(history ? { application, history } : { application }, ticket);
    drawResult(scored);
    $('whatif-delta').textContent = deltaText(application, scored.explanation);
  } catch (error) {
    if (error instanceof Superseded) throw error;
    $('whatif-delta').textContent = `Not scored: ${sentence(officerMessage(error))}`;
    markStale('your last change, which could not be scored (see the what-if below).');
  }
}

async function resetWhatIf() {
  const ticket = newTicket();
  const scored = await scoreOne(state.original, ticket);
  drawResult(scored);
  renderWhatIf(state.original.application, scored.explanation);
  $('whatif-delta').textContent = '';
}

// ------------------------------------------------------------------------------------------------- many applicants

/** /predict in chunks; an error names the applicant as the officer knows it (its line), not its place in a chunk. */
async function predictAll(applicants, place, predictions) {
  for (let start = 0; start < applicants.length; start += PREDICT_CHUNK) {
    const chunk = applicants.slice(start, start + PREDICT_CHUNK);
    try {
      predictions.push(...(await api('/predict', chunk)).predictions);
    } catch (error) {
      throw new Error(officerMessage(error, (i) => place(start + i)));
    }
  }
}

/**
 * Scores a parsed file or paste. When a chunk fails after others were scored (and logged by the API), those are
 * shown with the error: a decision the API made is never hidden from the officer.
 */
async function scoreMany(parsed) {
  const { applicants, place } = parsed;
  const ticket = newTicket();
  say(`Scoring ${applicants.length} applications…`);
  const predictions = [];
  try {
    await predictAll(applicants, place, predictions);
  } catch (error) {
    if (ticket !== latest) throw new Superseded();
    if (!predictions.length) throw error;
    showBatch(parsed, predictions);
    const from = place(predictions.length);
    throw new Error(
      `Scoring stopped at ${from}: ${sentence(error.message)} The ${predictions.length} applications before it ` +
        `were scored and are shown below; score the rest again from ${from}.`,
    );
  }
  if (ticket !== latest) throw new Superseded();
  showBatch(parsed, predictions);
  say(`${predictions.length} applications scored.`);
}

function showBatch({ applicants, ignored, notes }, predictions) {
  state.batch = predictions.map((prediction, i) => ({ applicant: applicants[i], prediction }));
  state.sort = { key: null, dir: 1 };
  renderBatch();
  const n = predictions.length;
  const refused = predictions.filter((p) => p.decision === 'refused').length;
  const scored = n < applicants.length ? `${n} of the ${applicants.length} applications` : `${n} applications`;
  $('batch-summary').textContent =
    `${scored} scored: ${n - refused} granted, ${refused} refused.` +
    (ignored.length ? ` Columns not used: ${ignored.join(', ')}.` : '') +
    (notes.length ? ` Categories the model has not seen, scored as missing: ${listProblems(notes)}.` : '');
  $('batch').hidden = false;
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
  $('batch-table').tBodies[0].replaceChildren(...rows.map(batchRow));
}

function batchRow(row) {
  const p = row.prediction;
  const open = el('button', { type: 'button', 'aria-label': `Reasons for client ${p.SK_ID_CURR}` }, 'Reasons');
  // The decision is drawn below the table: focus goes to its heading, so the next Tab continues from there.
  open.addEventListener('click', () =>
    handle(async () => {
      clearResults({ keepBatch: true });
      await showApplicant(row.applicant, `client ${p.SK_ID_CURR}`);
      $('result-title').focus();
    }),
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

// ---------------------------------------------------------------------------------------------------------- wiring

// While a task runs the main region is marked busy (aria-busy): assistive technology waits for the whole answer
// rather than announcing the decision before its reasons and what-if form are drawn, and so do the browser tests.
let running = 0;
async function handle(task) {
  running += 1;
  $('main').setAttribute('aria-busy', 'true');
  try {
    await task();
  } catch (error) {
    // A superseded request has nothing to say: the newer one speaks.
    if (!(error instanceof Superseded)) say(officerMessage(error), true);
  } finally {
    running -= 1;
    if (running === 0) $('main').removeAttribute('aria-busy');
  }
}

/** A search form's submit: what was shown goes first, so an error never stands next to an older decision. */
function onSubmit(form, task) {
  $(form).addEventListener('submit', (event) => {
    event.preventDefault();
    handle(async () => {
      clearResults();
      await task();
    });
  });
}

async function lookUp() {
  const id = $('client-id').value.trim();
  if (!/^[0-9]+$/.test(id)) throw new Error('A client number is digits only.');
  if (id.length > 10 || Number(id) > MAX_ID) {
    throw new Error(`A client number has at most 10 digits (the largest is ${MAX_ID}): check the number.`);
  }
  const { application } = await api(`/clients/${id}`);
  await showApplicant({ application }, `client ${id}`);
}

async function scorePasted() {
  const parsed = parsePasted($('paste').value);
  if (parsed.applicants.length > 1) return scoreMany(parsed);
  const [applicant] = parsed.applicants;
  await showApplicant(applicant, `client ${applicant.application.SK_ID_CURR ?? ''}`.trim());
}

async function scoreFile() {
  const file = $('upload').files[0];
  if (!file) throw new Error('Choose a CSV file first.');
  const csv = parseCsv(await file.text());
  await scoreMany({ ...csv, place: (i) => `line ${csv.lines[i]}` });
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
    $('model-info').textContent =
      `The model is not available yet: ${sentence(officerMessage(error))} Reload the page in a moment.`;
  }

  onSubmit('lookup-form', lookUp);
  renderEntryForm();
  onSubmit('enter-form', async () => {
    const application = formValues('#enter-fields', {});
    await showApplicant({ application }, `client ${application.SK_ID_CURR}`);
  });
  onSubmit('paste-form', scorePasted);
  onSubmit('upload-form', scoreFile);
  $('download').addEventListener('click', download);
  for (const button of document.querySelectorAll('#batch-table th button')) {
    button.addEventListener('click', () => {
      const key = button.dataset.key;
      state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : 1 };
      renderBatch();
    });
  }
  $('whatif-form').addEventListener('change', (event) => {
    if (event.target.dataset.field) handle(whatIfChanged);
  });
  $('whatif-form').addEventListener('submit', (event) => event.preventDefault());
  $('whatif-form').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && event.target.dataset.field) {
      event.preventDefault();
      event.target.blur(); // fires change
    }
  });
  $('whatif-reset').addEventListener('click', () => handle(resetWhatIf));
}

start();

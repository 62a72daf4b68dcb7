// Writes the runs kaggle.sh recorded (tmp/bench-pipeline/<rows>-<label>/) into docs/benchmarks.md, section
// "pipeline": time and peak RSS per stage side by side, the models' results, then any run at another size.
// Usage: node tools/bench/pipeline/section.js BEFORE AFTER [OTHER...]   e.g. 307511-before 307511-after 1000000-after
const fs = require('node:fs');
const path = require('node:path');
const { writeSection } = require('../write-section.js');

const root = path.resolve(__dirname, '..', '..', '..');
const dirOf = (name) => path.join(root, 'tmp', 'bench-pipeline', name);
const read = (name, file) => {
  const f = path.join(dirOf(name), file);
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '';
};

/**
 * A run's summary kept in the repository (tools/bench/pipeline/runs/<name>.json): tmp/ does not outlive a session, so
 * every run written into the section is summarised there, and a later session can still show it as its "before".
 */
const summaryFile = (name) => path.join(__dirname, 'runs', `${name}.json`);

/** One recorded run, from tmp/bench-pipeline/<name>/ when present (its summary is then saved), else its summary. */
function loadRun(name) {
  if (!fs.existsSync(path.join(dirOf(name), 'run.json'))) {
    if (!fs.existsSync(summaryFile(name)))
      throw new Error(`no run ${name}: neither ${dirOf(name)} nor ${summaryFile(name)}`);
    return { name, ...JSON.parse(fs.readFileSync(summaryFile(name), 'utf8')) };
  }
  const summary = recordedRun(name);
  const { lastLine, ...kept } = summary;
  fs.mkdirSync(path.dirname(summaryFile(name)), { recursive: true });
  fs.writeFileSync(summaryFile(name), `${JSON.stringify(summary.failed ? summary : kept, null, 2)}\n`);
  return summary;
}

/** One recorded run: stages (seconds, peak RSS sampled while it ran), GNU time's peak, the report's tables. */
function recordedRun(name) {
  const run = JSON.parse(read(name, 'run.json'));
  const lines = read(name, 'stderr').split('\n');
  const samples = read(name, 'rss')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ').map(Number));
  const stages = [];
  for (const line of lines) {
    const started = line.match(/^(\d+) ▶ (.+)$/);
    if (started) stages.push({ stage: started[2], from: Number(started[1]), to: undefined, seconds: undefined });
    const done = line.match(/^(\d+) ✔ (.+) \(\S+\)$/) || line.match(/^(\d+) ✖ (.+) failed after \S+$/);
    if (done) {
      const stage = stages.find((s) => s.stage === done[2] && s.to === undefined);
      if (stage) stage.to = Number(done[1]);
    }
  }
  const end = samples.length ? samples[samples.length - 1][0] : 0;
  for (const s of stages) {
    const to = s.to ?? end;
    s.peakKb = Math.max(0, ...samples.filter(([t]) => t >= s.from && t <= to).map(([, kb]) => kb));
  }
  // Stage times from the report (exact), else from the stamps (whole seconds).
  const report = read(name, 'report.md');
  const timed = tableRows(report, '| stage | time |');
  for (const s of stages) {
    const row = timed.find((r) => r[0] === s.stage);
    s.seconds = row ? parseDuration(row[1]) : s.to !== undefined ? s.to - s.from : undefined;
  }
  const total = timed.find((r) => r[0] === '**total**');
  const peak = read(name, 'stderr').match(/Maximum resident set size \(kbytes\): (\d+)/);
  const wall = read(name, 'stderr').match(/Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)/);
  const models = tableRows(report, '| model | best params |').map((r) => ({
    model: r[0],
    cvAuc: r[3],
    testAuc: r[4],
    cvCost: r[7],
    testCost: r[8],
  }));
  const champion = (report.match(/^- \*\*(\w+)\*\*, registered/m) || [])[1];
  const failed = !report;
  return {
    ...run,
    name,
    stages,
    total: total ? parseDuration(total[1].replace(/\*/g, '')) : undefined,
    wall: wall ? wall[1] : undefined,
    peakKb: peak ? Number(peak[1]) : Math.max(0, ...samples.map(([, kb]) => kb)),
    loadAfter: read(name, 'load-after').trim(),
    models,
    champion,
    failed,
    /** Why a run was stopped, when it was (tmp/bench-pipeline/<run>/stopped, written by whoever stopped it). */
    stopped: read(name, 'stopped').trim(),
    lastLine: lines.filter(Boolean).slice(-1)[0],
  };
}

function tableRows(markdown, header) {
  const at = markdown.indexOf(header);
  if (at < 0) return [];
  const lines = markdown.slice(at).split('\n').slice(2);
  const end = lines.findIndex((l) => !l.startsWith('|'));
  return lines.slice(0, end < 0 ? lines.length : end).map((l) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim()),
  );
}

function parseDuration(text) {
  const m = text.match(/^(?:(\d+)m)?([\d.]+)s$/);
  return m ? Number(m[1] || 0) * 60 + Number(m[2]) : undefined;
}

const gb = (kb) => (kb > 0 ? `${(kb / 1024 / 1024).toFixed(1)} GiB` : '—');
const time = (s) =>
  s === undefined
    ? '—'
    : s < 60
      ? `${s.toFixed(1)}s`
      : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;

function describe(run) {
  return (
    `${run.label}: commit ${run.commit}, started ${run.started.replace('T', ' ').replace('Z', ' UTC')}, ` +
    `load average ${run.loadBefore} before / ${run.loadAfter || '?'} after; command \`${run.command}\`` +
    (run.transcribed ? ` (figures transcribed ${run.transcribed})` : '')
  );
}

/** A stage's name without its parenthesised detail, so that a stage whose detail changed lines up with itself. */
const stageKey = (name) => name.replace(/ \(.*\)$/, '');

function sideBySide(before, after) {
  const keys = [...new Set([...after.stages, ...before.stages].map((s) => stageKey(s.stage)))];
  const find = (run, key) => run.stages.find((x) => stageKey(x.stage) === key);
  const cell = (run, key) => {
    const s = find(run, key);
    return s ? [time(s.seconds), gb(s.peakKb)] : ['—', '—'];
  };
  const label = (key) => {
    const [b, a] = [find(before, key), find(after, key)];
    return b && a && b.stage !== a.stage
      ? `${key} (${before.label}: ${b.stage.slice(key.length + 2, -1)}; ` +
          `${after.label}: ${a.stage.slice(key.length + 2, -1)})`
      : (a ?? b).stage;
  };
  const rows = keys.map((k) => `| ${label(k)} | ${cell(before, k).join(' | ')} | ${cell(after, k).join(' | ')} |`);
  return [
    `| stage | ${before.label}: time | peak RSS | ${after.label}: time | peak RSS |`,
    '|---|---:|---:|---:|---:|',
    ...rows,
    `| **total (trainer's clock)** | **${time(before.total)}** | | **${time(after.total)}** | |`,
    `| **wall clock, peak RSS (GNU time)** | **${before.wall}** | **${gb(before.peakKb)}** | **${after.wall}** | **${gb(after.peakKb)}** |`,
  ].join('\n');
}

function results(before, after) {
  const rows = before.models.map((b) => {
    const a = after.models.find((m) => m.model === b.model) || {};
    return `| ${b.model} | ${b.cvAuc} / ${b.testAuc} | ${a.cvAuc} / ${a.testAuc} | ${b.testCost} | ${a.testCost} |`;
  });
  return [
    `| model | ${before.label}: CV AUC / test AUC | ${after.label}: CV AUC / test AUC | ${before.label}: test cost | ${after.label}: test cost |`,
    '|---|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

function single(run) {
  const rows = run.stages.map((s) => `| ${s.stage} | ${time(s.seconds)} | ${gb(s.peakKb)} |`);
  return [
    '| stage | time | peak RSS |',
    '|---|---:|---:|',
    ...rows,
    `| **total (trainer's clock)** | **${time(run.total)}** | |`,
    `| **wall clock, peak RSS (GNU time)** | **${run.wall ?? '—'}** | **${gb(run.peakKb)}** |`,
  ].join('\n');
}

const [beforeName, afterName, ...others] = process.argv.slice(2);
if (!beforeName || !afterName) {
  console.error('usage: node tools/bench/pipeline/section.js BEFORE AFTER [OTHER...]');
  process.exit(2);
}
const before = loadRun(beforeName);
const after = loadRun(afterName);
const championOf = (run) => {
  const m = run.models.find((x) => x.model === run.champion);
  return m ? `**${run.champion}**, test AUC ${m.testAuc} (CV AUC ${m.cvAuc})` : 'none (run failed)';
};
const notes = fs.existsSync(path.join(__dirname, 'notes.md'))
  ? fs.readFileSync(path.join(__dirname, 'notes.md'), 'utf8')
  : '';
const md = [
  '## pipeline',
  '',
  `The main job on generated data (${before.rows.toLocaleString('en')} applicants, seed 42, all seven tables), ` +
    "end to end through `trainer run` on the machine's 2 cores, recorded by `tools/bench/pipeline/kaggle.sh` " +
    "(RSS of the trainer sampled every second; a stage's peak is the largest sample while it ran) and written by " +
    `\`node tools/bench/pipeline/section.js ${process.argv.slice(2).join(' ')}\`. The 2 cores are shared with other ` +
    "engineers' jobs (the load averages below): times are those of this machine at that moment, not of the code alone.",
  '',
  `- ${describe(before)}.`,
  `- ${describe(after)}.`,
  '',
  sideBySide(before, after),
  '',
  `Champion: ${before.label} ${championOf(before)}; ${after.label} ${championOf(after)}.`,
  '',
  results(before, after),
  '',
  ...others.flatMap((name) => {
    const run = loadRun(name);
    return [
      `### ${run.rows.toLocaleString('en')} applicants (${run.label})`,
      '',
      `- ${describe(run)}.`,
      run.failed
        ? `- The run did not finish${run.stopped ? ` (${run.stopped})` : ''}; its last line: \`${run.lastLine}\`.`
        : `- Champion: ${championOf(run)}.`,
      '',
      single(run),
      '',
    ];
  }),
  notes.trim(),
].join('\n');
writeSection('pipeline', md);
console.log('docs/benchmarks.md: section pipeline written');

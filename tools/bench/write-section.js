// Replaces one benchmark's section of docs/benchmarks.md (between its start/end markers), leaving the others.
// Usage from a bench script: require('../write-section.js').writeSection('lightgbm', markdownText)
const fs = require('node:fs');
const path = require('node:path');

const file = path.resolve(__dirname, '..', '..', 'docs', 'benchmarks.md');

function writeSection(name, markdown) {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  let doc = fs.existsSync(file)
    ? fs.readFileSync(file, 'utf8')
    : '# Benchmarks\n\nEach section is rewritten by its benchmark script; the command that produced it is in the section.\n';
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  doc = i >= 0 && j > i ? doc.slice(0, i) + block + doc.slice(j + end.length) : `${doc.trimEnd()}\n\n${block}\n`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, doc);
}

module.exports = { writeSection };

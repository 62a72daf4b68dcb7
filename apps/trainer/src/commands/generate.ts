import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { generateSynthetic, TABLE_NAMES, tablePath, workspaceRoot } from '@credit-scoring/data';
import { parseFlags, toInt, UsageError } from '../cli-args';
import { DEFAULTS } from '../config';
import { outputError, outputFolder } from '../path-flags';
import { formatSeconds } from '../progress';

const HELP = `Usage: trainer generate [--rows N] [--seed N] [--out DIR]

Writes the eight Home Credit CSV files (application_train/test and the six side tables) with Kaggle's schemas,
realistic marginals and a planted default signal. Same seed, same bytes.
  --rows N    applicants in application_train (default ${DEFAULTS.rows}, as npm start; Kaggle's size is 307511)
  --seed N    (default ${DEFAULTS.seed})
  --out DIR   (default ${DEFAULTS.generatedDir}/<rows>-seed<seed>, the folder npm start reads for those rows and seed)
  --force     write over the tables a folder already holds (refused otherwise: they may be the real Kaggle files)
`;

export async function generateCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    rows: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const rows = toInt('rows', values.rows, 1, 10_000_000) ?? DEFAULTS.rows;
  const seed = toInt('seed', values.seed, 0, 2 ** 31 - 1) ?? DEFAULTS.seed;
  // Same default folder as `npm start` (pipeline/data.ts), so a generated set is found and reused by the run.
  const out = values.out ? resolve(values.out) : resolve(workspaceRoot(), DEFAULTS.generatedDir, `${rows}-seed${seed}`);
  checkOut(out, values.force === true);
  // Made here, level by level: the library's recursive mkdir never returns under /proc (`--out /proc/x` hung).
  outputFolder('--out', out);
  const start = Date.now();
  const result = await generateSynthetic({
    rows,
    seed,
    out,
    onProgress: ({ table, rows: written }) =>
      process.stderr.write(`  ${table}: ${written.toLocaleString('en')} rows\n`),
  }).catch((error: unknown) => {
    throw outputError('--out', out, error); // a full disk: one line in words, not Node's "ENOSPC: …, write"
  });
  process.stdout.write(`Wrote ${out} in ${formatSeconds((Date.now() - start) / 1000)}\n`);
  for (const [table, n] of Object.entries(result.rows))
    process.stdout.write(`  ${table.padEnd(24)} ${n.toLocaleString('en')}\n`);
  return 0;
}

/** --out must be a folder (or nothing yet) holding none of the tables, unless --force says to write over them. */
function checkOut(out: string, force: boolean): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new UsageError(`--out ${out} is a file, not a folder`);
  const held = TABLE_NAMES.filter((table) => existsSync(tablePath(out, table))).map((t) => basename(tablePath(out, t)));
  if (held.length > 0 && !force) {
    const shown = held.slice(0, 2).join(', ') + (held.length > 2 ? ` and ${held.length - 2} more` : '');
    throw new UsageError(`--out ${out} already holds ${shown}: give an empty folder, or --force to write over them`);
  }
}

import { resolve } from 'node:path';
import { generateSynthetic, workspaceRoot } from '@credit-scoring/data';
import { parseFlags, toInt } from '../cli-args';
import { DEFAULTS } from '../config';
import { formatSeconds } from '../progress';

const HELP = `Usage: trainer generate [--rows N] [--seed N] [--out DIR]

Writes the eight Home Credit CSV files (application_train/test and the six side tables) with Kaggle's schemas,
realistic marginals and a planted default signal. Same seed, same bytes.
  --rows N    applicants in application_train (default ${DEFAULTS.rows}, as npm start; Kaggle's size is 307511)
  --seed N    (default ${DEFAULTS.seed})
  --out DIR   (default ${DEFAULTS.generatedDir}/<rows>-seed<seed>, the folder npm start reads for those rows and seed)
`;

export async function generateCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    rows: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
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
  const start = Date.now();
  const result = await generateSynthetic({
    rows,
    seed,
    out,
    onProgress: ({ table, rows: written }) =>
      process.stderr.write(`  ${table}: ${written.toLocaleString('en')} rows\n`),
  });
  process.stdout.write(`Wrote ${out} in ${formatSeconds((Date.now() - start) / 1000)}\n`);
  for (const [table, n] of Object.entries(result.rows))
    process.stdout.write(`  ${table.padEnd(24)} ${n.toLocaleString('en')}\n`);
  return 0;
}

import { resolve } from 'node:path';
import { generateSynthetic } from '@credit-scoring/data';
import { parseFlags, toInt } from '../cli-args';
import { formatSeconds } from '../progress';

const HELP = `Usage: trainer generate [--rows N] [--seed N] [--out DIR]

Writes the eight Home Credit CSV files (application_train/test and the six side tables) with Kaggle's schemas,
realistic marginals and a planted default signal. Same seed, same bytes.
  --rows N    applicants in application_train (default 30000; Kaggle's size is 307511)
  --seed N    (default 42)
  --out DIR   (default data/generated-<rows>-<seed>)
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
  const rows = toInt('rows', values.rows, 1, 10_000_000) ?? 30_000;
  const seed = toInt('seed', values.seed, 0, 2 ** 31 - 1) ?? 42;
  const out = resolve(values.out ?? `data/generated-${rows}-${seed}`);
  const start = Date.now();
  const result = await generateSynthetic({
    rows,
    seed,
    out,
    onProgress: ({ table, rows: written }) => process.stderr.write(`  ${table}: ${written.toLocaleString('en')} rows\n`),
  });
  process.stdout.write(`Wrote ${out} in ${formatSeconds((Date.now() - start) / 1000)}\n`);
  for (const [table, n] of Object.entries(result.rows)) process.stdout.write(`  ${table.padEnd(24)} ${n.toLocaleString('en')}\n`);
  return 0;
}

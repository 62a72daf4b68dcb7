// Developer entry to the synthetic generator (the product CLI is `trainer generate`).
// Usage: npx tsx tools/data/generate.ts --rows 20000 --seed 42 --out tmp/synth
import { generateSynthetic } from '@credit-scoring/data';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? process.argv[i + 1] : fallback;
  if (value === undefined) throw new Error(`missing --${name}`);
  return value;
}

async function main() {
  const started = Date.now();
  const result = await generateSynthetic({
    rows: Number(arg('rows')),
    seed: Number(arg('seed', '42')),
    out: arg('out', 'data/synthetic'),
    onProgress: ({ table, rows }) => {
      if (table === 'application_train') process.stderr.write(`\r${rows} applicants (train)`);
    },
  });
  const seconds = (Date.now() - started) / 1000;
  process.stderr.write('\n');
  console.log(JSON.stringify({ ...result, seconds, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }, null, 2));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

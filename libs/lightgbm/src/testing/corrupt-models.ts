// Child-process half of model-text.spec.ts: loads a real model's text truncated at every 1 % and with seeded random
// byte corruptions. Run in its own process because the failure it guards against is LightGBM aborting the process
// (exit 134), which the parent test must be able to observe and survive. Prints one JSON summary line.
import { Booster } from '../booster';
import { LightGBMError } from '../errors';
import { seededRandom, trainSyntheticModel } from './synthetic-model';

interface Outcome {
  loaded: number;
  rejected: number;
  otherErrors: string[];
}

function tryLoad(text: string, rows: Float64Array, outcome: Outcome): void {
  try {
    const booster = Booster.fromString(text);
    booster.predict(rows); // a model that loads must also predict without reading out of bounds
    booster.predictContrib(rows.subarray(0, booster.numFeature * 5));
    booster.free();
    outcome.loaded++;
  } catch (error) {
    if (error instanceof LightGBMError) outcome.rejected++;
    else outcome.otherErrors.push(String(error));
  }
}

// One corruption: overwrite, delete or insert a byte (printable, a digit, a space or a line break).
function corrupt(text: string, random: () => number): string {
  const at = Math.floor(random() * text.length);
  const alphabet = 'ab=-.9 \n\r0';
  const ch = alphabet[Math.floor(random() * alphabet.length)];
  const kind = Math.floor(random() * 3);
  if (kind === 0) return text.slice(0, at) + ch + text.slice(at + 1);
  if (kind === 1) return text.slice(0, at) + text.slice(at + 1);
  return text.slice(0, at) + ch + text.slice(at);
}

async function main(): Promise<void> {
  const corruptions = Number(process.argv[2] ?? '300');
  const { booster, x } = await trainSyntheticModel();
  const text = booster.saveModel();
  const rows = x.subarray(0, booster.numFeature * 50);
  const truncated: Outcome = { loaded: 0, rejected: 0, otherErrors: [] };
  for (let percent = 0; percent < 100; percent++) {
    tryLoad(text.slice(0, Math.max(1, Math.floor((text.length * percent) / 100))), rows, truncated);
  }
  const corrupted: Outcome = { loaded: 0, rejected: 0, otherErrors: [] };
  const random = seededRandom(20261205);
  for (let i = 0; i < corruptions; i++) tryLoad(corrupt(text, random), rows, corrupted);
  process.stdout.write(`${JSON.stringify({ truncated, corrupted })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(3);
});

// An API stand-in for writer.spec.ts: opens the prediction log with its writer in a child process, says "ready" once a
// row went through it, then waits to be killed.
import { ThreadedStore } from '../threaded-store';
import { sampleRecord } from './index';

async function main(): Promise<void> {
  const store = new ThreadedStore({ sqliteFile: process.argv[2], placement: 'process' });
  await store.migrate();
  await store.insert([sampleRecord(0)]);
  process.stdout.write('ready\n');
  setInterval(() => undefined, 60_000);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});

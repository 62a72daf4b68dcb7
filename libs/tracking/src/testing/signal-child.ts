// Child process for run.spec.ts: opens a run with withRun, announces its id, then works until a signal arrives, or,
// with a third argument `stranded`, waits on a promise that nothing can settle (Node runs out of work), or, with
// `late`, handles SIGTERM itself (a grace period, as the trainer does) and tries to open another run meanwhile.
import { MlflowClient } from '../client';
import { withRun } from '../run';

async function main(): Promise<void> {
  const [uri, experimentId, mode] = process.argv.slice(2);
  const client = new MlflowClient({ trackingUri: uri });
  const stranded = mode === 'stranded';
  if (mode === 'late') {
    process.on('SIGTERM', () => setTimeout(() => process.exit(143), 1500));
    process.once('SIGTERM', () =>
      setTimeout(() => {
        withRun(client, { experimentId, runName: 'late' }, async () => undefined).then(
          () => process.stdout.write('STARTED late\n'),
          (error: Error) => process.stdout.write(`REFUSED ${error.message}\n`),
        );
      }, 200),
    );
  }
  await withRun(client, { experimentId, runName: stranded ? 'stranded' : 'interrupted' }, async (run) => {
    process.stdout.write(`RUN ${run.runId}\n`);
    if (stranded) await new Promise(() => undefined); // nothing will ever settle it, and nothing keeps Node alive
    await new Promise(() => setInterval(() => undefined, 1000)); // long training that never ends by itself
  });
  process.stdout.write('RETURNED\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(3);
});

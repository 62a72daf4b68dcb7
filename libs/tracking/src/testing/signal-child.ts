// Child process for run.spec.ts: opens a run with withRun, announces its id, then works until a signal arrives.
import { MlflowClient } from '../client';
import { withRun } from '../run';

async function main(): Promise<void> {
  const [uri, experimentId] = process.argv.slice(2);
  const client = new MlflowClient({ trackingUri: uri });
  await withRun(client, { experimentId, runName: 'interrupted' }, async (run) => {
    process.stdout.write(`RUN ${run.runId}\n`);
    await new Promise(() => setInterval(() => undefined, 1000)); // long training that never ends by itself
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(3);
});

// `trainer worker --once` as a script meets it, a real process on loopback: it serves one job and exits, and its
// status 0 means that job succeeded. A coordinator that connects and leaves without sending the job is that one job
// not done: status 2, said in the log (it was status 0, as if a job had succeeded). Jobs that run are in
// ../distributed/distributed.spec.ts.
import { connect } from 'node:net';
import { killGroups, startWorker, waitFor, type Proc } from '../testing/cluster';

jest.setTimeout(120_000);

const started: Proc[] = [];
afterEach(() => killGroups(started.splice(0)));

it('--once: a coordinator that leaves before sending its job ends the worker with status 2, not 0', async () => {
  const worker = await startWorker(['--once']);
  started.push(worker);
  await worker.pid(); // listening
  const [host, port] = worker.address.split(':');
  await new Promise<void>((resolve, reject) => {
    const socket = connect(Number(port), host);
    socket.once('data', () => socket.end()); // the worker's greeting, then nothing: no job
    socket.once('close', () => resolve());
    socket.once('error', reject);
  });
  expect(await worker.exited).toBe(2);
  await waitFor(worker, /the coordinator left before sending a job: exiting \(--once\)/, 1000);
});

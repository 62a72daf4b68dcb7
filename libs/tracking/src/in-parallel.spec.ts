// inParallel runs the artifact uploads and downloads a few at a time. When one fails, the others in flight end before
// it rejects and no new one starts: a caller that removes the destination on failure (replaceDirectory, under
// `trainer export` on a full disk) must not race a download still writing into it.
import { inParallel } from './tracking-client';

it('rejects with the first failure only once the tasks in flight have ended, starting no new one', async () => {
  const started: number[] = [];
  const ended: number[] = [];
  const task =
    (i: number, ms: number, fails = false) =>
    async () => {
      started.push(i);
      await new Promise((resolve) => setTimeout(resolve, ms));
      if (fails) throw new Error(`task ${i} failed`);
      ended.push(i);
    };
  const tasks = [task(0, 5, true), task(1, 100), task(2, 1), task(3, 1)];
  await expect(inParallel(tasks, 2)).rejects.toThrow('task 0 failed');
  expect(ended).toEqual([1]); // in flight when task 0 failed: waited for
  expect(started).toEqual([0, 1]); // not started after the failure
});

import { FamilyLanes } from './lanes';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('FamilyLanes', () => {
  it('trains at most `lanes` families at once, starting in the given order, results in the families’ order', async () => {
    const lanes = new FamilyLanes(2, 2);
    const started: string[] = [];
    let running = 0;
    let most = 0;
    const threads: Record<string, number> = {};
    const results = await lanes.run(
      ['a', 'bb', 'ccc', 'dddd'],
      (x, y) => y.length - x.length, // longest first
      async (family) => {
        started.push(family);
        most = Math.max(most, ++running);
        threads[family] = lanes.threads();
        await tick();
        running--;
        return family.toUpperCase();
      },
    );
    expect(results).toEqual(['A', 'BB', 'CCC', 'DDDD']);
    expect(started).toEqual(['dddd', 'ccc', 'bb', 'a']);
    expect(most).toBe(2);
    // Two families at once share the 2 threads.
    expect(threads.dddd).toBe(1);
    expect(lanes.threads()).toBe(2);
  });

  it('runs the final fits one at a time, in the order asked', async () => {
    const lanes = new FamilyLanes(3, 2);
    const log: string[] = [];
    await Promise.all(
      ['x', 'y', 'z'].map((name) =>
        lanes.finalFit(async () => {
          log.push(`${name} start`);
          await tick();
          log.push(`${name} end`);
        }),
      ),
    );
    expect(log).toEqual(['x start', 'x end', 'y start', 'y end', 'z start', 'z end']);
  });

  it('after a failure starts no new family, waits for the running ones, then throws the first error', async () => {
    const lanes = new FamilyLanes(2, 2);
    const finished: string[] = [];
    const run = lanes.run(
      ['fails', 'slow', 'never'],
      () => 0,
      async (family) => {
        if (family === 'fails') throw new Error('fit failed');
        await tick();
        await tick();
        finished.push(family);
        return family;
      },
    );
    await expect(run).rejects.toThrow('fit failed');
    expect(finished).toEqual(['slow']);
    // A failed final fit releases its turn.
    await expect(lanes.finalFit(() => Promise.reject(new Error('no memory')))).rejects.toThrow('no memory');
    await expect(lanes.finalFit(async () => 'next')).resolves.toBe('next');
    expect(() => new FamilyLanes(0, 2)).toThrow(/lanes must be an integer >= 1/);
  });
});

import { FamilyLanes } from './lanes';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('FamilyLanes', () => {
  it('searches at most `lanes` families at once, starting in the given order; results in the families’ order', async () => {
    const lanes = new FamilyLanes(2);
    const started: string[] = [];
    let searching = 0;
    let most = 0;
    const results = await lanes.run(
      ['a', 'bb', 'ccc', 'dddd'],
      (x, y) => y.length - x.length, // longest first
      async (family) => {
        started.push(family);
        most = Math.max(most, ++searching);
        await tick();
        searching--;
        return family.toUpperCase();
      },
    );
    expect(results).toEqual(['A', 'BB', 'CCC', 'DDDD']);
    expect(started).toEqual(['dddd', 'ccc', 'bb', 'a']);
    expect(most).toBe(2);
  });

  it('runs the final fits one at a time; a family waiting for its turn lends its lane to a search', async () => {
    const lanes = new FamilyLanes(1);
    const log: string[] = [];
    await lanes.run(
      ['x', 'y', 'z'],
      () => 0,
      async (family, lane) => {
        log.push(`${family} search`);
        await tick();
        await lane.finalFit(async () => {
          log.push(`${family} final`);
          await tick();
          await tick();
          log.push(`${family} final done`);
        });
      },
    );
    // One lane: x, waiting for its turn, lends its lane to y's search; x's turn comes, and it fits once y lends the
    // lane in turn. The lane x frees goes first to y, whose turn has come, before z starts: never two final fits at
    // once, and a final fit never waits behind a family that has not started.
    expect(log).toEqual([
      'x search',
      'y search',
      'x final',
      'x final done',
      'y final',
      'y final done',
      'z search',
      'z final',
      'z final done',
    ]);
  });

  it('after a failure starts no new family, waits for the running ones, then throws the first error', async () => {
    const lanes = new FamilyLanes(2);
    const finished: string[] = [];
    const started: string[] = [];
    const run = lanes.run(
      ['fails', 'slow', 'never'],
      () => 0,
      async (family, lane) => {
        started.push(family);
        if (family === 'fails') throw new Error('fit failed');
        await tick();
        await lane.finalFit(async () => tick());
        finished.push(family);
        return family;
      },
    );
    await expect(run).rejects.toThrow('fit failed');
    expect(started).toEqual(['fails', 'slow']);
    expect(finished).toEqual(['slow']);
    expect(() => new FamilyLanes(0)).toThrow(/lanes must be an integer >= 1/);
  });

  it('a failed final fit gives the turn to the family already searching beside it', async () => {
    const lanes = new FamilyLanes(2);
    const done: string[] = [];
    const run = lanes.run(
      ['a', 'b'],
      () => 0,
      async (family, lane) => {
        if (family === 'b') await tick();
        await lane.finalFit(async () => {
          if (family === 'a') throw new Error('no memory');
          done.push(family);
        });
      },
    );
    await expect(run).rejects.toThrow('no memory');
    expect(done).toEqual(['b']);
  });
});

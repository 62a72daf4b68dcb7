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

  it('one heavy part of a final fit at a time, in turn; searches and light parts run beside them', async () => {
    const lanes = new FamilyLanes(1);
    const now = { searching: 0, heavy: 0, light: 0 };
    const most = { searching: 0, heavy: 0 };
    let overlaps = { searchBesideFit: false, lightBesideHeavy: false };
    const turns: string[] = [];
    const note = () => {
      most.searching = Math.max(most.searching, now.searching);
      most.heavy = Math.max(most.heavy, now.heavy);
      overlaps = {
        searchBesideFit: overlaps.searchBesideFit || (now.searching > 0 && now.heavy + now.light > 0),
        lightBesideHeavy: overlaps.lightBesideHeavy || (now.light > 0 && now.heavy > 0),
      };
    };
    await lanes.run(
      ['x', 'y', 'z'],
      () => 0,
      async (family, lane) => {
        now.searching++;
        note();
        await tick();
        now.searching--;
        await lane.finalFit(async (heavyPartDone) => {
          turns.push(family);
          now.heavy++;
          note();
          await tick();
          now.heavy--;
          heavyPartDone();
          now.light++;
          await tick();
          await tick();
          await tick();
          note();
          now.light--;
        });
      },
    );
    expect(most).toEqual({ searching: 1, heavy: 1 });
    expect(turns).toEqual(['x', 'y', 'z']);
    expect(overlaps).toEqual({ searchBesideFit: true, lightBesideHeavy: true });
  });

  it('a family that leaves its lane lets the next search start while it waits', async () => {
    const lanes = new FamilyLanes(1);
    const events: string[] = [];
    let release: () => void = () => undefined;
    const verdict = new Promise<void>((resolve) => (release = resolve));
    await lanes.run(
      ['first', 'second'],
      () => 0,
      async (family, lane) => {
        events.push(`${family} searches`);
        await tick();
        if (family === 'first') {
          lane.leave();
          await verdict; // e.g. the champion's ballot: answered only once the second family has searched
          events.push('first answered');
        } else release();
      },
    );
    expect(events).toEqual(['first searches', 'second searches', 'first answered']);
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

import { ChampionBallot, championOf, FINAL_FITS_ALL_MAX_ROWS, resolveFinalFits } from './final-fits';

const family = (name: string, cvCost: number, booster = true) => ({ name, booster, cvCost });

describe('final fits', () => {
  it('auto fits every family up to FINAL_FITS_ALL_MAX_ROWS training applicants, the champion only above', () => {
    expect(resolveFinalFits('auto', FINAL_FITS_ALL_MAX_ROWS)).toBe('all');
    expect(resolveFinalFits('auto', FINAL_FITS_ALL_MAX_ROWS + 1)).toBe('champion');
    expect(resolveFinalFits('all', 10_000_000)).toBe('all');
    expect(resolveFinalFits('champion', 100)).toBe('champion');
  });

  it('the champion is the booster with the lowest CV cost, the first listed on a tie', () => {
    expect(championOf([family('logistic', 1, false), family('lightgbm', 3), family('gbm_plain', 2)])).toBe('gbm_plain');
    expect(championOf([family('lightgbm_rf', 2), family('lightgbm', 2)])).toBe('lightgbm_rf');
    expect(() => championOf([family('dummy', 1, false)])).toThrow(/no booster model/);
  });

  it('answers every family once all have voted, in any order of arrival, by the listed order on ties', async () => {
    const ballot = new ChampionBallot(['dummy', 'lightgbm_rf', 'lightgbm']);
    const answered: string[] = [];
    const vote = (f: ReturnType<typeof family>) =>
      ballot.isChampion(f).then((yes) => {
        answered.push(f.name);
        return yes;
      });
    const lightgbm = vote(family('lightgbm', 2));
    const dummy = vote(family('dummy', 1, false));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(answered).toEqual([]); // lightgbm_rf has not voted: nobody knows yet
    const forest = vote(family('lightgbm_rf', 2));
    expect(await Promise.all([dummy, forest, lightgbm])).toEqual([false, true, false]);
    await expect(ballot.isChampion(family('lightgbm', 1))).rejects.toThrow(/voted twice/);
    await expect(ballot.isChampion(family('gbm_plain', 1))).rejects.toThrow(/not a listed family/);
  });

  it("a family's failure answers every waiting family with that error", async () => {
    const ballot = new ChampionBallot(['logistic', 'lightgbm']);
    const waiting = ballot.isChampion(family('logistic', 1, false));
    ballot.fail(new Error('lightgbm: out of memory'));
    await expect(waiting).rejects.toThrow('lightgbm: out of memory');
    const none = new ChampionBallot(['dummy']);
    await expect(none.isChampion(family('dummy', 1, false))).rejects.toThrow(/no booster model/);
  });
});

import { decide, decideAll } from './decide';
import { thresholdSearch } from './threshold';

describe('decide', () => {
  it('refuses from the threshold up (>=), grants below it', () => {
    expect(decide(0.3, 0.3)).toBe('refused');
    expect(decide(0.2999, 0.3)).toBe('granted');
    expect(decide(0, 0)).toBe('refused');
    expect(decide(1, 1.001)).toBe('granted');
  });

  it('decideAll is the same rule as 0/1 labels (1 = refuse)', () => {
    const prob = [0.05, 0.3, 0.31, 0.9];
    expect(Array.from(decideAll(prob, 0.3))).toEqual(prob.map((p) => (decide(p, 0.3) === 'refused' ? 1 : 0)));
  });

  it('is the rule the threshold search optimises: its cost is the cost of these decisions', () => {
    const yTrue = [0, 0, 1, 0, 1, 1];
    const prob = [0.1, 0.4, 0.35, 0.2, 0.8, 0.05];
    const result = thresholdSearch(yTrue, prob, undefined, { kind: 'unit', fn: 10, fp: 1 });
    const decisions = decideAll(prob, result.threshold);
    let cost = 0;
    yTrue.forEach((y, i) => {
      if (y !== decisions[i]) cost += y === 1 ? 10 : 1;
    });
    expect(result.cost).toBe(cost);
  });
});

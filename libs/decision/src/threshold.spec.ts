import { bayesThreshold } from './cost';
import { checkBayesThreshold, thresholdGrid, thresholdSearch } from './threshold';

describe('thresholdSearch', () => {
  /*
   * Constructed case, unit cost (FN 10, FP 1). Groups of applicants sharing a probability:
   *   p=0.1: 50 good              p=0.3: 15 good + 3 defaults
   *   p=0.5: 40 good + 3 defaults  p=0.9: 2 good + 10 defaults
   * Refuse p >= t. Costs by threshold range (hand-computed):
   *   t <= 0.1        refuse all          FP 107                     = 107
   *   0.1 < t <= 0.3  refuse 0.3,0.5,0.9  FP 15+40+2                 =  57  ← optimum
   *   0.3 < t <= 0.5  refuse 0.5,0.9      FP 42 + FN 3×10            =  72
   *   0.5 < t <= 0.9  refuse 0.9          FP 2 + FN 6×10             =  62
   *   t > 0.9         accept all          FN 16×10                   = 160
   * The flat optimum on the 0.001 grid spans 0.101…0.300; the search returns its middle, 0.2.
   */
  const groups: Array<[number, number, number]> = [
    [0.1, 50, 0],
    [0.3, 15, 3],
    [0.5, 40, 3],
    [0.9, 2, 10],
  ];
  const yTrue: number[] = [];
  const prob: number[] = [];
  for (const [p, good, bad] of groups) {
    for (let i = 0; i < good + bad; i++) {
      yTrue.push(i < good ? 0 : 1);
      prob.push(p);
    }
  }

  it('finds the known optimum and the whole cost curve', () => {
    const result = thresholdSearch(yTrue, prob, undefined, { kind: 'unit', fn: 10, fp: 1 });
    expect(result.threshold).toBeCloseTo(0.2, 12);
    expect(result.cost).toBe(57);
    expect(result.normalizedCost).toBeCloseTo(57 / yTrue.length, 12);
    const costAt = (t: number) => result.curve.costs[Math.round(t * 1000)];
    expect(result.curve.thresholds.length).toBe(1001);
    expect([
      costAt(0),
      costAt(0.1),
      costAt(0.101),
      costAt(0.3),
      costAt(0.301),
      costAt(0.5),
      costAt(0.501),
      costAt(0.9),
      costAt(0.901),
    ]).toEqual([107, 107, 57, 57, 72, 72, 62, 62, 160]);
  });

  it('credit model weights each error by the applicant amount', () => {
    // Two applicants: a default borrowing 100 at p=0.4 and a good client borrowing 1000 at p=0.6.
    // Refusing the good client costs 0.19×1000 = 190 > missing the default (100): best is to accept both (t > 0.6).
    const result = thresholdSearch([1, 0], [0.4, 0.6], [100, 1000], { kind: 'credit', fnLoss: 1, fpLoss: 0.19 });
    expect(result.cost).toBeCloseTo(100, 9);
    expect(result.threshold).toBeGreaterThan(0.6);
  });

  it('rejects bad input', () => {
    expect(() => thresholdSearch([1, 0], [0.4, 1.2], undefined, { kind: 'unit', fn: 1, fp: 1 })).toThrow(
      /prob\[1\] = 1.2/,
    );
    expect(() => thresholdSearch([1, 0], [0.4, 0.2], undefined, { kind: 'credit', fnLoss: 1, fpLoss: 0.19 })).toThrow(
      /needs amtCredit/,
    );
    expect(() =>
      thresholdSearch([1, 0], [0.4, 0.2], undefined, { kind: 'unit', fn: 1, fp: 1 }, { grid: [0.5, 0.2] }),
    ).toThrow(/strictly increasing/);
  });

  it('grid has clean 0.001 steps', () => {
    const grid = thresholdGrid(0.001);
    expect(grid[0]).toBe(0);
    expect(grid[123]).toBe(0.123);
    expect(grid[1000]).toBe(1);
  });
});

describe('Bayes threshold check on calibrated probabilities', () => {
  // Calibrated by construction: y ~ Bernoulli(p). p = u³ puts most applicants at low risk, like a loan book.
  // The uniforms are Weyl sequences frac(i·α) with rationally independent α: jointly equidistributed, so the labels
  // are calibrated without a seeded generator (this lib stays free of @credit-scoring/data).
  const uniform = (i: number, alpha: number) => (i * alpha) % 1;
  const n = 200_000;
  const prob = new Float64Array(n);
  const yTrue = new Uint8Array(n);
  const amtCredit = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    prob[i] = uniform(i, (Math.sqrt(5) - 1) / 2) ** 3;
    yTrue[i] = uniform(i, Math.SQRT2 - 1) < prob[i] ? 1 : 0;
    amtCredit[i] = 50_000 + 950_000 * uniform(i, Math.sqrt(3) - 1);
  }

  it.each([[{ kind: 'unit', fn: 10, fp: 1 } as const], [{ kind: 'credit', fnLoss: 1, fpLoss: 0.19 } as const]])(
    'search agrees with FP/(FP+FN) for %j',
    (costModel) => {
      const check = checkBayesThreshold(yTrue, prob, amtCredit, costModel);
      expect(check.bayes).toBeCloseTo(bayesThreshold(costModel), 12);
      expect(Math.abs(check.difference)).toBeLessThan(0.01);
      expect(check.relativeCostGap).toBeLessThan(0.005);
      expect(check.agrees).toBe(true);
    },
  );

  it('detects miscalibrated probabilities (all halved): the search moves away from the Bayes threshold', () => {
    const halved = prob.map((p) => p / 2);
    const check = checkBayesThreshold(yTrue, halved, undefined, { kind: 'unit', fn: 10, fp: 1 }, {});
    expect(check.searched).toBeLessThan(check.bayes - 0.03);
    expect(check.agrees).toBe(false);
  });
});

import { bayesThreshold, businessCost, normalizedBusinessCost, validateCostModel } from './cost';

describe('businessCost', () => {
  // Four applicants: one of each outcome. Decisions: 1 = refuse.
  const yTrue = [1, 1, 0, 0];
  const yPred = [0, 1, 1, 0]; // FN, TP, FP, TN
  const amtCredit = [100_000, 250_000, 40_000, 500_000];

  it('credit model: FN loses the whole credit, FP loses the fee share of its own credit', () => {
    // FN on 100 000 × 1 + FP on 40 000 × 0.19 = 100 000 + 7 600
    expect(businessCost(yTrue, yPred, amtCredit, { kind: 'credit', fnLoss: 1, fpLoss: 0.19 })).toBeCloseTo(107_600, 6);
    // Configurable shares: a recovery of 40 % (fnLoss 0.6) and fees of 10 %
    expect(businessCost(yTrue, yPred, amtCredit, { kind: 'credit', fnLoss: 0.6, fpLoss: 0.1 })).toBeCloseTo(
      60_000 + 4_000,
      6,
    );
  });

  it('unit model: 10 per missed default, 1 per refused good client, amounts ignored', () => {
    expect(businessCost(yTrue, yPred, undefined, { kind: 'unit', fn: 10, fp: 1 })).toBe(11);
    const allRefused = [1, 1, 1, 1];
    expect(businessCost(yTrue, allRefused, undefined, { kind: 'unit', fn: 10, fp: 1 })).toBe(2);
    const allAccepted = [0, 0, 0, 0];
    expect(businessCost(yTrue, allAccepted, undefined, { kind: 'unit', fn: 10, fp: 1 })).toBe(20);
  });

  it('normalised cost is per applicant', () => {
    expect(normalizedBusinessCost(yTrue, yPred, undefined, { kind: 'unit', fn: 10, fp: 1 })).toBe(11 / 4);
    expect(normalizedBusinessCost(yTrue, yPred, amtCredit, { kind: 'credit', fnLoss: 1, fpLoss: 0.19 })).toBeCloseTo(
      26_900,
      6,
    );
  });

  it('rejects bad input with a message naming the problem', () => {
    const unit = { kind: 'unit', fn: 10, fp: 1 } as const;
    expect(() => businessCost([1, 0], [1], undefined, unit)).toThrow(/differ in length/);
    expect(() => businessCost([1, 2], [1, 0], undefined, unit)).toThrow(/yTrue\[1\] = 2/);
    expect(() => businessCost([1, 0], [1, 0.5], undefined, unit)).toThrow(/yPred\[1\] = 0.5/);
    expect(() => businessCost([1, 0], [1, 0], undefined, { kind: 'credit', fnLoss: 1, fpLoss: 0.19 })).toThrow(
      /needs amtCredit/,
    );
    expect(() => businessCost([1, 0], [1, 0], [1, NaN], { kind: 'credit', fnLoss: 1, fpLoss: 0.19 })).toThrow(
      /amtCredit\[1\]/,
    );
    expect(() => validateCostModel({ kind: 'unit', fn: -1, fp: 1 })).toThrow(/fn must be a finite number > 0/);
    expect(() => validateCostModel({ kind: 'unit', fn: 0, fp: 0 })).toThrow(/fn must be a finite number > 0/);
    expect(() => validateCostModel({ kind: 'unit', fn: 10, fp: 0 })).toThrow(/fp .* refuse everyone/);
    expect(() => validateCostModel({ kind: 'credit', fnLoss: 0, fpLoss: 0.19 })).toThrow(/fnLoss .* grant everyone/);
  });
});

describe('bayesThreshold', () => {
  it('is FP / (FP + FN)', () => {
    expect(bayesThreshold({ kind: 'unit', fn: 10, fp: 1 })).toBeCloseTo(1 / 11, 12);
    expect(bayesThreshold({ kind: 'credit', fnLoss: 1, fpLoss: 0.19 })).toBeCloseTo(0.19 / 1.19, 12);
  });
});

import { importanceTable, summarizeContributions, topContributions } from './importance';

describe('importanceTable', () => {
  it('sorts by importance with shares and ranks', () => {
    const rows = importanceTable(['A', 'B', 'C'], [1, 3, 0]);
    expect(rows).toEqual([
      { feature: 'B', importance: 3, share: 0.75, rank: 1 },
      { feature: 'A', importance: 1, share: 0.25, rank: 2 },
      { feature: 'C', importance: 0, share: 0, rank: 3 },
    ]);
    expect(() => importanceTable(['A'], [1, 2])).toThrow(/1 feature names for 2 importance values/);
  });
});

describe('summarizeContributions', () => {
  // 3 rows × 2 features + bias column.
  const contribs = Float64Array.from([0.5, -0.1, -2, -1.5, 0.2, -2, 1.0, 0.0, -2]);
  const data = Float64Array.from([10, NaN, 30, 1, 20, 2]);

  it('mean |contribution| per feature, bias as expected value, ranked value colours', () => {
    const summary = summarizeContributions(contribs, data, ['X', 'Y'], { top: 2 });
    expect(summary.features[0]).toEqual({ feature: 'X', meanAbsContribution: 1 });
    expect(summary.features[1].feature).toBe('Y');
    expect(summary.features[1].meanAbsContribution).toBeCloseTo(0.1, 12);
    expect(summary.expectedValue).toBe(-2);
    expect(summary.featureOrder).toEqual(['X', 'Y']);
    const x = summary.points.filter((p) => p.feature === 'X').sort((a, b) => a.contribution - b.contribution);
    expect(x.map((p) => p.valueRank)).toEqual([1, 0, 0.5]); // X values 30 (-1.5), 10 (0.5), 20 (1.0)
    const yMissing = summary.points.find((p) => p.feature === 'Y' && p.contribution === -0.1);
    expect(yMissing?.valueRank).toBeNull();
  });

  it('rejects mismatched shapes', () => {
    expect(() => summarizeContributions(contribs, data, ['X'])).toThrow(/not a multiple of 1 features \+ bias/);
    expect(() => summarizeContributions(contribs, data.subarray(0, 4), ['X', 'Y'])).toThrow(
      /expected 3 rows × 2 features/,
    );
  });
});

describe('topContributions', () => {
  it('largest |contribution| first, with name and value (null when missing)', () => {
    const top = topContributions([0.1, -0.8, 0.3, -1.2], [5, NaN, 7], ['A', 'B', 'C'], 2);
    expect(top).toEqual([
      { name: 'B', value: null, contribution: -0.8 },
      { name: 'C', value: 7, contribution: 0.3 },
    ]);
    expect(() => topContributions([0.1, 0.2], [1, 2], ['A', 'B'])).toThrow(/expected 3 with the bias/);
  });
});

import { Random } from '@credit-scoring/data';
import { median } from './matrix';

/** The definition: sort the finite values, take the middle one (or the mean of the two middle ones). */
function sortedMedian(values: Float64Array): number {
  const finite = values.filter((v) => !Number.isNaN(v)).sort();
  if (finite.length === 0) return NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 === 1 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}

describe('median', () => {
  it('equals the sorted definition on columns of every shape (ties, sorted, reversed, constant, missing)', () => {
    const random = new Random(7);
    const shapes: Array<(i: number, n: number) => number> = [
      () => Math.floor(random.next() * 3),
      (i) => i,
      (i, n) => n - i,
      () => 0.5,
      () => random.next() * 100 - 50,
    ];
    for (let t = 0; t < 5000; t++) {
      const n = Math.floor(random.next() * 60);
      const shape = shapes[t % shapes.length];
      const column = Float64Array.from({ length: n }, (_, i) => (random.next() < 0.2 ? NaN : shape(i, n)));
      const expected = sortedMedian(column);
      const got = median(column);
      if (Number.isNaN(expected)) expect(got).toBeNaN();
      else expect(got).toBe(expected);
    }
  });

  it('leaves its input unchanged and is NaN without finite values', () => {
    const column = Float64Array.of(3, NaN, 1, 2, 5);
    expect(median(column)).toBe(2.5);
    expect(Array.from(column)).toEqual([3, NaN, 1, 2, 5]);
    expect(median(Float64Array.of(NaN, NaN))).toBeNaN();
    expect(median([])).toBeNaN();
  });
});

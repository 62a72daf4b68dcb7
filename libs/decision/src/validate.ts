/** Input checks shared by the metric, cost and threshold functions: fail early with a message naming the problem. */

export type Numbers = ArrayLike<number>;

export function checkSameLength(what: string, arrays: Record<string, Numbers>): number {
  const entries = Object.entries(arrays);
  const n = entries[0][1].length;
  for (const [name, values] of entries) {
    if (values.length !== n) {
      const sizes = entries.map(([k, v]) => `${k}=${v.length}`).join(', ');
      throw new Error(`${what}: arrays differ in length (${sizes}); offending: ${name}`);
    }
  }
  if (n === 0) throw new Error(`${what}: empty input`);
  return n;
}

export function checkBinaryLabels(what: string, yTrue: Numbers): void {
  for (let i = 0; i < yTrue.length; i++) {
    const y = yTrue[i];
    if (y !== 0 && y !== 1) throw new Error(`${what}: yTrue[${i}] = ${y} is not a binary label (0 or 1)`);
  }
}

export function checkProbabilities(what: string, name: string, prob: Numbers): void {
  for (let i = 0; i < prob.length; i++) {
    const p = prob[i];
    if (!(p >= 0 && p <= 1)) throw new Error(`${what}: ${name}[${i}] = ${p} is not a probability in [0, 1]`);
  }
}

export function checkFiniteScores(what: string, name: string, scores: Numbers): void {
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) throw new Error(`${what}: ${name}[${i}] = ${scores[i]} is not a finite number`);
  }
}

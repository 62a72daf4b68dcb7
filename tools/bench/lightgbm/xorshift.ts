/** Deterministic uniform numbers in [0, 1) (xorshift32), so the LightGBM benchmarks rebuild the same matrices. */
export function xorshift32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state ^= state << 13; state >>>= 0; state ^= state >>> 17; state ^= state << 5; state >>>= 0;
    return state / 4294967296;
  };
}

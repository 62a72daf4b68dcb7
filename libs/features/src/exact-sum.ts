/**
 * Order-independent summation, shared by the batch (polars) and one-row (loop) paths.
 *
 * Why: polars adds a group's values in an order that depends on its threads and SIMD lanes, a JavaScript loop adds
 * them in row order, and floating-point addition is not associative, so plain sums differ in the last bits. We
 * instead cut every value into parts, each an integer multiple of a fixed power of two with fewer than 2^30
 * multiples: v = p0 + p1 + p2 + p3 + p4 (+ a remainder below 2^-58 that is dropped). Adding up to 2^23 such parts per
 * piece is exact in any order (every partial sum fits the 53-bit mantissa), so each engine gets the same per-piece
 * totals, which are then combined in one fixed order: (((s0 + s1) + s2) + s3) + s4.
 *
 * Cutting is exact too: division by a power of two, truncation toward zero and the subtraction of the leading bits
 * introduce no rounding. The grids cover |v| < 2^92, enough for squared deviations (variance) of values below
 * MAX_MAGNITUDE = 2^45 (3.5e13, far above any Home Credit amount); larger values are treated as missing upstream.
 */
import pl from 'nodejs-polars';
import { asPl, P, PExpr } from './fast-expr';

/** Grid (power of two) of each piece, coarsest first: 2^62, 2^32, 2^2, 2^-28, 2^-58. */
export const PIECE_GRIDS = [2 ** 62, 2 ** 32, 2 ** 2, 2 ** -28, 2 ** -58] as const;
/** Larger values (and non-finite ones) are missing, so that their squares still fit the grids. */
export const MAX_MAGNITUDE = 2 ** 45;

/** Adds the pieces of `v` into `acc` (length PIECE_GRIDS.length). */
export function addPieces(acc: Float64Array, v: number): void {
  let rest = v;
  for (let j = 0; j < PIECE_GRIDS.length; j++) {
    const grid = PIECE_GRIDS[j];
    const piece = Math.trunc(rest / grid) * grid;
    acc[j] += piece;
    rest -= piece;
  }
}

/** Combines per-piece totals in the fixed order. */
export function combinePieces(acc: ArrayLike<number>): number {
  let total = acc[0];
  for (let j = 1; j < acc.length; j++) total += acc[j];
  return total;
}

/**
 * Adds the pieces of each `values[name]` as columns `pieceName(name, j)`. Built in stages (one column of leftover
 * bits per value and stage) so that polars evaluates each step once instead of re-expanding the whole chain.
 */
export function withPieceColumns(
  lf: pl.LazyDataFrame,
  values: Array<{ name: string; value: PExpr }>,
  pieceName: (name: string, j: number) => string,
): pl.LazyDataFrame {
  if (values.length === 0) return lf;
  const rest = (name: string) => `__rest__${name}`;
  let out = lf.withColumns(...asPl(values.map((v) => v.value.alias(rest(v.name)))));
  PIECE_GRIDS.forEach((grid, j) => {
    out = out.withColumns(
      ...asPl(values.map((v) => {
        const scaled = P.col(rest(v.name)).div(grid);
        return P.when(scaled.gtEq(0)).then(scaled.floor()).otherwise(scaled.ceil()).mul(grid).alias(pieceName(v.name, j));
      })),
    );
    if (j < PIECE_GRIDS.length - 1) out = out.withColumns(...asPl(values.map((v) => P.col(rest(v.name)).sub(P.col(pieceName(v.name, j))).alias(rest(v.name)))));
  });
  return out.drop(values.map((v) => rest(v.name)));
}

/** polars expression combining per-piece total columns in the fixed order. */
export function combinePiecesPolars(totals: PExpr[]): PExpr {
  return totals.reduce((a, b) => a.add(b));
}

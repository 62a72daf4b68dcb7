/**
 * Math/Number built-ins bound once at module scope. Inside Jest's sandbox (a vm context) every lookup of a global such
 * as `Math` goes through the context's interceptor and costs ~50x a plain call; the generator makes hundreds of
 * millions of these calls, so its hot code uses these aliases and runs as fast under Jest as under node.
 */
export const { abs, exp, floor, imul, log, max, min, pow, round, sqrt, SQRT2 } = Math;
export const { isInteger, isNaN: isNotANumber } = Number;

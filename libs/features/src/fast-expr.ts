/**
 * A thin builder over nodejs-polars' native expressions. Why: every operation on a public `pl.Expr` allocates a
 * wrapper object with a few hundred closures (about 1 ms each), and the feature spec compiles to tens of thousands
 * of operations, which made a fit take over a minute on 14k rows. These objects carry the same native expression
 * and identify themselves as "Expr", which is what nodejs-polars' LazyDataFrame methods check, so they are passed
 * to withColumns/select/agg unchanged (use `asPl` for the TypeScript type). nodejs-polars is pinned (0.25.2).
 */
import pl, { type DataType } from 'nodejs-polars';

type Native = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const native: Native = require('nodejs-polars/bin/internals/polars_internal').default;

type Arg = PExpr | number;
const raw = (a: Arg): Native => (typeof a === 'number' ? native.lit(a) : a._expr);
const listLiterals = new Map<string, Native>();

export class PExpr {
  constructor(readonly _expr: Native) {}
  [Symbol.toStringTag](): string {
    return 'Expr';
  }
  add(o: Arg): PExpr {
    return new PExpr(this._expr.add(raw(o)));
  }
  sub(o: Arg): PExpr {
    return new PExpr(this._expr.sub(raw(o)));
  }
  mul(o: Arg): PExpr {
    return new PExpr(this._expr.mul(raw(o)));
  }
  div(o: Arg): PExpr {
    return new PExpr(this._expr.div(raw(o)));
  }
  gt(o: Arg): PExpr {
    return new PExpr(this._expr.gt(raw(o)));
  }
  gtEq(o: Arg): PExpr {
    return new PExpr(this._expr.gtEq(raw(o)));
  }
  lt(o: Arg): PExpr {
    return new PExpr(this._expr.lt(raw(o)));
  }
  eq(o: Arg): PExpr {
    return new PExpr(this._expr.eq(raw(o)));
  }
  and(o: PExpr): PExpr {
    return new PExpr(this._expr.and(o._expr));
  }
  abs(): PExpr {
    return new PExpr(this._expr.abs());
  }
  floor(): PExpr {
    return new PExpr(this._expr.floor());
  }
  ceil(): PExpr {
    return new PExpr(this._expr.ceil());
  }
  isNotNull(): PExpr {
    return new PExpr(this._expr.isNotNull());
  }
  /** membership in a list of text values */
  isIn(values: string[]): PExpr {
    const key = JSON.stringify(values);
    let list = listLiterals.get(key);
    if (!list) listLiterals.set(key, (list = native.lit(pl.Series(values).inner())));
    return new PExpr(this._expr.isIn(list, false));
  }
  fillNull(o: Arg | boolean): PExpr {
    return new PExpr(this._expr.fillNull(typeof o === 'boolean' ? native.lit(o) : raw(o)));
  }
  cast(dtype: DataType): PExpr {
    return new PExpr(this._expr.cast(dtype, false));
  }
  alias(name: string): PExpr {
    return new PExpr(this._expr.alias(name));
  }
  min(): PExpr {
    return new PExpr(this._expr.min());
  }
  max(): PExpr {
    return new PExpr(this._expr.max());
  }
  sum(): PExpr {
    return new PExpr(this._expr.sum());
  }
  count(): PExpr {
    return new PExpr(this._expr.count());
  }
  dropNulls(): PExpr {
    return new PExpr(this._expr.dropNulls());
  }
  unique(): PExpr {
    return new PExpr(this._expr.unique());
  }
  /** ascending, nulls first (pl.Expr.sort()) */
  sort(): PExpr {
    return new PExpr(this._expr.sortWith(false, false, false, false));
  }
  /** the distinct values in order of first appearance */
  uniqueStable(): PExpr {
    return new PExpr(this._expr.uniqueStable());
  }
  /** a categorical's codes (UInt32; null stays null) */
  toPhysical(): PExpr {
    return new PExpr(this._expr.toPhysical());
  }
  /** dense rank: 1 + position in the sorted distinct values; null stays null */
  rankDense(): PExpr {
    return new PExpr(this._expr.rank('dense', false));
  }
  implode(): PExpr {
    return new PExpr(this._expr.implode());
  }
}

/**
 * A column of a frame without its public Series wrapper (which also costs ~1 ms of closures): its values as the
 * typed array polars gives (the column must have no nulls), or as a JS array.
 */
export const columnValues = {
  typed: (df: pl.DataFrame, name: string): unknown =>
    (df as unknown as { _df: Native })._df.column(name).toTypedArray(),
  array: (df: pl.DataFrame, name: string): unknown[] => (df as unknown as { _df: Native })._df.column(name).toArray(),
};

class Then {
  constructor(private readonly t: Native) {}
  when(cond: PExpr): When {
    return new When(this.t.when(cond._expr));
  }
  otherwise(v: Arg): PExpr {
    return new PExpr(this.t.otherwise(raw(v)));
  }
}
class When {
  constructor(private readonly w: Native) {}
  then(v: Arg): Then {
    return new Then(this.w.then(raw(v)));
  }
}

export const P = {
  col: (name: string): PExpr => new PExpr(native.col(name)),
  lit: (v: number): PExpr => new PExpr(native.lit(v)),
  nullF64: (): PExpr => new PExpr(native.lit(null).cast(pl.Float64, false)),
  nullText: (): PExpr => new PExpr(native.lit(null).cast(pl.Utf8, false)),
  len: (): PExpr => new PExpr(native.len()),
  when: (cond: PExpr): When => new When(native.when(cond._expr)),
  minHorizontal: (es: PExpr[]): PExpr => new PExpr(native.minHorizontal(es.map((e) => e._expr))),
  maxHorizontal: (es: PExpr[]): PExpr => new PExpr(native.maxHorizontal(es.map((e) => e._expr))),
};

/** For LazyDataFrame methods' TypeScript signatures (the runtime accepts PExpr as an Expr). */
export const asPl = (es: PExpr[]): pl.Expr[] => es as unknown as pl.Expr[];

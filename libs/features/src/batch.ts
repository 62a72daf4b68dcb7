/**
 * Batch path: executes the feature spec with polars over whole tables. Produces, per applicant row, the stateless
 * (fit-independent) values: cleaned numeric application columns, domain ratios, cleaned category text and the
 * side-table aggregates. The fitted part (category codes) is applied later in pipeline.ts.
 */
import pl from 'nodejs-polars';
import type { HomeCreditTables } from '@credit-scoring/data';
import { toPolars, inputsOf } from './expr';
import { MAX_MAGNITUDE, combinePiecesPolars, PIECE_GRIDS, withPieceColumns } from './exact-sum';
import { asPl, P, PExpr } from './fast-expr';
import { aggregateOutputs, AggOutput, DAYS_SENTINEL, INTEGER_LIMIT, integerColumns, TableSpec, TEXT_SENTINELS } from './feature-spec';
import { FeatureError } from './errors';

const F64 = () => pl.Float64;
/** Exact sums do not depend on order, so either polars engine gives the same totals. */
const STREAMING = { engine: 'streaming' as const };
const IN_MEMORY = { engine: 'in-memory' as const };
/**
 * Tables (with their child table) above this many rows run on the streaming engine, which bounds memory on
 * installments / POS_CASH / bureau_balance; smaller ones with many aggregations (previous_application, credit
 * cards) run about twice as fast in memory (measured at Kaggle scale, see docs/benchmarks.md).
 */
const STREAMING_ABOVE_ROWS = 5_000_000;
const nullF64 = P.nullF64;

/**
 * Non-finite and out-of-range values become missing (null), matching single.ts `finalValue`. One comparison does
 * it: polars orders NaN above every number, so abs(NaN) < MAX is false, as are inf and null.
 */
export function finalPolars(e: PExpr, limit: number = MAX_MAGNITUDE): PExpr {
  return P.when(e.abs().lt(limit)).then(e).otherwise(nullF64());
}

export function cleanNumericPolars(col: string, daysSentinel: boolean): PExpr {
  let e = P.col(col).cast(F64());
  if (daysSentinel) e = P.when(e.eq(DAYS_SENTINEL)).then(nullF64()).otherwise(e);
  return finalPolars(e).alias(col);
}

export function cleanTextPolars(col: string): PExpr {
  const e = P.col(col).cast(pl.Utf8);
  return P.when(e.isIn([...TEXT_SENTINELS])).then(P.nullText()).otherwise(e).alias(col);
}

function requireColumns(df: pl.DataFrame | pl.LazyDataFrame, cols: Iterable<string>, table: string): void {
  const have = new Set(df.columns);
  const missing = [...cols].filter((c) => !have.has(c));
  if (missing.length) throw new FeatureError(`table ${table} lacks column(s) ${missing.join(', ')}`);
}

/** Inputs a spec reads from its raw table (child outputs are provided by the join, not by the file). */
function specInputs(spec: TableSpec): { numeric: string[]; text: string[] } {
  const sets = { numeric: new Set<string>(), text: new Set<string>() };
  for (const e of Object.values(spec.columns)) inputsOf(e, sets);
  for (const g of spec.groups) if (g.where) sets.text.add(g.where.col);
  return { numeric: [...sets.numeric], text: [...sets.text] };
}

const pieceName = (col: string, j: number) => `__p${j}__${col}`;
const sqPieceName = (col: string, j: number) => `__q${j}__${col}`;
const meanName = (col: string) => `__mean__${col}`;

/**
 * Aggregates one table per key. Returns a frame with the key and every output of aggregateOutputs(spec); keys
 * without rows are absent (the caller's left join turns them into missing / zero counts). The whole table (with its
 * child table, groups and both variance passes) is one lazy plan run by polars' streaming engine, so nothing but the
 * per-key result is materialised.
 */
export function aggregateTable(spec: TableSpec, tables: HomeCreditTables, useChild: boolean): pl.DataFrame {
  const childRows = useChild && spec.child ? (tables[spec.child.spec.table]?.height ?? 0) : 0;
  const rows = (tables[spec.table]?.height ?? 0) + childRows;
  return aggregateTablePlan(spec, tables, useChild).collectSync(rows > STREAMING_ABOVE_ROWS ? STREAMING : IN_MEMORY);
}

function aggregateTablePlan(spec: TableSpec, tables: HomeCreditTables, useChild: boolean): pl.LazyDataFrame {
  const raw = tables[spec.table];
  if (!raw) throw new FeatureError(`aggregateTable called without table ${spec.table}`);
  let lf = raw.lazy();
  const inputs = specInputs(spec);
  const childCols = spec.child ? aggregateOutputs(spec.child.spec).filter((o) => o.kind !== 'rows') : [];
  const childNames = new Set(childCols.map((o) => o.name));
  requireColumns(raw, [spec.key, ...inputs.numeric.filter((c) => !childNames.has(c)), ...inputs.text, ...(spec.child ? [spec.child.joinKey] : [])], spec.table);

  if (spec.child) {
    const joinKey = spec.child.joinKey;
    const childTable = tables[spec.child.spec.table];
    if (useChild && childTable) {
      const perParent = aggregateTablePlan(spec.child.spec, tables, false).drop(`${spec.child.spec.prefix}_COUNT`);
      lf = lf.withColumns(...asPl([P.col(joinKey).cast(pl.Int64)])).join(perParent, { on: joinKey, how: 'left' });
      lf = lf.withColumns(...asPl(childCols.filter((o) => o.zeroWhenEmpty).map((o) => P.col(o.name).fillNull(0))));
    } else {
      lf = lf.withColumns(...asPl(childCols.map((o) => (o.zeroWhenEmpty ? P.lit(0) : nullF64()).cast(F64()).alias(o.name))));
    }
  }

  const sentinels = new Set(spec.daysSentinels);
  const integers = integerColumns(spec);
  lf = lf
    .withColumns(...asPl([
      P.col(spec.key).cast(pl.Int64),
      ...inputs.numeric.map((c) => cleanNumericPolars(c, sentinels.has(c))),
      ...inputs.text.map(cleanTextPolars),
    ]))
    .withColumns(...asPl(Object.entries(spec.columns).map(([name, e]) => finalPolars(toPolars(e), integers.has(name) ? INTEGER_LIMIT : MAX_MAGNITUDE).alias(name))));

  const rows = lf.select(spec.key, ...Object.keys(spec.columns), ...spec.groups.flatMap((g) => (g.where ? [g.where.col] : [])).filter(uniq));

  // Every key with at least one row; groups (subsets) that miss a key leave missing values / zero counts.
  let out = rows.select(spec.key).unique();
  const outputs = aggregateOutputs(spec);
  for (const group of spec.groups) {
    const groupOutputs = outputs.filter((o) => o.group === group);
    out = out
      .join(aggregateGroup(spec, group, rows, groupOutputs), { on: spec.key, how: 'left' })
      .withColumns(...asPl(groupOutputs.filter((o) => o.zeroWhenEmpty).map((o) => P.col(o.name).fillNull(0))));
  }
  return out.select(spec.key, ...outputs.map((o) => o.name));
}

function uniq<T>(v: T, i: number, a: T[]): boolean {
  return a.indexOf(v) === i;
}

function aggregateGroup(spec: TableSpec, group: TableSpec['groups'][number], rows: pl.LazyDataFrame, outputs: AggOutput[]): pl.LazyDataFrame {
  const key = spec.key;
  const filtered = group.where ? rows.filter(asPl([P.col(group.where.col).isIn(group.where.in).fillNull(false)])[0]) : rows;
  const cols = Object.keys(group.aggs);
  const needsSum = cols.filter((c) => group.aggs[c].some((a) => a === 'sum' || a === 'mean' || a === 'var'));
  const needsVar = cols.filter((c) => group.aggs[c].includes('var'));
  const integers = integerColumns(spec);
  const pieced = needsSum.filter((c) => !integers.has(c));
  const n = (c: string) => `__n__${c}`;
  const total = (c: string) => (integers.has(c) ? P.col(`__isum__${c}`) : combinePiecesPolars(PIECE_GRIDS.map((_, j) => P.col(pieceName(c, j)))));

  // Pass 1: counts, extremes and exact per-piece totals.
  const withPieces = withPieceColumns(filtered.select(key, ...cols), pieced.map((c) => ({ name: c, value: P.col(c) })), pieceName);
  const pass1 = withPieces.groupBy(key).agg(...asPl([
    P.len().cast(F64()).alias('__rows__'),
    ...cols.map((c) => P.col(c).count().cast(F64()).alias(n(c))),
    ...cols.filter((c) => group.aggs[c].includes('min')).map((c) => P.col(c).min().alias(`__min__${c}`)),
    ...cols.filter((c) => group.aggs[c].includes('max')).map((c) => P.col(c).max().alias(`__max__${c}`)),
    ...pieced.flatMap((c) => PIECE_GRIDS.map((_, j) => P.col(pieceName(c, j)).sum().alias(pieceName(c, j)))),
    ...needsSum.filter((c) => integers.has(c)).map((c) => P.col(c).sum().alias(`__isum__${c}`)),
  ])).withColumns(
    ...asPl(needsSum.map((c) => P.when(P.col(n(c)).gt(0)).then(total(c).cast(F64())).otherwise(nullF64()).alias(`__sum__${c}`))),
  ).withColumns(...asPl(needsSum.map((c) => P.col(`__sum__${c}`).div(P.col(n(c))).alias(meanName(c)))));
  let stats = pass1;

  // Pass 2 (variance): squared deviations from the group mean, summed exactly like the values.
  if (needsVar.length) {
    const withMean = withPieceColumns(
      filtered.select(key, ...needsVar).join(pass1.select(key, ...needsVar.map(meanName)), { on: key, how: 'left' }),
      needsVar.map((c) => {
        const d = P.col(c).sub(P.col(meanName(c)));
        return { name: c, value: d.mul(d) };
      }),
      sqPieceName,
    );
    const pass2 = withMean.groupBy(key).agg(...asPl(needsVar.flatMap((c) => PIECE_GRIDS.map((_, j) => P.col(sqPieceName(c, j)).sum().alias(sqPieceName(c, j))))));
    stats = pass1.join(pass2, { on: key, how: 'left' });
  }

  return stats.select(
    ...asPl([P.col(key),
    ...outputs.map((o) => {
      if (o.kind === 'rows') return P.col('__rows__').alias(o.name);
      const c = o.col ?? '';
      switch (o.agg) {
        case 'min': return P.col(`__min__${c}`).cast(F64()).alias(o.name);
        case 'max': return P.col(`__max__${c}`).cast(F64()).alias(o.name);
        case 'count': return P.col(n(c)).alias(o.name);
        case 'sum': return P.col(`__sum__${c}`).alias(o.name);
        case 'mean': return P.col(meanName(c)).alias(o.name);
        case 'var': {
          const sq = combinePiecesPolars(PIECE_GRIDS.map((_, j) => P.col(sqPieceName(c, j))));
          return P.when(P.col(n(c)).gt(1)).then(sq.div(P.col(n(c)).sub(1))).otherwise(nullF64()).alias(o.name);
        }
        default: throw new FeatureError(`unknown aggregation ${o.agg}`);
      }
    })]),
  );
}

/** A column of a frame as Float64Array with NaN for missing. */
export function float64Column(df: pl.DataFrame, name: string): Float64Array {
  const values = df.select(...asPl([P.col(name).cast(pl.Float64).fillNull(NaN)])).getColumn(name).toTypedArray() as unknown;
  return values instanceof Float64Array ? values : Float64Array.from(values as ArrayLike<number>);
}

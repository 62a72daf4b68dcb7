/**
 * Batch path: polars loads and cleans the tables and evaluates the element-wise spec columns (cleaning, ratios,
 * flags: IEEE arithmetic, the same bits as the one-row path); the per-key aggregation runs in aggregate.ts over
 * the extracted typed arrays, the same code the one-row path runs. The fitted part (category codes) is applied later
 * in pipeline.ts.
 */
import pl from 'nodejs-polars';
import type { HomeCreditTables } from '@credit-scoring/data';
import { aggregateTable, KeySlots, outputsOf, TableRows } from './aggregate';
import { inputsOf, toPolars } from './expr';
import { asPl, P, PExpr } from './fast-expr';
import { DAYS_SENTINEL, MAX_MAGNITUDE, TableSpec, TEXT_SENTINELS } from './feature-spec';
import { FeatureError } from './errors';

const nullF64 = P.nullF64;

/**
 * Non-finite and out-of-range values become missing (null), matching single.ts `finalValue`. One comparison does
 * it: polars orders NaN above every number, so abs(NaN) < MAX is false, as are inf and null.
 */
export function finalPolars(e: PExpr): PExpr {
  return P.when(e.abs().lt(MAX_MAGNITUDE)).then(e).otherwise(nullF64());
}

export function cleanNumericPolars(col: string, daysSentinel: boolean): PExpr {
  let e = P.col(col).cast(pl.Float64);
  if (daysSentinel) e = P.when(e.eq(DAYS_SENTINEL)).then(nullF64()).otherwise(e);
  return finalPolars(e).alias(col);
}

export function cleanTextPolars(col: string): PExpr {
  const e = P.col(col).cast(pl.Utf8);
  return P.when(e.isIn([...TEXT_SENTINELS])).then(P.nullText()).otherwise(e).alias(col);
}

function requireColumns(df: pl.DataFrame, cols: Iterable<string>, table: string): void {
  const have = new Set(df.columns);
  const missing = [...cols].filter((c) => !have.has(c));
  if (missing.length) throw new FeatureError(`table ${table} lacks column(s) ${missing.join(', ')}`);
}

/**
 * Aggregates one side table per applicant (or, for a child table, per credit): one Float64Array per output of
 * aggregateOutputs(spec), indexed by the owners' slots. Rows whose key no owner has are skipped.
 */
export function aggregateSideTable(spec: TableSpec, tables: HomeCreditTables, owners: KeySlots, useChild: boolean): Float64Array[] {
  let frame = tables[spec.table];
  if (!frame) throw new FeatureError(`aggregateSideTable called without table ${spec.table}`);
  const childNames = new Set(spec.child ? childOutputs(spec.child.spec).map((o) => o.name) : []);
  const inputs = specInputs(spec);
  requireColumns(frame, [spec.key, ...inputs.numeric.filter((c) => !childNames.has(c)), ...inputs.text, ...(spec.child ? [spec.child.joinKey] : [])], spec.table);
  if (spec.child) frame = frame.withColumns(...childColumns(spec.child, tables, frame, useChild));
  const slots = owners.slotsOf(float64Column(frame, spec.key));
  return aggregateTable(spec, polarsRows(spec, frame, slots, owners.nKeys));
}

/** Child outputs that land on parent rows (all but the child's own row count). */
function childOutputs(child: TableSpec) {
  return outputsOf(child).filter((o) => o.kind !== 'rows');
}

/** The child table's per-credit summaries as columns of the parent rows (bureau_balance on bureau). */
function childColumns(child: NonNullable<TableSpec['child']>, tables: HomeCreditTables, parent: pl.DataFrame, useChild: boolean): pl.Series[] {
  const outputs = childOutputs(child.spec);
  if (!useChild || !tables[child.spec.table]) {
    return outputs.map((o) => pl.Series(o.name, new Float64Array(parent.height).fill(o.zeroWhenEmpty ? 0 : NaN)));
  }
  const credits = new KeySlots(float64Column(parent, child.joinKey));
  const perCredit = aggregateSideTable(child.spec, tables, credits, false);
  const all = outputsOf(child.spec);
  return outputs.map((o) => pl.Series(o.name, gatherSlots(perCredit[all.indexOf(o)], credits.ownerSlots, o.zeroWhenEmpty ? 0 : NaN)));
}

/** values[slot] for each owner row; `empty` for owners without a slot (missing id). */
export function gatherSlots(values: Float64Array, slots: Int32Array, empty: number): Float64Array {
  const out = new Float64Array(slots.length);
  for (let i = 0; i < slots.length; i++) out[i] = slots[i] >= 0 ? values[slots[i]] : empty;
  return out;
}

/** The aggregator's view of a polars table: spec columns are evaluated and extracted one at a time. */
function polarsRows(spec: TableSpec, frame: pl.DataFrame, slots: Int32Array, nKeys: number): TableRows {
  const sentinels = new Set(spec.daysSentinels);
  return {
    slots,
    nKeys,
    column(name) {
      const e = spec.columns[name];
      if (!e) throw new FeatureError(`${spec.table} has no spec column ${name}`);
      const used = { numeric: new Set<string>(), text: new Set<string>() };
      inputsOf(e, used);
      const cleaned = frame.lazy().select(...asPl([
        ...[...used.numeric].map((c) => cleanNumericPolars(c, sentinels.has(c))),
        ...[...used.text].map(cleanTextPolars),
      ]));
      return float64Column(cleaned.select(...asPl([finalPolars(toPolars(e)).alias(name)])).collectSync(), name);
    },
    members(where) {
      const inGroup = P.col(where.col).isIn(where.in).fillNull(false).cast(pl.UInt8).alias(where.col);
      const mask = frame.lazy().select(...asPl([cleanTextPolars(where.col)])).select(...asPl([inGroup])).collectSync().getColumn(where.col).toTypedArray();
      if (!(mask instanceof Uint8Array)) throw new FeatureError(`internal: group mask of ${where.col} is not a Uint8Array`);
      return mask;
    },
  };
}

/** Inputs a spec reads from its raw table (including the child summaries joined onto it). */
export function specInputs(spec: TableSpec): { numeric: string[]; text: string[] } {
  const sets = { numeric: new Set<string>(), text: new Set<string>() };
  for (const e of Object.values(spec.columns)) inputsOf(e, sets);
  for (const g of spec.groups) if (g.where) sets.text.add(g.where.col);
  return { numeric: [...sets.numeric], text: [...sets.text] };
}

/** A column of a frame as Float64Array with NaN for missing. */
export function float64Column(df: pl.DataFrame, name: string): Float64Array {
  const values = df.select(...asPl([P.col(name).cast(pl.Float64).fillNull(NaN)])).getColumn(name).toTypedArray() as unknown;
  return values instanceof Float64Array ? values : Float64Array.from(values as ArrayLike<number>);
}

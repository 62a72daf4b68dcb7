/**
 * Batch path: polars loads and cleans the tables and evaluates the element-wise spec columns (cleaning, ratios,
 * flags: IEEE arithmetic, the same bits as the one-row path); the per-key aggregation runs in aggregate.ts over
 * the extracted typed arrays, the same code the one-row path runs. The fitted part (category codes) is applied later
 * in pipeline.ts.
 */
import pl from 'nodejs-polars';
import type { HomeCreditTables } from '@credit-scoring/data';
import { aggregateTable, KeySlots, outputsOf, specInputs } from './aggregate';
import * as expr from './expr';
import type { InputColumns, NumericColumn, TextCodes } from './expr';
import { asPl, P, PExpr } from './fast-expr';
import { DAYS_SENTINEL, MAX_MAGNITUDE, TableSpec, TEXT_SENTINELS } from './feature-spec';
import { FeatureError } from './errors';

const nullF64 = P.nullF64;
// Bound once: through tsx every use of an imported function is a getter call (this one runs per side-table value).
const { finalValue } = expr;

/**
 * Non-finite and out-of-range values become missing (null), matching expr.ts `finalValue`. One comparison does
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
  return P.when(e.isIn([...TEXT_SENTINELS]))
    .then(P.nullText())
    .otherwise(e)
    .alias(col);
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
export function aggregateSideTable(
  spec: TableSpec,
  tables: HomeCreditTables,
  owners: KeySlots,
  useChild: boolean,
): Float64Array[] {
  const frame = tables[spec.table];
  if (!frame) throw new FeatureError(`aggregateSideTable called without table ${spec.table}`);
  const wanted = specInputs(spec);
  const childNames = new Set(spec.child ? outputsOf(spec.child.spec).map((o) => o.name) : []);
  const fromFile = wanted.numeric.filter((c) => !childNames.has(c));
  requireColumns(
    frame,
    [spec.key, ...(spec.child ? [spec.child.joinKey] : []), ...fromFile, ...wanted.text.keys()],
    spec.table,
  );
  const joined = spec.child ? childColumns(spec.child, tables, frame, useChild) : new Map<string, Float64Array>();
  const columns = extractInputs(frame, [spec.key], fromFile, wanted.text, new Set(spec.daysSentinels));
  const numeric = new Map(columns.numeric);
  for (const [c, values] of joined) numeric.set(c, cleanJoined(values));
  const inputs: InputColumns = {
    length: frame.height,
    numeric: (name) => found(numeric, name, spec.table),
    text: (name) => found(columns.text, name, spec.table),
  };
  return aggregateTable(spec, {
    slots: owners.slotsOf(found(columns.keys, spec.key, spec.table)),
    nKeys: owners.nKeys,
    inputs,
  });
}

/** Joined child summaries are cleaned like file inputs (pipeline-one-row.ts does the same). */
function cleanJoined(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = finalValue(values[i]);
  return out;
}

function found<T>(map: Map<string, T>, name: string, table: string): T {
  const value = map.get(name);
  if (value === undefined) throw new FeatureError(`internal: input ${name} of ${table} was not extracted`);
  return value;
}

/**
 * The cleaned inputs of a table as typed arrays. Keys and numbers come as numbers with NaN for missing (int32 when
 * the file column is int32 without missing values and needs no cleaning); text as level codes (TextCodes).
 * Why columns without missing values are read directly: the buffers polars hands to JS, and the frames it computes,
 * are only released after the current synchronous call returns (N-API finalizers wait for the event loop), so every
 * byte extracted during fit/transform stays in memory until then; a direct read makes one copy instead of two.
 */
function extractInputs(
  frame: pl.DataFrame,
  keys: string[],
  numeric: string[],
  text: Map<string, string[]>,
  daysSentinels: Set<string>,
) {
  const direct = (c: string) => {
    const series = frame.getColumn(c);
    return series.nullCount() === 0 && (series.dtype.equals(pl.Int32) || series.dtype.equals(pl.Float64));
  };
  const keyName = (c: string) => `__key__${c}`;
  const viaPolars = { keys: keys.filter((c) => !direct(c)), numeric: numeric.filter((c) => !direct(c)) };
  const textWithLevels = [...text].filter(([, levels]) => levels.length > 0);
  const result = frame
    .lazy()
    .select(
      ...asPl([
        ...viaPolars.keys.map((c) => P.col(c).cast(pl.Float64).fillNull(NaN).alias(keyName(c))),
        ...viaPolars.numeric.map((c) => cleanNumericPolars(c, daysSentinels.has(c)).fillNull(NaN).alias(c)),
        ...textWithLevels.map(([c, levels]) => levelCodesPolars(c, levels)),
      ]),
    )
    .collectSync();
  const fromResult = (name: string): Float64Array =>
    typedView(result.getColumn(name).toTypedArray(), Float64Array, name);
  const codes = new Map<string, TextCodes>(
    [...text].map(([c, levels]) => [
      c,
      {
        codes: levels.length
          ? typedView(result.getColumn(c).toTypedArray(), Uint8Array, c)
          : new Uint8Array(frame.height),
        levels,
      },
    ]),
  );
  return {
    keys: new Map(keys.map((c) => [c, direct(c) ? directColumn(frame, c, false) : fromResult(keyName(c))])),
    numeric: new Map(numeric.map((c) => [c, direct(c) ? directColumn(frame, c, daysSentinels.has(c)) : fromResult(c)])),
    text: codes,
  };
}

/**
 * A file column without missing values, cleaned in JS exactly as cleanNumericPolars would. int32 values are always
 * finite and far below MAX_MAGNITUDE, so they stay int32 unless the days sentinel has to become NaN.
 */
function directColumn(frame: pl.DataFrame, name: string, daysSentinel: boolean): NumericColumn {
  const values = frame.getColumn(name).toTypedArray();
  if (ArrayBuffer.isView(values) && Object.prototype.toString.call(values) === '[object Int32Array]') {
    const ints = typedView(values, Int32Array, name);
    if (!daysSentinel) return ints;
    const out = new Float64Array(ints.length);
    for (let i = 0; i < ints.length; i++) out[i] = ints[i] === DAYS_SENTINEL ? NaN : ints[i];
    return out;
  }
  const floats = typedView(values, Float64Array, name); // our own copy: cleaned in place
  for (let i = 0; i < floats.length; i++) {
    const v = floats[i];
    floats[i] = daysSentinel && v === DAYS_SENTINEL ? NaN : finalValue(v);
  }
  return floats;
}

/**
 * The typed array polars returned, as this realm's type. Under Jest the tests run in another V8 context, whose
 * Float64Array is a different constructor: `instanceof` fails although the data is right, so view its buffer.
 */
function typedView<T extends Float64Array | Uint8Array | Int32Array>(
  values: unknown,
  type: { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; name: string },
  name: string,
): T {
  if (values instanceof type) return values;
  if (ArrayBuffer.isView(values) && Object.prototype.toString.call(values) === `[object ${type.name}]`) {
    const view = values as unknown as T;
    return new type(view.buffer, view.byteOffset, view.length);
  }
  throw new FeatureError(`internal: ${name} did not come out of polars as a ${type.name}`);
}

/** Cleaned text as 1 + index of its value in `levels`, 0 when missing or another value (as pipeline-one-row.ts codes them). */
function levelCodesPolars(col: string, levels: readonly string[]): PExpr {
  const clean = cleanTextPolars(col);
  let chain = P.when(clean.isIn([levels[0]])).then(1);
  for (let i = 1; i < levels.length; i++) chain = chain.when(clean.isIn([levels[i]])).then(i + 1);
  return chain.otherwise(0).cast(pl.UInt8).alias(col);
}

/** The child table's per-credit summaries on the parent rows (bureau_balance on bureau), before cleaning. */
function childColumns(
  child: NonNullable<TableSpec['child']>,
  tables: HomeCreditTables,
  parent: pl.DataFrame,
  useChild: boolean,
): Map<string, Float64Array> {
  const outputs = outputsOf(child.spec);
  const columns = new Map<string, Float64Array>();
  const present = useChild && tables[child.spec.table] !== undefined;
  const credits = present
    ? new KeySlots(
        extractInputs(parent, [child.joinKey], [], new Map(), new Set()).keys.get(child.joinKey) ?? new Float64Array(0),
      )
    : undefined;
  const perCredit = credits ? aggregateSideTable(child.spec, tables, credits, false) : undefined;
  outputs.forEach((o, k) => {
    if (o.kind === 'rows') return; // the child's own row count is not a parent column
    const empty = o.zeroWhenEmpty ? 0 : NaN;
    columns.set(
      o.name,
      credits && perCredit
        ? gatherSlots(perCredit[k], credits.ownerSlots, empty)
        : new Float64Array(parent.height).fill(empty),
    );
  });
  return columns;
}

/** values[slot] for each owner row; `empty` for owners without a slot (missing id). */
export function gatherSlots(values: Float64Array, slots: Int32Array, empty: number): Float64Array {
  const out = new Float64Array(slots.length);
  for (let i = 0; i < slots.length; i++) out[i] = slots[i] >= 0 ? values[slots[i]] : empty;
  return out;
}

/** A column of a frame as Float64Array with NaN for missing. */
export function float64Column(df: pl.DataFrame, name: string): Float64Array {
  const values = df
    .select(...asPl([P.col(name).cast(pl.Float64).fillNull(NaN)]))
    .getColumn(name)
    .toTypedArray() as unknown;
  return values instanceof Float64Array ? values : Float64Array.from(values as ArrayLike<number>);
}

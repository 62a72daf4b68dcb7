/**
 * The per-key aggregator shared by both execution paths: the batch path feeds it whole tables (columns extracted
 * from polars), the one-row path feeds it one applicant's history rows. Both paths run this same code and visit a
 * key's rows in the order they are given, so sums, means and variances come out bit for bit identical with plain
 * double arithmetic - floating-point addition is not associative, but it is deterministic for a fixed order.
 *
 * Rows are described column-wise (typed arrays, NaN = missing) so that tens of millions of rows cost no JS object
 * per row: a row's key is a dense slot number 0..nKeys-1 (-1 = a row no reported key owns, skipped).
 */
import { aggregateOutputs, AggGroup, AggName, AggOutput, TableSpec, TEXT_SENTINELS } from './feature-spec';
import { BLOCK, BlockEval, columnBlocks, InputColumns, inputsOf } from './expr';
import { FeatureError } from './errors';

/** A table's rows as the aggregator reads them: their key slots and their cleaned inputs. */
export interface TableRows {
  /** key slot of each row; -1 = skip the row */
  slots: Int32Array;
  nKeys: number;
  inputs: InputColumns;
}

interface SpecInputs {
  numeric: string[];
  /** text inputs with the values the spec compares them with (`is` formulas and group `where`s) */
  text: Map<string, string[]>;
}
const inputsCache = new WeakMap<TableSpec, SpecInputs>();

/** The raw inputs a table spec reads (for bureau, including the bureau_balance summaries joined onto its rows). */
export function specInputs(spec: TableSpec): SpecInputs {
  let found = inputsCache.get(spec);
  if (found) return found;
  const sets = { numeric: new Set<string>(), text: new Set<string>() };
  for (const e of Object.values(spec.columns)) inputsOf(e, sets);
  const levels = new Map<string, Set<string>>([...sets.text].map((c) => [c, new Set<string>()]));
  const collect = (col: string, values: string[]) => {
    let set = levels.get(col);
    if (!set) levels.set(col, (set = new Set()));
    // sentinel texts are cleaned to missing, so they can never match
    for (const v of values) if (!TEXT_SENTINELS.includes(v)) set.add(v);
  };
  const visit = (e: Parameters<typeof inputsOf>[0]): void => {
    if ('is' in e) collect(e.is, e.values);
    else if ('op' in e) {
      visit(e.a);
      visit(e.b);
    } else if ('max0' in e) visit(e.max0);
    else if ('gt0' in e) visit(e.gt0);
  };
  Object.values(spec.columns).forEach(visit);
  for (const g of spec.groups) if (g.where) collect(g.where.col, g.where.in);
  for (const [col, set] of levels)
    if (set.size > 255) throw new FeatureError(`${spec.table}.${col}: more than 255 compared values`);
  found = { numeric: [...sets.numeric], text: new Map([...levels].map(([c, set]) => [c, [...set]])) };
  inputsCache.set(spec, found);
  return found;
}

const outputsCache = new WeakMap<TableSpec, AggOutput[]>();
/** aggregateOutputs(spec), computed once per spec. */
export function outputsOf(spec: TableSpec): AggOutput[] {
  let found = outputsCache.get(spec);
  if (!found) outputsCache.set(spec, (found = aggregateOutputs(spec)));
  return found;
}

/**
 * Aggregates a table per key: one Float64Array(nKeys) per output of aggregateOutputs(spec), in that order. Keys
 * without rows get 0 for counts and NaN for everything else. Each column is read once and then aggregated for
 * every group that uses it.
 */
export function aggregateTable(spec: TableSpec, rows: TableRows): Float64Array[] {
  if (rows.inputs.length !== rows.slots.length)
    throw new FeatureError(
      `internal: ${spec.table} has ${rows.inputs.length} rows of inputs but ${rows.slots.length} keys`,
    );
  const outputs = outputsOf(spec);
  const result: Float64Array[] = new Array(outputs.length);
  const masks = new Map<AggGroup, Uint8Array | null>(
    spec.groups.map((g) => [g, g.where ? groupMask(rows.inputs, g.where) : null]),
  );
  const groupRows = new Map<AggGroup, Float64Array>(
    spec.groups.map((g) => [g, rowCounts(rows.slots, masks.get(g) ?? null, rows.nKeys)]),
  );
  outputs.forEach((o, k) => {
    if (o.kind === 'rows') result[k] = groupRows.get(o.group) ?? new Float64Array(rows.nKeys); // read-only from here on
  });
  // column -> the outputs that read it, grouped by group so that one pass per (column, group) serves all its aggs
  const byColumn = new Map<string, Map<AggGroup, Array<{ index: number; agg: AggName }>>>();
  outputs.forEach((o, index) => {
    if (o.kind !== 'agg' || !o.col || !o.agg) return;
    let groups = byColumn.get(o.col);
    if (!groups) byColumn.set(o.col, (groups = new Map()));
    let wanted = groups.get(o.group);
    if (!wanted) groups.set(o.group, (wanted = []));
    wanted.push({ index, agg: o.agg });
  });
  // Accumulators are reused from pass to pass: allocating them afresh each time costs more (page faults) than the pass.
  const scratch = {
    acc: new Float64Array(4 * rows.nKeys),
    mean: new Float64Array(rows.nKeys),
    squares: new Float64Array(rows.nKeys),
  };
  const shares: ShareColumn[] = [];
  for (const [col, groups] of byColumn) {
    const formula = spec.columns[col];
    if (!formula) throw new FeatureError(`${spec.table}: aggregated column ${col} is not a spec column`);
    let values: BlockEval | undefined;
    for (const [group, wanted] of groups) {
      if ('is' in formula && wanted.every((w) => COUNTING_AGGS.includes(w.agg))) {
        shares.push({ flag: formula, group, wanted });
        continue;
      }
      values ??= columnBlocks(formula, rows.inputs);
      const needs = {
        minMax: wanted.some((w) => w.agg === 'min' || w.agg === 'max'),
        variance: wanted.some((w) => w.agg === 'var'),
      };
      const stats = columnStats(values, rows.slots, masks.get(group) ?? null, scratch, needs);
      for (const { index, agg } of wanted) result[index] = statOutput(stats, agg);
    }
  }
  aggregateShares(shares, rows, masks, groupRows, result);
  return result;
}

/** Aggregations that only count: of a 0/1 flag, their sum is a whole number whatever the order of addition. */
const COUNTING_AGGS: AggName[] = ['count', 'sum', 'mean'];

interface ShareColumn {
  flag: { is: string; values: string[] };
  group: AggGroup;
  wanted: Array<{ index: number; agg: AggName }>;
}

/**
 * Flags `is(col, values)` aggregated by count / sum / mean (shares of a status, a contract type...): rather than
 * one pass per flag, one pass per text column counts every level per key, and each flag adds up its levels. The
 * results equal the general path's exactly: a flag is never missing (count = the group's rows) and its sum is a
 * whole number.
 */
function aggregateShares(
  shares: ShareColumn[],
  rows: TableRows,
  masks: Map<AggGroup, Uint8Array | null>,
  groupRows: Map<AggGroup, Float64Array>,
  result: Float64Array[],
): void {
  const byText = new Map<AggGroup, Map<string, ShareColumn[]>>();
  for (const share of shares) {
    let perGroup = byText.get(share.group);
    if (!perGroup) byText.set(share.group, (perGroup = new Map()));
    const list = perGroup.get(share.flag.is);
    if (list) list.push(share);
    else perGroup.set(share.flag.is, [share]);
  }
  for (const list of [...byText.values()].flatMap((perGroup) => [...perGroup.values()])) {
    const { group } = list[0];
    const { codes, levels } = rows.inputs.text(list[0].flag.is);
    const width = levels.length + 1;
    const counts = levelCounts(codes, rows.slots, masks.get(group) ?? null, rows.nKeys, width);
    const inGroup = groupRows.get(group) ?? new Float64Array(rows.nKeys);
    for (const { flag, wanted } of list) {
      const flagged = levels.flatMap((level, i) => (flag.values.includes(level) ? [i + 1] : []));
      const sum = new Float64Array(rows.nKeys);
      for (let k = 0; k < rows.nKeys; k++) for (const code of flagged) sum[k] += counts[k * width + code];
      for (const { index, agg } of wanted) {
        const out = new Float64Array(rows.nKeys);
        for (let k = 0; k < rows.nKeys; k++) {
          const n = inGroup[k];
          out[k] = agg === 'count' ? n : agg === 'sum' ? (n > 0 ? sum[k] : NaN) : sum[k] / n;
        }
        result[index] = out;
      }
    }
  }
}

/** Rows per key and text level code (key-major, `width` codes per key). */
function levelCounts(
  codes: Uint8Array,
  slots: Int32Array,
  mask: Uint8Array | null,
  nKeys: number,
  width: number,
): Uint32Array {
  const counts = new Uint32Array(nKeys * width);
  for (let r = 0; r < slots.length; r++) {
    const k = slots[r];
    if (k >= 0 && (mask === null || mask[r] === 1)) counts[k * width + codes[r]]++;
  }
  return counts;
}

/** 1 for the rows whose text column is one of `where.in`. */
function groupMask(inputs: InputColumns, where: NonNullable<AggGroup['where']>): Uint8Array {
  const { codes, levels } = inputs.text(where.col);
  const wanted = new Uint8Array(levels.length + 1);
  levels.forEach((level, i) => {
    if (where.in.includes(level)) wanted[i + 1] = 1;
  });
  const mask = new Uint8Array(codes.length);
  for (let i = 0; i < codes.length; i++) mask[i] = wanted[codes[i]];
  return mask;
}

/** Rows per key (within the group subset when `mask` is given). */
function rowCounts(slots: Int32Array, mask: Uint8Array | null, nKeys: number): Float64Array {
  const counts = new Float64Array(nKeys);
  for (let r = 0; r < slots.length; r++) {
    const k = slots[r];
    if (k >= 0 && (mask === null || mask[r] === 1)) counts[k]++;
  }
  return counts;
}

/** Per key, side by side: present-value count, sum, min, max (rows come in file order, not by key, so each row
 * touches one cache line instead of four); plus the sample variance when it was asked for. */
interface ColumnStats {
  acc: Float64Array;
  variance?: Float64Array;
}
const COUNT = 0;
const SUM = 1;
const MIN = 2;
const MAX = 3;

/**
 * count / sum / min / max of the present values per key, adding in row order; the variance is two-pass (the mean
 * first, then squared deviations from it, again in row order), which is accurate where the one-pass formula
 * (sum of squares - n mean^2) cancels catastrophically on large amounts.
 */
function columnStats(
  column: BlockEval,
  slots: Int32Array,
  mask: Uint8Array | null,
  scratch: { acc: Float64Array; mean: Float64Array; squares: Float64Array },
  needs: { minMax: boolean; variance: boolean },
): ColumnStats {
  const { acc, squares } = scratch;
  acc.fill(0);
  const nKeys = squares.length;
  const n = slots.length;
  for (let start = 0; start < n; start += BLOCK) {
    const length = Math.min(BLOCK, n - start);
    const values = column(start, length);
    if (needs.minMax) accumulateWithExtremes(acc, values, slots, mask, start, length);
    else accumulate(acc, values, slots, mask, start, length);
  }
  if (!needs.variance) return { acc };
  const { mean } = scratch;
  for (let k = 0; k < nKeys; k++) mean[k] = acc[4 * k + SUM] / acc[4 * k + COUNT]; // as statOutput 'mean'
  squares.fill(0);
  for (let start = 0; start < n; start += BLOCK) {
    const length = Math.min(BLOCK, n - start);
    const values = column(start, length);
    for (let i = 0; i < length; i++) {
      const r = start + i;
      const k = slots[r];
      const v = values[i];
      if (k < 0 || v !== v || (mask !== null && mask[r] === 0)) continue;
      const d = v - mean[k];
      squares[k] += d * d;
    }
  }
  const variance = new Float64Array(nKeys);
  for (let k = 0; k < nKeys; k++) {
    const count = acc[4 * k + COUNT];
    variance[k] = count > 1 ? squares[k] / (count - 1) : NaN;
  }
  return { acc, variance };
}

/** count and sum of one block's present values (most columns need no extremes: shares, means, sums). */
function accumulate(
  acc: Float64Array,
  values: Float64Array,
  slots: Int32Array,
  mask: Uint8Array | null,
  start: number,
  length: number,
): void {
  for (let i = 0; i < length; i++) {
    const r = start + i;
    const k = slots[r];
    const v = values[i];
    if (k < 0 || v !== v || (mask !== null && mask[r] === 0)) continue; // v !== v: missing (NaN)
    acc[4 * k + COUNT]++;
    acc[4 * k + SUM] += v;
  }
}

/** count, sum, min and max of one block's present values. */
function accumulateWithExtremes(
  acc: Float64Array,
  values: Float64Array,
  slots: Int32Array,
  mask: Uint8Array | null,
  start: number,
  length: number,
): void {
  for (let i = 0; i < length; i++) {
    const r = start + i;
    const k = slots[r];
    const v = values[i];
    if (k < 0 || v !== v || (mask !== null && mask[r] === 0)) continue;
    const at = 4 * k;
    if (acc[at + COUNT] === 0) {
      acc[at + MIN] = v;
      acc[at + MAX] = v;
    } else {
      if (v < acc[at + MIN]) acc[at + MIN] = v;
      if (v > acc[at + MAX]) acc[at + MAX] = v;
    }
    acc[at + COUNT]++;
    acc[at + SUM] += v;
  }
}

/** One aggregation per key; keys without present values get count 0 and NaN for the rest. */
function statOutput(stats: ColumnStats, agg: AggName): Float64Array {
  const { acc } = stats;
  const out = new Float64Array(acc.length / 4);
  const pick = (field: number) => {
    for (let k = 0; k < out.length; k++) out[k] = acc[4 * k + COUNT] > 0 ? acc[4 * k + field] : NaN;
  };
  switch (agg) {
    case 'count':
      for (let k = 0; k < out.length; k++) out[k] = acc[4 * k + COUNT];
      break;
    case 'sum':
      pick(SUM);
      break;
    case 'min':
      pick(MIN);
      break;
    case 'max':
      pick(MAX);
      break;
    case 'mean':
      for (let k = 0; k < out.length; k++) out[k] = acc[4 * k + SUM] / acc[4 * k + COUNT];
      break; // 0/0 = NaN
    case 'var':
      if (!stats.variance) throw new FeatureError('internal: variance was not computed');
      return stats.variance;
    default:
      throw new FeatureError(`unknown aggregation ${String(agg)}`);
  }
  return out;
}

/**
 * Dense slots for a set of ids (SK_ID_CURR of the applications, SK_ID_BUREAU of the credits). Ids are looked up
 * tens of millions of times, so compact integer ids use a direct Int32Array table; others fall back to a Map.
 */
export class KeySlots {
  /** slot of each owner row (owners with the same id share a slot) */
  readonly ownerSlots: Int32Array;
  readonly nKeys: number;
  private readonly table: { offset: number; slots: Int32Array } | null = null;
  private readonly map = new Map<number, number>();

  constructor(ids: ArrayLike<number>) {
    const { min, max, integral } = idRange(ids);
    // a direct table costs 4 bytes per id in its range, at most 128 bytes per id here: cheaper than a Map lookup per
    // side-table row (a test file's 48,744 SK_ID_CURR span 356,000 ids; its applicants' 234,660 credits 1.7 million
    // SK_ID_BUREAU), and small batches with far-apart ids keep the Map
    const span = max - min + 1;
    if (integral && span <= 32 * ids.length + 1024) this.table = { offset: min, slots: new Int32Array(span).fill(-1) };
    this.ownerSlots = new Int32Array(ids.length);
    let next = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      let slot = this.slotOf(id);
      if (slot < 0 && id === id) {
        // id === id: not missing (NaN); a missing id owns nothing
        slot = next++;
        if (this.table) this.table.slots[id - this.table.offset] = slot;
        else this.map.set(id, slot);
      }
      this.ownerSlots[i] = slot;
    }
    this.nKeys = next;
  }

  /** Slot of one id, -1 when no owner has it (or it is missing). */
  slotOf(id: number): number {
    if (this.table) {
      const i = id - this.table.offset;
      return i >= 0 && i < this.table.slots.length && Number.isInteger(i) ? this.table.slots[i] : -1;
    }
    return this.map.get(id) ?? -1;
  }

  /** Slots of many ids (a side table's key column). */
  slotsOf(ids: ArrayLike<number>): Int32Array {
    const out = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = this.slotOf(ids[i]);
    return out;
  }
}

function idRange(ids: ArrayLike<number>): { min: number; max: number; integral: boolean } {
  let min = Infinity;
  let max = -Infinity;
  let integral = true;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id !== id) continue;
    if (!Number.isSafeInteger(id)) integral = false;
    if (id < min) min = id;
    if (id > max) max = id;
  }
  return { min, max, integral: integral && Number.isFinite(min) };
}

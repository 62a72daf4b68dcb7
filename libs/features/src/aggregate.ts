/**
 * The per-key aggregator shared by both execution paths: the batch path feeds it whole tables (columns extracted
 * from polars), the one-row path feeds it one applicant's history rows. Both paths run this same code and visit a
 * key's rows in the order they are given, so sums, means and variances come out bit for bit identical with plain
 * double arithmetic - floating-point addition is not associative, but it is deterministic for a fixed order.
 *
 * Rows are described column-wise (typed arrays, NaN = missing) so that tens of millions of rows cost no JS object
 * per row: a row's key is a dense slot number 0..nKeys-1 (-1 = a row no reported key owns, skipped).
 */
import { aggregateOutputs, AggGroup, AggName, AggOutput, TableSpec } from './feature-spec';
import { FeatureError } from './errors';

/** A table's rows as the aggregator reads them. */
export interface TableRows {
  /** key slot of each row; -1 = skip the row */
  slots: Int32Array;
  nKeys: number;
  /** one row-level spec column over all rows, NaN = missing (asked for once per column) */
  column(name: string): Float64Array;
  /** 1 for the rows in a group's subset (`where`), else 0 */
  members(where: NonNullable<AggGroup['where']>): Uint8Array;
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
  const outputs = outputsOf(spec);
  const result: Float64Array[] = new Array(outputs.length);
  const masks = new Map<AggGroup, Uint8Array | null>(spec.groups.map((g) => [g, g.where ? rows.members(g.where) : null]));
  outputs.forEach((o, k) => {
    if (o.kind === 'rows') result[k] = rowCounts(rows.slots, masks.get(o.group) ?? null, rows.nKeys);
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
  for (const [col, groups] of byColumn) {
    const values = rows.column(col);
    if (values.length !== rows.slots.length) throw new FeatureError(`internal: column ${col} of ${spec.table} has ${values.length} rows, keys ${rows.slots.length}`);
    for (const [group, wanted] of groups) {
      const stats = columnStats(values, rows.slots, masks.get(group) ?? null, rows.nKeys, wanted.some((w) => w.agg === 'var'));
      for (const { index, agg } of wanted) result[index] = statOutput(stats, agg);
    }
  }
  return result;
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

interface ColumnStats {
  count: Float64Array;
  /** NaN for keys without a present value */
  sum: Float64Array;
  mean: Float64Array;
  min: Float64Array;
  max: Float64Array;
  /** sample variance (n - 1), NaN below two values; only when asked for */
  variance?: Float64Array;
}

/**
 * count / sum / min / max of the present values per key, adding in row order; the variance is two-pass (the mean
 * first, then squared deviations from it, again in row order), which is accurate where the one-pass formula
 * (sum of squares - n mean^2) cancels catastrophically on large amounts.
 */
function columnStats(values: Float64Array, slots: Int32Array, mask: Uint8Array | null, nKeys: number, withVariance: boolean): ColumnStats {
  const count = new Float64Array(nKeys);
  const sum = new Float64Array(nKeys);
  const min = new Float64Array(nKeys).fill(NaN);
  const max = new Float64Array(nKeys).fill(NaN);
  for (let r = 0; r < values.length; r++) {
    const k = slots[r];
    const v = values[r];
    if (k < 0 || v !== v || (mask !== null && mask[r] === 0)) continue; // v !== v: missing (NaN)
    if (count[k] === 0) {
      min[k] = v;
      max[k] = v;
    } else {
      if (v < min[k]) min[k] = v;
      if (v > max[k]) max[k] = v;
    }
    count[k]++;
    sum[k] += v;
  }
  const mean = new Float64Array(nKeys);
  for (let k = 0; k < nKeys; k++) {
    if (count[k] === 0) sum[k] = NaN;
    mean[k] = sum[k] / count[k];
  }
  if (!withVariance) return { count, sum, mean, min, max };
  const squares = new Float64Array(nKeys);
  for (let r = 0; r < values.length; r++) {
    const k = slots[r];
    const v = values[r];
    if (k < 0 || v !== v || (mask !== null && mask[r] === 0)) continue;
    const d = v - mean[k];
    squares[k] += d * d;
  }
  const variance = new Float64Array(nKeys);
  for (let k = 0; k < nKeys; k++) variance[k] = count[k] > 1 ? squares[k] / (count[k] - 1) : NaN;
  return { count, sum, mean, min, max, variance };
}

function statOutput(stats: ColumnStats, agg: AggName): Float64Array {
  switch (agg) {
    case 'count': return stats.count;
    case 'sum': return stats.sum;
    case 'mean': return stats.mean;
    case 'min': return stats.min;
    case 'max': return stats.max;
    case 'var':
      if (!stats.variance) throw new FeatureError('internal: variance was not computed');
      return stats.variance;
    default: throw new FeatureError(`unknown aggregation ${String(agg)}`);
  }
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
    // a direct table costs 4 bytes per id in its range: worth it when the range is a few times the number of ids
    const span = max - min + 1;
    if (integral && span <= 4 * ids.length + 1024) this.table = { offset: min, slots: new Int32Array(span).fill(-1) };
    this.ownerSlots = new Int32Array(ids.length);
    let next = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      let slot = this.slotOf(id);
      if (slot < 0 && id === id) { // id === id: not missing (NaN); a missing id owns nothing
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

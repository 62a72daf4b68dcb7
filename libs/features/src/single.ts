/**
 * One-row path: executes the same feature spec as batch.ts over one applicant's raw rows, for the serving API (no
 * dataframe engine). Cleaning and spec columns mirror their polars counterparts in batch.ts / expr.ts; the
 * aggregation is the very code the batch path runs (aggregate.ts), fed the rows in the order given.
 */
import { aggregateTable, KeySlots, outputsOf, TableRows } from './aggregate';
import { CleanRow, evalRow, inputsOf } from './expr';
import { AggGroup, DAYS_SENTINEL, MAX_MAGNITUDE, TableSpec, TEXT_SENTINELS } from './feature-spec';
import { FeatureError } from './errors';

export type RawValue = string | number | null | undefined;
export type RawRow = Record<string, RawValue>;

/** Non-finite and out-of-range values become missing (NaN), matching batch.ts `finalPolars`. */
export function finalValue(v: number): number {
  return Number.isFinite(v) && Math.abs(v) < MAX_MAGNITUDE ? v : NaN;
}

/** A raw numeric field: numbers as they are, numeric text parsed, absent/empty = missing. */
export function parseNumber(v: RawValue, field: string, where: string): number {
  if (v === null || v === undefined) return NaN;
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') throw new FeatureError(`${where}: field ${field} must be a number, got ${typeof v}`);
  const text = v.trim();
  if (text === '') return NaN;
  const parsed = Number(text);
  if (Number.isNaN(parsed) && text.toLowerCase() !== 'nan') throw new FeatureError(`${where}: field ${field} is not a number: ${JSON.stringify(v)}`);
  return parsed;
}

export function cleanNumber(v: RawValue, field: string, where: string, daysSentinel: boolean): number {
  const x = parseNumber(v, field, where);
  return finalValue(daysSentinel && x === DAYS_SENTINEL ? NaN : x);
}

/** A raw text field: absent/empty and the XNA/XAP sentinels are missing; numbers become their text. */
export function cleanText(v: RawValue, field: string, where: string): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string' && typeof v !== 'number') throw new FeatureError(`${where}: field ${field} must be text, got ${typeof v}`);
  const text = String(v);
  return text === '' || TEXT_SENTINELS.includes(text) ? null : text;
}

interface Inputs { numeric: string[]; text: string[] }
const inputsCache = new WeakMap<TableSpec, Inputs>();
function specInputs(spec: TableSpec): Inputs {
  let found = inputsCache.get(spec);
  if (!found) {
    const sets = { numeric: new Set<string>(), text: new Set<string>() };
    for (const e of Object.values(spec.columns)) inputsOf(e, sets);
    for (const g of spec.groups) if (g.where) sets.text.add(g.where.col);
    found = { numeric: [...sets.numeric], text: [...sets.text] };
    inputsCache.set(spec, found);
  }
  return found;
}

/**
 * One applicant's aggregates for a side table spec, in aggregateOutputs(spec) order. `rows` are the applicant's rows
 * of spec.table; for bureau, `childRows` are its bureau_balance rows (undefined: that table is not used). Rows must
 * come in file order for the result to equal the batch row bit for bit (sums depend on the order of addition).
 */
export function aggregateApplicant(spec: TableSpec, rows: RawRow[], childRows?: RawRow[]): Float64Array {
  const extra = spec.child ? childValues(spec.table, spec.child, rows, childRows) : new Map<string, Float64Array>();
  const perKey = aggregateTable(spec, recordRows(spec, rows, new Int32Array(rows.length), 1, extra));
  return Float64Array.from(perKey, (values) => values[0]);
}

/** The child table's per-credit summaries on each parent row (what the batch path joins on SK_ID_BUREAU). */
function childValues(parentTable: string, child: NonNullable<TableSpec['child']>, parentRows: RawRow[], childRows: RawRow[] | undefined): Map<string, Float64Array> {
  const all = outputsOf(child.spec);
  const columns = new Map<string, Float64Array>();
  const credits = new KeySlots(parentRows.map((row, i) => parseNumber(row[child.joinKey], child.joinKey, `${parentTable} row ${i}`)));
  const slots = (childRows ?? []).map((row, i) => credits.slotOf(parseNumber(row[child.spec.key], child.spec.key, `${child.spec.table} row ${i}`)));
  const perCredit = childRows ? aggregateTable(child.spec, recordRows(child.spec, childRows, Int32Array.from(slots), credits.nKeys, new Map())) : undefined;
  all.forEach((o, k) => {
    if (o.kind === 'rows') return;
    const empty = o.zeroWhenEmpty ? 0 : NaN;
    columns.set(o.name, Float64Array.from(credits.ownerSlots, (slot) => (perCredit && slot >= 0 ? perCredit[k][slot] : empty)));
  });
  return columns;
}

/**
 * The aggregator's view of raw records: each record is cleaned once; spec columns are evaluated per record with the
 * same IEEE operations polars applies element-wise. `extra` holds numeric inputs that are not in the records.
 */
function recordRows(spec: TableSpec, records: RawRow[], slots: Int32Array, nKeys: number, extra: Map<string, Float64Array>): TableRows {
  const inputs = specInputs(spec);
  const sentinels = new Set(spec.daysSentinels);
  const clean: CleanRow[] = records.map((row, i) => {
    const where = `${spec.table} row ${i}`;
    const out: CleanRow = {};
    for (const c of inputs.numeric) {
      const given = extra.get(c);
      out[c] = given ? finalValue(given[i]) : cleanNumber(row[c], c, where, sentinels.has(c));
    }
    for (const c of inputs.text) out[c] = cleanText(row[c], c, where);
    return out;
  });
  return {
    slots,
    nKeys,
    column(name) {
      const e = spec.columns[name];
      if (!e) throw new FeatureError(`${spec.table} has no spec column ${name}`);
      return Float64Array.from(clean, (row) => finalValue(evalRow(e, row)));
    },
    members(where: NonNullable<AggGroup['where']>) {
      return Uint8Array.from(clean, (row) => (where.in.includes(row[where.col] as string) ? 1 : 0));
    },
  };
}

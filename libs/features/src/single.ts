/**
 * One-row path: executes the same feature spec as batch.ts over one applicant's raw rows, for the serving API (no
 * dataframe engine). Cleaning mirrors its polars counterpart in batch.ts; the side-table formulas and aggregation
 * are the very code the batch path runs (expr.ts evalColumn, aggregate.ts), fed the rows in the order given.
 */
import { aggregateTable, KeySlots, outputsOf, specInputs } from './aggregate';
import { finalValue, InputColumns, TextCodes } from './expr';
import { DAYS_SENTINEL, TableSpec, TEXT_SENTINELS } from './feature-spec';
import { FeatureError } from './errors';

export type RawValue = string | number | null | undefined;
export type RawRow = Record<string, RawValue>;
export { finalValue };

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

/**
 * One applicant's aggregates for a side table spec, in aggregateOutputs(spec) order. `rows` are the applicant's rows
 * of spec.table; for bureau, `childRows` are its bureau_balance rows (undefined: that table is not used). Rows must
 * come in file order for the result to equal the batch row bit for bit (sums depend on the order of addition).
 */
export function aggregateApplicant(spec: TableSpec, rows: RawRow[], childRows?: RawRow[]): Float64Array {
  const joined = spec.child ? childColumns(spec.table, spec.child, rows, childRows) : new Map<string, Float64Array>();
  const perKey = aggregateTable(spec, { slots: new Int32Array(rows.length), nKeys: 1, inputs: recordInputs(spec, rows, joined) });
  return Float64Array.from(perKey, (values) => values[0]);
}

/** The child table's per-credit summaries on each parent row (what the batch path joins on SK_ID_BUREAU). */
function childColumns(parentTable: string, child: NonNullable<TableSpec['child']>, parentRows: RawRow[], childRows: RawRow[] | undefined): Map<string, Float64Array> {
  const credits = new KeySlots(parentRows.map((row, i) => parseNumber(row[child.joinKey], child.joinKey, `${parentTable} row ${i}`)));
  const perCredit = childRows
    ? aggregateTable(child.spec, {
      slots: Int32Array.from(childRows, (row, i) => credits.slotOf(parseNumber(row[child.spec.key], child.spec.key, `${child.spec.table} row ${i}`))),
      nKeys: credits.nKeys,
      inputs: recordInputs(child.spec, childRows, new Map()),
    })
    : undefined;
  const columns = new Map<string, Float64Array>();
  outputsOf(child.spec).forEach((o, k) => {
    if (o.kind === 'rows') return; // the child's own row count is not a parent column
    const empty = o.zeroWhenEmpty ? 0 : NaN;
    columns.set(o.name, Float64Array.from(credits.ownerSlots, (slot) => (perCredit && slot >= 0 ? perCredit[k][slot] : empty)));
  });
  return columns;
}

/**
 * The cleaned inputs of raw records, column by column (all cleaned up front, so a bad value is reported even when
 * no output reads it). `joined` holds numeric inputs that are not in the records (the child summaries).
 */
function recordInputs(spec: TableSpec, records: RawRow[], joined: Map<string, Float64Array>): InputColumns {
  const wanted = specInputs(spec);
  const sentinels = new Set(spec.daysSentinels);
  const numeric = new Map<string, Float64Array>();
  for (const c of wanted.numeric) {
    const given = joined.get(c);
    numeric.set(c, given ? Float64Array.from(given, finalValue) : Float64Array.from(records, (row, i) => cleanNumber(row[c], c, `${spec.table} row ${i}`, sentinels.has(c))));
  }
  const text = new Map<string, TextCodes>();
  for (const [c, levels] of wanted.text) {
    text.set(c, { levels, codes: Uint8Array.from(records, (row, i) => {
      const value = cleanText(row[c], c, `${spec.table} row ${i}`);
      return value === null ? 0 : levels.indexOf(value) + 1;
    }) });
  }
  const get = <T>(map: Map<string, T>, name: string): T => {
    const value = map.get(name);
    if (value === undefined) throw new FeatureError(`internal: ${spec.table} has no input ${name}`);
    return value;
  };
  return { length: records.length, numeric: (name) => get(numeric, name), text: (name) => get(text, name) };
}

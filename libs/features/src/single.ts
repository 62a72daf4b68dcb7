/**
 * Cleaning of raw one-row values (what the serving API receives), mirroring its polars counterparts in batch.ts
 * (cleanNumericPolars, cleanTextPolars) value for value. pipeline-one-row.ts runs the spec over them.
 */
import * as expr from './expr';
import { DAYS_SENTINEL, TEXT_SENTINELS } from './feature-spec';
import { FeatureError } from './errors';

// Bound once (called for every value; see pipeline-one-row.ts on imported functions under tsx).
const { finalValue } = expr;
const DAYS = DAYS_SENTINEL;
const SENTINELS = TEXT_SENTINELS;

export type RawValue = string | number | null | undefined;
export type RawRow = Record<string, RawValue>;

/** A raw numeric field: numbers as they are, numeric text parsed, absent/empty = missing. */
export function parseNumber(v: RawValue, field: string, where: string): number {
  if (v === null || v === undefined) return NaN;
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') throw new FeatureError(`${where}: field ${field} must be a number, got ${typeof v}`);
  const text = v.trim();
  if (text === '') return NaN;
  const parsed = Number(text);
  if (Number.isNaN(parsed) && text.toLowerCase() !== 'nan')
    throw new FeatureError(`${where}: field ${field} is not a number: ${JSON.stringify(v)}`);
  return parsed;
}

export function cleanNumber(v: RawValue, field: string, where: string, daysSentinel: boolean): number {
  const x = parseNumber(v, field, where);
  return finalValue(daysSentinel && x === DAYS ? NaN : x);
}

/** A raw text field: absent/empty and the XNA/XAP sentinels are missing; numbers become their text. */
export function cleanText(v: RawValue, field: string, where: string): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string' && typeof v !== 'number')
    throw new FeatureError(`${where}: field ${field} must be text, got ${typeof v}`);
  const text = String(v);
  return text === '' || SENTINELS.includes(text) ? null : text;
}

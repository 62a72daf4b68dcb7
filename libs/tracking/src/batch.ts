// log-batch: caller items checked and converted to the wire, then split into requests within MLflow's limits.
import { MlflowError } from './errors';
import type { BatchItems, Param } from './types';
import { requireKey, requireMaxLength, VALUE_LIMITS } from './validation';
import { metricToWire, type WireMetric } from './wire';

/** MLflow's log-batch limits (per request). */
export const LOG_BATCH_LIMITS = { metrics: 1000, params: 100, tags: 100, items: 1000, bytes: 1_000_000 } as const;

export interface WireBatch {
  metrics: WireMetric[];
  params: Param[];
  tags: Param[];
}

/** Validates every item (so bad input logs nothing) and converts it; duplicate params with one value collapse. */
export function batchToWire(items: BatchItems, now = Date.now()): WireBatch {
  const metrics = (items.metrics ?? []).map((m) => {
    requireKey('metric', m.key);
    if (typeof m.value !== 'number') throw new MlflowError(`metric '${m.key}' must be a number, got ${typeof m.value}`);
    const step = m.step ?? 0;
    if (!Number.isInteger(step)) throw new MlflowError(`metric '${m.key}' step must be an integer, got ${step}`);
    const wire: WireMetric = { key: m.key, value: metricToWire(m.value), timestamp: m.timestamp ?? now, step };
    if (m.modelId) wire.model_id = m.modelId;
    if (m.dataset) {
      wire.dataset_name = m.dataset.name;
      wire.dataset_digest = m.dataset.digest;
    }
    return wire;
  });
  const paramList: Param[] = Array.isArray(items.params)
    ? items.params
    : Object.entries(items.params ?? {}).map(([key, value]) => ({ key, value: String(value) }));
  const seen = new Map<string, string>();
  const params: Param[] = [];
  for (const p of paramList) {
    requireKey('param', p.key);
    const value = String(p.value);
    requireMaxLength(`param '${p.key}' value`, value, VALUE_LIMITS.paramValue);
    const earlier = seen.get(p.key);
    if (earlier !== undefined && earlier !== value) {
      throw new MlflowError(
        `param '${p.key}' is given twice with different values ('${earlier}', '${value}'); params are immutable`,
      );
    }
    if (earlier === undefined) params.push({ key: p.key, value });
    seen.set(p.key, value);
  }
  const tags = Object.entries(items.tags ?? {}).map(([key, value]) => {
    requireKey('tag', key);
    if (typeof value !== 'string') throw new MlflowError(`tag '${key}' must be a string, got ${typeof value}`);
    requireMaxLength(`tag '${key}' value`, value, VALUE_LIMITS.tagValue);
    return { key, value };
  });
  return { metrics, params, tags };
}

/** Greedy split respecting every per-request limit; params first so a run's configuration lands early. */
export function* chunkBatch(metrics: WireMetric[], params: Param[], tags: Param[]): Generator<WireBatch> {
  const L = LOG_BATCH_LIMITS;
  let i = 0,
    j = 0,
    k = 0;
  while (i < params.length || j < tags.length || k < metrics.length) {
    const chunk: WireBatch = { metrics: [], params: [], tags: [] };
    let items = 0;
    let bytes = 200; // envelope
    const fits = (item: unknown) => {
      const size = JSON.stringify(item).length + 1;
      if (items >= L.items || (items > 0 && bytes + size > L.bytes)) return false;
      items++;
      bytes += size;
      return true;
    };
    while (i < params.length && chunk.params.length < L.params && fits(params[i])) chunk.params.push(params[i++]);
    while (j < tags.length && chunk.tags.length < L.tags && fits(tags[j])) chunk.tags.push(tags[j++]);
    while (k < metrics.length && chunk.metrics.length < L.metrics && fits(metrics[k])) chunk.metrics.push(metrics[k++]);
    yield chunk;
  }
}

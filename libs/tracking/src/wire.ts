// MLflow's REST JSON (the protobuf JSON mapping: snake_case, int64 as strings or numbers, non-finite doubles as
// strings, tags as key/value lists) to the typed objects of ./types and back. Pure functions, no I/O.
import type {
  DatasetInput,
  Experiment,
  LoggedModel,
  LoggedModelStatus,
  Metric,
  ModelVersion,
  Param,
  RegisteredModel,
  Run,
  RunInfo,
  RunStatus,
} from './types';

/** One decoded JSON object of a request or an answer. */
export type Wire = Record<string, unknown>;

/** A metric as log-batch sends it. */
export type WireMetric = {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
  model_id?: string;
  dataset_name?: string;
  dataset_digest?: string;
};

/** MLflow's JSON carries non-finite doubles as strings. */
export function metricToWire(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

export function metricFromWire(v: unknown): number {
  return typeof v === 'number' ? v : Number(v); // "NaN" / "Infinity" -> number
}

export function fromWireTags(tags: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of (tags as Array<{ key: string; value?: string }> | undefined) ?? []) out[t.key] = t.value ?? '';
  return out;
}

export function toWireTags(tags: Record<string, string>): Param[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

export function toExperiment(e: Wire): Experiment {
  return {
    experimentId: String(e.experiment_id),
    name: String(e.name),
    artifactLocation: String(e.artifact_location ?? ''),
    lifecycleStage: String(e.lifecycle_stage ?? ''),
    tags: fromWireTags(e.tags),
  };
}

export function toMetric(m: Wire): Metric {
  return {
    key: String(m.key),
    value: metricFromWire(m.value),
    timestamp: Number(m.timestamp ?? 0),
    step: Number(m.step ?? 0),
  };
}

export function toRunInfo(i: Wire): RunInfo {
  return {
    runId: String(i.run_id ?? i.run_uuid),
    experimentId: String(i.experiment_id),
    runName: String(i.run_name ?? ''),
    status: i.status as RunStatus,
    startTime: Number(i.start_time ?? 0),
    endTime: i.end_time === undefined ? undefined : Number(i.end_time),
    artifactUri: String(i.artifact_uri ?? ''),
    lifecycleStage: String(i.lifecycle_stage ?? ''),
  };
}

export function toRun(r: Wire): Run {
  const data = (r.data as Wire | undefined) ?? {};
  const metrics: Record<string, number> = {};
  for (const m of (data.metrics as Wire[] | undefined) ?? []) metrics[String(m.key)] = metricFromWire(m.value);
  const params: Record<string, string> = {};
  for (const p of (data.params as Wire[] | undefined) ?? []) params[String(p.key)] = String(p.value ?? '');
  const inputs = ((r.inputs as Wire | undefined)?.dataset_inputs as Wire[] | undefined) ?? [];
  const outputs = ((r.outputs as Wire | undefined)?.model_outputs as Wire[] | undefined) ?? [];
  return {
    info: toRunInfo(r.info as Wire),
    metrics,
    params,
    tags: fromWireTags(data.tags),
    inputs: inputs.map(toDatasetInput),
    outputs: outputs.map((o) => ({ modelId: String(o.model_id), step: Number(o.step ?? 0) })),
  };
}

export function toDatasetInput(i: Wire): DatasetInput {
  const d = (i.dataset as Wire | undefined) ?? {};
  return {
    dataset: {
      name: String(d.name ?? ''),
      digest: String(d.digest ?? ''),
      sourceType: String(d.source_type ?? ''),
      source: String(d.source ?? ''),
      schema: d.schema === undefined ? undefined : String(d.schema),
      profile: d.profile === undefined ? undefined : String(d.profile),
    },
    tags: fromWireTags(i.tags),
  };
}

export function datasetInputToWire(i: DatasetInput): Wire {
  const d = i.dataset;
  return {
    tags: toWireTags(i.tags),
    dataset: {
      name: d.name,
      digest: d.digest,
      source_type: d.sourceType,
      source: d.source,
      schema: d.schema,
      profile: d.profile,
    },
  };
}

export function toLoggedModel(m: Wire): LoggedModel {
  const info = (m.info as Wire | undefined) ?? {};
  const data = (m.data as Wire | undefined) ?? {};
  const params: Record<string, string> = {};
  for (const p of (data.params as Wire[] | undefined) ?? []) params[String(p.key)] = String(p.value ?? '');
  return {
    modelId: String(info.model_id),
    experimentId: String(info.experiment_id),
    name: String(info.name ?? ''),
    artifactUri: String(info.artifact_uri ?? ''),
    status: info.status as LoggedModelStatus,
    sourceRunId: info.source_run_id ? String(info.source_run_id) : undefined,
    modelType: info.model_type ? String(info.model_type) : undefined,
    tags: fromWireTags(info.tags),
    params,
    metrics: ((data.metrics as Wire[] | undefined) ?? []).map((w) => ({
      ...toMetric(w),
      runId: w.run_id ? String(w.run_id) : undefined,
      datasetName: w.dataset_name ? String(w.dataset_name) : undefined,
      datasetDigest: w.dataset_digest ? String(w.dataset_digest) : undefined,
    })),
  };
}

export function toModelVersion(v: Wire): ModelVersion {
  return {
    name: String(v.name),
    version: String(v.version),
    source: String(v.source ?? ''),
    runId: v.run_id ? String(v.run_id) : undefined,
    status: v.status as ModelVersion['status'],
    statusMessage: v.status_message ? String(v.status_message) : undefined,
    aliases: ((v.aliases as string[] | undefined) ?? []).map(String),
    tags: fromWireTags(v.tags),
    creationTimestamp: Number(v.creation_timestamp ?? 0),
  };
}

export function toRegisteredModel(m: Wire): RegisteredModel {
  const aliases: Record<string, string> = {};
  for (const a of (m.aliases as Array<{ alias: string; version: string }> | undefined) ?? []) {
    aliases[a.alias] = String(a.version);
  }
  return {
    name: String(m.name),
    description: m.description ? String(m.description) : undefined,
    aliases,
    tags: fromWireTags(m.tags),
    latestVersions: ((m.latest_versions as Wire[] | undefined) ?? []).map(toModelVersion),
  };
}

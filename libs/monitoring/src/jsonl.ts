// The JSONL form of the log: what TRAFFIC_LOG used to append, now written from the database by
// `trainer monitor export`. One object per scored applicant: { time (ISO), route, modelVersion, probability,
// decision, requestId, threshold, latencyMs, client, application }. `trainer drift --current x.jsonl` reads it.
import type { StoredPrediction } from './records';

export function toJsonlLine(row: StoredPrediction): string {
  return `${JSON.stringify({
    time: new Date(row.time).toISOString(),
    route: row.route,
    modelVersion: row.modelVersion,
    probability: row.probability,
    decision: row.decision,
    requestId: row.requestId,
    threshold: row.threshold,
    latencyMs: row.latencyMs,
    client: row.client,
    application: row.application,
  })}\n`;
}

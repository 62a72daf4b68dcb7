// Checks of caller input done before any request, so bad input fails with a clear message and writes nothing.
import { MlflowError } from './errors';

/** Sizes MLflow's server enforces (mlflow/utils/validation.py); checked here so a batch fails before any write. */
export const VALUE_LIMITS = { key: 250, paramValue: 6000, tagValue: 8000 } as const;

export function requireText(what: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new MlflowError(`${what} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
}

export function requireMaxLength(what: string, value: string, max: number): void {
  if (value.length > max) throw new MlflowError(`${what} is ${value.length} characters; MLflow accepts at most ${max}`);
}

export function requireKey(kind: string, key: unknown): void {
  requireText(`${kind} key`, key);
  requireMaxLength(`${kind} key '${String(key).slice(0, 40)}...'`, String(key), VALUE_LIMITS.key);
}

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

/**
 * Why MLflow's registry would refuse this registered model name (mlflow/utils/validation.py _validate_model_name),
 * or undefined: checked before a study starts, not after its training.
 */
export function registeredModelNameProblem(name: string): string | undefined {
  if (name.trim() === '') return 'must not be empty';
  if (/[/:]/.test(name)) return `cannot contain '/' or ':', got '${name}'`;
  return undefined;
}

/** Why MLflow would refuse this alias for a new version (_validate_model_alias_name and its reserved names). */
export function modelAliasProblem(alias: string): string | undefined {
  if (!/^[\w-]+$/.test(alias)) return `must be letters, digits, '-' or '_', got '${alias}'`;
  if (alias.length > 255) return `is longer than MLflow's 255 characters`;
  if (alias.toLowerCase() === 'latest') return "cannot be 'latest', which MLflow reserves";
  if (/^v\d+$/i.test(alias)) return `cannot be '${alias}': MLflow reserves v<N> for version N`;
  return undefined;
}

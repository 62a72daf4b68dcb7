/**
 * The exit-status contract of every trainer command:
 *   0  done (no drift, model trained, files written)
 *   1  the command's own verdict, returned by the command (drift: dataset drift detected)
 *   2  bad input or environment: a wrong flag, unreadable or malformed data, a path that cannot be written
 *      (full disk, read-only, not a directory), MLflow unreachable or refusing the request
 *   3  an internal error (a bug): nothing a user can fix by changing the input; DEBUG=1 prints the stack
 *   4  done and written (drift / monitor reports), but not logged to MLflow (unreachable or refusing, --mlflow):
 *      unlike 2, the files exist; 5 is the same with the command's verdict (drift found). 4 + verdict, so a
 *      scheduler sees both the verdict and that the MLflow copy is missing.
 * Thrown errors never map to 1 or 5, so a script can trust `drift`'s 1 (and 5) to mean drift.
 */
export const EXIT_OK = 0;
export const EXIT_VERDICT = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_INTERNAL = 3;
export const EXIT_NOT_LOGGED = 4;
export const EXIT_VERDICT_NOT_LOGGED = 5;

// Matched by name along the prototype chain, so main.ts need not load every library (polars, LightGBM) to classify.
const INPUT_ERRORS = new Set([
  'UsageError',
  'DataError',
  'FeatureError',
  'DriftInputError',
  'MlflowError',
  'MlflowConnectionError',
  'LightGBMError',
  'ModelLoadError',
  'WorkerError',
]);

// Node's file-system and network failures: the environment, not the program.
const ENVIRONMENT_CODES = new Set([
  'ENOENT',
  'EACCES',
  'EPERM',
  'ENOSPC',
  'EDQUOT',
  'EROFS',
  'ENOTDIR',
  'EISDIR',
  'EEXIST',
  'ENOTEMPTY',
  'EMFILE',
  'ENFILE',
  'EIO',
  'EBUSY',
  'ENAMETOOLONG',
  'ELOOP',
  'EXDEV',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EADDRINUSE',
  'EADDRNOTAVAIL',
]);

function classNames(err: object): string[] {
  const names: string[] = [];
  for (
    let proto = Object.getPrototypeOf(err) as object | null;
    proto;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    const ctor = (proto as { constructor?: { name?: string } }).constructor;
    if (ctor?.name) names.push(ctor.name);
  }
  return names;
}

export function isInputOrEnvironmentError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (INPUT_ERRORS.has(err.name) || classNames(err).some((n) => INPUT_ERRORS.has(n))) return true;
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' && ENVIRONMENT_CODES.has(code);
}

/** The exit status for an error that ended a command (see the contract above). */
export function exitStatusOf(err: unknown): number {
  return isInputOrEnvironmentError(err) ? EXIT_BAD_INPUT : EXIT_INTERNAL;
}

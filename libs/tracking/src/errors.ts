/** An error answered by the MLflow server (4xx/5xx) or raised by this client for bad input. */
export class MlflowError extends Error {
  /** MLflow's `error_code`, e.g. RESOURCE_DOES_NOT_EXIST, INVALID_PARAMETER_VALUE. */
  readonly errorCode?: string;
  /** HTTP status of the answer, when there was one. */
  readonly status?: number;

  constructor(message: string, opts: { errorCode?: string; status?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'MlflowError';
    this.errorCode = opts.errorCode;
    this.status = opts.status;
  }
}

/** The server could not be reached (refused, reset, timed out) even after the retries. */
export class MlflowConnectionError extends MlflowError {
  constructor(message: string, cause: unknown) {
    super(message, { errorCode: 'CONNECTION_FAILED', cause });
    this.name = 'MlflowConnectionError';
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof MlflowError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST';
}

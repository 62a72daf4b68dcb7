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

/**
 * The experiment of that name is deleted (in MLflow's trash): it keeps its name, and MLflow refuses its runs and tags
 * with a bare "must be in the 'active' state". Said in words, with the two ways out.
 */
export class ExperimentDeletedError extends MlflowError {
  constructor(
    readonly experimentId: string,
    experimentName: string,
  ) {
    super(
      `MLflow experiment '${experimentName}' is deleted (id ${experimentId}): restore it with ` +
        `\`mlflow experiments restore --experiment-id ${experimentId}\`, or choose another experiment name`,
      { errorCode: 'EXPERIMENT_DELETED' },
    );
    this.name = 'ExperimentDeletedError';
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof MlflowError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST';
}

import { MlflowError } from '@credit-scoring/tracking';
import { EXIT_NOT_LOGGED, EXIT_VERDICT_NOT_LOGGED } from '../exit-status';

export interface WrittenResult {
  /** The file the command wrote, e.g. reports/drift/report.json. */
  file: string;
  /** The command's verdict: true when it found what it looks for (drift, an alert). */
  verdict: boolean;
  /** The verdict in words, e.g. "dataset drift detected". */
  summary: string;
}

/**
 * MLflow failed (down, refusing) after the command wrote its files: one line saying where they are and where they are
 * not, and status 4 or 5 (exit-status.ts), so a scheduler tells "written, not logged" from bad input (2, nothing
 * written) without losing the verdict. Anything other than an MLflow failure is a bug and is thrown again.
 */
export function notLoggedToMlflow(
  command: string,
  written: WrittenResult,
  trackingUri: string,
  error: unknown,
): number {
  if (!(error instanceof MlflowError)) throw error;
  // The client's messages start with "MLflow server at <uri>" when it could not reach it; the line names it once.
  const reason = error.message.split('\n')[0].replace(`MLflow server at ${trackingUri} `, 'the server ');
  process.stderr.write(
    `trainer ${command}: ${written.file} written (${written.summary}) but not logged to MLflow at ${trackingUri}: ` +
      `${reason}\n`,
  );
  return written.verdict ? EXIT_VERDICT_NOT_LOGGED : EXIT_NOT_LOGGED;
}

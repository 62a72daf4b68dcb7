// Registration and promotion of the champion: the LAST step of `trainer run`, after everything else that can fail
// (the bundle, the report). The version is created first because those steps name it; if any of them or the alias
// fails, every version this run created is deleted again and the alias is put back, so a failed run leaves the
// registry as it found it. When MLflow is gone for good, stderr names what is left and the command that removes it.
import { MlflowError, recordRegisteredVersion, resolveRunModel, type MlflowClient } from '@credit-scoring/tracking';

export interface Candidate {
  /** The run that logged the model (its logged model `model`, or a `model/` artifact of an older run). */
  runId: string;
  /** The pipeline's parent run, tagged with the version too. */
  parentRunId?: string;
  name: string;
  alias: string;
}

/** Bounded backoff for the clean-up: `attempts` tries, waiting firstDelayMs, then twice that, and so on. */
export interface CleanupRetry {
  attempts: number;
  firstDelayMs: number;
}
export const DEFAULT_CLEANUP_RETRY: CleanupRetry = { attempts: 6, firstDelayMs: 1000 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Creates the model version, runs `beforePromotion(version)` (bundle export, report), then points the alias at it.
 * Returns the version. On any failure the created version is removed (see above) and the error is rethrown.
 */
export async function registerChampion(
  client: MlflowClient,
  candidate: Candidate,
  beforePromotion: (version: string) => Promise<void> = async () => undefined,
  opts: { cleanupRetry?: CleanupRetry } = {},
): Promise<string> {
  const { name, alias, runId } = candidate;
  const existing = await client.getRegisteredModel(name);
  if (!existing) await client.getOrCreateRegisteredModel(name);
  const previous = existing?.aliases[alias];
  // MLflow 3: the version's source is the run's logged model (models:/<model_id>), as Python's registration does.
  const { source, modelId } = await resolveRunModel(client, runId);
  try {
    const created = await client.createModelVersion({ name, source, runId, modelId });
    await client.waitForModelVersion(name, created.version);
    await recordRegisteredVersion(client, runId, name, created.version, modelId);
    await beforePromotion(created.version);
    const tags = { 'credit.registered_model': `${name}@${alias}`, 'credit.registered_version': created.version };
    await client.setTags(runId, tags);
    if (candidate.parentRunId) await client.setTags(candidate.parentRunId, tags);
    await client.setRegisteredModelAlias(name, alias, created.version);
    return created.version;
  } catch (err) {
    await discardCandidate(client, candidate, previous, opts.cleanupRetry ?? DEFAULT_CLEANUP_RETRY, !existing);
    throw err;
  }
}

/**
 * Deletes every version of `name` that came from the candidate's run (found by run id, so a version whose create
 * answer was lost is found too), and the registered model itself when this run created it, and puts the alias back
 * on `previous` if it no longer points there. Retries with a bounded backoff; never throws, but says on stderr what
 * it could not undo.
 */
async function discardCandidate(
  client: MlflowClient,
  candidate: Candidate,
  previous: string | undefined,
  retry: CleanupRetry,
  createdModel: boolean,
): Promise<void> {
  const { name, alias, runId } = candidate;
  let lastError: unknown;
  let seen: string[] = [];
  for (let attempt = 0; attempt < Math.max(1, retry.attempts); attempt++) {
    if (attempt > 0) await sleep(retry.firstDelayMs * 2 ** (attempt - 1));
    try {
      const versions = await client.searchModelVersions(`name='${name}' and run_id='${runId}'`);
      seen = versions.map((v) => v.version);
      for (const v of seen) await client.deleteModelVersion(name, v);
      if (previous !== undefined) await restoreAlias(client, name, alias, previous);
      if (seen.length > 0) process.stderr.write(`  registration undone: ${name} version ${seen.join(', ')} deleted\n`);
      // A registered model this run created goes too, unless someone else's version arrived meanwhile.
      if (createdModel && (await client.searchModelVersions(`name='${name}'`)).length === 0) {
        await client.deleteRegisteredModel(name);
        process.stderr.write(`  registration undone: registered model ${name} (created by this run) deleted\n`);
      }
      return;
    } catch (err) {
      lastError = err;
    }
  }
  const uri = client.trackingUri;
  const json = "-H 'Content-Type: application/json'";
  const lines = [
    `trainer: could not undo the registration (${(lastError as Error)?.message ?? String(lastError)}).`,
    `  Versions of ${name} from run ${runId} may be left${seen.length ? ` (seen: ${seen.join(', ')})` : ''};`,
    '  list them with:',
    `  curl -G ${uri}/api/2.0/mlflow/model-versions/search ` +
      `--data-urlencode "filter=name='${name}' and run_id='${runId}'"`,
    '  and delete each with:',
    `  curl -X DELETE ${uri}/api/2.0/mlflow/model-versions/delete ${json} -d '{"name":"${name}","version":"<N>"}'`,
  ];
  if (previous !== undefined) {
    lines.push(
      `  then check that @${alias} still points at version ${previous}:`,
      `  curl -X POST ${uri}/api/2.0/mlflow/registered-models/alias ${json} ` +
        `-d '{"name":"${name}","alias":"${alias}","version":"${previous}"}'`,
    );
  }
  process.stderr.write(`${lines.join('\n')}\n`);
}

/** Deleting our version took the alias with it if it had moved there: put it back, never undo someone else's move. */
async function restoreAlias(client: MlflowClient, name: string, alias: string, previous: string): Promise<void> {
  try {
    await client.getModelVersionByAlias(name, alias);
    return; // still set: on the previous version or on one that someone else promoted meanwhile
  } catch (err) {
    if (!(err instanceof MlflowError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST')) throw err;
  }
  await client.setRegisteredModelAlias(name, alias, previous);
}

import {
  checkReplaceableDirectory,
  DEFAULT_BUNDLE_DIR,
  DEFAULT_MODEL_ALIAS,
  DEFAULT_MODEL_NAME,
  downloadModel,
  MlflowClient,
  replaceDirectory,
  writeIdentity,
  type LoadedModelPackage,
} from '@credit-scoring/tracking';
import { startLocalServer } from '@credit-scoring/tracking/server';
import { parseFlags, UsageError } from '../cli-args';
import { fsReason, outputError, plannedOutputFolder } from '../path-flags';

const HELP = `Usage: trainer export [--name NAME] [--alias ALIAS | --version N] [--out DIR] [--tracking-uri URI]

Downloads a registered model (MLflow lightgbm-flavour directory plus our feature pipeline, threshold, cost and
metrics) into a bundle folder. The API serves such a folder without MLflow: MODEL_BUNDLE_DIR=DIR npm run serve.
The folder is replaced only once the new bundle is complete and its checksums verified, and only if it is new,
empty or an older bundle (a folder with an MLmodel file): any other folder or file is left alone (exit 2).
  --name NAME          registered model (default ${DEFAULT_MODEL_NAME})
  --alias ALIAS        alias to export (default ${DEFAULT_MODEL_ALIAS})
  --version N          export this version instead of an alias
  --out DIR            (default ${DEFAULT_BUNDLE_DIR})
  --tracking-uri URI   (default $MLFLOW_TRACKING_URI, else a local server on mlruns/ as \`run\` starts)
`;

export async function exportCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    name: { type: 'string' },
    alias: { type: 'string' },
    version: { type: 'string' },
    out: { type: 'string' },
    'tracking-uri': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.version !== undefined && values.alias !== undefined) {
    throw new UsageError('--alias and --version exclude each other: name one version either way');
  }
  if (values.version !== undefined && !/^[1-9][0-9]*$/.test(values.version)) {
    throw new UsageError(`--version must be a positive integer, got '${values.version}'`);
  }
  // Checked before the server starts or anything is downloaded; made (or replaced) only by the export.
  const out = bundleFolder('--out', values.out ?? DEFAULT_BUNDLE_DIR);
  // Like `run`: without a tracking URI, the local server on mlruns/, where `npm start` registered its models.
  const given = values['tracking-uri'] || process.env.MLFLOW_TRACKING_URI;
  const server = given ? undefined : await startLocalServer();
  const trackingUri = given || (server?.uri ?? '');
  try {
    const name = values.name ?? DEFAULT_MODEL_NAME;
    const ref = values.version ?? values.alias ?? DEFAULT_MODEL_ALIAS;
    const model = await exportBundle(
      new MlflowClient({ trackingUri }),
      name,
      values.version ? { version: values.version } : { alias: ref },
      out,
      '--out',
    );
    process.stdout.write(`Exported ${name} version ${model.version} (${ref}) to ${out}\n`);
    return 0;
  } finally {
    await server?.stop();
  }
}

/**
 * The bundle folder a flag names (`export --out`, `run --bundle-out`), checked before anything is downloaded and
 * nothing created: a new folder whose closest existing parent takes new entries (not /proc, where Node's recursive
 * mkdir never returns), an empty one, or an older bundle (checkReplaceableDirectory). Its absolute path.
 */
export function bundleFolder(flag: string, value: string): string {
  const dir = plannedOutputFolder(flag, value);
  try {
    checkReplaceableDirectory(dir);
  } catch (error) {
    // Its own refusals are sentences; a folder it cannot list is Node's error, said in words.
    const syscall = (error as NodeJS.ErrnoException).syscall;
    throw new UsageError(`${flag}: ${syscall ? `${dir}: ${fsReason(error)}` : (error as Error).message}`);
  }
  return dir;
}

/**
 * Downloads a registered version and adds registered_model.json, the identity (name, version, alias) the API shows
 * for a bundle. The download goes to a temporary sibling of `out`, is read back and checked, and only then replaces
 * `out`: a failed download or a full disk leaves the previous bundle as it was, and a file-system failure is one line
 * naming `flag` and `out` in words. Used by `export` and `run`.
 */
export async function exportBundle(
  client: MlflowClient,
  name: string,
  ref: { version: string; alias?: string } | { alias: string },
  out: string,
  flag: string,
): Promise<LoadedModelPackage> {
  let model: LoadedModelPackage | undefined;
  try {
    await replaceDirectory(out, async (temp) => {
      // A version by number may still carry its alias: `trainer run` exports the new champion before it moves @alias.
      model = await downloadModel(client, name, 'version' in ref ? ref.version : ref.alias, temp);
      await writeIdentity(temp, { name, version: model.version, alias: ref.alias ?? null });
    });
  } catch (error) {
    throw outputError(flag, out, error);
  }
  return { ...(model as LoadedModelPackage), dir: out };
}

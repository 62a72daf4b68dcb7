import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { downloadModel, MlflowClient, type LoadedModelPackage } from '@credit-scoring/tracking';
import { parseFlags, UsageError } from '../cli-args';

const HELP = `Usage: trainer export [--name NAME] [--alias ALIAS | --version N] [--out DIR] [--tracking-uri URI]

Downloads a registered model (MLflow lightgbm-flavour directory plus our feature pipeline, threshold, cost and
metrics) into a bundle folder. The API serves such a folder without MLflow: MODEL_BUNDLE_DIR=DIR npm run serve.
  --name NAME          registered model (default credit-scoring)
  --alias ALIAS        alias to export (default champion)
  --version N          export this version instead of an alias
  --out DIR            (default dist/model-bundle)
  --tracking-uri URI   (default $MLFLOW_TRACKING_URI)
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
  const trackingUri = values['tracking-uri'] ?? process.env.MLFLOW_TRACKING_URI;
  if (!trackingUri) throw new UsageError('no MLflow server: pass --tracking-uri or set MLFLOW_TRACKING_URI');
  if (values.version !== undefined && !/^[1-9][0-9]*$/.test(values.version)) throw new UsageError(`--version must be a positive integer, got '${values.version}'`);
  const name = values.name ?? 'credit-scoring';
  const ref = values.version ?? values.alias ?? 'champion';
  const out = resolve(values.out ?? 'dist/model-bundle');
  const model = await exportBundle(new MlflowClient({ trackingUri }), name, values.version ?? { alias: ref }, out);
  process.stdout.write(`Exported ${name} version ${model.version} (${ref}) to ${out}\n`);
  return 0;
}

/**
 * Downloads a registered version into `out` and adds registered_model.json, the identity (name, version, alias)
 * the API shows for a bundle. Used by `trainer export` and at the end of `trainer run`.
 */
export async function exportBundle(client: MlflowClient, name: string, ref: string | { alias: string }, out: string): Promise<LoadedModelPackage> {
  const model = await downloadModel(client, name, typeof ref === 'string' ? ref : ref.alias, out);
  const identity = { name, version: model.version, alias: typeof ref === 'string' ? null : ref.alias };
  writeFileSync(join(out, 'registered_model.json'), `${JSON.stringify(identity, null, 2)}\n`);
  return model;
}

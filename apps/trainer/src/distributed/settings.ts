import { toInt, UsageError } from '../cli-args';
import type { DistributedSettings } from './coordinator';
import { parseAddress } from './messages';

const FLAGS = ['--workers', '--connect-timeout', '--step-timeout'];

/** `trainer run` flags of the search, the comparison and the registry, which the distributed run does not have. */
const SINGLE_PROCESS_FLAGS = [
  '--models',
  '--folds',
  '--budget',
  '--search-rows',
  '--parallel-models',
  '--prune',
  '--final-fits',
  '--model-name',
  '--alias',
  '--bundle-out',
  '--no-bundle',
  '--report',
];

/**
 * Takes the distributed flags out of `trainer run`'s arguments (the rest goes to the usual run config):
 * settings when --workers is given, else null.
 */
export function takeDistributedFlags(argv: string[]): { settings: DistributedSettings | null; rest: string[] } {
  const found: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (!FLAGS.includes(flag)) {
      rest.push(argv[i]);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    found[flag] = value;
  }
  if (found['--workers'] === undefined) {
    const stray = Object.keys(found)[0];
    if (stray) throw new UsageError(`${stray} only applies with --workers`);
    return { settings: null, rest };
  }
  // The distributed run trains one LightGBM model with fixed parameters and registers nothing: these flags would be
  // ignored without a word.
  const unused = rest.map((arg) => arg.split('=', 1)[0]).find((flag) => SINGLE_PROCESS_FLAGS.includes(flag));
  if (unused)
    throw new UsageError(`${unused} does not apply with --workers (one LightGBM model: no search, CV or registry)`);
  const workers = found['--workers']
    .split(',')
    .map((w) => w.trim())
    .filter(Boolean)
    .map((w, i) => {
      try {
        return parseAddress(w, `--workers entry ${i + 1}`);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    });
  if (workers.length === 0) throw new UsageError('--workers needs at least one host:port');
  const keys = workers.map((w) => `${w.host}:${w.port}`);
  const twice = keys.find((k, i) => keys.indexOf(k) !== i);
  if (twice) throw new UsageError(`--workers lists ${twice} twice`);
  return {
    settings: {
      workers,
      connectTimeoutSeconds: toInt('connect-timeout', found['--connect-timeout'], 1, 3600) ?? 60,
      stepTimeoutSeconds: toInt('step-timeout', found['--step-timeout'], 1, 86_400) ?? 300,
    },
    rest,
  };
}

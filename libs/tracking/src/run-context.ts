// The tags MLflow's Python client puts on every run and logged model from its context (mlflow/tracking/context/):
// who ran it, what ran, and the git commit of the code, so the UI's User / Source / Version columns are filled.
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';

export interface RunContextOptions {
  /** What ran, as the Source column shows it (Python: the script's path), e.g. `apps/trainer run`. */
  sourceName: string;
  /** Where to read the git commit from (default: the working directory). */
  cwd?: string;
}

/** mlflow.user, mlflow.source.name/type and, inside a git checkout, mlflow.source.git.commit (+ repoURL). */
export function runContextTags(opts: RunContextOptions): Record<string, string> {
  const tags: Record<string, string> = {
    'mlflow.user': currentUser(),
    'mlflow.source.name': opts.sourceName,
    'mlflow.source.type': 'LOCAL',
  };
  const commit = git(['rev-parse', 'HEAD'], opts.cwd);
  if (commit && /^[0-9a-f]{40}$/.test(commit)) tags['mlflow.source.git.commit'] = commit;
  const remote = git(['remote', 'get-url', 'origin'], opts.cwd);
  // Python sets both names for the repository URL (the second is the older one the UI still reads).
  if (remote) Object.assign(tags, { 'mlflow.source.git.repoURL': remote, 'mlflow.gitRepoURL': remote });
  return tags;
}

function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown'; // no passwd entry (some containers)
  }
}

/** One git answer, or undefined outside a checkout or without git: the tags are then simply absent, as in Python. */
function git(args: string[], cwd?: string): string | undefined {
  try {
    const out = execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    return out.toString('utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

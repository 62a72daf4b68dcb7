// Artifact paths below a run's root and their URLs on MLflow's artifact proxy (--serve-artifacts).
import { MlflowError } from './errors';

export function joinArtifactPath(dir: string, name: string): string {
  return [dir, name]
    .filter((s) => s.length > 0)
    .join('/')
    .replace(/\/{2,}/g, '/')
    .replace(/\/$/, '');
}

/** Path below the proxy root for an artifact URI plus a relative path; rejects anything that escapes it. */
export function proxyRelative(root: string, artifactPath: string): string {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(root);
  if (!m) {
    throw new MlflowError(
      `artifact URI '${root}' is not served by the MLflow artifact proxy; ` +
        'start the server with --serve-artifacts and --artifacts-destination (tools/mlflow/start.sh does)',
    );
  }
  const parts = artifactPath.split('/').filter((s) => s.length > 0);
  if (artifactPath.startsWith('/') || parts.some((p) => p === '..' || p === '.')) {
    throw new MlflowError(`artifact path '${artifactPath}' must be relative without '.' or '..' segments`);
  }
  return [m[1].replace(/\/+$/, ''), ...parts].filter((s) => s.length > 0).join('/');
}

/** The REST path that reads or writes one artifact through the proxy. */
export function proxyUrlPath(root: string, artifactPath: string): string {
  const rel = proxyRelative(root, artifactPath);
  return '/api/2.0/mlflow-artifacts/artifacts/' + rel.split('/').map(encodeURIComponent).join('/');
}

/** The REST path that lists a directory through the proxy. */
export const PROXY_LIST_PATH = '/api/2.0/mlflow-artifacts/artifacts';

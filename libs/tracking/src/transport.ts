// The HTTP layer under every MLflow call (the role of MLflow's rest_utils): base URI, credentials, per-attempt
// deadline, retries with exponential backoff, and MLflow's error answers turned into MlflowError. It knows nothing
// about runs or models; the tracking and registry clients speak through it.
import { MlflowConnectionError, MlflowError } from './errors';
import { patientTimeout } from './patient-timeout';
import type { Wire } from './wire';

export interface TransportOptions {
  /** e.g. http://127.0.0.1:5000 (no trailing /api). */
  trackingUri: string;
  /** Extra attempts after a connection error, timeout, 429 or 5xx (default 3). */
  retries?: number;
  /** Per-attempt time limit in ms (default 30 000), so a hung server gives an error instead of a hang. */
  timeoutMs?: number;
  /** First backoff delay in ms, doubled each retry (default 200). */
  backoffMs?: number;
  /**
   * Credentials for a secured server, as Python's client reads them: a bearer token (default
   * $MLFLOW_TRACKING_TOKEN) or basic auth (default $MLFLOW_TRACKING_USERNAME / $MLFLOW_TRACKING_PASSWORD).
   */
  token?: string;
  username?: string;
  password?: string;
}

export type Query = Record<string, string | number | undefined>;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class RestTransport {
  readonly trackingUri: string;
  private readonly retries: number;
  private readonly timeoutMs: number;
  private readonly backoffMs: number;
  private readonly authorization?: string;

  constructor(opts: TransportOptions) {
    // user:password in the URI (http://ann:pw@host, as Python's client takes it) become basic auth: fetch refuses a
    // URL with credentials, and the URI without them is the one every message may show.
    const { uri, username, password } = splitCredentials(checkedTrackingUri(opts.trackingUri));
    this.trackingUri = uri;
    this.retries = opts.retries ?? 3;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.backoffMs = opts.backoffMs ?? 200;
    this.authorization = authorizationHeader({
      ...opts,
      username: opts.username ?? username,
      password: opts.password ?? password,
    });
  }

  async get(apiPath: string, query: Query): Promise<Wire> {
    return (await this.send('GET', apiPath, { query })) as Wire;
  }

  async post(apiPath: string, body: Wire): Promise<Wire> {
    return (await this.send('POST', apiPath, { body })) as Wire;
  }

  async patch(apiPath: string, body: Wire): Promise<Wire> {
    return (await this.send('PATCH', apiPath, { body })) as Wire;
  }

  async delete(apiPath: string, body: Wire): Promise<Wire> {
    return (await this.send('DELETE', apiPath, { body })) as Wire;
  }

  async putBytes(apiPath: string, body: Buffer): Promise<void> {
    await this.send('PUT', apiPath, { raw: body });
  }

  async getBytes(apiPath: string): Promise<Buffer> {
    return (await this.send('GET', apiPath, { bytes: true })) as Buffer;
  }

  /**
   * One REST call with retries: connection errors, timeouts, 429 and 5xx are retried with exponential
   * backoff; other 4xx answers throw MlflowError carrying MLflow's error_code at once.
   */
  private async send(
    method: string,
    apiPath: string,
    opts: { query?: Query; body?: Wire; raw?: Buffer; bytes?: boolean },
  ): Promise<Wire | Buffer> {
    const url = new URL(this.trackingUri + apiPath);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = this.authorization ? { Authorization: this.authorization } : {};
    const init: RequestInit = { method, headers };
    if (opts.body !== undefined) {
      init.body = JSON.stringify(opts.body);
      headers['Content-Type'] = 'application/json';
    } else if (opts.raw !== undefined) {
      init.body = opts.raw;
      headers['Content-Type'] = 'application/octet-stream';
    }
    const what = `${method} ${apiPath}`;
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) await sleep(Math.min(this.backoffMs * 2 ** (attempt - 1), 10_000));
      const outcome = await this.attempt(url, init, what);
      if ('body' in outcome) return opts.bytes ? outcome.body : parseJson(outcome.body, what);
      lastError = outcome.error;
    }
    if (lastError instanceof MlflowError) throw lastError;
    throw new MlflowConnectionError(
      `MLflow server at ${this.trackingUri} is not reachable (${what}, ${this.retries + 1} attempts): ` +
        describe(lastError, this.timeoutMs),
      lastError,
    );
  }

  /** One try: the body of a 2xx, or what failed when a retry may help; a 4xx (but 429) is thrown. */
  private async attempt(url: URL, init: RequestInit, what: string): Promise<{ body: Buffer } | { error: unknown }> {
    const timeout = patientTimeout(this.timeoutMs);
    try {
      let res: Response;
      try {
        res = await fetch(url, { ...init, signal: timeout.signal });
        if (res.ok) return { body: Buffer.from(await res.arrayBuffer()) }; // read within the same time limit
      } catch (error) {
        return { error }; // refused, reset, DNS, or the time-out
      }
      // Retrying a POST after a 5xx may repeat it (as MLflow's Python client does); the server's own
      // validation (unique names, immutable params) then answers with a 4xx that callers already handle.
      const failure = await errorFromResponse(res, what);
      if (res.status < 500 && res.status !== 429) throw failure;
      return { error: failure };
    } finally {
      timeout.cancel();
    }
  }
}

function checkedTrackingUri(uri: string): string {
  let url: URL | undefined;
  try {
    url = new URL(uri);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new MlflowError(`trackingUri must be an http(s) URL, got '${uri}'`);
  }
  return uri.replace(/\/+$/, '');
}

/** The URI without `user:password@`, and those credentials (decoded). */
export function splitCredentials(uri: string): { uri: string; username?: string; password?: string } {
  const url = new URL(uri);
  if (!url.username && !url.password) return { uri };
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  return { uri: url.toString().replace(/\/+$/, ''), username, password };
}

/** The Authorization header for the configured credentials, if any (token wins over basic auth). */
export function authorizationHeader(
  opts: Pick<TransportOptions, 'token' | 'username' | 'password'>,
  env = process.env,
): string | undefined {
  const token = opts.token ?? env.MLFLOW_TRACKING_TOKEN;
  if (token) return `Bearer ${token}`;
  const username = opts.username ?? env.MLFLOW_TRACKING_USERNAME;
  const password = opts.password ?? env.MLFLOW_TRACKING_PASSWORD;
  if (username && password) return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  return undefined;
}

function parseJson(body: Buffer, what: string): Wire {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8')) as Wire;
  } catch {
    throw new MlflowError(`${what} answered with something that is not JSON: ${body.toString('utf8').slice(0, 200)}`);
  }
}

async function errorFromResponse(res: Response, what: string): Promise<MlflowError> {
  const text = await res.text().catch(() => '');
  let code: string | undefined;
  let message = text.slice(0, 500) || res.statusText;
  try {
    const j = JSON.parse(text) as { error_code?: string; message?: string };
    code = j.error_code;
    message = j.message ?? message;
  } catch {
    /* not JSON: keep the raw text */
  }
  return new MlflowError(`${what} failed (HTTP ${res.status}${code ? ' ' + code : ''}): ${message}`, {
    errorCode: code,
    status: res.status,
  });
}

function describe(err: unknown, timeoutMs: number): string {
  // Duck-typed: fetch's errors come from Node's own realm, so `instanceof Error` can fail (e.g. under Jest).
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  if (e?.cause?.code) return `${e.cause.code}${e.cause.message ? ` (${e.cause.message})` : ''}`;
  return e?.message ?? String(err);
}

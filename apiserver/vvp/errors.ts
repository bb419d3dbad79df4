/**
 * Why a platform call failed:
 * - `unreachable`: no answer could be had (connection refused or reset, DNS, TLS handshake or certificate).
 * - `timeout`: the platform did not answer completely within the request timeout.
 * - `aborted`: the caller's AbortSignal fired.
 * - `http`: the platform answered with a status other than 2xx; `status` and the platform's own `message` are set.
 * - `protocol`: the platform answered 2xx with a body that is not the JSON expected.
 */
export type VvpErrorKind = 'unreachable' | 'timeout' | 'aborted' | 'http' | 'protocol';

export interface VvpErrorInit {
  kind: VvpErrorKind;
  /**
   * The cause in its own words, without prefixes, ready to quote: for `http` the platform's message (or its status
   * line when it gave none), for `unreachable` Node's network error (`connect ECONNREFUSED 10.0.0.5:8080`).
   */
  message: string;
  method: string;
  /** The path template, e.g. `/api/v1/namespaces/{ns}/deployments/{name}`. */
  route: string;
  status?: number;
  retryAfterSeconds?: number;
  /** The parsed JSON error body, when there was one. */
  body?: unknown;
  /** The platform does not offer this call (e.g. event creation on VVP 2). */
  unsupported?: boolean;
  cause?: unknown;
}

export class VvpError extends Error {
  readonly kind: VvpErrorKind;
  readonly method: string;
  readonly route: string;
  /** The HTTP status; set only for `kind: 'http'`. */
  readonly status: number | undefined;
  /** From the platform's `Retry-After` header, in whole seconds (an HTTP date is converted). */
  readonly retryAfterSeconds: number | undefined;
  readonly body: unknown;
  readonly unsupported: boolean;
  /** On a 401: whose token the platform refused, as the caller named it (CallOptions.tokenName); unset: the client's own. */
  tokenName: string | undefined;

  constructor(init: VvpErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'VvpError';
    this.kind = init.kind;
    this.method = init.method;
    this.route = init.route;
    this.status = init.status;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.body = init.body;
    this.unsupported = init.unsupported ?? false;
  }
}

export function isVvpError(err: unknown): err is VvpError {
  return err instanceof VvpError;
}

/** True when `err` is the platform answering with `status` (any of them, if several are given). */
export function isVvpHttpError(err: unknown, ...status: number[]): err is VvpError & { kind: 'http'; status: number } {
  return err instanceof VvpError && err.kind === 'http' && (status.length === 0 || status.includes(err.status ?? 0));
}

/**
 * A call the platform does not have (404, 405, or 501 behind some gateways) as a VvpError marked `unsupported`;
 * any other error as it is.
 */
export function asUnsupportedCall(err: unknown): unknown {
  if (!isVvpHttpError(err, 404, 405, 501)) return err;
  const { message, method, route, status, retryAfterSeconds, body } = err;
  return new VvpError({ kind: 'http', message, method, route, status, retryAfterSeconds, body, unsupported: true, cause: err });
}

const MAX_MESSAGE_LENGTH = 1024;

/**
 * The platform's own words from an error body. VVP answers JSON with `message` (sometimes wrapped with `reason`
 * and `context.exceptionMessage`); gateways and other versions use `error`, `errorMessage` or `errors[]`; the
 * authentication filter answers plain text such as `Unauthorized`.
 */
export function platformMessage(text: string, json: unknown): string | undefined {
  if (json !== undefined) {
    const found = messageIn(json);
    if (found) return clip(found);
  }
  const trimmed = text.trim();
  if (trimmed === '' || json !== undefined) return undefined;
  return clip(trimmed);
}

function messageIn(json: unknown): string | undefined {
  if (typeof json === 'string') return json.trim() || undefined;
  if (json === null || typeof json !== 'object') return undefined;
  const o = json as Record<string, unknown>;
  for (const key of ['message', 'errorMessage', 'error_description', 'detail', 'title']) {
    const v = o[key];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
  }
  if (o.error !== undefined) {
    const nested = messageIn(o.error);
    if (nested) return nested;
  }
  if (Array.isArray(o.errors) && o.errors.length > 0) {
    const nested = messageIn(o.errors[0]);
    if (nested) return nested;
  }
  const context = o.context as Record<string, unknown> | undefined;
  if (context && typeof context.exceptionMessage === 'string') return context.exceptionMessage;
  if (typeof o.reason === 'string' && o.reason.trim() !== '') return o.reason.trim();
  return undefined;
}

function clip(s: string): string {
  return s.length > MAX_MESSAGE_LENGTH ? `${s.slice(0, MAX_MESSAGE_LENGTH)}…` : s;
}

/** `Retry-After` as delay-seconds or an HTTP date; undefined if absent or unparseable. */
export function parseRetryAfter(header: string | undefined, now = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** A network error as one line, with Node's error code (ECONNREFUSED, ENOTFOUND, …) leading. */
export function describeNetworkError(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  const code = e?.code;
  const detail = e?.message ?? String(err);
  return code && !detail.includes(code) ? `${code}: ${detail}` : detail;
}

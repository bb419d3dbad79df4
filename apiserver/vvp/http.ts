// The HTTP transport under the client: keep-alive connections, deadlines, bounded answer bodies, and a record of every
// call for the logs and the bench. Kept apart from client.ts so that what a call means and how it travels change alone.

import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { VvpError, describeNetworkError, parseRetryAfter, platformMessage, type VvpErrorKind } from './errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One platform call as the server's metrics see it. `status` is 0 when no response came back. */
export interface CallRecord {
  route: string;
  method: HttpMethod;
  status: number;
  durationMs: number;
  /** Bytes of the response body received. */
  bytes: number;
  /** Set when the call failed; `http` for any answer ≥ 300. */
  error?: VvpErrorKind;
}

/** The subset of a pino logger the client uses. */
export interface VvpLogger {
  debug(obj: object, msg?: string): void;
}

export interface TransportOptions {
  baseUrl: string;
  timeoutMs: number;
  /** PEM CA bundle(s) to trust for an https base URL, instead of Node's default roots. */
  ca?: string | Buffer | (string | Buffer)[];
  /** Connections kept per platform; further concurrent calls queue. */
  maxSockets?: number;
  logger?: VvpLogger;
  onCall?: (call: CallRecord) => void;
}

export interface HttpCall {
  method: HttpMethod;
  /** The path template, for metrics, logs and errors. */
  route: string;
  /** The concrete path with query string, relative to the base URL's path. */
  path: string;
  body?: unknown;
  token: string | undefined;
  signal: AbortSignal | undefined;
  /**
   * Reads a successful answer's body as it arrives instead of keeping it whole (list-stream.ts); its `end()` is the
   * result's `json`. A sink that throws ends the call with a protocol error.
   */
  sink?: () => BodySink;
}

export interface BodySink {
  write(chunk: Buffer): void;
  end(): unknown;
}

export interface HttpResult {
  status: number;
  /** The parsed body; undefined when the platform sent none. */
  json: unknown;
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

class Timeout extends Error {}

/** JSON over node:http(s) with a keep-alive pool, one total timeout per call, and errors as VvpError. */
export class Transport {
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly hostname: string;
  private readonly port: number;
  private readonly basePath: string;
  private readonly timeoutMs: number;
  private readonly logger: VvpLogger | undefined;
  private readonly onCall: ((call: CallRecord) => void) | undefined;

  constructor(options: TransportOptions) {
    const url = new URL(options.baseUrl);
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') throw new TypeError(`VVP base URL must be http or https: ${options.baseUrl}`);
    // LIFO reuses the most recently used socket, the one least likely to have been closed by the platform's idle timeout.
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64, scheduling: 'lifo' as const };
    this.agent = secure ? new https.Agent({ ...agentOptions, ca: options.ca }) : new http.Agent(agentOptions);
    this.request = secure ? https.request : http.request;
    this.hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = url.port ? Number(url.port) : secure ? 443 : 80;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs;
    this.logger = options.logger;
    this.onCall = options.onCall;
  }

  async call(call: HttpCall): Promise<HttpResult> {
    try {
      return await this.send(call, false);
    } catch (err) {
      // A GET may be sent again once when a pooled keep-alive socket turns out to have been closed by the platform
      // (or a proxy) just as it was reused: the request never reached the platform, and GET changes nothing anyway.
      // Writes are never repeated: a reset can also come after the platform acted (a second POST would trigger a
      // second savepoint), and only the caller can decide whether to re-read and try again.
      if (call.method === 'GET' && err instanceof StaleSocket) {
        this.logger?.debug({ route: call.route, method: call.method }, 'VVP: retrying a read after a reset of a reused connection');
        return this.send(call, true);
      }
      throw err instanceof StaleSocket ? err.error : err;
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private send(call: HttpCall, isRetry: boolean): Promise<HttpResult> {
    const started = performance.now();
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
    // A token read from a Secret file often ends with a newline, which Node would refuse as a header value.
    if (call.token) headers.authorization = `Bearer ${call.token.trim()}`;
    let payload: string | undefined;
    if (call.body !== undefined) {
      payload = JSON.stringify(call.body);
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }

    return new Promise<HttpResult>((resolve, reject) => {
      let settled = false;
      let timedOut = false;
      let responded = false;

      let bytes = 0;
      const finish = (status: number, error: VvpError | StaleSocket | undefined, result?: HttpResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        call.signal?.removeEventListener('abort', onAbort);
        const vvpError = error instanceof StaleSocket ? error.error : error;
        this.record(call, status, started, bytes, vvpError);
        if (error) reject(error);
        else resolve(result as HttpResult);
      };

      const req = this.request({
        agent: this.agent,
        hostname: this.hostname,
        port: this.port,
        path: this.basePath + call.path,
        method: call.method,
        headers,
      });

      const onAbort = (): void => {
        req.destroy(new Error('aborted by the caller'));
      };
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy(new Timeout());
      }, this.timeoutMs);

      const onNetworkError = (err: unknown): void => {
        if (settled) return;
        if (timedOut) {
          finish(0, this.error(call, 'timeout', `VVP did not answer ${call.method} ${call.route} within ${this.timeoutMs} ms`));
        } else if (call.signal?.aborted) {
          finish(0, this.error(call, 'aborted', `${call.method} ${call.route} was aborted`, err));
        } else {
          const error = this.error(call, 'unreachable', describeNetworkError(err), err);
          const code = (err as NodeJS.ErrnoException).code;
          const stale = !isRetry && !responded && req.reusedSocket && code !== undefined && RESET_CODES.has(code);
          finish(0, stale ? new StaleSocket(error) : error);
        }
      };

      req.on('error', onNetworkError);
      req.on('response', (res) => {
        responded = true;
        const status = res.statusCode ?? 0;
        const sink = status >= 200 && status < 300 ? call.sink?.() : undefined;
        // Decoded once at the end: a list of thousands of deployments arrives in hundreds of chunks.
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (!sink) {
            chunks.push(chunk);
            return;
          }
          try {
            sink.write(chunk);
          } catch (err) {
            finish(status, this.error(call, 'protocol', `VVP answered ${call.method} ${call.route} with a body that cannot be read: ${(err as Error).message}`));
            req.destroy();
            return;
          }
          // One chunk per turn of the event loop: libuv reads a socket up to 32 times (64 KB each) per turn, so a
          // listing that arrived while the loop was busy was parsed up to 2 MB at a time, and every other request
          // waited behind it (docs/bench.md, the flood's profile).
          res.pause();
          setImmediate(() => res.resume());
        });
        res.on('error', onNetworkError);
        res.on('close', () => {
          if (!res.complete) onNetworkError(Object.assign(new Error('connection closed before the response was complete'), { code: 'ECONNRESET' }));
        });
        res.on('end', () => {
          if (sink) {
            try {
              finish(status, undefined, { status, json: sink.end() });
            } catch (err) {
              finish(status, this.error(call, 'protocol', `VVP answered ${call.method} ${call.route} with a body that cannot be read: ${(err as Error).message}`));
            }
            return;
          }
          const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
          if (status >= 200 && status < 300) {
            if (text === '') return finish(status, undefined, { status, json: undefined });
            try {
              finish(status, undefined, { status, json: JSON.parse(text) });
            } catch {
              finish(status, this.error(call, 'protocol', `VVP answered ${call.method} ${call.route} with a body that is not JSON`));
            }
            return;
          }
          finish(status, this.httpError(call, status, text, res.headers));
        });
      });

      if (call.signal) {
        if (call.signal.aborted) onAbort();
        else call.signal.addEventListener('abort', onAbort, { once: true });
      }
      req.end(payload);
    });
  }

  private httpError(call: HttpCall, status: number, text: string, headers: http.IncomingHttpHeaders): VvpError {
    let json: unknown;
    const trimmed = text.trimStart();
    if (trimmed.startsWith('{') || trimmed.startsWith('[') || trimmed.startsWith('"')) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    const message = platformMessage(text, json) ?? `${status} ${http.STATUS_CODES[status] ?? 'Unknown status'}`;
    const retryAfter = headers['retry-after'];
    return new VvpError({
      kind: 'http',
      message,
      method: call.method,
      route: call.route,
      status,
      retryAfterSeconds: parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter),
      body: json,
    });
  }

  private error(call: HttpCall, kind: VvpErrorKind, message: string, cause?: unknown): VvpError {
    return new VvpError({ kind, message, method: call.method, route: call.route, cause });
  }

  private record(call: HttpCall, status: number, started: number, bytes: number, error: VvpError | undefined): void {
    const durationMs = performance.now() - started;
    const record: CallRecord = { route: call.route, method: call.method, status, durationMs, bytes };
    if (error) record.error = error.kind;
    try {
      this.onCall?.(record);
      this.logger?.debug(record, 'VVP call');
    } catch {
      // Metrics and logs must never turn an answered call into a hung or failed one.
    }
  }
}

/** An unreachable error on a reused socket before any response: the only failure a read is retried on. */
class StaleSocket extends Error {
  constructor(readonly error: VvpError) {
    super(error.message);
  }
}

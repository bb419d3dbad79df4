// The plumbing under every call of the VVP client: the token a call is sent with (the call's own, or the client's,
// read again once after a 401 in case it was rotated), and the shape of the answers (a JSON object, a list with its
// items, a field the Platform API wraps its answer in), a platform that answers otherwise being a protocol VvpError.
// Apart from client.ts, which holds what each call of the platform's APIs is.

import { VvpError, isVvpHttpError } from './errors.js';
import type { HttpCall, HttpMethod } from './http.js';
import type { PacedTransport } from './paced-transport.js';
import type { ResourceList } from './types.js';

/** A token that may change while the server runs (a file a Kubernetes Secret volume updates in place). */
export interface TokenSource {
  /** The token to send now (a cheap check for a change of the file is fine here). */
  current(): string | undefined;
  /** Reads it again at once, after the platform refused it (401); true when it changed. */
  reread(): boolean;
}

export interface CallOptions {
  /** Overrides the client's token for this call (each VvpDeployment may name its own API-key Secret). */
  token?: string;
  /** Whose `token` this is, for the error of a 401 (VvpError.tokenName), e.g. the Secret it was read from. */
  tokenName?: string;
  signal?: AbortSignal;
  /** Whose call this is, for the fair sharing of call slots (VvpClientOptions.flowOf when unset). */
  flow?: string;
}

export class PlatformCalls {
  constructor(private readonly transport: PacedTransport, private readonly token: TokenSource, private readonly flowOf: () => string | undefined) {}

  /**
   * With the client's own token, a 401 makes it read the token again: when it has changed (it was rotated), the call
   * is sent once more with the new one; a write refused with 401 was not carried out, so repeating it is safe.
   */
  async send(method: HttpMethod, route: string, path: string, body: unknown, opts: CallOptions | undefined, sink?: HttpCall['sink']) {
    const flow = opts?.flow ?? this.flowOf();
    if (opts?.token !== undefined) {
      try {
        return await this.transport.call({ method, route, path, body, token: opts.token, signal: opts.signal, sink, flow });
      } catch (err) {
        if (isVvpHttpError(err, 401)) err.tokenName = opts.tokenName;
        throw err;
      }
    }
    try {
      return await this.transport.call({ method, route, path, body, token: this.token.current(), signal: opts?.signal, sink, flow });
    } catch (err) {
      if (!isVvpHttpError(err, 401) || !this.token.reread()) throw err;
      return this.transport.call({ method, route, path, body, token: this.token.current(), signal: opts?.signal, sink, flow });
    }
  }

  async object<T>(method: HttpMethod, route: string, path: string, body: unknown, opts: CallOptions | undefined): Promise<T> {
    const { json } = await this.send(method, route, path, body, opts);
    return this.expectObject<T>(json, method, route);
  }

  async list<T>(route: string, path: string, opts: CallOptions | undefined): Promise<ResourceList<T>> {
    const list = await this.object<ResourceList<T>>('GET', route, path, undefined, opts);
    if (!Array.isArray(list.items)) list.items = [];
    return list;
  }

  expectObject<T>(json: unknown, method: string, route: string): T {
    if (json !== null && typeof json === 'object' && !Array.isArray(json)) return json as T;
    throw new VvpError({ kind: 'protocol', message: `VVP answered ${method} ${route} without a JSON object`, method, route });
  }

  unwrap<T>(value: T | undefined, method: string, route: string, field: string): T {
    if (value !== null && typeof value === 'object') return value;
    throw new VvpError({ kind: 'protocol', message: `VVP answered ${method} ${route} without "${field}"`, method, route });
  }
}

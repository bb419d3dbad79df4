// The onRequest hook: who is asking (authentication), what about (requestinfo), may they (authorization).
// Routes marked `config: { public: true }` (health probes) skip it.

import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requestInfo, type RequestInfo } from '../serve/requestinfo.js';
import { ReviewTimeoutError } from './review-cache.js';
import { statusErrors } from '../status.js';
import type { UserInfo } from '../types.js';
import { type UserAccess, userAccess } from './access.js';
import type { AuthenticationConfigSource } from './authentication-config.js';
import type { Authenticator } from './authenticator.js';
import { type Authorizer, forbidden } from './authorizer.js';
import { frontProxyHeaderNames } from './requestheader.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated user (with system:authenticated), set by the auth hook. */
    kubeUser?: UserInfo;
    kubeRequestInfo?: RequestInfo;
    /** The user's rights for checks beyond this request's own (create on update, a resource's extra checks). */
    kubeAccess?: UserAccess;
  }
  interface FastifyContextConfig {
    /** Served without authentication or authorization (health probes). */
    public?: boolean;
  }
}

interface PeerSource {
  socket?: unknown;
  stream?: { session?: { socket?: unknown } };
}

const chains = new WeakMap<object, X509Certificate[]>();

/** The client's certificate chain (leaf first) for HTTP/1.1 and HTTP/2 requests; cached per connection. */
export function peerCertificates(raw: PeerSource): X509Certificate[] {
  const socket = (raw.stream?.session?.socket ?? raw.socket) as TLSSocket | undefined;
  if (!socket || typeof socket.getPeerCertificate !== 'function') return [];
  const cached = chains.get(socket);
  if (cached) return cached;
  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  let current = socket.getPeerCertificate(true) as (ReturnType<TLSSocket['getPeerCertificate']> & { issuerCertificate?: unknown }) | undefined;
  while (current && current.raw && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    try {
      chain.push(new X509Certificate(current.raw));
    } catch {
      break;
    }
    current = current.issuerCertificate as typeof current;
  }
  chains.set(socket, chain);
  return chain;
}

export interface AuthHookOptions {
  authenticator: Authenticator;
  authorizer: Authorizer;
  authenticationConfig?: AuthenticationConfigSource;
}

export function authHook(options: AuthHookOptions) {
  return async function authenticateAndAuthorize(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const info = request.kubeRequestInfo ?? requestInfo(request.method, request.url, request.query as Record<string, string | string[]>);
    request.kubeRequestInfo = info;
    if (request.routeOptions.config?.public) return;

    let user: UserInfo | undefined;
    try {
      user = await options.authenticator.authenticate({
        headers: request.headers,
        rawHeaders: (request.raw as { rawHeaders?: string[] }).rawHeaders,
        peerCertificates: peerCertificates(request.raw as PeerSource),
      });
    } catch (err) {
      request.log.warn({ err: (err as Error).message }, 'authentication failed');
      throw statusErrors.unauthorized();
    }
    // Whatever authenticated the request, identity headers must not reach anything downstream.
    const config = options.authenticationConfig?.current().requestHeader;
    for (const name of frontProxyHeaderNames(config, Object.keys(request.headers))) delete request.headers[name];
    delete request.headers.authorization;
    if (!user) throw statusErrors.unauthorized();
    request.kubeUser = user;
    request.kubeAccess = userAccess(options.authorizer, user);

    let decision;
    try {
      decision = await options.authorizer.authorize({ user, info });
    } catch (err) {
      request.log.error({ err: (err as Error).message }, 'authorization failed');
      // Fail closed; a review that timed out is an outage of kube-apiserver the client may retry after.
      throw err instanceof ReviewTimeoutError ? statusErrors.serviceUnavailable('the authorization check did not answer in time; retry later') : statusErrors.internal();
    }
    if (!decision.allowed) throw forbidden({ user, info }, decision.reason);
  };
}

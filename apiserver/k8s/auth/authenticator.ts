// Authentication, delegated like k8s.io/apiserver's authenticatorfactory: front-proxy request headers, then x509
// client certificates, then bearer tokens (TokenReview); the first that recognises the request wins.

import type { X509Certificate } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { UserInfo } from '../types.js';

export interface AuthenticationRequest {
  headers: IncomingHttpHeaders;
  /**
   * Name/value pairs as received. Node joins repeated headers with ", " in `headers`, but a front proxy sends one
   * X-Remote-Group line per group (a group name may itself contain a comma), so values are read from here when given.
   */
  rawHeaders?: string[];
  /** The TLS peer's certificate chain, leaf first; empty when the client sent none. */
  peerCertificates: X509Certificate[];
}

export interface Authenticator {
  /** The user, or undefined when this method does not apply to the request. Throws only on infrastructure errors. */
  authenticate(request: AuthenticationRequest): Promise<UserInfo | undefined>;
}

export const AUTHENTICATED_GROUP = 'system:authenticated';
export const UNAUTHENTICATED_GROUP = 'system:unauthenticated';
export const ANONYMOUS_USER = 'system:anonymous';

/**
 * Whether system:authenticated is added, as NewAuthenticatedGroupAdder decides: not for the anonymous user nor for a
 * user already in system:unauthenticated (a front proxy may forward kube-apiserver's anonymous identity).
 */
function addsAuthenticatedGroup(user: UserInfo): boolean {
  return user.username !== ANONYMOUS_USER && !user.groups.includes(AUTHENTICATED_GROUP) && !user.groups.includes(UNAUTHENTICATED_GROUP);
}

/** Tries each authenticator in order and adds system:authenticated to the user found, as NewAuthenticatedGroupAdder. */
export class UnionAuthenticator implements Authenticator {
  constructor(private readonly authenticators: Authenticator[]) {}

  async authenticate(request: AuthenticationRequest): Promise<UserInfo | undefined> {
    for (const authenticator of this.authenticators) {
      const user = await authenticator.authenticate(request);
      if (user) {
        return addsAuthenticatedGroup(user) ? { ...user, groups: [...user.groups, AUTHENTICATED_GROUP] } : user;
      }
    }
    return undefined;
  }
}

export function headerValues(request: AuthenticationRequest, name: string): string[] {
  const lower = name.toLowerCase();
  if (request.rawHeaders) {
    const values: string[] = [];
    for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
      if (request.rawHeaders[i]!.toLowerCase() === lower) values.push(request.rawHeaders[i + 1]!);
    }
    return values;
  }
  const value = request.headers[lower];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

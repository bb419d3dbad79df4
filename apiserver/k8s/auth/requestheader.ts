// The front-proxy authenticator (k8s.io/apiserver headerrequest + x509.Verifier): X-Remote-* headers are believed
// only from a client certificate that chains to the requestheader CA alone, is meant for client auth, and carries an
// allowed CN.

import type { UserInfo } from '../types.js';
import type { AuthenticationConfigSource, RequestHeaderConfig } from './authentication-config.js';
import { type AuthenticationRequest, type Authenticator, headerValues } from './authenticator.js';
import { subjectValues, verifyClientChain } from './x509.js';

function extraKey(headerName: string, prefix: string): string {
  const raw = headerName.slice(prefix.length).toLowerCase();
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** Whether the peer is the front proxy this configuration trusts. */
export function isTrustedFrontProxy(config: RequestHeaderConfig, request: AuthenticationRequest, now = new Date()): boolean {
  const [leaf, ...intermediates] = request.peerCertificates;
  if (!leaf || !verifyClientChain(leaf, intermediates, config.clientCAs, now)) return false;
  if (config.allowedNames.length === 0) return true;
  return subjectValues(leaf, 'CN').some((cn) => config.allowedNames.includes(cn));
}

export function userFromHeaders(config: RequestHeaderConfig, request: AuthenticationRequest): UserInfo | undefined {
  const username = config.usernameHeaders.flatMap((h) => headerValues(request, h)).find((v) => v !== '');
  if (!username) return undefined;
  const user: UserInfo = {
    username,
    groups: config.groupHeaders.flatMap((h) => headerValues(request, h)),
    extra: {},
  };
  const uid = config.uidHeaders.flatMap((h) => headerValues(request, h)).find((v) => v !== '');
  if (uid) user.uid = uid;
  for (const prefix of config.extraHeaderPrefixes.map((p) => p.toLowerCase())) {
    const names = request.rawHeaders ? [...new Set(request.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase()))] : Object.keys(request.headers);
    for (const name of names) {
      if (!name.toLowerCase().startsWith(prefix)) continue;
      const key = extraKey(name, prefix);
      (user.extra[key] ??= []).push(...headerValues(request, name));
    }
  }
  return user;
}

/** The names of every header the front proxy speaks through; removed from requests after authentication. */
export function frontProxyHeaderNames(config: RequestHeaderConfig | undefined, headerNames: string[]): string[] {
  if (!config) return [];
  const exact = [...config.usernameHeaders, ...config.uidHeaders, ...config.groupHeaders].map((h) => h.toLowerCase());
  const prefixes = config.extraHeaderPrefixes.map((p) => p.toLowerCase());
  return headerNames.filter((n) => exact.includes(n.toLowerCase()) || prefixes.some((p) => n.toLowerCase().startsWith(p)));
}

export class RequestHeaderAuthenticator implements Authenticator {
  constructor(private readonly source: AuthenticationConfigSource) {}

  async authenticate(request: AuthenticationRequest): Promise<UserInfo | undefined> {
    const config = this.source.current().requestHeader;
    if (!config || !isTrustedFrontProxy(config, request)) return undefined;
    return userFromHeaders(config, request);
  }
}

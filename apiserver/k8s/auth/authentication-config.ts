// The front-proxy and client-CA configuration kube-apiserver publishes in kube-system/extension-apiserver-authentication.

import type { X509Certificate } from 'node:crypto';
import { parseCertificates } from './x509.js';

export interface RequestHeaderConfig {
  clientCAs: X509Certificate[];
  /** CNs the front proxy may present; empty: any certificate from the CA. */
  allowedNames: string[];
  usernameHeaders: string[];
  uidHeaders: string[];
  groupHeaders: string[];
  extraHeaderPrefixes: string[];
}

export interface AuthenticationConfig {
  /** Roots for direct x509 client certificates (client-ca-file). */
  clientCAs: X509Certificate[];
  requestHeader?: RequestHeaderConfig;
  /** The PEMs behind the CA lists, to announce them in the TLS CertificateRequest. */
  caPems: string[];
}

/** Where the authenticators read their configuration; the real one follows the ConfigMap as it changes. */
export interface AuthenticationConfigSource {
  current(): AuthenticationConfig;
  /** Called after every change (CA rotation), e.g. to refresh the TLS context. */
  onChange(listener: (config: AuthenticationConfig) => void): void;
}

export const EMPTY_AUTHENTICATION_CONFIG: AuthenticationConfig = { clientCAs: [], caPems: [] };

function stringArray(json: string | undefined, key: string): string[] {
  if (json === undefined || json === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error(`${key} is not a JSON array of strings`);
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error(`${key} is not a JSON array of strings`);
  return value as string[];
}

/** Reads the ConfigMap's data the way k8s.io/apiserver does (values of list keys are JSON string arrays). */
export function authenticationConfigFromConfigMap(data: Record<string, string> | undefined): AuthenticationConfig {
  const d = data ?? {};
  const caPems = [d['client-ca-file'], d['requestheader-client-ca-file']].filter((p): p is string => !!p);
  const config: AuthenticationConfig = { clientCAs: parseCertificates(d['client-ca-file']), caPems };
  const requestHeaderCAs = parseCertificates(d['requestheader-client-ca-file']);
  if (requestHeaderCAs.length > 0) {
    config.requestHeader = {
      clientCAs: requestHeaderCAs,
      allowedNames: stringArray(d['requestheader-allowed-names'], 'requestheader-allowed-names'),
      usernameHeaders: stringArray(d['requestheader-username-headers'], 'requestheader-username-headers'),
      uidHeaders: stringArray(d['requestheader-uid-headers'], 'requestheader-uid-headers'),
      groupHeaders: stringArray(d['requestheader-group-headers'], 'requestheader-group-headers'),
      extraHeaderPrefixes: stringArray(d['requestheader-extra-headers-prefix'], 'requestheader-extra-headers-prefix'),
    };
  }
  return config;
}

/** A fixed configuration (tests, or flags instead of the ConfigMap). */
export class StaticAuthenticationConfig implements AuthenticationConfigSource {
  private listeners: Array<(config: AuthenticationConfig) => void> = [];
  constructor(private config: AuthenticationConfig) {}
  current(): AuthenticationConfig {
    return this.config;
  }
  onChange(listener: (config: AuthenticationConfig) => void): void {
    this.listeners.push(listener);
  }
  /** Replaces the configuration, as a ConfigMap update would. */
  set(config: AuthenticationConfig): void {
    this.config = config;
    for (const l of this.listeners) l(config);
  }
}

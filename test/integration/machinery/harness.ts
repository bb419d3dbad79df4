// Starts the real server in-process over TLS with the in-memory storage, certificates from certs/pki.ts, and doubles
// for TokenReview and SubjectAccessReview; clients speak real HTTPS (HTTP/1.1 or HTTP/2) with client certificates.

import { request as httpsRequest } from 'node:https';
import { connect as http2Connect } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { CertificateAuthority, type PemPair, serviceDnsNames } from '../../../certs/pki.js';
import { StaticAuthenticationConfig, authenticationConfigFromConfigMap } from '../../../apiserver/k8s/auth/authentication-config.js';
import { SubjectAccessReviewAuthorizer, type SubjectAccessReviewSpec } from '../../../apiserver/k8s/auth/authorizer.js';
import { delegatingAuthenticator } from '../../../apiserver/k8s/auth/delegation.js';
import { ApiMetrics } from '../../../apiserver/k8s/serve/metrics.js';
import { type ApiServer, type ApiServerOptions, createApiServer } from '../../../apiserver/k8s/serve/server.js';
import type { UserInfo } from '../../../apiserver/k8s/types.js';
import { MemoryStorage, type MemoryStorageOptions } from '../../support/memory-storage.js';

export const PROXY_NAME = 'front-proxy-client';

export type Identity =
  | { kind: 'proxy'; user: string; groups?: string[]; extra?: Record<string, string> }
  | { kind: 'cert'; pair: PemPair; headers?: Record<string, string> }
  | { kind: 'token'; token: string }
  | { kind: 'anonymous'; headers?: Record<string, string> };

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface Harness {
  server: ApiServer;
  storage: MemoryStorage;
  metrics: ApiMetrics;
  port: number;
  certs: {
    servingCA: CertificateAuthority;
    frontProxyCA: CertificateAuthority;
    clientCA: CertificateAuthority;
    otherCA: CertificateAuthority;
    proxy: PemPair;
    proxyWrongName: PemPair;
    alice: PemPair;
    mallory: PemPair;
  };
  sarRequests: SubjectAccessReviewSpec[];
  tokenReviews: number;
  request(identity: Identity, method: string, path: string, options?: { body?: unknown; contentType?: string; accept?: string; headers?: Record<string, string> }): Promise<Response>;
  watch(identity: Identity, path: string, options?: { accept?: string }): Promise<WatchClient>;
  http2(identity: Identity, method: string, path: string, options?: { accept?: string }): Promise<Response>;
  close(): Promise<void>;
}

export interface WatchFrame {
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  object: any;
}

export interface WatchClient {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The next frame, or undefined when the stream ended. */
  next(): Promise<WatchFrame | undefined>;
  /** Frames until one matches (or the stream ends: throws). */
  until(predicate: (f: WatchFrame) => boolean): Promise<WatchFrame[]>;
  close(): void;
}

export const admin: Identity = { kind: 'proxy', user: 'admin', groups: ['system:masters'] };
export const developer: Identity = { kind: 'proxy', user: 'dev', groups: ['developers'] };

/** The SAR double: "nobody" may do nothing; "viewer" may only read; everyone else anything. */
function decide(spec: SubjectAccessReviewSpec): { allowed: boolean; reason?: string } {
  if (spec.user === 'nobody') return { allowed: false };
  if (spec.user === 'updater' && spec.resourceAttributes?.verb === 'create') return { allowed: false };
  if (spec.user === 'viewer' && spec.resourceAttributes && !['get', 'list', 'watch'].includes(spec.resourceAttributes.verb)) return { allowed: false, reason: 'RBAC: read only' };
  return { allowed: true };
}

const TOKENS: Record<string, UserInfo> = { 'good-token': { username: 'token-user', groups: ['token-group'], extra: {} } };

function identityOptions(h: Pick<Harness, 'certs'>, identity: Identity): { cert?: string; key?: string; headers: Record<string, string | string[]> } {
  switch (identity.kind) {
    case 'proxy': {
      const headers: Record<string, string | string[]> = { 'X-Remote-User': identity.user };
      if (identity.groups?.length) headers['X-Remote-Group'] = identity.groups;
      for (const [k, v] of Object.entries(identity.extra ?? {})) headers[`X-Remote-Extra-${k}`] = v;
      return { cert: h.certs.proxy.certPem, key: h.certs.proxy.keyPem, headers };
    }
    case 'cert':
      return { cert: identity.pair.certPem, key: identity.pair.keyPem, headers: identity.headers ?? {} };
    case 'token':
      return { headers: { Authorization: `Bearer ${identity.token}` } };
    case 'anonymous':
      return { headers: identity.headers ?? {} };
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface HarnessOptions extends MemoryStorageOptions {
  bookmarkIntervalMs?: number;
  logLines?: string[];
  requestTimeoutMs?: number;
  /** Answers carry Server-Timing (--server-timing). */
  serverTiming?: boolean;
  /** Flow control with this controller (and its metrics). */
  flowControl?: ApiServerOptions['flowControl'];
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const servingCA = await CertificateAuthority.create('serving-ca');
  const frontProxyCA = await CertificateAuthority.create('front-proxy-ca');
  const clientCA = await CertificateAuthority.create('client-ca');
  const otherCA = await CertificateAuthority.create('other-ca');
  const serving = await servingCA.issueServing({ commonName: 'vvp-apiserver', dnsNames: ['localhost', ...serviceDnsNames('vvp-apiserver', 'vvp-system')], ipAddresses: ['127.0.0.1'] });
  const certs = {
    servingCA, frontProxyCA, clientCA, otherCA,
    proxy: await frontProxyCA.issueClient({ commonName: PROXY_NAME }),
    proxyWrongName: await frontProxyCA.issueClient({ commonName: 'not-the-proxy' }),
    alice: await clientCA.issueClient({ commonName: 'alice', organizations: ['dev', 'system:masters-not'] }),
    mallory: await otherCA.issueClient({ commonName: PROXY_NAME, organizations: ['system:masters'] }),
  };
  const config = new StaticAuthenticationConfig(authenticationConfigFromConfigMap({
    'client-ca-file': clientCA.certPem,
    'requestheader-client-ca-file': frontProxyCA.certPem,
    'requestheader-allowed-names': JSON.stringify([PROXY_NAME]),
    'requestheader-username-headers': '["X-Remote-User"]',
    'requestheader-group-headers': '["X-Remote-Group"]',
    'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
  }));
  const sarRequests: SubjectAccessReviewSpec[] = [];
  const storage = new MemoryStorage(options);
  const metrics = new ApiMetrics();
  const h = { certs, sarRequests, tokenReviews: 0, storage, metrics } as Partial<Harness> & Pick<Harness, 'certs' | 'sarRequests' | 'storage' | 'metrics'> & { tokenReviews: number };
  const server = await createApiServer({
    serving,
    storages: [storage],
    authenticator: delegatingAuthenticator(config, {
      review: async (token) => {
        h.tokenReviews++;
        const user = TOKENS[token];
        return user ? { authenticated: true, user } : { authenticated: false };
      },
    }),
    authorizer: new SubjectAccessReviewAuthorizer({
      review: async (spec) => {
        sarRequests.push(spec);
        return decide(spec);
      },
    }, { allowTtlMs: 0, denyTtlMs: 0 }),
    authenticationConfig: config,
    logger: options.logLines
      ? pino({ level: 'debug' }, { write: (line: string) => void options.logLines!.push(line) })
      : pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    metrics,
    watch: { bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000 },
    ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.serverTiming ? { serverTiming: true } : {}),
    ...(options.flowControl ? { flowControl: options.flowControl } : {}),
  });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const port = (server.server.address() as AddressInfo).port;

  const request: Harness['request'] = (identity, method, path, opts = {}) => new Promise((resolve, reject) => {
    const id = identityOptions(h, identity);
    const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    const headers: Record<string, string | string[]> = { ...id.headers, ...(opts.headers ?? {}) };
    if (opts.accept) headers.Accept = opts.accept;
    if (body !== undefined) {
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const req = httpsRequest({
      host: '127.0.0.1', port, method, path, headers, ca: servingCA.certPem, servername: 'localhost', agent: false,
      ...(id.cert ? { cert: id.cert, key: id.key } : {}),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parse(text) });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });

  const watch: Harness['watch'] = (identity, path, opts = {}) => new Promise((resolve, reject) => {
    const id = identityOptions(h, identity);
    const headers: Record<string, string | string[]> = { ...id.headers };
    if (opts.accept) headers.Accept = opts.accept;
    const req = httpsRequest({
      host: '127.0.0.1', port, method: 'GET', path, headers, ca: servingCA.certPem, servername: 'localhost', agent: false,
      ...(id.cert ? { cert: id.cert, key: id.key } : {}),
    }, (res) => {
      const frames: WatchFrame[] = [];
      const waiters: Array<(f: WatchFrame | undefined) => void> = [];
      let ended = false;
      let buffer = '';
      let raw = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (!line) continue;
          const frame = JSON.parse(line) as WatchFrame;
          const waiter = waiters.shift();
          if (waiter) waiter(frame);
          else frames.push(frame);
        }
      });
      const end = () => {
        ended = true;
        for (const w of waiters.splice(0)) w(undefined);
      };
      res.on('end', end);
      res.on('close', end);
      const client: WatchClient = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        next: () => {
          const f = frames.shift();
          if (f || ended) return Promise.resolve(f);
          return new Promise((r) => waiters.push(r));
        },
        until: async (predicate) => {
          const seen: WatchFrame[] = [];
          for (;;) {
            const f = await client.next();
            if (!f) throw new Error(`watch ended before the expected frame; saw ${JSON.stringify(seen.map((s) => s.type))} ${res.statusCode !== 200 ? raw : ''}`);
            seen.push(f);
            if (predicate(f)) return seen;
          }
        },
        close: () => req.destroy(),
      };
      if (res.statusCode !== 200) {
        res.on('end', () => resolve(Object.assign(client, { text: raw })));
        return;
      }
      resolve(client);
    });
    req.on('error', reject);
    req.end();
  });

  const http2: Harness['http2'] = (identity, method, path, opts = {}) => new Promise((resolve, reject) => {
    const id = identityOptions(h, identity);
    const session = http2Connect(`https://localhost:${port}`, { ca: servingCA.certPem, ...(id.cert ? { cert: id.cert, key: id.key } : {}) });
    session.on('error', reject);
    const headers: Record<string, string | string[]> = { ':method': method, ':path': path, ...Object.fromEntries(Object.entries(id.headers).map(([k, v]) => [k.toLowerCase(), v])) };
    if (opts.accept) headers.accept = opts.accept;
    const stream = session.request(headers);
    let status = 0;
    let responseHeaders: Record<string, string | string[] | undefined> = {};
    stream.on('response', (hs) => {
      status = Number(hs[':status']);
      responseHeaders = hs as Record<string, string | string[] | undefined>;
    });
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      session.close();
      resolve({ status, headers: responseHeaders, text, json: parse(text) });
    });
    stream.on('error', reject);
    stream.end();
  });

  return Object.assign(h, {
    server, port, request, watch, http2,
    close: async () => {
      storage.close();
      await server.close();
    },
  }) as Harness;
}

export function widget(name: string, namespace = 'default', spec: Record<string, unknown> = { image: 'nginx', replicas: 1 }, extra: Record<string, unknown> = {}) {
  return { apiVersion: 'test.example.com/v1', kind: 'Widget', metadata: { name, namespace, ...extra }, spec };
}

export const WIDGETS = '/apis/test.example.com/v1/namespaces/default/widgets';

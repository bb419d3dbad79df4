// Raw HTTPS for the reliability and security suites: requests with any client cert and headers (to kube-apiserver or
// straight to the server), and a generator of hostile request bodies and patches that must all be refused.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { CertificateAuthority, type PemPair } from '../../certs/pki.js';
import type { ControlPlane } from '../../tools/cluster/control-plane.js';
import type { Stack } from '../../apiservice/local/stack.js';
import { eventually } from './eventually.js';

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Set when no HTTP answer came (TLS refused, connection reset). */
  error?: string;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface Endpoint {
  url: string;
  ca: string;
  /** The TLS server name to check the serving cert against. */
  servername?: string;
  client?: PemPair;
}

/** A keep-alive HTTPS sender to one endpoint; never throws (a failed connection is an answer with `error`). */
export function httpsSender(endpoint: Endpoint, maxSockets = 8, timeoutMs = 30_000) {
  const url = new URL(endpoint.url);
  const agent = new Agent({ keepAlive: true, maxSockets, ca: endpoint.ca, cert: endpoint.client?.certPem, key: endpoint.client?.keyPem, servername: endpoint.servername });
  const send = (req: RawRequest): Promise<RawAnswer> => new Promise((resolve) => {
    const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
    const r = request({
      host: url.hostname, port: url.port, agent, method: req.method ?? 'GET', path: req.path, timeout: timeoutMs,
      headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...req.headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', (err) => resolve({ status: 0, headers: {}, body: '', error: err.message }));
    });
    r.on('timeout', () => r.destroy(new Error('timeout')));
    r.on('error', (err) => resolve({ status: 0, headers: {}, body: '', error: err.message }));
    r.end(body);
  });
  return { send, close: () => agent.destroy() };
}

/** kube-apiserver as its admin (client cert from `<stateDir>/admin.json`). */
export function kubeAdmin(cp: ControlPlane, maxSockets = 8) {
  const admin = JSON.parse(readFileSync(join(cp.stateDir, 'admin.json'), 'utf8')) as PemPair;
  return httpsSender({ url: cp.server, ca: cp.clusterCa.certPem, client: admin }, maxSockets);
}

/** The server itself, bypassing kube-apiserver, presenting `client` (or no cert). */
export function serverEndpoint(stack: Stack, client?: PemPair): Endpoint {
  return {
    url: stack.serverUrl, ca: readFileSync(join(stack.stateDir, 'server-tls', 'ca.crt'), 'utf8'),
    servername: `${stack.release}.${stack.namespace}.svc`, client,
  };
}

/** A front-proxy client cert as kube-apiserver presents it (CN = the allowed name), or a variant of one. */
export async function frontProxyCert(cp: ControlPlane, opts: { commonName?: string; notBefore?: Date; notAfter?: Date } = {}): Promise<PemPair> {
  const ca = await CertificateAuthority.load(cp.frontProxyCa);
  return ca.issueClient({ commonName: opts.commonName ?? cp.frontProxyName, notBefore: opts.notBefore, notAfter: opts.notAfter });
}

export const asAdminHeaders = { 'X-Remote-User': 'admin', 'X-Remote-Group': 'system:masters' };

/** The Status kind, if `body` is one. */
export function statusKind(body: string): string | undefined {
  try {
    const o = JSON.parse(body) as { kind?: unknown };
    return typeof o.kind === 'string' ? o.kind : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Hostile input. Every generated request is invalid by construction; none may reach the platform.

/** A small deterministic PRNG (mulberry32), so a failing case can be reproduced from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export interface HostileCase {
  /** What is wrong with it, for the report. */
  kind: string;
  method: 'POST' | 'PUT' | 'PATCH';
  /** Relative to the collection: '' (POST) or '/<name>'. */
  suffix: string;
  query?: string;
  contentType: string;
  body: string | Buffer;
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const wrongValues: Json[] = ['not-a-number', -1, 1.5, 1e308, -1e308, true, [], [1, 2], {}, { a: 1 }, 'x'.repeat(70_000)];
const wrongStrings: Json[] = [12, true, [], {}, { a: 'b' }, ['RUNNING']];
const badNames = ['', 'UPPER', 'under_score', '-lead', 'trail-', 'a'.repeat(254), 'dot..dot', 'sp ace', 'ünïcode', '../etc', 'a/b', '%2e%2e', 'a\u0000b'];

function setPath(obj: Record<string, Json>, path: string[], value: Json): Record<string, Json> {
  const copy = structuredClone(obj);
  let cur: Record<string, Json> = copy;
  for (const seg of path.slice(0, -1)) {
    const next = cur[seg];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[seg] = {};
    cur = cur[seg] as Record<string, Json>;
  }
  cur[path[path.length - 1]!] = value;
  return copy;
}

/** Field paths (in a manifest) with the values that are wrong for them. */
const typedFields: { path: string[]; wrong: Json[] }[] = [
  { path: ['spec', 'deployment', 'spec', 'template', 'spec', 'parallelism'], wrong: ['two', true, [], {}, -1, 0, 1.5, 1e308, 2147483648] },
  { path: ['spec', 'deployment', 'spec', 'template', 'spec', 'numberOfTaskManagers'], wrong: ['two', 0, 2.5, 2147483648] },
  { path: ['spec', 'deployment', 'spec', 'template', 'spec', 'resources', 'taskmanager', 'cpu'], wrong: ['one', 0, 0.01, -2, true] },
  { path: ['spec', 'deployment', 'spec', 'maxJobCreationAttempts'], wrong: ['4', 0, 1e12] },
  { path: ['spec', 'deployment', 'spec', 'state'], wrong: ['EXPLODED', 'running', '', ...wrongStrings] },
  { path: ['spec', 'syncingMode'], wrong: ['MERGE', 'patch', '', ...wrongStrings] },
  { path: ['spec', 'deployment', 'spec', 'upgradeStrategy', 'kind'], wrong: ['SOMETIMES', ...wrongStrings] },
  { path: ['spec', 'deployment', 'spec', 'restoreStrategy', 'kind'], wrong: ['ALL_OF_THEM', ...wrongStrings] },
  { path: ['spec', 'deployment', 'spec', 'template', 'spec', 'artifact', 'kind'], wrong: ['ZIP', ...wrongStrings] },
  { path: ['spec', 'deployment', 'spec', 'template', 'spec', 'artifact'], wrong: ['jar', 5, [], true] },
  { path: ['spec', 'deployment', 'spec', 'template', 'spec', 'flinkConfiguration'], wrong: ['a=b', 5, [1], true] },
  { path: ['spec', 'deployment', 'spec', 'template'], wrong: ['tpl', 5, [], true] },
  { path: ['spec', 'deployment', 'spec'], wrong: ['spec', 5, [], true] },
  { path: ['spec', 'deployment'], wrong: ['d', 5, [], true] },
  { path: ['spec'], wrong: ['s', 5, [], true] },
  { path: ['spec', 'savepointNonce'], wrong: ['one', true, [], {}, 1.5] },
  { path: ['spec', 'restartNonce'], wrong: ['one', true, [], {}, 1.5] },
  { path: ['metadata', 'labels'], wrong: ['l', 5, [], { 'bad key!': 'v' }, { k: 5 }, { k: 'v'.repeat(64) }, { k: 'bad value!' }] },
  { path: ['metadata', 'annotations'], wrong: ['a', 5, [], { k: 5 }, { 'bad key!': 'v' }, { big: 'x'.repeat(300_000) }] },
  { path: ['metadata'], wrong: ['m', 5, [], true] },
  { path: ['kind'], wrong: ['Pod', '', 5, {}] },
  { path: ['apiVersion'], wrong: ['v1', 'apps/v1', '', 5] },
];

/** `a0: &a0 [x ×9]`, then `aN: &aN [*aN-1 ×9]`: `levels` lines of YAML standing for 9^levels values. */
export function yamlAliasBomb(levels: number, width = 9): string {
  const lines = [`a0: &a0 [${Array(width).fill('x').join(', ')}]`];
  for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} [${Array(width).fill(`*a${i - 1}`).join(', ')}]`);
  return lines.join('\n');
}

/** The same growth through merge keys and map values: each level is a map of `width` keys, all the level below. */
export function yamlMergeKeyBomb(levels: number, width = 9): string {
  const lines = ['m0: &m0 {k: x}'];
  for (let i = 1; i <= levels; i++) {
    lines.push(`m${i}: &m${i} {<<: *m${i - 1}, ${Array.from({ length: width }, (_, k) => `k${k}: *m${i - 1}`).join(', ')}}`);
  }
  return lines.join('\n');
}

/** A flow collection nested `depth` levels (`[[[…]]]` or `{a: {a: …}}`). */
export function yamlDeepFlow(depth: number, kind: 'sequence' | 'mapping' = 'sequence'): string {
  return kind === 'sequence' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** An anchor that contains its own alias: a cyclic value once decoded. */
export const YAML_SELF_ALIAS = 'a: &a [x, *a]\nb: &b {self: *b}';

export interface Generator {
  /** A manifest that would be accepted (never sent as is). */
  valid: (name: string) => Record<string, Json>;
  /** Collection path, without the namespace's trailing object name. */
  collection: string;
  /** Name of an existing object to aim updates and patches at. */
  target: string;
}

/**
 * The `n`-th hostile case. Cases cycle through families so any count ≥ a few hundred covers all of them; `rand`
 * varies values, names and positions. Unknown fields are sent with fieldValidation=Strict (else they are pruned, not
 * refused, and the request would be valid).
 */
export function hostileCase(n: number, rand: () => number, g: Generator): HostileCase {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const name = `hostile-${n}`;
  const base = g.valid(name);
  const json = 'application/json';
  const families: (() => HostileCase)[] = [
    () => {
      const f = pick(typedFields);
      return { kind: `wrong type/value at ${f.path.join('.')}`, method: 'POST', suffix: '', contentType: json, body: JSON.stringify(setPath(base, f.path, pick(f.wrong))) };
    },
    () => {
      const f = pick(typedFields);
      const putBase = g.valid(g.target);
      return { kind: `PUT wrong type at ${f.path.join('.')}`, method: 'PUT', suffix: `/${g.target}`, contentType: json, body: JSON.stringify(setPath(putBase, f.path, pick(f.wrong))) };
    },
    () => {
      const f = pick(typedFields.filter((x) => x.path[0] !== 'kind' && x.path[0] !== 'apiVersion'));
      return { kind: `merge patch wrong type at ${f.path.join('.')}`, method: 'PATCH', suffix: `/${g.target}`, contentType: 'application/merge-patch+json', body: JSON.stringify(setPath({}, f.path, pick(f.wrong))) };
    },
    () => ({ kind: 'invalid name', method: 'POST', suffix: '', contentType: json, body: JSON.stringify(setPath(base, ['metadata', 'name'], pick(badNames))) }),
    () => {
      // Not under spec.deployment.spec: the platform's own fields, passed to it as written (its refusal is its answer).
      const at = pick([['spec'], ['spec', 'deployment'], ['spec', 'deployment', 'metadata'], ['spec', 'initFields']]);
      return { kind: `unknown field under ${at.join('.')} (Strict)`, method: 'POST', suffix: '', query: 'fieldValidation=Strict', contentType: json, body: JSON.stringify(setPath(base, [...at, `bogus${Math.floor(rand() * 1000)}`], 1)) };
    },
    () => {
      // Written as text: JSON.stringify itself would overflow the stack on the deepest ones.
      const depth = n % 250 === 3 ? 100_000 : pick([50, 200, 1000, 1000, 5000, 10_000]);
      const nested = pick([`${'{"n":'.repeat(depth)}1${'}'.repeat(depth)}`, `${'['.repeat(depth)}${']'.repeat(depth)}`]);
      const body = JSON.stringify(setPath(base, ['spec', 'deployment', 'spec', 'template', 'spec', 'parallelism'], '@@DEEP@@')).replace('"@@DEEP@@"', nested);
      return { kind: `deep nesting ${depth}`, method: 'POST', suffix: '', contentType: json, body };
    },
    () => {
      const text = JSON.stringify(base);
      const cut = Math.floor(rand() * (text.length - 1));
      const broken = pick([text.slice(0, cut), `${text.slice(0, cut)}\u0000${text.slice(cut)}`, text.replace('{', '['), `${text}}`, `{"a":`, 'null', '[]', '"str"', '42', '', '{"kind":']);
      const method = pick(['POST', 'PUT'] as const);
      return { kind: 'broken JSON', method, suffix: method === 'PUT' ? `/${g.target}` : '', contentType: json, body: broken };
    },
    () => {
      const yaml = pick([
        'apiVersion: [unclosed', 'metadata:\n  name: x\n   bad: indent', 'a: &x\n  b: *y', 'key: "unterminated', ':\n:\n-',
        `a: &a [*a, *a]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\nd: &d [*c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d]`,
        '--- 1\n--- 2', '!!binary AAAA', '\t- tab',
      ]);
      return { kind: 'broken YAML', method: 'POST', suffix: '', contentType: 'application/yaml', body: yaml };
    },
    () => {
      const ct = pick(['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/vnd.kubernetes.protobuf', 'image/png', 'application/json-seq', '']);
      const method = pick(['POST', 'PUT'] as const);
      return { kind: `wrong content type ${ct || '(empty)'}`, method, suffix: method === 'PUT' ? `/${g.target}` : '', contentType: ct, body: pick(['<xml/>', 'a=b&c=d', '\u0089PNG\r\n', JSON.stringify({ kind: 'Pod' })]) };
    },
    () => {
      const doc = pick<string>([
        '{}x', '[{"op":"add"}]', '[{"op":"explode","path":"/spec"}]', '[{"op":"replace","path":"/spec/nope/deeper","value":1}]',
        '[{"op":"remove","path":"/nothing"}]', '[{"op":"test","path":"/metadata/name","value":"other"}]', '{"op":"add"}',
        '[{"op":"move","from":"/nope","path":"/spec/x"}]', '[{"op":"copy","from":"/nope","path":"/spec/x"}]', '[{"op":"replace","path":"/spec/deployment/spec/template/spec/parallelism","value":"many"}]',
        '[{"op":"replace","path":"/metadata/name","value":"renamed"}]', '[{"op":"add","path":"/spec/deployment/spec/state","value":7}]', '[1,2,3]', 'null',
      ]);
      return { kind: 'bad JSON patch', method: 'PATCH', suffix: `/${g.target}`, contentType: 'application/json-patch+json', body: doc };
    },
    () => ({
      kind: 'bad merge patch document', method: 'PATCH', suffix: `/${g.target}`, contentType: 'application/merge-patch+json',
      body: pick(['[1]', '"str"', '{"metadata":{"name":"renamed"}}', '{"metadata":{"namespace":"elsewhere"}}', '{"spec":null}', '{"kind":"Pod"}', '{bad', '{"metadata":{"uid":"0000"}}']),
    }),
    () => ({ kind: 'strategic merge patch', method: 'PATCH', suffix: `/${g.target}`, contentType: 'application/strategic-merge-patch+json', body: '{"spec":{"syncingMode":"PUT"}}' }),
    () => ({
      kind: 'bad apply patch', method: 'PATCH', suffix: `/${g.target}`, query: pick(['', 'fieldManager=hostile', 'fieldManager=hostile&force=maybe']), contentType: 'application/apply-patch+yaml',
      body: pick(['a: [', 'kind: VvpDeployment', JSON.stringify(setPath(g.valid(g.target), ['spec', 'syncingMode'], 'MERGE')), JSON.stringify(setPath(g.valid('other-name'), ['spec'], 'x')),
        JSON.stringify(setPath(g.valid(g.target), ['kind'], 'Pod')), JSON.stringify(setPath(g.valid(g.target), ['metadata', 'managedFields'], [{ manager: 'x' }]))]),
    }),
    () => ({ kind: 'name mismatch on PUT', method: 'PUT', suffix: `/${g.target}`, contentType: json, body: JSON.stringify(g.valid('some-other-name')) }),
    () => ({ kind: 'bad query parameter', method: 'POST', suffix: '', query: pick(['dryRun=Maybe', 'fieldValidation=Loose', 'fieldManager=' + 'm'.repeat(200)]), contentType: json, body: JSON.stringify(base) }),
    () => ({ kind: 'wrong value type (any)', method: 'POST', suffix: '', contentType: json, body: JSON.stringify(setPath(base, ['spec', 'deployment', 'spec', 'template', 'spec', 'parallelism'], pick(wrongValues))) }),
  ];
  // The big ones are rarer: they cost megabytes each.
  if (n % 500 === 7) {
    return { kind: 'huge body', method: 'POST', suffix: '', contentType: json, body: JSON.stringify(setPath(base, ['spec', 'deployment', 'spec', 'template', 'spec', 'flinkConfiguration'], { big: 'x'.repeat(4_000_000) })) };
  }
  if (n % 100 === 13) {
    // Under spec, not spec.deployment.spec: the platform's own fields there are passed to it as written, not refused.
    return { kind: 'many unknown keys (Strict)', method: 'POST', suffix: '', query: 'fieldValidation=Strict', contentType: json, body: JSON.stringify(setPath(base, ['spec', 'junk'], Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i])))) };
  }
  return families[n % families.length]!();
}

// ---------------------------------------------------------------------------------------------------------------
// Crashes: the server killed while a request of its own is held at the platform.

type Platform = <T = unknown>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;

/** How many platform requests the emulator counted on routes matching `pattern` (e.g. /^POST .*\/savepoints$/). */
export async function routeCount(platform: Platform, pattern: RegExp): Promise<number> {
  const routes = (await platform<{ routes: Record<string, number> }>('GET', '/__emulator/requests')).body.routes;
  return Object.entries(routes).filter(([route]) => pattern.test(route)).reduce((sum, [, n]) => sum + n, 0);
}

export interface CrashPlan {
  platform: Platform;
  /** The platform request to hold for 4 s (emulator latency fault, removed after one match) and kill the server during. */
  fault: { method: string; path: string; route: RegExp };
  /** Starts the client request that makes the server send it. */
  request: () => Promise<unknown>;
  kill: () => Promise<void>;
  restart: () => void;
  /** True once the restarted server answers through kube-apiserver. */
  answers: () => Promise<boolean>;
}

/** Kills the server as soon as the platform holds its request; restarts it; returns whether the request got there and the downtime. */
export async function crashDuring(plan: CrashPlan): Promise<{ reached: boolean; downtimeMs: number }> {
  const before = await routeCount(plan.platform, plan.fault.route);
  await plan.platform('POST', '/__emulator/faults', { method: plan.fault.method, path: plan.fault.path, latencyMs: 4000, remaining: 1 });
  const inFlight = plan.request();
  const reached = await eventually('the request reaches the platform', async () => (await routeCount(plan.platform, plan.fault.route)) > before, 15_000).catch(() => false);
  const killedAt = Date.now();
  await plan.kill();
  await inFlight;
  plan.restart();
  await eventually('the server answers again', plan.answers, 90_000);
  return { reached: reached === true, downtimeMs: Date.now() - killedAt };
}

// ---------------------------------------------------------------------------------------------------------------
// Bounds: requests meant to freeze, exhaust or fool the server, and a probe of its liveness meanwhile.

/** Sends `path` every `everyMs` until stop(): how many answers came, how many were not 200, the slowest. */
export function livenessProbe(send: (req: RawRequest) => Promise<RawAnswer>, path = '/livez', everyMs = 200) {
  let running = true;
  const seen = { answered: 0, failed: 0, longestMs: 0 };
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const res = await send({ path });
      const ms = performance.now() - started;
      seen.answered++;
      if (res.status !== 200) seen.failed++;
      if (ms > seen.longestMs) seen.longestMs = ms;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return { stop: async () => { running = false; await loop; return seen; } };
}

/** A sender that records every answer's time and status, for the figures of a hostile run. */
export function recordingSender(send: (req: RawRequest) => Promise<RawAnswer>) {
  const figures = { tried: 0, fiveXx: 0, accepted: 0, longestMs: 0, longest: '' };
  const record = async (what: string, req: RawRequest): Promise<RawAnswer> => {
    const started = performance.now();
    const res = await send(req);
    const ms = performance.now() - started;
    figures.tried++;
    if (res.status >= 500) figures.fiveXx++;
    if (res.status >= 200 && res.status < 400) figures.accepted++;
    if (ms > figures.longestMs) {
      figures.longestMs = ms;
      figures.longest = what;
    }
    return res;
  };
  return { send: record, figures };
}

/** A bearer token nobody was given. */
export function randomToken(rand: () => number): string {
  return Array.from({ length: 40 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(rand() * 36)]).join('');
}

/** A watch whose client stops reading once the headers came: the server must not buffer for it without bound. */
export function stalledWatch(endpoint: Endpoint, path: string, headers: Record<string, string>): Promise<{ status: number; close: () => void }> {
  const url = new URL(endpoint.url);
  return new Promise((resolve) => {
    const r = request({
      host: url.hostname, port: url.port, method: 'GET', path, ca: endpoint.ca, cert: endpoint.client?.certPem, key: endpoint.client?.keyPem,
      servername: endpoint.servername, headers, agent: false,
    }, (res) => {
      res.pause();
      resolve({ status: res.statusCode ?? 0, close: () => r.destroy() });
    });
    r.on('error', () => resolve({ status: 0, close: () => {} }));
    r.end();
  });
}

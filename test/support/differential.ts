// The differential conformance harness: the same request, through the same kube-apiserver, to the product's
// VvpDeployment and to the same kind served as a CRD (the product's own schema, a status subresource, the same printer
// columns, another group). A case runs once per side and returns what a client observes; both observations are
// normalised (names of the groups, uids, timestamps, resourceVersions, continue tokens, the status the product computes
// live) and compared. A case whose observations differ is `documented` when docs/crd-differences.md names it in its
// table, else `differ`. Nothing here knows the product's internals: only HTTP, kubectl and the emulator's counters.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { PemPair } from '../../certs/pki.js';
import { kubectl, type CommandResult, type ControlPlane } from '../../tools/cluster/control-plane.js';
import { httpsSender, type RawAnswer, type RawRequest } from './hostile.js';

export type Side = 'product' | 'crd';

/**
 * The Warning every write of the product carries, saying what it does to the platform's job (docs/restore-and-preview.md;
 * a deliberate difference listed in docs/crd-differences.md, set aside on the product's side before comparing).
 */
const EFFECT_WARNING = /platform effect: /;

/** A Warning header (one value or several) without the product's effect sentence; undefined when nothing is left. */
export function withoutEffectWarning(warning: string | string[] | undefined): string | string[] | undefined {
  if (warning === undefined) return undefined;
  const kept = (Array.isArray(warning) ? warning : [warning]).flatMap((w) => w.split(/,(?=\s*\d{3} )/)).filter((w) => !EFFECT_WARNING.test(w)).map((w) => w.trim());
  if (kept.length === 0) return undefined;
  return Array.isArray(warning) ? kept : kept.join(', ');
}

/** kubectl's stderr without the product's effect sentence (kubectl prints each Warning on a line of its own). */
export function withoutEffectLines(stderr: string): string {
  return stderr.split('\n').filter((l) => !(l.startsWith('Warning: ') && EFFECT_WARNING.test(l))).join('\n');
}

/** The owner label the product adds to every object (a documented difference, normalised away). */
export const OWNER_LABEL = 'ververica.platform/owner';

export interface WatchEvent {
  type: string;
  object: Record<string, unknown>;
}

export interface WatchAnswer {
  status: number;
  headers: RawAnswer['headers'];
  /** Parsed events; a non-200 answer's body is the one "event" of type STATUS. */
  events: WatchEvent[];
  body: string;
}

/** One side of the comparison: its group and paths, and the senders every case uses. */
export interface SideApi {
  side: Side;
  group: string;
  apiVersion: string;
  /** `vvpdeployments.<group>`, for kubectl. */
  resource: string;
  cp: ControlPlane;
  collection(ns: string): string;
  item(ns: string, name: string, sub?: string): string;
  send(req: RawRequest): Promise<RawAnswer>;
  /** A watch read until `done(events)` or the answer ends (timeoutSeconds), or `deadlineMs` passes. */
  watch(path: string, done?: (events: WatchEvent[]) => boolean, deadlineMs?: number): Promise<WatchAnswer>;
  kubectl(args: string[], input?: string, env?: NodeJS.ProcessEnv): Promise<CommandResult>;
  /**
   * The version of the platform deployment named `name` (the emulator's metadata.resourceVersion, which every platform
   * write to it moves) on the product side; '' on the CRD side. Per object, so concurrent cases do not mix.
   */
  platformVersion(name: string): Promise<string>;
}

export interface Case {
  /** Stable, unique; docs/crd-differences.md names cases by it. */
  name: string;
  run(side: SideApi): Promise<unknown>;
}

export type Verdict = 'same' | 'documented' | 'known' | 'differ';

export interface CaseResult {
  name: string;
  verdict: Verdict;
  product?: unknown;
  crd?: unknown;
  error?: string;
}

/** A keep-alive HTTPS sender to kube-apiserver as its admin (hostile.ts's), and a streaming watch reader, a connection of its own per watch. */
export function kubeSenders(cp: ControlPlane, maxSockets = 32) {
  const admin = JSON.parse(readFileSync(join(cp.stateDir, 'admin.json'), 'utf8')) as PemPair;
  const url = new URL(cp.server);
  const { send, close } = httpsSender({ url: cp.server, ca: cp.clusterCa.certPem, client: admin }, maxSockets, 60_000);
  const watch = (path: string, done: (events: WatchEvent[]) => boolean = () => false, deadlineMs = 30_000, headers: Record<string, string> = {}): Promise<WatchAnswer> =>
    new Promise((resolve) => {
      const events: WatchEvent[] = [];
      let text = '';
      let settled = false;
      const r = request({ host: url.hostname, port: url.port, agent: false, ca: cp.clusterCa.certPem, cert: admin.certPem, key: admin.keyPem, method: 'GET', path, headers }, (res) => {
        const finish = () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (res.statusCode !== 200) {
            let object: Record<string, unknown> = {};
            try { object = JSON.parse(text) as Record<string, unknown>; } catch { /* not JSON */ }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, events: [{ type: 'STATUS', object }], body: text });
          } else resolve({ status: 200, headers: res.headers, events, body: text });
          r.destroy();
        };
        const timer = setTimeout(finish, deadlineMs);
        res.on('data', (c: Buffer) => {
          text += c.toString('utf8');
          if (res.statusCode !== 200) return;
          let nl: number;
          while ((nl = text.indexOf('\n')) >= 0) {
            const line = text.slice(0, nl).trim();
            text = text.slice(nl + 1);
            if (!line) continue;
            try { events.push(JSON.parse(line) as WatchEvent); } catch { events.push({ type: 'UNPARSABLE', object: { line } }); }
            if (done(events)) finish();
          }
        });
        res.on('end', finish);
        res.on('error', finish);
      });
      r.on('error', (err) => {
        if (!settled) {
          settled = true;
          resolve({ status: 0, headers: {}, events: [], body: err.message });
        }
      });
      r.end();
    });
  return { send, watch, close };
}

export function makeSide(opts: {
  side: Side; group: string; cp: ControlPlane; senders: ReturnType<typeof kubeSenders>; platformVersion?: (name: string) => Promise<string>;
}): SideApi {
  const { side, group, cp, senders } = opts;
  const collection = (ns: string) => `/apis/${group}/v1/namespaces/${ns}/vvpdeployments`;
  return {
    side, group, cp, apiVersion: `${group}/v1`, resource: `vvpdeployments.${group}`,
    collection,
    item: (ns, name, sub) => `${collection(ns)}/${name}${sub ? `/${sub}` : ''}`,
    send: senders.send,
    watch: (path, done, deadline) => senders.watch(path, done, deadline),
    kubectl: (args, input, env) => kubectl(cp, args, { ...(input === undefined ? {} : { input }), ...(env ? { env } : {}) }),
    platformVersion: opts.platformVersion ?? (async () => ''),
  };
}

// ---- normalisation -------------------------------------------------------------------------------------------------

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g;
const SYSTEM_VALUES = new Set(['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'time', 'continue', 'lastTransitionTime']);

/** What is the same between the two sides once names of groups, ids, times and versions are set aside. */
export function normalise(value: unknown, groups: string[]): unknown {
  if (typeof value === 'string') {
    let s = value;
    for (const g of groups) s = s.split(g).join('<group>');
    return s.replace(UUID, '<uid>').replace(TIME, '<time>').replace(/\b\d{3,}\b/g, '<n>');
  }
  if (Array.isArray(value)) return value.map((v) => normalise(v, groups));
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (SYSTEM_VALUES.has(k) && typeof v === 'string' && v !== '') out[k] = `<${k}>`;
    else if (k === 'remainingItemCount' && typeof v === 'number') out[k] = v;
    else if (k === 'labels' && isObj(v) && OWNER_LABEL in v) {
      // The owner label the product adds, wherever labels are shown.
      const labels = normalise({ ...v, [OWNER_LABEL]: undefined }, groups) as Record<string, unknown>;
      delete labels[OWNER_LABEL];
      if (Object.keys(labels).length > 0) out[k] = labels;
    } else out[k] = normalise(v, groups);
  }
  // A VvpDeployment: the product computes status live (the CRD has none) and adds its owner label.
  if (o.kind === 'VvpDeployment' || (isObj(o.metadata) && isObj(o.spec))) {
    delete out.status;
    const m = out.metadata;
    if (isObj(m) && Array.isArray(m.managedFields)) m.managedFields = m.managedFields.map(withoutOwnerLabelField);
  }
  return out;
}

function withoutOwnerLabelField(entry: unknown): unknown {
  if (!isObj(entry) || !isObj(entry.fieldsV1)) return entry;
  const f = entry.fieldsV1;
  if (isObj(f['f:metadata']) && isObj(f['f:metadata']['f:labels'])) delete f['f:metadata']['f:labels'][`f:${OWNER_LABEL}`];
  if (isObj(f['f:status'])) delete f['f:status'];
  return entry;
}

export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (isObj(v)) return `{${Object.keys(v).filter((k) => v[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${stableJson(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'undefined';
}

// ---- what a client observes ----------------------------------------------------------------------------------------

/** The parts of an answer a client reads: code, media type, warnings, and the body (JSON parsed when it is JSON). */
export function answer(res: RawAnswer, opts: { body?: boolean } = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { code: res.status, contentType: mediaType(res.headers['content-type']) };
  const warning = withoutEffectWarning(res.headers.warning);
  if (warning) out.warnings = Array.isArray(warning) ? warning : [warning];
  if (res.error) out.error = res.error;
  if (opts.body !== false) out.body = parseBody(res.body);
  return out;
}

/** The Status parts of an error answer (or the object when it is not a Status). */
export function statusOf(res: RawAnswer): Record<string, unknown> {
  const body = parseBody(res.body);
  const out: Record<string, unknown> = { code: res.status };
  if (isObj(body) && body.kind === 'Status') {
    for (const k of ['status', 'reason', 'message', 'details']) if (body[k] !== undefined) out[k] = body[k];
    out.codeInBody = body.code;
  } else out.kind = isObj(body) ? body.kind : typeof body;
  return out;
}

export function parseBody(text: string): unknown {
  if (!text) return '';
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.length > 400 ? `${text.slice(0, 400)}…` : text;
  }
}

export function mediaType(header: string | string[] | undefined): string {
  const h = Array.isArray(header) ? header[0] : header;
  return (h ?? '').split(';')[0]!.trim();
}

// ---- classification ------------------------------------------------------------------------------------------------

/** A row of docs/crd-differences.md: a deliberate difference (with its reason), or a known gap still to fix. */
export interface ListedDifference { known: boolean; text: string }

/**
 * The case names docs/crd-differences.md lists: the first cell of each table row, in backticks. Rows under the
 * "Known differences, not fixed yet" heading are gaps (counted apart: they are bugs, not decisions).
 */
export function documentedCases(markdown: string): Map<string, ListedDifference> {
  const rows = new Map<string, ListedDifference>();
  let known = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('## ')) known = /^## Known differences/.test(line);
    const m = /^\|\s*`([^`]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (m) rows.set(m[1]!, { known, text: m[2]!.trim() });
  }
  return rows;
}

/** Runs every case on both sides (`concurrency` cases at a time) and classifies it. */
export async function runCases(cases: Case[], sides: { product: SideApi; crd: SideApi }, documented: Map<string, ListedDifference>, concurrency = 8): Promise<CaseResult[]> {
  const groups = [sides.product.group, sides.crd.group];
  const results: CaseResult[] = new Array<CaseResult>(cases.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= cases.length) return;
      const c = cases[i]!;
      const [p, k] = await Promise.all([settle(() => c.run(sides.product)), settle(() => c.run(sides.crd))]);
      const product = normalise(p, groups);
      const crd = normalise(k, groups);
      const same = stableJson(product) === stableJson(crd);
      results[i] = { name: c.name, verdict: same ? 'same' : documented.has(c.name) ? (documented.get(c.name)!.known ? 'known' : 'documented') : 'differ', product, crd };
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

async function settle(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return await run();
  } catch (err) {
    return { threw: (err as Error).message };
  }
}

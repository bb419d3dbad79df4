// Reads of the shared fixtures (never written after setup): lists walked page by page under every selector and
// limit, resourceVersion and resourceVersionMatch, the media types a client may ask for (Table, PartialObjectMetadata,
// protobuf, YAML), and watches (initial events, bookmarks, too-old versions, selectors, timeoutSeconds).
import type { Case, SideApi, WatchEvent } from '../../support/differential.js';
import { isObj, parseBody } from '../../support/differential.js';
import { READ_NS, meta, observed } from './fixtures.js';

/** The fixtures: name → labels. */
export const FIXTURES: Record<string, Record<string, string>> = {
  'f-a': { fixture: 'conf', tier: 'web', env: 'prod' },
  'f-b': { fixture: 'conf', tier: 'web', env: 'dev' },
  'f-c': { fixture: 'conf', tier: 'db', env: 'prod' },
  'f-d': { fixture: 'conf', tier: 'db' },
  'f-e': { fixture: 'conf' },
  'f-f': { fixture: 'conf', tier: 'cache', env: 'prod' },
};

const LABEL_SELECTORS = ['', 'tier=web', 'tier!=web', 'tier in (web,db)', 'tier notin (web)', '!tier', 'tier', 'env=prod,tier=web', 'tier=none'];
const FIELD_SELECTORS = ['metadata.name=f-b', 'metadata.name!=f-b', `metadata.namespace=${READ_NS}`, 'metadata.namespace!=elsewhere', 'metadata.name==f-c'];
const BAD_SELECTORS = ['labelSelector=tier%3D%3D%3D', 'labelSelector=a%20b', 'labelSelector=tier%20in%20web', 'fieldSelector=spec.x%3D1', 'fieldSelector=status.state%3DRUNNING', 'fieldSelector=metadata.name', 'fieldSelector=metadata.uid%3Dx'];
const LIMITS = [0, 1, 2, 4, 100];

const q = (params: Record<string, string | number | undefined>) => {
  const s = Object.entries(params).filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&');
  return s ? `?${s}` : '';
};

/** A list walked to its end: per page the names, whether it continues, remainingItemCount. */
async function walk(s: SideApi, base: string, params: Record<string, string | number | undefined>) {
  const pages: unknown[] = [];
  let cont: string | undefined;
  for (let i = 0; i < 20; i++) {
    const res = await s.send({ path: `${base}${q({ ...params, continue: cont })}`, headers: { accept: 'application/json' } });
    if (res.status !== 200) return { pages, error: observed(res) };
    const body = JSON.parse(res.body) as { kind: string; metadata: Record<string, unknown>; items: { metadata: { name: string } }[] };
    const names = body.items.map((o) => o.metadata.name).filter((n) => n in FIXTURES || params.all !== undefined);
    pages.push({ kind: body.kind, names, continues: Boolean(body.metadata.continue), remainingItemCount: body.metadata.remainingItemCount ?? 'absent', hasRv: Boolean(body.metadata.resourceVersion) });
    cont = body.metadata.continue as string | undefined;
    if (!cont) break;
  }
  return { pages };
}

export function listCases(): Case[] {
  const cases: Case[] = [];
  for (const sel of LABEL_SELECTORS) {
    for (const limit of LIMITS) {
      cases.push({ name: `list/labelSelector=${sel || 'none'}/limit=${limit}`, run: (s) => walk(s, s.collection(READ_NS), { labelSelector: sel ? `fixture=conf${sel.startsWith('tier=none') ? '' : ''},${sel}`.replace(/,$/, '') : 'fixture=conf', limit: limit || undefined }) });
    }
  }
  for (const sel of FIELD_SELECTORS) {
    for (const limit of [0, 1, 2]) {
      cases.push({ name: `list/fieldSelector=${sel}/limit=${limit}`, run: (s) => walk(s, s.collection(READ_NS), { fieldSelector: sel, limit: limit || undefined }) });
    }
  }
  for (const limit of [0, 1, 3]) {
    cases.push({ name: `list/unfiltered/limit=${limit}`, run: (s) => walk(s, s.collection(READ_NS), { limit: limit || undefined }) });
    cases.push({ name: `list/all-namespaces/fixture/limit=${limit}`, run: (s) => walk(s, `/apis/${s.group}/v1/vvpdeployments`, { labelSelector: 'fixture=conf', limit: limit || undefined }) });
  }
  for (const bad of BAD_SELECTORS) {
    cases.push({ name: `list/bad/${decodeURIComponent(bad)}`, run: async (s) => observed(await s.send({ path: `${s.collection(READ_NS)}?${bad}`, headers: { accept: 'application/json' } })) });
  }
  const badParams = ['limit=-1', 'limit=abc', 'continue=garbage', 'continue=garbage&limit=1', 'resourceVersionMatch=NotOlderThan', 'resourceVersionMatch=Exact', 'resourceVersionMatch=Exact&resourceVersion=0',
    'resourceVersionMatch=Bogus&resourceVersion=0', 'resourceVersion=abc', 'resourceVersion=-1', 'timeoutSeconds=abc', 'sendInitialEvents=true', 'allowWatchBookmarks=true', 'watch=bogus', 'resourceVersionMatch=NotOlderThan&resourceVersion=0&continue=garbage&limit=1'];
  for (const p of badParams) {
    cases.push({ name: `list/params/${p}`, run: async (s) => {
      const res = await s.send({ path: `${s.collection(READ_NS)}?labelSelector=fixture%3Dconf&${p}`, headers: { accept: 'application/json' } });
      if (res.status !== 200) return observed(res);
      const body = JSON.parse(res.body) as { kind: string; items: { metadata: { name: string } }[]; metadata: Record<string, unknown> };
      return { code: 200, names: body.items.map((o) => o.metadata.name), continues: Boolean(body.metadata.continue) };
    } });
  }
  // resourceVersion of the list itself: a list at that version (Exact / NotOlderThan), and the pages of one.
  const rvCases: Record<string, (rv: string) => Record<string, string | number>> = {
    'rv=0': () => ({ resourceVersion: '0' }),
    'rv=0-NotOlderThan': () => ({ resourceVersion: '0', resourceVersionMatch: 'NotOlderThan' }),
    'rv=current-NotOlderThan': (rv) => ({ resourceVersion: rv, resourceVersionMatch: 'NotOlderThan' }),
    'rv=current-Exact': (rv) => ({ resourceVersion: rv, resourceVersionMatch: 'Exact' }),
    'rv=current-unset-match': (rv) => ({ resourceVersion: rv }),
    'rv=current-limit=2': (rv) => ({ resourceVersion: rv, limit: 2 }),
    'rv=0-limit=2': () => ({ resourceVersion: '0', limit: 2 }),
    'rv=future-NotOlderThan': (rv) => ({ resourceVersion: String(BigInt(rv) * 10n + 999n), resourceVersionMatch: 'NotOlderThan' }),
    'rv=future-Exact': (rv) => ({ resourceVersion: String(BigInt(rv) * 10n + 999n), resourceVersionMatch: 'Exact' }),
    'rv=1-Exact': () => ({ resourceVersion: '1', resourceVersionMatch: 'Exact' }),
  };
  for (const [what, params] of Object.entries(rvCases)) {
    cases.push({ name: `list/resourceVersion/${what}`, run: async (s) => {
      const first = await s.send({ path: `${s.collection(READ_NS)}?labelSelector=fixture%3Dconf`, headers: { accept: 'application/json' } });
      const rv = String((JSON.parse(first.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
      const r = await walk(s, s.collection(READ_NS), { labelSelector: 'fixture=conf', ...params(rv) });
      return isObj(r.error) ? { error: { code: r.error.code, reason: isObj(r.error) ? r.error.reason : undefined } } : r;
    } });
  }
  return cases;
}

const ACCEPTS: Record<string, string> = {
  json: 'application/json',
  yaml: 'application/yaml',
  'table-v1': 'application/json;as=Table;v=v1;g=meta.k8s.io',
  'table-v1beta1': 'application/json;as=Table;v=v1beta1;g=meta.k8s.io',
  'table-fallback': 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
  'pom-v1': 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io',
  'pom-v1beta1': 'application/json;as=PartialObjectMetadata;v=v1beta1;g=meta.k8s.io',
  'pomlist-v1': 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io',
  protobuf: 'application/vnd.kubernetes.protobuf',
  'protobuf-then-json': 'application/vnd.kubernetes.protobuf,application/json',
  'protobuf-pom': 'application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;v=v1;g=meta.k8s.io,application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io,application/json',
  'protobuf-table': 'application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
  html: 'text/html',
  any: '*/*',
  none: '',
  'table-bogus-version': 'application/json;as=Table;v=v9;g=meta.k8s.io',
};

/** What of a read answer is comparable: the kind, the shape of metadata, Table columns and the name cells. */
function shapeOf(res: { status: number; headers: Record<string, unknown>; body: string }): unknown {
  const ct = String(res.headers['content-type'] ?? '').split(';')[0];
  if (res.status !== 200) return { ...observed(res as never), contentType: ct };
  if (ct !== 'application/json') return { code: res.status, contentType: ct, yamlKind: /^kind: (\S+)/m.exec(res.body)?.[1] };
  const body = parseBody(res.body);
  if (!isObj(body)) return { code: res.status, contentType: ct, body };
  const out: Record<string, unknown> = { code: res.status, contentType: ct, kind: body.kind, apiVersion: body.apiVersion };
  if (body.kind === 'Table') {
    out.columns = (body.columnDefinitions as { name: string; type: string; format: string; priority: number }[]).map((c) => `${c.name}:${c.type}:${c.format}:${c.priority}`);
    const rows = body.rows as { cells: unknown[]; object?: Record<string, unknown> }[];
    out.rows = rows.filter((r) => String(r.cells[0]).startsWith('f-')).map((r) => ({ name: r.cells[0], cells: r.cells.length, object: r.object ? { kind: r.object.kind, apiVersion: r.object.apiVersion, metadataKeys: Object.keys(meta(r.object)).sort() } : 'absent' }));
    out.listMetadata = Object.keys(isObj(body.metadata) ? body.metadata : {}).sort();
  } else if (Array.isArray(body.items)) {
    const items = body.items as Record<string, unknown>[];
    // status: computed live by the product, absent on the CRD (documented); set aside.
    out.items = items.filter((o) => String(meta(o).name).startsWith('f-')).map((o) => ({ kind: o.kind ?? 'absent', apiVersion: o.apiVersion ?? 'absent', keys: Object.keys(o).filter((k) => k !== 'status').sort(), metadataKeys: Object.keys(meta(o)).sort() }));
  } else {
    out.keys = Object.keys(body).filter((k) => k !== 'status').sort();
    out.metadataKeys = Object.keys(meta(body)).sort();
  }
  return out;
}

export function formatCases(): Case[] {
  const cases: Case[] = [];
  for (const [what, accept] of Object.entries(ACCEPTS)) {
    const headers: Record<string, string> = accept ? { accept } : {};
    cases.push({ name: `format/get/${what}`, run: async (s) => shapeOf(await s.send({ path: s.item(READ_NS, 'f-a'), headers })) });
    cases.push({ name: `format/list/${what}`, run: async (s) => shapeOf(await s.send({ path: `${s.collection(READ_NS)}?labelSelector=fixture%3Dconf`, headers })) });
    cases.push({ name: `format/get-missing/${what}`, run: async (s) => shapeOf(await s.send({ path: s.item(READ_NS, 'no-such'), headers })) });
  }
  for (const include of ['None', 'Metadata', 'Object', 'Bogus']) {
    const accept = ACCEPTS['table-v1']!;
    cases.push({ name: `format/table-includeObject=${include}/get`, run: async (s) => shapeOf(await s.send({ path: `${s.item(READ_NS, 'f-a')}?includeObject=${include}`, headers: { accept } })) });
    cases.push({ name: `format/table-includeObject=${include}/list`, run: async (s) => shapeOf(await s.send({ path: `${s.collection(READ_NS)}?labelSelector=fixture%3Dconf&includeObject=${include}`, headers: { accept } })) });
  }
  cases.push({ name: 'format/table-list-limit=2', run: async (s) => {
    const res = await s.send({ path: `${s.collection(READ_NS)}?labelSelector=fixture%3Dconf&limit=2`, headers: { accept: ACCEPTS['table-v1']! } });
    const body = parseBody(res.body);
    return { shape: shapeOf(res), continues: isObj(body) && isObj(body.metadata) && Boolean(body.metadata.continue), remaining: isObj(body) && isObj(body.metadata) ? body.metadata.remainingItemCount ?? 'absent' : 'n/a' };
  } });
  const reads: Record<string, string> = {
    'get/resourceVersion=0': '?resourceVersion=0',
    'get/resourceVersion=abc': '?resourceVersion=abc',
    'get/resourceVersion=1': '?resourceVersion=1',
    'get/pretty': '?pretty=true',
    'get/unknown-param': '?bogus=1',
  };
  for (const [what, query] of Object.entries(reads)) {
    cases.push({ name: `read/${what}`, run: async (s) => shapeOf(await s.send({ path: `${s.item(READ_NS, 'f-a')}${query}`, headers: { accept: 'application/json' } })) });
  }
  const paths: Record<string, (s: SideApi) => string> = {
    'status-subresource': (s) => s.item(READ_NS, 'f-a', 'status'),
    'status-subresource-missing': (s) => s.item(READ_NS, 'no-such', 'status'),
    'unknown-subresource': (s) => s.item(READ_NS, 'f-a', 'bogus'),
    'scale-subresource': (s) => s.item(READ_NS, 'f-a', 'scale'),
    'name-uppercase': (s) => s.item(READ_NS, 'F-A'),
    'namespace-missing': (s) => s.item('no-such-ns', 'f-a'),
    'list-namespace-missing': (s) => s.collection('no-such-ns'),
    'cluster-scoped-name': (s) => `/apis/${s.group}/v1/vvpdeployments/f-a`,
  };
  for (const [what, path] of Object.entries(paths)) {
    cases.push({ name: `read/${what}`, run: async (s) => {
      const res = await s.send({ path: path(s), headers: { accept: 'application/json' } });
      return res.status === 200 ? shapeOf(res) : observed(res);
    } });
  }
  return cases;
}

/** Events as comparable: type and name, the BOOKMARK's annotations; periodic bookmarks dropped unless asked for. */
function eventsOf(events: WatchEvent[]): unknown[] {
  return events.map((e) => {
    const m = meta(e.object);
    if (e.type === 'BOOKMARK') return { type: 'BOOKMARK', kind: e.object.kind, annotations: m.annotations ?? 'none', keys: Object.keys(m).sort() };
    if (e.type === 'ERROR') return { type: 'ERROR', kind: e.object.kind, reason: e.object.reason, code: e.object.code };
    return { type: e.type, kind: e.object.kind, name: m.name ?? (e.object.kind === 'Table' ? 'table' : undefined) };
  }).filter((e) => !(e.type === 'ADDED' && typeof e.name === 'string' && !e.name.startsWith('f-')))
    // Periodic bookmarks come when the server pleases (kube's every minute or on progress): not compared.
    .filter((e) => !(e.type === 'BOOKMARK' && e.annotations === 'none'));
}

/** Events as a set of `type name` (order of initial events is not promised), plus the first and last type. */
function eventSet(events: WatchEvent[]): unknown {
  const list = eventsOf(events);
  return { sorted: list.map((e) => JSON.stringify(e)).sort(), last: JSON.stringify(list.at(-1) ?? 'none') };
}

export function watchCases(): Case[] {
  const cases: Case[] = [];
  const rvs: Record<string, (rv: string) => Record<string, string>> = {
    'rv=unset': () => ({}),
    'rv=0': () => ({ resourceVersion: '0' }),
    'rv=current': (rv) => ({ resourceVersion: rv }),
    'rv=1-too-old': () => ({ resourceVersion: '1' }),
    'rv=garbage': () => ({ resourceVersion: 'abc' }),
    'initial-events-bookmarks': () => ({ sendInitialEvents: 'true', resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: 'true' }),
    'initial-events-no-bookmarks': () => ({ sendInitialEvents: 'true', resourceVersionMatch: 'NotOlderThan' }),
    'initial-events-no-match': () => ({ sendInitialEvents: 'true', allowWatchBookmarks: 'true' }),
    'initial-events-false-current': (rv) => ({ sendInitialEvents: 'false', resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: 'true', resourceVersion: rv }),
    'initial-events-rv=0': () => ({ sendInitialEvents: 'true', resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: 'true', resourceVersion: '0' }),
    'exact-match': (rv) => ({ resourceVersionMatch: 'Exact', resourceVersion: rv }),
    'bookmarks-rv=0': () => ({ resourceVersion: '0', allowWatchBookmarks: 'true' }),
  };
  const selectors: Record<string, Record<string, string>> = {
    all: { labelSelector: 'fixture=conf' },
    'label-tier=web': { labelSelector: 'fixture=conf,tier=web' },
    'field-name=f-b': { fieldSelector: 'metadata.name=f-b' },
  };
  for (const [what, params] of Object.entries(rvs)) {
    for (const [selName, sel] of Object.entries(selectors)) {
      cases.push({ name: `watch/${what}/${selName}`, run: async (s) => {
        const list = await s.send({ path: `${s.collection(READ_NS)}?labelSelector=fixture%3Dconf`, headers: { accept: 'application/json' } });
        const rv = String((JSON.parse(list.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
        const w = await s.watch(`${s.collection(READ_NS)}${q({ watch: 'true', timeoutSeconds: 2, ...sel, ...params(rv) })}`, undefined, 30_000);
        if (w.status !== 200) return { code: w.status, status: observed({ status: w.status, headers: w.headers, body: w.body }) };
        return { code: 200, contentType: String(w.headers['content-type']).split(';')[0], events: eventSet(w.events) };
      } });
    }
  }
  for (const [what, accept] of Object.entries({ pom: ACCEPTS['pom-v1']!, table: ACCEPTS['table-v1']!, 'table-fallback': ACCEPTS['table-fallback']! })) {
    cases.push({ name: `watch/format/${what}`, run: async (s) => {
      const w = await (s as SideApi & { watchAs?: never }).send({ path: `${s.collection(READ_NS)}?watch=true&timeoutSeconds=2&labelSelector=fixture%3Dconf,tier%3Dweb`, headers: { accept } });
      const events = w.body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as WatchEvent);
      return { code: w.status, contentType: String(w.headers['content-type']).split(';')[0], events: events.map((e) => ({ type: e.type, kind: e.object.kind, apiVersion: e.object.apiVersion, keys: Object.keys(e.object).sort(), columns: Array.isArray(e.object.columnDefinitions) ? e.object.columnDefinitions.length : 'absent' })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) };
    } });
  }
  for (const t of ['0', '1', 'abc', '-1']) {
    cases.push({ name: `watch/timeoutSeconds=${t}`, run: async (s) => {
      const w = await s.watch(`${s.collection(READ_NS)}?watch=true&timeoutSeconds=${t}&labelSelector=fixture%3Dconf,tier%3Dweb&resourceVersion=0`, undefined, t === '0' ? 3_000 : 30_000);
      return { code: w.status, ended: true, events: w.status === 200 ? eventSet(w.events) : observed({ status: w.status, headers: w.headers, body: w.body }) };
    } });
  }
  return cases;
}

// Writes that succeed, each on its own object: no-op writes (same resourceVersion, no platform write), empty
// metadata collections, generateName, generation, finalizers and deletion, preconditions, server-side apply with its
// conflicts and managedFields, the status subresource, and the kubectl verbs a platform team uses.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Case, SideApi } from '../../support/differential.js';
import { OWNER_LABEL, isObj, withoutEffectLines, withoutEffectWarning } from '../../support/differential.js';
import { eventually } from '../../support/eventually.js';
import { APPLY, JSONPATCH, JSON_CT, MERGE, WRITE_NS, create, get, manifest, meta, observed, type Json } from './fixtures.js';

let serial = 0;
function own(caseName: string, run: (s: SideApi, name: string) => Promise<unknown>): Case {
  const name = `w-${(serial++).toString(36)}-${caseName.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`.slice(0, 50).replace(/-+$/, '');
  return { name: caseName, run: (s) => run(s, name) };
}

const rvOf = (o: unknown) => meta(o).resourceVersion;
const genOf = (o: unknown) => meta(o).generation;

/** After a write: code, whether the resourceVersion and generation moved, the platform writes it cost, metadata. */
async function effect(s: SideApi, name: string, write: (live: Record<string, unknown>) => Promise<{ status: number; body: string; headers: Record<string, unknown> }>) {
  const before = (await get(s, WRITE_NS, name))!;
  const platformBefore = await s.platformVersion(name);
  const res = await write(before);
  const after = await get(s, WRITE_NS, name);
  const rvMoved = rvOf(after) !== rvOf(before);
  return {
    answer: res.status >= 400 ? observed(res as never) : { code: res.status, warnings: withoutEffectWarning(res.headers.warning as string | string[] | undefined) ?? 'none' },
    rvMoved, generation: `${String(genOf(before))}->${String(genOf(after))}`,
    // A CRD writes etcd only when the object changes; the product may write the platform only then too.
    platformWriteWithoutChange: !rvMoved && (await s.platformVersion(name)) !== platformBefore,
    metadata: after ? { labels: meta(after).labels, annotations: meta(after).annotations ?? 'absent', finalizers: meta(after).finalizers ?? 'absent', ownerReferences: meta(after).ownerReferences ?? 'absent' } : 'gone',
  };
}

const send = (s: SideApi, method: string, path: string, headers: Record<string, string>, body: unknown) =>
  s.send({ method, path, headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

export function writeCases(): Case[] {
  const cases: Case[] = [];
  const onCreated = (caseName: string, write: (s: SideApi, name: string, live: Record<string, unknown>) => Promise<{ status: number; body: string; headers: Record<string, unknown> }>) =>
    own(caseName, async (s, name) => {
      await create(s, WRITE_NS, name, { labels: { app: 'x' }, annotations: { note: 'a' } });
      return effect(s, name, (live) => write(s, name, live));
    });
  // no-op writes
  cases.push(onCreated('noop/put-unchanged', (s, name, live) => send(s, 'PUT', s.item(WRITE_NS, name), JSON_CT, live)));
  cases.push(onCreated('noop/put-unchanged-no-rv', (s, name, live) => send(s, 'PUT', s.item(WRITE_NS, name), JSON_CT, { ...live, metadata: { ...meta(live), resourceVersion: undefined } })));
  cases.push(onCreated('noop/merge-empty', (s, name) => send(s, 'PATCH', s.item(WRITE_NS, name), MERGE, {})));
  cases.push(onCreated('noop/merge-same-label', (s, name) => send(s, 'PATCH', s.item(WRITE_NS, name), MERGE, { metadata: { labels: { app: 'x' } } })));
  cases.push(onCreated('noop/merge-same-spec', (s, name) => send(s, 'PATCH', s.item(WRITE_NS, name), MERGE, { spec: { syncingMode: 'PATCH' } })));
  cases.push(onCreated('noop/json-patch-empty', (s, name) => send(s, 'PATCH', s.item(WRITE_NS, name), JSONPATCH, [])));
  cases.push(onCreated('noop/json-patch-test', (s, name) => send(s, 'PATCH', s.item(WRITE_NS, name), JSONPATCH, [{ op: 'test', path: '/spec/syncingMode', value: 'PATCH' }])));
  cases.push(onCreated('noop/status-ignored-on-main', (s, name) => send(s, 'PATCH', s.item(WRITE_NS, name), MERGE, { status: { state: 'RUNNING' } })));
  cases.push(onCreated('noop/empty-labels-annotations-finalizers-merge', (s, name) => send(s, 'PATCH', s.item(WRITE_NS, name), MERGE, { metadata: { finalizers: [] } })));
  cases.push(own('noop/apply-twice', async (s, name) => {
    const config = manifest(s, WRITE_NS, name);
    const first = await send(s, 'PATCH', `${s.item(WRITE_NS, name)}?fieldManager=tester`, APPLY, config);
    return { first: first.status, second: await effect(s, name, () => send(s, 'PATCH', `${s.item(WRITE_NS, name)}?fieldManager=tester`, APPLY, config)) };
  }));
  // changes: what moves
  cases.push(onCreated('change/label-add', (s, name) => send(s, 'PATCH', s.item(WRITE_NS, name), MERGE, { metadata: { labels: { extra: 'y' } } })));
  cases.push(onCreated('change/label-remove', (s, name) => send(s, 'PATCH', s.item(WRITE_NS, name), MERGE, { metadata: { labels: { app: null } } })));
  cases.push(onCreated('change/annotation-remove-last', (s, name) => send(s, 'PATCH', s.item(WRITE_NS, name), MERGE, { metadata: { annotations: { note: null } } })));
  cases.push(onCreated('change/spec-parallelism', (s, name) => send(s, 'PATCH', s.item(WRITE_NS, name), MERGE, { spec: { deployment: { spec: { template: { spec: { parallelism: 2 } } } } } })));
  cases.push(onCreated('change/spec-json-patch', (s, name) => send(s, 'PATCH', s.item(WRITE_NS, name), JSONPATCH, [{ op: 'replace', path: '/spec/deployment/spec/template/spec/parallelism', value: 3 }])));
  cases.push(onCreated('change/put-spec', (s, name, live) => send(s, 'PUT', s.item(WRITE_NS, name), JSON_CT, { ...live, spec: { ...(live.spec as object), syncingMode: 'PUT' } })));
  cases.push(onCreated('change/put-drops-labels', (s, name, live) => send(s, 'PUT', s.item(WRITE_NS, name), JSON_CT, { ...live, metadata: { ...meta(live), labels: undefined } })));
  cases.push(onCreated('change/dryrun-merge', (s, name) => send(s, 'PATCH', `${s.item(WRITE_NS, name)}?dryRun=All`, MERGE, { spec: { deployment: { spec: { template: { spec: { parallelism: 2 } } } } } })));
  cases.push(onCreated('change/dryrun-put', (s, name, live) => send(s, 'PUT', `${s.item(WRITE_NS, name)}?dryRun=All`, JSON_CT, { ...live, metadata: { ...meta(live), labels: { other: 'z' } } })));
  cases.push(onCreated('change/generateName-on-update-ignored', (s, name) => send(s, 'PATCH', s.item(WRITE_NS, name), MERGE, { metadata: { generateName: 'zz-' } })));
  // empty metadata collections on create
  for (const [what, extra] of Object.entries<Record<string, Json>>({
    'labels-empty': { labels: {} }, 'annotations-empty': { annotations: {} }, 'finalizers-empty': { finalizers: [] },
    'ownerReferences-empty': { ownerReferences: [] }, 'all-empty': { labels: {}, annotations: {}, finalizers: [], ownerReferences: [] },
    'labels-null': { labels: null }, 'annotations-null': { annotations: null },
  })) {
    cases.push(own(`empty-metadata/create-${what}`, async (s, name) => {
      const m = manifest(s, WRITE_NS, name, { metadata: extra });
      const res = await send(s, 'POST', s.collection(WRITE_NS), JSON_CT, m);
      const o = await get(s, WRITE_NS, name);
      // The owner label the product adds is set aside (documented), as everywhere.
      const keys = (x: unknown) => Object.entries(meta(x)).filter(([k]) => ['labels', 'annotations', 'finalizers', 'ownerReferences'].includes(k))
        .map(([k, v]) => [k, k === 'labels' && isObj(v) ? Object.fromEntries(Object.entries(v).filter(([l]) => l !== OWNER_LABEL)) : v] as const)
        .filter(([k, v]) => !(k === 'labels' && isObj(v) && Object.keys(v).length === 0 && OWNER_LABEL in (meta(x).labels as object)))
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`).sort();
      return { code: res.status, answerKeys: res.status < 300 ? keys(JSON.parse(res.body)) : observed(res), readKeys: keys(o) };
    }));
  }
  // generateName
  cases.push(own('generateName/create', async (s, name) => {
    const m = manifest(s, WRITE_NS, '', { metadata: { generateName: `${name}-` } });
    const res = await send(s, 'POST', s.collection(WRITE_NS), JSON_CT, m);
    const o = JSON.parse(res.body) as Record<string, unknown>;
    const made = String(meta(o).name ?? '');
    return { code: res.status, generateName: meta(o).generateName ?? 'absent', prefixed: made.startsWith(`${name}-`), suffix: made.length - name.length - 1, readBack: meta(await get(s, WRITE_NS, made)).generateName ?? 'absent' };
  }));
  cases.push(own('generateName/dryRun', async (s, name) => {
    const res = await send(s, 'POST', `${s.collection(WRITE_NS)}?dryRun=All`, JSON_CT, manifest(s, WRITE_NS, '', { metadata: { generateName: `${name}-` } }));
    const o = JSON.parse(res.body) as Record<string, unknown>;
    return { code: res.status, generateName: meta(o).generateName ?? 'absent', named: String(meta(o).name ?? '').startsWith(`${name}-`), uid: Boolean(meta(o).uid), rv: rvOf(o) ?? 'absent' };
  }));
  cases.push(own('generateName/with-name', async (s, name) => {
    const res = await send(s, 'POST', s.collection(WRITE_NS), JSON_CT, manifest(s, WRITE_NS, name, { metadata: { generateName: 'zz-' } }));
    return { code: res.status, name: meta(JSON.parse(res.body)).name === name, generateName: meta(JSON.parse(res.body)).generateName ?? 'absent' };
  }));
  // create answer shape
  cases.push(own('create/answer-shape', async (s, name) => {
    const res = await send(s, 'POST', `${s.collection(WRITE_NS)}?fieldManager=shaper`, JSON_CT, manifest(s, WRITE_NS, name, { labels: { a: 'b' } }));
    const o = JSON.parse(res.body) as Record<string, unknown>;
    return { code: res.status, contentType: String(res.headers['content-type']).split(';')[0], object: o };
  }));
  cases.push(own('create/dryRun-answer-shape', async (s, name) => {
    const res = await send(s, 'POST', `${s.collection(WRITE_NS)}?dryRun=All`, JSON_CT, manifest(s, WRITE_NS, name));
    const o = JSON.parse(res.body) as Record<string, unknown>;
    // labels holding only the product's owner label (a documented difference) are not a key of their own.
    const onlyOwner = (k: string) => k === 'labels' && Object.keys(meta(o).labels as object).every((l) => l === OWNER_LABEL);
    return { code: res.status, keys: Object.keys(meta(o)).filter((k) => !onlyOwner(k)).sort(), generation: genOf(o), stored: Boolean(await get(s, WRITE_NS, name)) };
  }));
  cases.push(own('create/spec-defaulted', async (s, name) => {
    const m = manifest(s, WRITE_NS, name);
    const spec = m.spec as Record<string, Json>;
    delete spec.deletionPolicy;
    delete (spec.deployment as Record<string, Json>).metadata;
    await send(s, 'POST', s.collection(WRITE_NS), JSON_CT, m);
    return (await get(s, WRITE_NS, name))?.spec;
  }));
  // finalizers and deletion
  const withFinalizer = (caseName: string, then: (s: SideApi, name: string) => Promise<unknown>) => own(caseName, async (s, name) => {
    await create(s, WRITE_NS, name, { metadata: { finalizers: ['conformance.test/hold'] } });
    const del = await send(s, 'DELETE', s.item(WRITE_NS, name), JSON_CT, '');
    const delBody = JSON.parse(del.body) as Record<string, unknown>;
    const deleting = await get(s, WRITE_NS, name);
    return { deleteCode: del.status, deleteKind: delBody.kind, deletionTimestamp: Boolean(meta(deleting).deletionTimestamp), finalizers: meta(deleting).finalizers, then: await then(s, name) };
  });
  cases.push(withFinalizer('finalizers/add-while-deleting', async (s, name) => {
    const res = await send(s, 'PATCH', s.item(WRITE_NS, name), MERGE, { metadata: { finalizers: ['conformance.test/hold', 'conformance.test/other'] } });
    return observed(res);
  }));
  cases.push(withFinalizer('finalizers/spec-change-while-deleting', async (s, name) => {
    const res = await send(s, 'PATCH', s.item(WRITE_NS, name), MERGE, { spec: { deployment: { spec: { template: { spec: { parallelism: 4 } } } } } });
    return res.status < 300 ? { code: res.status } : observed(res);
  }));
  cases.push(withFinalizer('finalizers/delete-again', async (s, name) => {
    const res = await send(s, 'DELETE', s.item(WRITE_NS, name), JSON_CT, '');
    const b = JSON.parse(res.body) as Record<string, unknown>;
    return { code: res.status, kind: b.kind };
  }));
  cases.push(withFinalizer('finalizers/remove-last', async (s, name) => {
    const res = await send(s, 'PATCH', s.item(WRITE_NS, name), MERGE, { metadata: { finalizers: null } });
    const gone = await eventually(`${name} gone`, async () => (await get(s, WRITE_NS, name)) === undefined, 90_000).catch(() => false);
    return { code: res.status, gone };
  }));
  cases.push(own('finalizers/add-and-remove', async (s, name) => {
    await create(s, WRITE_NS, name);
    const add = await effect(s, name, () => send(s, 'PATCH', s.item(WRITE_NS, name), MERGE, { metadata: { finalizers: ['conformance.test/x'] } }));
    const remove = await effect(s, name, () => send(s, 'PATCH', s.item(WRITE_NS, name), JSONPATCH, [{ op: 'remove', path: '/metadata/finalizers' }]));
    return { add, remove };
  }));
  // delete answers
  for (const [what, query] of Object.entries({ plain: '', background: '?propagationPolicy=Background', 'dryRun': '?dryRun=All', 'uid-precondition-ok': '' })) {
    cases.push(own(`delete-answer/${what}`, async (s, name) => {
      const o = await create(s, WRITE_NS, name);
      const body = what === 'uid-precondition-ok' ? JSON.stringify({ preconditions: { uid: meta(o).uid } }) : '';
      const res = await send(s, 'DELETE', `${s.item(WRITE_NS, name)}${query}`, JSON_CT, body);
      const b = JSON.parse(res.body) as Record<string, unknown>;
      const shape = b.kind === 'Status' ? b : { kind: b.kind, deletionTimestamp: Boolean(meta(b).deletionTimestamp), finalizers: meta(b).finalizers ?? 'absent' };
      const gone = query === '?dryRun=All' ? (await get(s, WRITE_NS, name)) === undefined
        : await eventually(`${name} gone`, async () => (await get(s, WRITE_NS, name)) === undefined, 90_000).catch(() => false);
      return { code: res.status, shape, gone };
    }));
  }
  // server-side apply
  const applyAs = (s: SideApi, name: string, manager: string, config: unknown, force = false) =>
    send(s, 'PATCH', `${s.item(WRITE_NS, name)}?fieldManager=${manager}${force ? '&force=true' : ''}`, APPLY, config);
  const applied = (s: SideApi, name: string, parallelism: number) => {
    const m = manifest(s, WRITE_NS, name, { parallelism });
    return m;
  };
  cases.push(own('ssa/create-managedFields', async (s, name) => {
    const res = await applyAs(s, name, 'alpha', applied(s, name, 1));
    return { code: res.status, managedFields: meta(JSON.parse(res.body)).managedFields };
  }));
  cases.push(own('ssa/conflict', async (s, name) => {
    await applyAs(s, name, 'alpha', applied(s, name, 1));
    return observed(await applyAs(s, name, 'beta', applied(s, name, 2)));
  }));
  cases.push(own('ssa/force', async (s, name) => {
    await applyAs(s, name, 'alpha', applied(s, name, 1));
    const res = await applyAs(s, name, 'beta', applied(s, name, 2), true);
    return { code: res.status, managedFields: meta(JSON.parse(res.body)).managedFields };
  }));
  cases.push(own('ssa/shared-ownership', async (s, name) => {
    await applyAs(s, name, 'alpha', applied(s, name, 1));
    const res = await applyAs(s, name, 'beta', applied(s, name, 1));
    return { code: res.status, managedFields: meta(JSON.parse(res.body)).managedFields };
  }));
  cases.push(own('ssa/after-update-manager', async (s, name) => {
    await create(s, WRITE_NS, name, { labels: { a: 'b' } });
    await send(s, 'PATCH', `${s.item(WRITE_NS, name)}?fieldManager=editor`, MERGE, { metadata: { labels: { c: 'd' } } });
    const res = await applyAs(s, name, 'alpha', { apiVersion: s.apiVersion, kind: 'VvpDeployment', metadata: { name, labels: { e: 'f' } } });
    return { code: res.status, managedFields: meta(JSON.parse(res.body)).managedFields, labels: meta(JSON.parse(res.body)).labels };
  }));
  cases.push(own('ssa/remove-field-by-omission', async (s, name) => {
    await applyAs(s, name, 'alpha', manifest(s, WRITE_NS, name, { labels: { a: 'b', c: 'd' } }));
    const res = await applyAs(s, name, 'alpha', manifest(s, WRITE_NS, name, { labels: { a: 'b' } }));
    return { code: res.status, labels: meta(JSON.parse(res.body)).labels };
  }));
  cases.push(own('ssa/update-conflict-with-apply', async (s, name) => {
    await applyAs(s, name, 'alpha', applied(s, name, 1));
    const res = await send(s, 'PATCH', `${s.item(WRITE_NS, name)}?fieldManager=editor`, MERGE, { spec: { deployment: { spec: { template: { spec: { parallelism: 5 } } } } } });
    return { code: res.status, managedFields: res.status < 300 ? meta(JSON.parse(res.body)).managedFields : observed(res) };
  }));
  cases.push(own('managedFields/put-clears', async (s, name) => {
    const o = await create(s, WRITE_NS, name);
    const res = await send(s, 'PUT', s.item(WRITE_NS, name), JSON_CT, { ...o, metadata: { ...meta(o), managedFields: [] } });
    return { code: res.status, managedFields: meta(JSON.parse(res.body)).managedFields ?? 'absent' };
  }));
  cases.push(own('managedFields/update-entry', async (s, name) => {
    await create(s, WRITE_NS, name);
    const res = await send(s, 'PATCH', `${s.item(WRITE_NS, name)}?fieldManager=labeler`, MERGE, { metadata: { labels: { x: 'y' } } });
    return { code: res.status, managedFields: meta(JSON.parse(res.body)).managedFields };
  }));
  // the status subresource
  const statusWrites: Record<string, (s: SideApi, name: string, live: Record<string, unknown>) => Promise<{ status: number; body: string; headers: Record<string, unknown> }>> = {
    'merge-status': (s, name) => send(s, 'PATCH', s.item(WRITE_NS, name, 'status'), MERGE, { status: { state: 'RUNNING' } }),
    'merge-spec-through-status': (s, name) => send(s, 'PATCH', s.item(WRITE_NS, name, 'status'), MERGE, { spec: { syncingMode: 'PUT' } }),
    'merge-label-through-status': (s, name) => send(s, 'PATCH', s.item(WRITE_NS, name, 'status'), MERGE, { metadata: { labels: { via: 'status' } } }),
    'put-status': (s, name, live) => send(s, 'PUT', s.item(WRITE_NS, name, 'status'), JSON_CT, { ...live, status: { state: 'RUNNING' } }),
    'put-unchanged': (s, name, live) => send(s, 'PUT', s.item(WRITE_NS, name, 'status'), JSON_CT, live),
    'apply-status': (s, name) => send(s, 'PATCH', `${s.item(WRITE_NS, name, 'status')}?fieldManager=st`, APPLY, { apiVersion: s.apiVersion, kind: 'VvpDeployment', metadata: { name }, status: { state: 'RUNNING' } }),
    'json-patch-status': (s, name) => send(s, 'PATCH', s.item(WRITE_NS, name, 'status'), JSONPATCH, [{ op: 'add', path: '/status', value: { state: 'X' } }]),
    'delete-status': (s, name) => send(s, 'DELETE', s.item(WRITE_NS, name, 'status'), JSON_CT, ''),
    'post-status': (s, name, live) => send(s, 'POST', s.item(WRITE_NS, name, 'status'), JSON_CT, live),
  };
  for (const [what, write] of Object.entries(statusWrites)) {
    cases.push(onCreated(`status/${what}`, write));
  }
  cases.push(own('status/get', async (s, name) => {
    await create(s, WRITE_NS, name);
    const res = await s.send({ path: s.item(WRITE_NS, name, 'status'), headers: { accept: 'application/json' } });
    const o = res.status === 200 ? JSON.parse(res.body) as Record<string, unknown> : undefined;
    return { code: res.status, kind: o?.kind, hasSpec: isObj(o?.spec), name: meta(o).name };
  }));
  return cases;
}

/** kubectl as a platform engineer runs it, on both sides: exit code and normalised output. */
export function kubectlCases(): Case[] {
  const cases: Case[] = [];
  const yaml = (s: SideApi, name: string, extra: Record<string, Json> = {}) => JSON.stringify({ ...manifest(s, WRITE_NS, name, { labels: { app: 'k' } }), ...extra });
  const out = (r: { code: number; stdout: string; stderr: string }) => ({ code: r.code, stdout: r.stdout.trim(), stderr: withoutEffectLines(r.stderr).replace(/^.*?(error|Error)/s, '$1').trim().slice(0, 300) });
  cases.push(own('kubectl/apply-create-then-unchanged', async (s, name) => {
    const a = await s.kubectl(['apply', '-f', '-'], yaml(s, name));
    const o1 = await get(s, WRITE_NS, name);
    const platform = await s.platformVersion(name);
    const b = await s.kubectl(['apply', '-f', '-'], yaml(s, name));
    const o2 = await get(s, WRITE_NS, name);
    return { first: out(a), second: out(b), rvKept: rvOf(o1) === rvOf(o2), platformWriteWithoutChange: rvOf(o1) === rvOf(o2) && (await s.platformVersion(name)) !== platform };
  }));
  cases.push(own('kubectl/diff-unchanged', async (s, name) => {
    await s.kubectl(['apply', '-f', '-'], yaml(s, name));
    return out(await s.kubectl(['diff', '-f', '-'], yaml(s, name)));
  }));
  cases.push(own('kubectl/diff-unchanged-empty-collections', async (s, name) => {
    const m = yaml(s, name, {}).replace('"labels":{"app":"k"}', '"labels":{"app":"k"},"annotations":{},"finalizers":[]');
    await s.kubectl(['apply', '-f', '-'], m);
    return out(await s.kubectl(['diff', '-f', '-'], m));
  }));
  cases.push(own('kubectl/diff-changed', async (s, name) => {
    await s.kubectl(['apply', '-f', '-'], yaml(s, name));
    const r = await s.kubectl(['diff', '-f', '-'], JSON.stringify(manifest(s, WRITE_NS, name, { labels: { app: 'k' }, parallelism: 2 })));
    return { code: r.code, changed: r.stdout.split('\n').filter((l) => /^[-+]\s/.test(l) && !/generation|resourceVersion|time:|uid:/.test(l)).map((l) => l.replace(/\s+/g, ' ')) };
  }));
  cases.push(own('kubectl/replace-unchanged', async (s, name) => {
    await s.kubectl(['apply', '-f', '-'], yaml(s, name));
    const y = await s.kubectl(['get', s.resource, name, '-n', WRITE_NS, '-o', 'yaml']);
    const before = await get(s, WRITE_NS, name);
    const platform = await s.platformVersion(name);
    const r = await s.kubectl(['replace', '-f', '-'], y.stdout);
    return { replace: out(r), rvKept: rvOf(before) === rvOf(await get(s, WRITE_NS, name)), platformWriteWithoutChange: rvOf(before) === rvOf(await get(s, WRITE_NS, name)) && (await s.platformVersion(name)) !== platform };
  }));
  cases.push(own('kubectl/replace-then-apply-old', async (s, name) => {
    await s.kubectl(['apply', '-f', '-'], yaml(s, name));
    const y = await s.kubectl(['get', s.resource, name, '-n', WRITE_NS, '-o', 'yaml']);
    await s.kubectl(['replace', '-f', '-'], y.stdout);
    return out(await s.kubectl(['apply', '-f', '-'], y.stdout));
  }));
  cases.push(own('kubectl/label-annotate', async (s, name) => {
    await s.kubectl(['apply', '-f', '-'], yaml(s, name));
    const l = await s.kubectl(['label', s.resource, name, '-n', WRITE_NS, 'team=data']);
    const l2 = await s.kubectl(['label', s.resource, name, '-n', WRITE_NS, 'team=other']);
    const l3 = await s.kubectl(['label', s.resource, name, '-n', WRITE_NS, '--overwrite', 'team=other']);
    const a = await s.kubectl(['annotate', s.resource, name, '-n', WRITE_NS, 'note=hello']);
    const a2 = await s.kubectl(['annotate', s.resource, name, '-n', WRITE_NS, 'note-']);
    const l4 = await s.kubectl(['label', s.resource, name, '-n', WRITE_NS, 'team-', 'app-']);
    const o = await get(s, WRITE_NS, name);
    return { outs: [l, l2, l3, a, a2, l4].map(out), labels: meta(o).labels ?? 'absent', annotations: Object.keys(isObj(meta(o).annotations) ? meta(o).annotations as object : {}) };
  }));
  cases.push(own('kubectl/label-same-value', async (s, name) => {
    await s.kubectl(['apply', '-f', '-'], yaml(s, name));
    const before = await get(s, WRITE_NS, name);
    const r = await s.kubectl(['label', s.resource, name, '-n', WRITE_NS, '--overwrite', 'app=k']);
    return { r: out(r), rvKept: rvOf(before) === rvOf(await get(s, WRITE_NS, name)) };
  }));
  cases.push(own('kubectl/edit', async (s, name) => {
    await s.kubectl(['apply', '-f', '-'], yaml(s, name));
    const dir = mkdtempSync(join(tmpdir(), 'conf-edit-'));
    const editor = join(dir, 'editor.sh');
    writeFileSync(editor, '#!/bin/sh\nsed -i "s/parallelism: 1/parallelism: 7/" "$1"\n', { mode: 0o755 });
    const r = await s.kubectl(['edit', s.resource, name, '-n', WRITE_NS], undefined, { KUBE_EDITOR: editor, EDITOR: editor });
    const o = await get(s, WRITE_NS, name);
    return { r: out(r), generation: genOf(o), parallelism: JSON.stringify(o?.spec).includes('"parallelism":7') };
  }));
  cases.push(own('kubectl/edit-unchanged', async (s, name) => {
    await s.kubectl(['apply', '-f', '-'], yaml(s, name));
    const r = await s.kubectl(['edit', s.resource, name, '-n', WRITE_NS], undefined, { KUBE_EDITOR: 'true', EDITOR: 'true' });
    return out(r);
  }));
  cases.push(own('kubectl/apply-server-side', async (s, name) => {
    const a = await s.kubectl(['apply', '--server-side', '-f', '-'], yaml(s, name));
    const b = await s.kubectl(['apply', '--server-side', '--field-manager=other', '-f', '-'], JSON.stringify(manifest(s, WRITE_NS, name, { labels: { app: 'k' }, parallelism: 3 })));
    const c = await s.kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], yaml(s, name));
    return [a, b, c].map(out);
  }));
  cases.push(own('kubectl/create-dry-run-server', async (s, name) => out(await s.kubectl(['create', '--dry-run=server', '-f', '-'], yaml(s, name)))));
  cases.push(own('kubectl/create-validate-strict', async (s, name) => out(await s.kubectl(['create', '--validate=strict', '-f', '-'], yaml(s, name, { spec: { ...(manifest(s, WRITE_NS, name).spec as object), bogus: 1 } })))));
  cases.push(own('kubectl/create-validate-warn', async (s, name) => out(await s.kubectl(['create', '--validate=warn', '-f', '-'], yaml(s, name, { spec: { ...(manifest(s, WRITE_NS, name).spec as object), bogus: 1 } })))));
  cases.push(own('kubectl/wait-delete', async (s, name) => {
    await s.kubectl(['apply', '-f', '-'], yaml(s, name));
    const d = await s.kubectl(['delete', s.resource, name, '-n', WRITE_NS, '--wait=false']);
    const w = await s.kubectl(['wait', '--for=delete', `${s.resource}/${name}`, '-n', WRITE_NS, '--timeout=90s']);
    return [d, w].map(out);
  }));
  cases.push(own('kubectl/wait-jsonpath', async (s, name) => {
    await s.kubectl(['apply', '-f', '-'], yaml(s, name));
    return out(await s.kubectl(['wait', `--for=jsonpath={.spec.syncingMode}=PATCH`, `${s.resource}/${name}`, '-n', WRITE_NS, '--timeout=60s']));
  }));
  for (const cascade of ['orphan', 'foreground', 'background']) {
    cases.push(own(`kubectl/delete-cascade=${cascade}`, async (s, name) => {
      await s.kubectl(['apply', '-f', '-'], yaml(s, name));
      const d = await s.kubectl(['delete', s.resource, name, '-n', WRITE_NS, `--cascade=${cascade}`, '--timeout=90s']);
      return { d: out(d), gone: (await get(s, WRITE_NS, name)) === undefined };
    }));
  }
  cases.push(own('kubectl/delete-missing', async (s, name) => out(await s.kubectl(['delete', s.resource, name, '-n', WRITE_NS]))));
  cases.push(own('kubectl/delete-ignore-not-found', async (s, name) => out(await s.kubectl(['delete', s.resource, name, '-n', WRITE_NS, '--ignore-not-found']))));
  cases.push(own('kubectl/get-missing', async (s, name) => out(await s.kubectl(['get', s.resource, name, '-n', WRITE_NS]))));
  cases.push(own('kubectl/get-name-output', async (s, name) => {
    await s.kubectl(['apply', '-f', '-'], yaml(s, name));
    return [await s.kubectl(['get', s.resource, name, '-n', WRITE_NS, '-o', 'name']), await s.kubectl(['get', s.resource, '-n', WRITE_NS, '-l', 'app=k', '-o', 'name', '--field-selector', `metadata.name=${name}`])].map(out);
  }));
  cases.push(own('kubectl/get-custom-columns', async (s, name) => {
    await s.kubectl(['apply', '-f', '-'], yaml(s, name));
    return out(await s.kubectl(['get', s.resource, name, '-n', WRITE_NS, '-o', 'custom-columns=NAME:.metadata.name,MODE:.spec.syncingMode,GEN:.metadata.generation']));
  }));
  cases.push(own('kubectl/patch-json', async (s, name) => {
    await s.kubectl(['apply', '-f', '-'], yaml(s, name));
    return [await s.kubectl(['patch', s.resource, name, '-n', WRITE_NS, '--type=json', '-p', '[{"op":"replace","path":"/spec/syncingMode","value":"PUT"}]']),
      await s.kubectl(['patch', s.resource, name, '-n', WRITE_NS, '--type=merge', '-p', '{"spec":{"syncingMode":"PUT"}}']),
      await s.kubectl(['patch', s.resource, name, '-n', WRITE_NS, '-p', '{"spec":{"syncingMode":"PUT"}}'])].map(out);
  }));
  return cases;
}

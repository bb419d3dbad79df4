// Refusals and their causes, verb by verb, from tables: what a create, a replace, a patch or a delete with a bad
// body or bad options answers (code, reason, message, details and causes), and that a refused write leaves nothing.
import type { Case, SideApi } from '../../support/differential.js';
import { APPLY, JSONPATCH, JSON_CT, MERGE, WRITE_NS, get, manifest, meta, observed, type Json } from './fixtures.js';

type Body = (s: SideApi, name: string) => string;
const asJson = (f: (m: Record<string, Json>) => void): Body => (s, name) => {
  const m = manifest(s, WRITE_NS, name);
  f(m);
  return JSON.stringify(m);
};
const spec = (m: Record<string, Json>) => (m.spec as Record<string, Json>);
const depSpec = (m: Record<string, Json>) => ((spec(m).deployment as Record<string, Json>).spec as Record<string, Json>);
const tmplSpec = (m: Record<string, Json>) => ((depSpec(m).template as Record<string, Json>).spec as Record<string, Json>);
const md = (m: Record<string, Json>) => m.metadata as Record<string, Json>;

/** Bodies a create is sent, by name; each case posts one and then reads the name back. */
const createBodies: Record<string, Body> = {
  'name-uppercase': asJson((m) => { md(m).name = 'Upper'; }),
  'name-underscore': asJson((m) => { md(m).name = 'a_b'; }),
  'name-leading-dash': asJson((m) => { md(m).name = '-ab'; }),
  'name-trailing-dash': asJson((m) => { md(m).name = 'ab-'; }),
  'name-too-long': asJson((m) => { md(m).name = 'a'.repeat(254); }),
  'name-missing': asJson((m) => { delete md(m).name; }),
  'name-empty': asJson((m) => { md(m).name = ''; }),
  'name-number': asJson((m) => { md(m).name = 12 as unknown as Json; }),
  'namespace-mismatch': asJson((m) => { md(m).namespace = 'elsewhere'; }),
  'kind-wrong': asJson((m) => { m.kind = 'Deployment'; }),
  'kind-missing': asJson((m) => { delete m.kind; }),
  'apiversion-wrong': asJson((m) => { m.apiVersion = 'apps/v1'; }),
  'apiversion-missing': asJson((m) => { delete m.apiVersion; }),
  'resourceversion-set': asJson((m) => { md(m).resourceVersion = '12'; }),
  'spec-missing': asJson((m) => { delete m.spec; }),
  'spec-array': asJson((m) => { m.spec = []; }),
  'spec-string': asJson((m) => { m.spec = 'x'; }),
  'syncingmode-missing': asJson((m) => { delete spec(m).syncingMode; }),
  'syncingmode-bogus': asJson((m) => { spec(m).syncingMode = 'BOGUS'; }),
  'state-bogus': asJson((m) => { depSpec(m).state = 'BOGUS'; }),
  'state-number': asJson((m) => { depSpec(m).state = 3; }),
  'parallelism-string': asJson((m) => { tmplSpec(m).parallelism = 'x'; }),
  'parallelism-zero': asJson((m) => { tmplSpec(m).parallelism = 0; }),
  'parallelism-huge': asJson((m) => { tmplSpec(m).parallelism = 2 ** 31; }),
  'parallelism-float': asJson((m) => { tmplSpec(m).parallelism = 1.5; }),
  'artifact-kind-bogus': asJson((m) => { (tmplSpec(m).artifact as Record<string, Json>).kind = 'BOGUS'; }),
  'labels-bad-value': asJson((m) => { md(m).labels = { a: 'b c' }; }),
  'labels-bad-key': asJson((m) => { md(m).labels = { 'a/b/c': 'x' }; }),
  'labels-not-string': asJson((m) => { md(m).labels = { a: 1 }; }),
  'annotations-bad-key': asJson((m) => { md(m).annotations = { '-x': 'y' }; }),
  'finalizers-bad': asJson((m) => { md(m).finalizers = ['Not Valid']; }),
  'ownerref-no-uid': asJson((m) => { md(m).ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: '' }]; }),
  'ownerref-two-controllers': asJson((m) => {
    md(m).ownerReferences = [
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: '0b7d1d5e-0000-4000-8000-000000000001', controller: true },
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'y', uid: '0b7d1d5e-0000-4000-8000-000000000002', controller: true },
    ];
  }),
  'metadata-array': asJson((m) => { m.metadata = []; }),
  'unknown-top-field': asJson((m) => { m.bogus = 1; }),
  'body-array': () => '[]',
  'body-not-json': () => '{"apiVersion": ',
  'body-empty': () => '',
  'body-null': () => 'null',
};

/** Bodies with fields the schema does not know, or a field twice, under each fieldValidation. */
const unknownFieldBodies: Record<string, Body> = {
  'unknown-spec-field': asJson((m) => { spec(m).bogus = 1; }),
  'unknown-nested-field': asJson((m) => { tmplSpec(m).bogus = 'x'; }),
  'unknown-metadata-field': asJson((m) => { md(m).bogus = 'x'; }),
  'duplicate-field': (s, name) => JSON.stringify(manifest(s, WRITE_NS, name)).replace('"spec":{', '"spec":{"syncingMode":"PUT",'),
  'duplicate-metadata-field': (s, name) => JSON.stringify(manifest(s, WRITE_NS, name)).replace('"metadata":{', '"metadata":{"namespace":"conf-write",'),
};
const FIELD_VALIDATIONS = ['', 'Strict', 'Warn', 'Ignore', 'Bogus'];
const DRY_RUNS = ['All', 'Bogus', 'all', ''];

let serial = 0;
/** A fresh name per side per case (both sides get the same name: the groups differ). */
const nameFor = (c: string) => `e-${c}`.slice(0, 50).replace(/[^a-z0-9-]/g, '-').replace(/-+$/, '') + `-${(serial++).toString(36)}`;

async function createAndRead(s: SideApi, name: string, body: string, query = '', headers: Record<string, string> = JSON_CT) {
  const res = await s.send({ method: 'POST', path: `${s.collection(WRITE_NS)}${query}`, headers, body });
  const created = res.status === 201 ? meta(JSON.parse(res.body)).name as string : undefined;
  const after = created ? await get(s, WRITE_NS, created) : undefined;
  return { answer: observed(res), readBack: after ? 'exists' : 'absent' };
}

/** The same suffix on both sides: names are chosen once per case. */
function withName(caseName: string, run: (s: SideApi, name: string) => Promise<unknown>): Case {
  const name = nameFor(caseName);
  return { name: caseName, run: (s) => run(s, name) };
}

export function errorCases(shared: { target: string }): Case[] {
  const cases: Case[] = [];
  for (const [what, body] of Object.entries(createBodies)) {
    cases.push(withName(`create/${what}`, (s, name) => createAndRead(s, name, body(s, name))));
  }
  for (const [what, body] of Object.entries(unknownFieldBodies)) {
    for (const fv of FIELD_VALIDATIONS) {
      cases.push(withName(`create/${what}/fieldValidation=${fv || 'unset'}`, (s, name) => createAndRead(s, name, body(s, name), fv ? `?fieldValidation=${fv}` : '')));
    }
  }
  for (const dr of DRY_RUNS) {
    cases.push(withName(`create/dryRun=${dr || 'empty'}`, (s, name) => createAndRead(s, name, JSON.stringify(manifest(s, WRITE_NS, name)), `?dryRun=${dr}`)));
  }
  cases.push(withName('create/dryRun-twice', (s, name) => createAndRead(s, name, JSON.stringify(manifest(s, WRITE_NS, name)), '?dryRun=All&dryRun=All')));
  cases.push(withName('create/content-type-yaml', (s, name) => createAndRead(s, name,
    `apiVersion: ${s.apiVersion}\nkind: VvpDeployment\nmetadata:\n  name: ${name}\nspec: ${JSON.stringify(manifest(s, WRITE_NS, name).spec)}\n`, '',
    { 'content-type': 'application/yaml', accept: 'application/json' })));
  cases.push(withName('create/content-type-protobuf', (s, name) => createAndRead(s, name, JSON.stringify(manifest(s, WRITE_NS, name)), '',
    { 'content-type': 'application/vnd.kubernetes.protobuf', accept: 'application/json' })));
  cases.push(withName('create/content-type-text', (s, name) => createAndRead(s, name, JSON.stringify(manifest(s, WRITE_NS, name)), '',
    { 'content-type': 'text/plain', accept: 'application/json' })));
  cases.push(withName('create/already-exists', async (s) => observed(await s.send({ method: 'POST', path: s.collection(WRITE_NS), headers: JSON_CT, body: JSON.stringify(manifest(s, WRITE_NS, shared.target)) }))));
  cases.push(withName('create/fieldManager-too-long', (s, name) => createAndRead(s, name, JSON.stringify(manifest(s, WRITE_NS, name)), `?fieldManager=${'m'.repeat(129)}`)));

  // Replace, patch and delete of the shared target that must all be refused (or be dry runs): the target never changes.
  const t = shared.target;
  const put = (mutate: (m: Record<string, Json>, live: Record<string, unknown>) => void, query = '', headers = JSON_CT) => async (s: SideApi) => {
    const live = (await get(s, WRITE_NS, t))!;
    const m = manifest(s, WRITE_NS, t);
    md(m).resourceVersion = meta(live).resourceVersion as string;
    mutate(m, live);
    const res = await s.send({ method: 'PUT', path: `${s.item(WRITE_NS, t)}${query}`, headers, body: JSON.stringify(m) });
    return { answer: res.status < 300 ? { code: res.status } : observed(res), unchanged: meta(await get(s, WRITE_NS, t)).resourceVersion === meta(live).resourceVersion };
  };
  const putCases: Record<string, ReturnType<typeof put>> = {
    'name-mismatch': put((m) => { md(m).name = 'other'; }),
    'namespace-mismatch': put((m) => { md(m).namespace = 'elsewhere'; }),
    'resourceversion-stale': put((m) => { md(m).resourceVersion = '1'; }),
    'resourceversion-missing': put((m) => { delete md(m).resourceVersion; }),
    'resourceversion-garbage': put((m) => { md(m).resourceVersion = 'abc'; }),
    'uid-mismatch': put((m) => { md(m).uid = '0b7d1d5e-0000-4000-8000-0000000000ff'; }),
    'kind-wrong': put((m) => { m.kind = 'Other'; }),
    'state-bogus': put((m) => { depSpec(m).state = 'BOGUS'; }),
    'spec-missing': put((m) => { delete m.spec; }),
    'unknown-field-strict': put((m) => { spec(m).bogus = 1; }, '?fieldValidation=Strict'),
    'dryRun=Bogus': put(() => undefined, '?dryRun=Bogus'),
    'dryRun=All-change': put((m) => { tmplSpec(m).parallelism = 3; }, '?dryRun=All'),
    'fieldValidation=Bogus': put(() => undefined, '?fieldValidation=Bogus'),
    'labels-bad-value': put((m) => { md(m).labels = { a: 'b c' }; }),
    'finalizers-bad': put((m) => { md(m).finalizers = ['Not Valid']; }),
    'content-type-protobuf': put(() => undefined, '', { 'content-type': 'application/vnd.kubernetes.protobuf', accept: 'application/json' }),
  };
  for (const [what, run] of Object.entries(putCases)) cases.push({ name: `replace/${what}`, run });

  const patch = (headers: Record<string, string>, body: string | ((live: Record<string, unknown>) => string), query = '') => async (s: SideApi) => {
    const live = (await get(s, WRITE_NS, t))!;
    const text = typeof body === 'string' ? body.replaceAll('$APIVERSION', s.apiVersion) : body(live);
    const res = await s.send({ method: 'PATCH', path: `${s.item(WRITE_NS, t)}${query}`, headers, body: text });
    return { answer: res.status < 300 ? { code: res.status } : observed(res), unchanged: meta(await get(s, WRITE_NS, t)).resourceVersion === meta(live).resourceVersion };
  };
  const patchCases: Record<string, ReturnType<typeof patch>> = {
    'json-patch-unknown-op': patch(JSONPATCH, '[{"op":"frobnicate","path":"/spec/x","value":1}]'),
    'json-patch-test-fails': patch(JSONPATCH, '[{"op":"test","path":"/spec/syncingMode","value":"PUT"}]'),
    'json-patch-remove-missing': patch(JSONPATCH, '[{"op":"remove","path":"/spec/nothing"}]'),
    'json-patch-replace-missing': patch(JSONPATCH, '[{"op":"replace","path":"/spec/nothing/deeper","value":1}]'),
    'json-patch-not-array': patch(JSONPATCH, '{"op":"add"}'),
    'json-patch-invalid-json': patch(JSONPATCH, '[{"op":'),
    'json-patch-missing-path': patch(JSONPATCH, '[{"op":"add","value":1}]'),
    'json-patch-bad-pointer': patch(JSONPATCH, '[{"op":"add","path":"spec","value":1}]'),
    'json-patch-state-bogus': patch(JSONPATCH, '[{"op":"replace","path":"/spec/deployment/spec/state","value":"BOGUS"}]'),
    'json-patch-remove-spec': patch(JSONPATCH, '[{"op":"remove","path":"/spec"}]'),
    'json-patch-rename': patch(JSONPATCH, '[{"op":"replace","path":"/metadata/name","value":"renamed"}]'),
    'json-patch-test-rv-stale': patch(JSONPATCH, '[{"op":"replace","path":"/metadata/resourceVersion","value":"1"}]'),
    'merge-invalid-json': patch(MERGE, '{"spec":'),
    'merge-array': patch(MERGE, '[1]'),
    'merge-null-spec': patch(MERGE, '{"spec":null}'),
    'merge-state-bogus': patch(MERGE, '{"spec":{"deployment":{"spec":{"state":"BOGUS"}}}}'),
    'merge-rv-stale': patch(MERGE, '{"metadata":{"resourceVersion":"1"},"spec":{"deployment":{"spec":{"template":{"spec":{"parallelism":2}}}}}}'),
    'merge-uid-mismatch': patch(MERGE, '{"metadata":{"uid":"0b7d1d5e-0000-4000-8000-0000000000ff"}}'),
    'merge-rename': patch(MERGE, '{"metadata":{"name":"renamed"}}'),
    'merge-namespace': patch(MERGE, '{"metadata":{"namespace":"elsewhere"}}'),
    'merge-kind': patch(MERGE, '{"kind":"Other"}'),
    'merge-apiversion': patch(MERGE, '{"apiVersion":"apps/v1"}'),
    'merge-labels-bad': patch(MERGE, '{"metadata":{"labels":{"a":"b c"}}}'),
    'merge-unknown-strict': patch(MERGE, '{"spec":{"bogus":1}}', '?fieldValidation=Strict'),
    'merge-unknown-warn-dryrun': patch(MERGE, '{"spec":{"bogus":1}}', '?fieldValidation=Warn&dryRun=All'),
    'merge-duplicate-strict': patch(MERGE, '{"spec":{"syncingMode":"PUT","syncingMode":"PATCH"}}', '?fieldValidation=Strict'),
    'merge-duplicate-warn-dryrun': patch(MERGE, '{"spec":{"syncingMode":"PATCH","syncingMode":"PATCH"}}', '?fieldValidation=Warn&dryRun=All'),
    'merge-dryRun=Bogus': patch(MERGE, '{}', '?dryRun=Bogus'),
    'merge-force': patch(MERGE, '{}', '?force=true'),
    'merge-fieldValidation=Bogus': patch(MERGE, '{}', '?fieldValidation=Bogus'),
    'strategic-merge': patch({ 'content-type': 'application/strategic-merge-patch+json', accept: 'application/json' }, '{}'),
    'unknown-patch-type': patch({ 'content-type': 'application/bogus', accept: 'application/json' }, '{}'),
    'apply-no-fieldManager': patch(APPLY, '{"apiVersion":"$APIVERSION","kind":"VvpDeployment","metadata":{"name":"e"}}'),
    'apply-wrong-kind': patch(APPLY, '{"apiVersion":"$APIVERSION","kind":"Other"}', '?fieldManager=m'),
    'apply-no-apiversion': patch(APPLY, '{"kind":"VvpDeployment"}', '?fieldManager=m'),
    'apply-managedfields': patch(APPLY, (live) => JSON.stringify({ apiVersion: live.apiVersion, kind: 'VvpDeployment', metadata: { name: t, managedFields: [{ manager: 'x' }] } }), '?fieldManager=m'),
    'apply-rename': patch(APPLY, (live) => JSON.stringify({ apiVersion: live.apiVersion, kind: 'VvpDeployment', metadata: { name: 'renamed' } }), '?fieldManager=m'),
    'apply-invalid-yaml': patch(APPLY, 'a: [', '?fieldManager=m'),
    'apply-state-bogus': patch(APPLY, (live) => JSON.stringify({ apiVersion: live.apiVersion, kind: 'VvpDeployment', metadata: { name: t }, spec: { deployment: { spec: { state: 'BOGUS' } } } }), '?fieldManager=m'),
    'apply-rv-stale': patch(APPLY, (live) => JSON.stringify({ apiVersion: live.apiVersion, kind: 'VvpDeployment', metadata: { name: t, resourceVersion: '1' } }), '?fieldManager=m'),
    'apply-force-bogus': patch(APPLY, (live) => JSON.stringify({ apiVersion: live.apiVersion, kind: 'VvpDeployment', metadata: { name: t } }), '?fieldManager=m&force=maybe'),
    'apply-dryRun=Bogus': patch(APPLY, (live) => JSON.stringify({ apiVersion: live.apiVersion, kind: 'VvpDeployment', metadata: { name: t } }), '?fieldManager=m&dryRun=Bogus'),
    'apply-unknown-strict': patch(APPLY, (live) => JSON.stringify({ apiVersion: live.apiVersion, kind: 'VvpDeployment', metadata: { name: t }, spec: { bogus: 1 } }), '?fieldManager=m&fieldValidation=Strict'),
    'apply-duplicate-strict': patch(APPLY, `apiVersion: $APIVERSION\nkind: VvpDeployment\nmetadata:\n  name: ${t}\n  name: ${t}\n`, '?fieldManager=m&fieldValidation=Strict'),
  };
  for (const [what, run] of Object.entries(patchCases)) cases.push({ name: `patch/${what}`, run });

  const del = (query: string, body?: (live: Record<string, unknown>) => unknown, target = t) => async (s: SideApi) => {
    const live = await get(s, WRITE_NS, target);
    const res = await s.send({ method: 'DELETE', path: `${s.item(WRITE_NS, target)}${query}`, headers: JSON_CT, ...(body && live ? { body: JSON.stringify(body(live)) } : {}) });
    const after = await get(s, WRITE_NS, target);
    return { answer: observed(res), unchanged: live ? meta(after).resourceVersion === meta(live).resourceVersion : after === undefined };
  };
  const delCases: Record<string, (s: SideApi) => Promise<unknown>> = {
    'propagationPolicy=Bogus': del('?propagationPolicy=Bogus'),
    'propagationPolicy-body-bogus': del('', () => ({ propagationPolicy: 'Sideways' })),
    'dryRun=Bogus': del('?dryRun=Bogus'),
    'dryRun=All': del('?dryRun=All'),
    'dryRun=All-orphan': del('?dryRun=All&propagationPolicy=Orphan'),
    'precondition-uid': del('', () => ({ preconditions: { uid: '0b7d1d5e-0000-4000-8000-0000000000ff' } })),
    'precondition-rv': del('', () => ({ preconditions: { resourceVersion: '1' } })),
    'gracePeriodSeconds=abc': del('?gracePeriodSeconds=abc'),
    'gracePeriodSeconds=-1-dryrun': del('?gracePeriodSeconds=-1&dryRun=All'),
    'body-not-json': async (s) => observed(await s.send({ method: 'DELETE', path: s.item(WRITE_NS, t), headers: JSON_CT, body: '{"x":' })),
    'body-wrong-kind': del('', () => ({ kind: 'Pod', apiVersion: 'v1' })),
    'orphan-and-policy': del('', () => ({ orphanDependents: true, propagationPolicy: 'Background', dryRun: ['All'] })),
    missing: del('', undefined, 'no-such-object'),
    'missing-dryRun': del('?dryRun=All', undefined, 'no-such-object'),
  };
  for (const [what, run] of Object.entries(delCases)) cases.push({ name: `delete/${what}`, run });
  return cases;
}

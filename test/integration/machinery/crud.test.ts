import t from 'tap';
import { STREAMED_LIST_ITEMS } from '../../../apiserver/k8s/handlers/common.js';
import { WIDGETS, admin, startHarness, widget } from './harness.js';

const h = await startHarness();
t.teardown(() => h.close());

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

t.test('R6: create answers 201 with uid, resourceVersion, creationTimestamp and an Update managedFields entry', async (t) => {
  const res = await h.request(admin, 'POST', `${WIDGETS}?fieldManager=kubectl-create&fieldValidation=Strict`, { body: widget('w1', 'default', { image: 'nginx' }, { labels: { app: 'web' } }) });
  t.equal(res.status, 201);
  t.type(res.json.metadata.uid, 'string');
  t.type(res.json.metadata.resourceVersion, 'string');
  t.type(res.json.metadata.creationTimestamp, 'string');
  t.equal(res.json.spec.replicas, 1, 'schema default applied');
  t.match(res.json.metadata.managedFields, [{ manager: 'kubectl-create', operation: 'Update', apiVersion: 'test.example.com/v1', fieldsType: 'FieldsV1' }]);
  t.same(res.json.metadata.managedFields[0].fieldsV1, { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { '.': {}, 'f:image': {}, 'f:replicas': {} } }, 'as kube: "." for the maps the create added');
  const again = await h.request(admin, 'POST', WIDGETS, { body: widget('w1') });
  t.equal(again.status, 409);
  t.equal(again.json.reason, 'AlreadyExists');
  t.equal(again.json.message, 'widgets.test.example.com "w1" already exists');
});

t.test('R6: generateName, and a namespace mismatch is 400', async (t) => {
  const res = await h.request(admin, 'POST', WIDGETS, { body: { apiVersion: 'test.example.com/v1', kind: 'Widget', metadata: { generateName: 'gen-' }, spec: { image: 'x' } } });
  t.equal(res.status, 201);
  t.match(res.json.metadata.name, /^gen-[a-z0-9]{5}$/);
  const mismatch = await h.request(admin, 'POST', WIDGETS, { body: widget('w9', 'other') });
  t.equal(mismatch.status, 400);
  t.equal(mismatch.json.message, 'the namespace of the provided object does not match the namespace sent on the request');
});

t.test('R2: an invalid object is 422 with one cause per bad field', async (t) => {
  const res = await h.request(admin, 'POST', WIDGETS, { body: widget('Bad_Name', 'default', { replicas: -1, color: 'pink' }) });
  t.equal(res.status, 422);
  t.equal(res.json.reason, 'Invalid');
  t.same(res.json.details.causes.map((c: { field: string }) => c.field).sort(), ['metadata.name', 'spec.color', 'spec.image', 'spec.replicas']);
  t.match(res.json.message, /^Widget\.test\.example\.com "Bad_Name" is invalid: \[/);
  t.ok(res.json.details.causes.some((c: { reason: string; message: string }) => c.reason === 'FieldValueNotSupported' && c.message === 'Unsupported value: "pink": supported values: "red", "green", "blue"'),
    'a cause\'s type is the JSON field "reason", as kube-apiserver writes it');
});

t.test('R3/O4: fieldValidation Strict refuses unknown fields, Warn warns, Ignore drops silently', async (t) => {
  const body = widget('w-unknown', 'default', { image: 'x', bogus: 1 });
  const strict = await h.request(admin, 'POST', `${WIDGETS}?fieldValidation=Strict`, { body });
  t.equal(strict.status, 400);
  t.equal(strict.json.message, 'Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.bogus"');
  const warn = await h.request(admin, 'POST', `${WIDGETS}?fieldValidation=Warn`, { body });
  t.equal(warn.status, 201);
  t.equal(warn.headers.warning, '299 - "unknown field \\"spec.bogus\\""');
  t.notOk('bogus' in warn.json.spec, 'pruned');
  const ignore = await h.request(admin, 'POST', `${WIDGETS}?fieldValidation=Ignore`, { body: widget('w-ignore', 'default', { image: 'x', bogus: 1 }) });
  t.equal(ignore.status, 201);
  t.notOk(ignore.headers.warning);
});

t.test('R4: list filters by label and field selectors and pages with limit/continue', async (t) => {
  for (const [name, tier] of [['l1', 'a'], ['l2', 'b'], ['l3', 'a']]) {
    await h.request(admin, 'POST', WIDGETS, { body: widget(name!, 'default', { image: 'x' }, { labels: { tier: tier!, group: 'list' } }) });
  }
  const byLabel = await h.request(admin, 'GET', `${WIDGETS}?labelSelector=${encodeURIComponent('group=list,tier in (a)')}`);
  t.equal(byLabel.json.kind, 'WidgetList');
  t.same(byLabel.json.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['l1', 'l3']);
  t.equal(byLabel.json.items[0].kind, 'Widget');
  const byName = await h.request(admin, 'GET', `${WIDGETS}?fieldSelector=metadata.name%3Dl2`);
  t.same(byName.json.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['l2']);
  const unsupported = await h.request(admin, 'GET', `${WIDGETS}?fieldSelector=spec.image%3Dx`);
  t.equal(unsupported.status, 400);
  t.equal(unsupported.json.message, 'field label not supported: spec.image');
  const page1 = await h.request(admin, 'GET', `${WIDGETS}?labelSelector=group%3Dlist&limit=2`);
  t.equal(page1.json.items.length, 2);
  t.type(page1.json.metadata.continue, 'string');
  const page2 = await h.request(admin, 'GET', `${WIDGETS}?labelSelector=group%3Dlist&limit=2&continue=${page1.json.metadata.continue}`);
  t.same(page2.json.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['l3']);
  const invalid = await h.request(admin, 'GET', `${WIDGETS}?resourceVersionMatch=Exact`);
  t.equal(invalid.status, 422);
  t.equal(invalid.json.message, 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
});

t.test('a long list is streamed in chunks, never one string: the answer is still one JSON list, in order, over HTTP/1.1 and HTTP/2', async (t) => {
  const bulk = '/apis/test.example.com/v1/namespaces/bulk/widgets';
  const count = STREAMED_LIST_ITEMS + 100;
  const names = Array.from({ length: count }, (_, i) => `b${String(i).padStart(4, '0')}`);
  for (let i = 0; i < count; i += 50) {
    await Promise.all(names.slice(i, i + 50).map((name) => h.request(admin, 'POST', bulk, { body: widget(name, 'bulk', { image: `registry/${'x'.repeat(200)}` }) })));
  }
  const one = await h.request(admin, 'GET', bulk);
  t.equal(one.status, 200);
  t.equal(one.headers['content-length'], undefined, 'HTTP/1.1: no Content-Length, the answer is chunked');
  t.equal(one.json.kind, 'WidgetList');
  t.type(one.json.metadata.resourceVersion, 'string');
  t.same(one.json.items.map((i: { metadata: { name: string } }) => i.metadata.name), names, 'every item, in order');
  t.ok(one.text.length > 64 * 1024 * 2, `the answer spans several chunks (${one.text.length} characters)`);
  const two = await h.http2(admin, 'GET', bulk);
  t.same(two.json, one.json, 'HTTP/2 gets the same list');
  const short = await h.request(admin, 'GET', `${bulk}?limit=10`);
  t.equal(Number(short.headers['content-length']), Buffer.byteLength(short.text), 'a short list is one string, with its length');
});

t.test('R5: the all-namespaces list sees every namespace', async (t) => {
  await h.request(admin, 'POST', '/apis/test.example.com/v1/namespaces/other/widgets', { body: widget('o1', 'other') });
  const res = await h.request(admin, 'GET', '/apis/test.example.com/v1/widgets?labelSelector=!tier');
  const namespaces = new Set(res.json.items.map((i: { metadata: { namespace: string } }) => i.metadata.namespace));
  t.ok(namespaces.has('default') && namespaces.has('other'));
});

t.test('T1: Table with Name first, the storage columns, Age last, row objects per includeObject', async (t) => {
  const res = await h.request(admin, 'GET', `${WIDGETS}?labelSelector=group%3Dlist&limit=2`, { accept: TABLE });
  t.equal(res.json.kind, 'Table');
  t.equal(res.json.apiVersion, 'meta.k8s.io/v1');
  t.same(res.json.columnDefinitions.map((c: { name: string }) => c.name), ['Name', 'Color', 'Replicas', 'Image', 'Age']);
  t.equal(res.json.columnDefinitions[0].format, 'name');
  t.same(res.json.rows[0].cells.slice(0, 4), ['l1', '<none>', 1, 'x']);
  // An age in HumanDuration's form: on a loaded machine minutes may pass since R4 created it.
  t.match(res.json.rows[0].cells[4], /^(\d+s|\d+m(\d+s)?)$/);
  t.equal(res.json.rows[0].object.kind, 'PartialObjectMetadata');
  t.type(res.json.metadata.continue, 'string', 'continue carried on the Table');
  t.type(res.json.metadata.resourceVersion, 'string');
  const full = await h.request(admin, 'GET', `${WIDGETS}/l1?includeObject=Object`, { accept: TABLE });
  t.equal(full.json.rows[0].object.kind, 'Widget');
  const none = await h.request(admin, 'GET', `${WIDGETS}/l1?includeObject=None`, { accept: TABLE });
  t.notOk('object' in none.json.rows[0]);
  const v1beta1 = await h.request(admin, 'GET', `${WIDGETS}/l1`, { accept: 'application/json;as=Table;v=v1beta1;g=meta.k8s.io' });
  t.equal(v1beta1.json.apiVersion, 'meta.k8s.io/v1beta1');
  t.equal((await h.request(admin, 'GET', `${WIDGETS}/l1?includeObject=All`, { accept: TABLE })).status, 400);
});

t.test('T2/R1: PartialObjectMetadata(List), protobuf-first Accept gets JSON, nothing acceptable is 406', async (t) => {
  const list = await h.request(admin, 'GET', WIDGETS, { accept: 'application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json' });
  t.equal(list.json.kind, 'PartialObjectMetadataList');
  t.equal(list.json.items[0].kind, 'PartialObjectMetadata');
  t.notOk('spec' in list.json.items[0]);
  const one = await h.request(admin, 'GET', `${WIDGETS}/l1`, { accept: 'application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json' });
  t.same(Object.keys(one.json).sort(), ['apiVersion', 'kind', 'metadata']);
  const proto = await h.request(admin, 'GET', `${WIDGETS}/l1`, { accept: 'application/vnd.kubernetes.protobuf, application/json' });
  t.equal(proto.status, 200);
  t.equal(proto.json.kind, 'Widget');
  const none = await h.request(admin, 'GET', `${WIDGETS}/l1`, { accept: 'application/vnd.kubernetes.protobuf' });
  t.equal(none.status, 406);
  t.equal(none.json.reason, 'NotAcceptable');
});

t.test('R7: PUT replaces; stale resourceVersion is 409; name mismatch is 400', async (t) => {
  const live = (await h.request(admin, 'GET', `${WIDGETS}/w1`)).json;
  live.spec.replicas = 3;
  const res = await h.request(admin, 'PUT', `${WIDGETS}/w1?fieldManager=kubectl-replace`, { body: live });
  t.equal(res.status, 200);
  t.equal(res.json.spec.replicas, 3);
  t.ok(res.json.metadata.managedFields.some((m: { manager: string; fieldsV1: unknown }) => m.manager === 'kubectl-replace' && JSON.stringify(m.fieldsV1) === '{"f:spec":{"f:replicas":{}}}'));
  const stale = await h.request(admin, 'PUT', `${WIDGETS}/w1`, { body: live });
  t.equal(stale.status, 409);
  t.equal(stale.json.message, 'Operation cannot be fulfilled on widgets.test.example.com "w1": the object has been modified; please apply your changes to the latest version and try again');
  const mismatch = await h.request(admin, 'PUT', `${WIDGETS}/w2`, { body: live });
  t.equal(mismatch.status, 400);
  t.equal(mismatch.json.message, 'the name of the object (w1) does not match the name on the URL (w2)');
  const missing = await h.request(admin, 'PUT', `${WIDGETS}/nope`, { body: { ...live, metadata: { name: 'nope' } } });
  t.equal(missing.status, 404);
});

t.test('R9: merge patch and json patch; SMP and unknown types are 415; a stale RV in the patch is 409', async (t) => {
  const merge = await h.request(admin, 'PATCH', `${WIDGETS}/w1`, { body: { metadata: { annotations: { note: 'hi' } }, spec: { color: 'red' } }, contentType: 'application/merge-patch+json' });
  t.equal(merge.status, 200);
  t.equal(merge.json.spec.color, 'red');
  t.equal(merge.json.metadata.annotations.note, 'hi');
  const json = await h.request(admin, 'PATCH', `${WIDGETS}/w1`, { body: [{ op: 'replace', path: '/spec/replicas', value: 5 }, { op: 'remove', path: '/spec/color' }], contentType: 'application/json-patch+json' });
  t.equal(json.status, 200);
  t.equal(json.json.spec.replicas, 5);
  t.notOk('color' in json.json.spec);
  const failing = await h.request(admin, 'PATCH', `${WIDGETS}/w1`, { body: [{ op: 'test', path: '/spec/replicas', value: 7 }], contentType: 'application/json-patch+json' });
  t.equal(failing.status, 422);
  // kube-apiserver v1.37 answers each of these with the same generic 422 and empty details.
  for (const op of [{ op: 'remove', path: '/nothing' }, { op: 'move', from: '/nope', path: '/spec/x' }, { op: 'copy', from: '/nope', path: '/spec/x' }, { op: 'replace', path: '/spec/nope/deeper', value: 1 }]) {
    const res = await h.request(admin, 'PATCH', `${WIDGETS}/w1`, { body: [op], contentType: 'application/json-patch+json' });
    t.same({ status: res.status, body: res.json }, {
      status: 422,
      body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server rejected our request due to an error in our request', reason: 'Invalid', details: {}, code: 422 },
    }, `${op.op} ${op.from ?? op.path} of a missing location`);
  }
  const smp = await h.request(admin, 'PATCH', `${WIDGETS}/w1`, { body: { spec: {} }, contentType: 'application/strategic-merge-patch+json' });
  t.equal(smp.status, 415);
  t.equal(smp.json.message, 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
  t.equal((await h.request(admin, 'PATCH', `${WIDGETS}/w1`, { body: 'x', contentType: 'text/plain' })).status, 415);
  const stale = await h.request(admin, 'PATCH', `${WIDGETS}/w1`, { body: { metadata: { resourceVersion: '1' }, spec: { replicas: 6 } }, contentType: 'application/merge-patch+json' });
  t.equal(stale.status, 409);
  const invalid = await h.request(admin, 'PATCH', `${WIDGETS}/w1`, { body: { spec: { replicas: 'many' } }, contentType: 'application/merge-patch+json' });
  t.equal(invalid.status, 422);
  t.equal(invalid.json.details.causes[0].field, 'spec.replicas');
});

t.test('R10: server-side apply creates, owns fields per manager, conflicts with 409 unless forced', async (t) => {
  const url = `${WIDGETS}/applied?fieldManager=alice`;
  const yaml = 'apiVersion: test.example.com/v1\nkind: Widget\nmetadata:\n  name: applied\nspec:\n  image: nginx\n  replicas: 2\n';
  const created = await h.request(admin, 'PATCH', url, { body: yaml, contentType: 'application/apply-patch+yaml' });
  t.equal(created.status, 201);
  t.match(created.json.metadata.managedFields, [{ manager: 'alice', operation: 'Apply' }]);
  const noManager = await h.request(admin, 'PATCH', `${WIDGETS}/applied`, { body: yaml, contentType: 'application/apply-patch+yaml' });
  t.equal(noManager.status, 422);
  t.equal(noManager.json.message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  const bobYaml = 'apiVersion: test.example.com/v1\nkind: Widget\nmetadata:\n  name: applied\nspec:\n  replicas: 4\n  color: blue\n';
  const conflict = await h.request(admin, 'PATCH', `${WIDGETS}/applied?fieldManager=bob`, { body: bobYaml, contentType: 'application/apply-patch+yaml' });
  t.equal(conflict.status, 409);
  t.equal(conflict.json.reason, 'Conflict');
  t.equal(conflict.json.message, 'Apply failed with 1 conflict: conflict with "alice": .spec.replicas');
  t.same(conflict.json.details.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.replicas' }]);
  const forced = await h.request(admin, 'PATCH', `${WIDGETS}/applied?fieldManager=bob&force=true`, { body: bobYaml, contentType: 'application/apply-patch+yaml' });
  t.equal(forced.status, 200);
  t.equal(forced.json.spec.replicas, 4);
  const alice = forced.json.metadata.managedFields.find((m: { manager: string }) => m.manager === 'alice');
  t.same(alice.fieldsV1, { 'f:spec': { 'f:image': {} } }, 'alice lost spec.replicas');
  // alice stops applying image: nobody else owns it, so it is removed (and the schema's required check then fails).
  const dropColor = 'apiVersion: test.example.com/v1\nkind: Widget\nmetadata:\n  name: applied\nspec:\n  replicas: 4\n';
  const bobAgain = await h.request(admin, 'PATCH', `${WIDGETS}/applied?fieldManager=bob`, { body: dropColor, contentType: 'application/apply-patch+yaml' });
  t.equal(bobAgain.status, 200);
  t.notOk('color' in bobAgain.json.spec, 'a field bob no longer applies and nobody else owns is removed');
  t.equal(bobAgain.json.spec.image, 'nginx', 'alice still owns image');
  const forceOnMerge = await h.request(admin, 'PATCH', `${WIDGETS}/applied?force=true`, { body: {}, contentType: 'application/merge-patch+json' });
  t.equal(forceOnMerge.status, 422);
});

t.test('R10: an apply configuration must name this resource\'s apiVersion and kind and carry no managedFields (400)', async (t) => {
  const apply = (yaml: string) => h.request(admin, 'PATCH', `${WIDGETS}/typed?fieldManager=alice`, { body: yaml, contentType: 'application/apply-patch+yaml' });
  const cases: Array<[string, string]> = [
    ['kind: Widget\n', 'invalid object type: /, Kind=Widget'],
    ['apiVersion: test.example.com/v1\n', 'invalid object type: test.example.com/v1, Kind='],
    ['apiVersion: test.example.com/v1\nkind: Pod\n', 'invalid object type: test.example.com/v1, Kind=Pod'],
    ['apiVersion: test.example.com/v2\nkind: Widget\n', 'invalid object type: test.example.com/v2, Kind=Widget'],
    ['apiVersion: v1\nkind: Widget\n', 'invalid object type: /v1, Kind=Widget'],
    ['apiVersion: test.example.com/v1\nkind: Widget\nmetadata:\n  managedFields: [{manager: x}]\n', 'metadata.managedFields must be nil'],
  ];
  for (const [yaml, message] of cases) {
    const res = await apply(yaml);
    t.match({ status: res.status, reason: res.json.reason, message: res.json.message }, { status: 400, reason: 'BadRequest', message }, yaml.replace(/\n/g, ' '));
  }
  t.equal((await h.request(admin, 'GET', `${WIDGETS}/typed`)).status, 404, 'nothing was created');
});

t.test('R10: apply merges x-kubernetes-list-type: map lists by key, one owner per item', async (t) => {
  const apply = (manager: string, env: Array<{ name: string; value: string }>, force = false) => h.request(admin, 'PATCH', `${WIDGETS}/envs?fieldManager=${manager}${force ? '&force=true' : ''}`, {
    body: JSON.stringify({ apiVersion: 'test.example.com/v1', kind: 'Widget', metadata: { name: 'envs' }, spec: { image: 'x', env } }),
    contentType: 'application/apply-patch+yaml',
  });
  t.equal((await apply('alice', [{ name: 'A', value: '1' }])).status, 201);
  const bob = await apply('bob', [{ name: 'B', value: '2' }]);
  t.equal(bob.status, 200);
  t.same(bob.json.spec.env, [{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
  const conflict = await apply('bob', [{ name: 'A', value: 'changed' }, { name: 'B', value: '2' }]);
  t.equal(conflict.status, 409);
  t.equal(conflict.json.details.causes[0].field, '.spec.env[name="A"].value');
});

t.test('R12: dryRun=All validates and answers like the real write, and writes nothing', async (t) => {
  const before = h.storage.writes;
  const created = await h.request(admin, 'POST', `${WIDGETS}?dryRun=All`, { body: widget('dry') });
  t.equal(created.status, 201);
  t.equal((await h.request(admin, 'GET', `${WIDGETS}/dry`)).status, 404);
  const invalid = await h.request(admin, 'POST', `${WIDGETS}?dryRun=All`, { body: widget('dry', 'default', {}) });
  t.equal(invalid.status, 422, 'validation still runs');
  const patched = await h.request(admin, 'PATCH', `${WIDGETS}/w1?dryRun=All`, { body: { spec: { replicas: 9 } }, contentType: 'application/merge-patch+json' });
  t.equal(patched.json.spec.replicas, 9);
  t.equal((await h.request(admin, 'GET', `${WIDGETS}/w1`)).json.spec.replicas, 5);
  t.equal((await h.request(admin, 'DELETE', `${WIDGETS}/w1?dryRun=All`)).status, 200);
  t.equal((await h.request(admin, 'GET', `${WIDGETS}/w1`)).status, 200);
  t.equal(h.storage.writes, before, 'no write reached the storage');
  t.equal((await h.request(admin, 'POST', `${WIDGETS}?dryRun=Some`, { body: widget('dry') })).status, 422);
});

t.test('PATCH retries get → change → update when a concurrent write wins and the client gave no resourceVersion', async (t) => {
  const storage = h.storage;
  const original = storage.update.bind(storage);
  let raced = false;
  // The concurrent write lands after the storage's read, before its write.
  storage.update = async (ctx, namespace, name, transform) => original(ctx, namespace, name, async (live) => {
    const object = await transform(live);
    if (!raced) {
      raced = true;
      storage.backendChange('default', 'w1', (o) => (o.metadata.labels = { raced: 'yes' }));
    }
    return object;
  });
  const calls = storage.updateCalls;
  const res = await h.request(admin, 'PATCH', `${WIDGETS}/w1`, { body: { spec: { color: 'green' } }, contentType: 'application/merge-patch+json' });
  storage.update = original;
  t.equal(res.status, 200);
  t.equal(res.json.spec.color, 'green');
  t.equal(res.json.metadata.labels.raced, 'yes', 'the retry started from the newer object');
  t.equal(storage.updateCalls - calls, 2);
});

t.test('PUT, PATCH, apply and DELETE with preconditions: the storage reads once for its write, the handler never reads', async (t) => {
  const created = (await h.request(admin, 'POST', WIDGETS, { body: widget('once') })).json;
  const gets = h.storage.getCalls;
  const put = await h.request(admin, 'PUT', `${WIDGETS}/once`, { body: { ...created, spec: { image: 'nginx', replicas: 2 } } });
  t.equal(put.status, 200);
  const patched = await h.request(admin, 'PATCH', `${WIDGETS}/once`, { body: { spec: { replicas: 3 } }, contentType: 'application/merge-patch+json' });
  t.equal(patched.json.spec.replicas, 3);
  const applied = await h.request(admin, 'PATCH', `${WIDGETS}/once?fieldManager=tool&force=true`, { body: widget('once', 'default', { image: 'nginx', replicas: 4 }), contentType: 'application/apply-patch+yaml' });
  t.equal(applied.status, 200, JSON.stringify(applied.json));
  const deleted = await h.request(admin, 'DELETE', `${WIDGETS}/once`, { body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: created.metadata.uid, resourceVersion: applied.json.metadata.resourceVersion } } });
  t.equal(deleted.status, 200);
  t.equal(h.storage.getCalls - gets, 0);
});

t.test('R11: delete answers a Success Status when gone, the object while finalizers hold it; preconditions are checked', async (t) => {
  const created = (await h.request(admin, 'POST', WIDGETS, { body: widget('d1') })).json;
  const wrongUid = await h.request(admin, 'DELETE', `${WIDGETS}/d1`, { body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'nope' } } });
  t.equal(wrongUid.status, 409);
  t.equal(wrongUid.json.message, `Operation cannot be fulfilled on Widget.test.example.com "d1": the UID in the precondition (nope) does not match the UID in record (${created.metadata.uid}). The object might have been deleted and then recreated`);
  const gone = await h.request(admin, 'DELETE', `${WIDGETS}/d1`, { body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', preconditions: { uid: created.metadata.uid } } });
  t.equal(gone.status, 200);
  t.same(gone.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: 'd1', group: 'test.example.com', kind: 'widgets', uid: created.metadata.uid } });
  t.equal((await h.request(admin, 'DELETE', `${WIDGETS}/d1`)).status, 404);

  await h.request(admin, 'POST', WIDGETS, { body: widget('d2', 'default', { image: 'x' }, { finalizers: ['example.com/hold'] }) });
  const held = await h.request(admin, 'DELETE', `${WIDGETS}/d2`);
  t.equal(held.status, 200);
  t.equal(held.json.kind, 'Widget');
  t.type(held.json.metadata.deletionTimestamp, 'string');
  const released = await h.request(admin, 'PATCH', `${WIDGETS}/d2`, { body: { metadata: { finalizers: null } }, contentType: 'application/merge-patch+json' });
  t.equal(released.status, 200);
  t.equal((await h.request(admin, 'GET', `${WIDGETS}/d2`)).status, 404, 'removing the last finalizer finished the deletion');
});

t.test('R11: deletecollection deletes what the selectors match', async (t) => {
  const res = await h.request(admin, 'DELETE', `${WIDGETS}?labelSelector=tier%3Da`);
  t.equal(res.status, 200);
  t.equal(res.json.kind, 'WidgetList');
  t.same(res.json.items.map((i: { metadata: { name: string } }) => i.metadata.name).sort(), ['l1', 'l3']);
  const left = await h.request(admin, 'GET', `${WIDGETS}?labelSelector=group%3Dlist`);
  t.same(left.json.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['l2']);
  const wrongMethod = await h.request(admin, 'POST', '/apis/test.example.com/v1/widgets', { body: widget('x') });
  t.equal(wrongMethod.status, 405);
});

t.test('every error is a Status; a storage crash is a bare 500 without internals', async (t) => {
  const storage = h.storage;
  const original = storage.get.bind(storage);
  storage.get = async () => {
    throw new Error('secret internals at /srv/db password=hunter2');
  };
  const res = await h.request(admin, 'GET', `${WIDGETS}/w1`);
  storage.get = original;
  t.equal(res.status, 500);
  t.same(res.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'an internal error occurred', reason: 'InternalError', code: 500 });
  const badUrl = await h.request(admin, 'GET', `${WIDGETS}/%E0%A4%A`);
  t.equal(badUrl.status, 400);
  t.equal(badUrl.json.kind, 'Status');
  const badJson = await h.request(admin, 'POST', WIDGETS, { body: '{not json' });
  t.equal(badJson.status, 400);
  t.equal(badJson.json.kind, 'Status');
});

t.test('a backend outage is 503 with Retry-After', async (t) => {
  const storage = h.storage;
  const original = storage.get.bind(storage);
  storage.get = async () => {
    throw (await import('../../../apiserver/k8s/status.js')).statusErrors.serviceUnavailable('the backend is unreachable', 7);
  };
  const res = await h.request(admin, 'GET', `${WIDGETS}/w1`);
  storage.get = original;
  t.equal(res.status, 503);
  t.equal(res.headers['retry-after'], '7');
  t.equal(res.json.reason, 'ServiceUnavailable');
  t.equal(res.json.details.retryAfterSeconds, 7);
});

// kube-apiserver authorizes `create` as well when a PUT or a server-side apply creates the object
// (handlers/update.go, patch.go: withAuthorization with createAuthorizerAttributes). User `updater` of the harness
// may do everything but create.
import t from 'tap';
import { WIDGETS, admin, startHarness, widget, type Identity } from './harness.js';

const h = await startHarness({ allowCreateOnUpdate: true });
t.teardown(() => h.close());
const updater: Identity = { kind: 'proxy', user: 'updater', groups: ['team'] };
const createForbidden = (name: string) =>
  `widgets.test.example.com "${name}" is forbidden: User "updater" cannot create resource "widgets" in API group "test.example.com" in the namespace "default"`;

t.test('a PUT that would create needs create: 403 in kube-apiserver wording, nothing created', async (t) => {
  const res = await h.request(updater, 'PUT', `${WIDGETS}/by-put`, { body: widget('by-put') });
  t.equal(res.status, 403);
  t.equal(res.json.message, createForbidden('by-put'));
  t.same(h.sarRequests.at(-1)?.resourceAttributes, { verb: 'create', group: 'test.example.com', version: '', resource: 'widgets', namespace: 'default', subresource: '', name: 'by-put' });
  t.equal((await h.request(admin, 'GET', `${WIDGETS}/by-put`)).status, 404);
});

t.test('a server-side apply that would create needs create too', async (t) => {
  const res = await h.request(updater, 'PATCH', `${WIDGETS}/by-apply?fieldManager=me`, {
    body: JSON.stringify(widget('by-apply')), contentType: 'application/apply-patch+yaml',
  });
  t.equal(res.status, 403);
  t.equal(res.json.message, createForbidden('by-apply'));
  t.equal((await h.request(admin, 'GET', `${WIDGETS}/by-apply`)).status, 404);
});

t.test('the same user updates and applies to an existing object without create', async (t) => {
  t.equal((await h.request(admin, 'POST', WIDGETS, { body: widget('existing') })).status, 201);
  h.sarRequests.length = 0;
  const live = (await h.request(updater, 'GET', `${WIDGETS}/existing`)).json;
  live.spec.replicas = 2;
  t.equal((await h.request(updater, 'PUT', `${WIDGETS}/existing`, { body: live })).status, 200);
  const applied = await h.request(updater, 'PATCH', `${WIDGETS}/existing?fieldManager=me`, {
    body: JSON.stringify({ apiVersion: 'test.example.com/v1', kind: 'Widget', metadata: { name: 'existing' }, spec: { color: 'blue' } }), contentType: 'application/apply-patch+yaml',
  });
  t.equal(applied.status, 200, applied.text);
  t.notOk(h.sarRequests.some((s) => s.user === 'updater' && s.resourceAttributes?.verb === 'create'), 'no create check for updates');
});

t.test('a user with create gets 201 from PUT and apply of a missing object', async (t) => {
  t.equal((await h.request(admin, 'PUT', `${WIDGETS}/made-by-put`, { body: widget('made-by-put') })).status, 201);
  const applied = await h.request({ kind: 'proxy', user: 'dev', groups: ['developers'] }, 'PATCH', `${WIDGETS}/made-by-apply?fieldManager=me`, {
    body: JSON.stringify(widget('made-by-apply')), contentType: 'application/apply-patch+yaml',
  });
  t.equal(applied.status, 201, applied.text);
});

import t from 'tap';
import { PROXY_NAME, WIDGETS, admin, startHarness } from './harness.js';

const h = await startHarness();
t.teardown(() => h.close());

t.test('A2/A3: the front proxy is believed: user, every group, extras (lower-cased, unescaped) reach the SAR', async (t) => {
  h.sarRequests.length = 0;
  const res = await h.request({ kind: 'proxy', user: 'jane', groups: ['team-a', 'team-b'], extra: { 'Scopes%2Fa': 'x' } }, 'GET', `${WIDGETS}?fieldSelector=metadata.name%3Dw1`);
  t.equal(res.status, 200);
  const spec = h.sarRequests[0]!;
  t.equal(spec.user, 'jane');
  t.same(spec.groups, ['team-a', 'team-b', 'system:authenticated']);
  t.same(spec.extra, { 'scopes/a': ['x'] });
  t.same(spec.resourceAttributes, { verb: 'list', group: 'test.example.com', version: 'v1', resource: 'widgets', namespace: 'default', subresource: '', name: 'w1' });
});

t.test('A2: forged identity headers without a client certificate are 401', async (t) => {
  const res = await h.request({ kind: 'anonymous', headers: { 'X-Remote-User': 'admin', 'X-Remote-Group': 'system:masters' } }, 'GET', WIDGETS);
  t.equal(res.status, 401);
  t.same(res.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
});

t.test('A2: a certificate from another CA with the proxy CN and forged headers is not the front proxy', async (t) => {
  const res = await h.request({ kind: 'cert', pair: h.certs.mallory, headers: { 'X-Remote-User': 'admin', 'X-Remote-Group': 'system:masters' } }, 'GET', WIDGETS);
  t.equal(res.status, 401);
});

t.test('A2: a front-proxy-CA certificate whose CN is not an allowed name is not the front proxy', async (t) => {
  const res = await h.request({ kind: 'cert', pair: h.certs.proxyWrongName, headers: { 'X-Remote-User': 'admin', 'X-Remote-Group': 'system:masters' } }, 'GET', WIDGETS);
  t.equal(res.status, 401);
});

t.test('A2/A4: a client-CA user certificate with forged headers is that user, not the forged one', async (t) => {
  h.sarRequests.length = 0;
  const res = await h.request({ kind: 'cert', pair: h.certs.alice, headers: { 'X-Remote-User': 'nobody', 'X-Remote-Group': 'system:masters' } }, 'GET', WIDGETS);
  t.equal(res.status, 200);
  t.equal(h.sarRequests[0]?.user, 'alice');
  t.same(h.sarRequests[0]?.groups, ['dev', 'system:masters-not', 'system:authenticated']);
});

t.test('A4: bearer tokens are checked with TokenReview and cached', async (t) => {
  const before = h.tokenReviews;
  t.equal((await h.request({ kind: 'token', token: 'good-token' }, 'GET', WIDGETS)).status, 200);
  t.equal((await h.request({ kind: 'token', token: 'good-token' }, 'GET', WIDGETS)).status, 200);
  t.equal(h.tokenReviews - before, 1, 'one TokenReview for two requests');
  t.equal((await h.request({ kind: 'token', token: 'bad-token' }, 'GET', WIDGETS)).status, 401);
});

t.test('A5: a denied request is 403 in kube-apiserver wording', async (t) => {
  const res = await h.request({ kind: 'proxy', user: 'nobody' }, 'GET', `${WIDGETS}/w1`);
  t.equal(res.status, 403);
  t.same(res.json, {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403,
    message: 'widgets.test.example.com "w1" is forbidden: User "nobody" cannot get resource "widgets" in API group "test.example.com" in the namespace "default"',
    details: { name: 'w1', group: 'test.example.com', kind: 'widgets' },
  });
  const all = await h.request({ kind: 'proxy', user: 'nobody' }, 'GET', '/apis/test.example.com/v1/widgets');
  t.equal(all.json.message, 'widgets.test.example.com is forbidden: User "nobody" cannot list resource "widgets" in API group "test.example.com" at the cluster scope');
  const path = await h.request({ kind: 'proxy', user: 'nobody' }, 'GET', '/openapi/v2');
  t.equal(path.json.message, 'forbidden: User "nobody" cannot get path "/openapi/v2"');
  const viewer = await h.request({ kind: 'proxy', user: 'viewer' }, 'DELETE', WIDGETS);
  t.equal(viewer.json.message, 'widgets.test.example.com is forbidden: User "viewer" cannot deletecollection resource "widgets" in API group "test.example.com" in the namespace "default": RBAC: read only');
});

t.test('A5: system:masters needs no SubjectAccessReview', async (t) => {
  h.sarRequests.length = 0;
  t.equal((await h.request(admin, 'GET', WIDGETS)).status, 200);
  t.equal(h.sarRequests.length, 0);
});

t.test('HTTP/2 carries the front-proxy identity too, one header field per group', async (t) => {
  h.sarRequests.length = 0;
  const ok = await h.http2({ kind: 'proxy', user: 'jane', groups: ['a,b', 'c'], extra: { Scopes: 'x' } }, 'GET', WIDGETS);
  t.equal(ok.status, 200);
  t.same(h.sarRequests[0]?.groups, ['a,b', 'c', 'system:authenticated']);
  t.same(h.sarRequests[0]?.extra, { scopes: ['x'] });
  const res = await h.http2({ kind: 'proxy', user: 'nobody' }, 'GET', WIDGETS);
  t.equal(res.status, 403);
  const anonymous = await h.http2({ kind: 'anonymous', headers: { 'X-Remote-User': 'admin' } }, 'GET', WIDGETS);
  t.equal(anonymous.status, 401);
  t.equal(PROXY_NAME, 'front-proxy-client');
});

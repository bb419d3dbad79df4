import t from 'tap';
import { admin, startHarness } from './harness.js';

const h = await startHarness();
t.teardown(() => h.close());

t.test('D1/D2/D3: /apis/<g>/<v> is an APIResourceList with sorted verbs derived from the storage', async (t) => {
  const res = await h.request({ kind: 'proxy', user: 'system:kube-aggregator', groups: ['system:masters'] }, 'GET', '/apis/test.example.com/v1');
  t.equal(res.status, 200);
  t.same(res.json, {
    kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'test.example.com/v1',
    resources: [{
      name: 'widgets', singularName: 'widget', namespaced: true, kind: 'Widget',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['wd'], categories: ['all'],
    }],
  });
});

t.test('D4: the group-less aggregator identities get discovery and OpenAPI (system:authenticated is added before SAR)', async (t) => {
  h.sarRequests.length = 0;
  const res = await h.request({ kind: 'proxy', user: 'system:aggregator' }, 'GET', '/openapi/v2', { accept: 'application/json' });
  t.equal(res.status, 200);
  t.same(h.sarRequests[0]?.groups, ['system:authenticated']);
  t.same(h.sarRequests[0]?.nonResourceAttributes, { path: '/openapi/v2', verb: 'get' });
});

t.test('D5: /apis answers APIGroupList, or aggregated discovery v2 when Accept asks for it', async (t) => {
  const plain = await h.request(admin, 'GET', '/apis');
  t.equal(plain.json.kind, 'APIGroupList');
  t.same(plain.json.groups[0].preferredVersion, { groupVersion: 'test.example.com/v1', version: 'v1' });
  const v2 = await h.request(admin, 'GET', '/apis', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
  t.equal(v2.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  t.equal(v2.json.kind, 'APIGroupDiscoveryList');
  const resource = v2.json.items[0].versions[0].resources[0];
  t.same(resource.responseKind, { group: 'test.example.com', version: 'v1', kind: 'Widget' });
  t.equal(resource.scope, 'Namespaced');
  const group = await h.request(admin, 'GET', '/apis/test.example.com');
  t.equal(group.json.kind, 'APIGroup');
});

t.test('D6: health probes need no credentials; /version does', async (t) => {
  for (const path of ['/livez', '/readyz', '/healthz']) {
    const res = await h.request({ kind: 'anonymous' }, 'GET', path);
    t.equal(res.status, 200, path);
    t.equal(res.text, 'ok');
  }
  t.equal((await h.request({ kind: 'anonymous' }, 'GET', '/version')).status, 401);
  const version = await h.request(admin, 'GET', '/version');
  t.equal(version.status, 200);
  t.type(version.json.gitVersion, 'string');
});

t.test('O1: /openapi/v3 points at the per-GV document by hash; the hash URL is immutable, a stale one redirects', async (t) => {
  const root = await h.request(admin, 'GET', '/openapi/v3');
  const url: string = root.json.paths['apis/test.example.com/v1'].serverRelativeURL;
  t.match(url, /^\/openapi\/v3\/apis\/test\.example\.com\/v1\?hash=[0-9A-F]{128}$/);
  const doc = await h.request(admin, 'GET', url);
  t.equal(doc.status, 200);
  t.equal(doc.headers['cache-control'], 'public, immutable');
  t.equal(doc.headers.etag, `"${url.split('hash=')[1]}"`);
  const stale = await h.request(admin, 'GET', '/openapi/v3/apis/test.example.com/v1?hash=ABC');
  t.equal(stale.status, 301);
  t.equal(stale.headers.location, url);
  const cached = await h.request(admin, 'GET', url, { headers: { 'If-None-Match': doc.headers.etag as string } });
  t.equal(cached.status, 304);
  t.equal((await h.request(admin, 'GET', url, { accept: 'application/com.github.proto-openapi.spec.v3@v1.0+protobuf' })).status, 406);
});

t.test('O2/O3/O4/O5: operations carry a GVK object, schemas a GVK list, PATCH consumes no strategic merge patch', async (t) => {
  const v3 = (await h.request(admin, 'GET', '/openapi/v3/apis/test.example.com/v1')).json;
  const item = v3.paths['/apis/test.example.com/v1/namespaces/{namespace}/widgets/{name}'];
  t.same(item.get['x-kubernetes-group-version-kind'], { group: 'test.example.com', version: 'v1', kind: 'Widget' });
  t.same(Object.keys(item.patch.requestBody.content).sort(), ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json']);
  t.ok(item.patch.parameters.some((p: { name: string }) => p.name === 'fieldValidation'), 'fieldValidation declared');
  t.ok(item.patch.parameters.some((p: { name: string }) => p.name === 'force'));
  const schema = v3.components.schemas['com.example.test.v1.Widget'];
  t.same(schema['x-kubernetes-group-version-kind'], [{ group: 'test.example.com', version: 'v1', kind: 'Widget' }]);
  t.equal(schema.properties.spec.properties.image.description, 'The image to run.');
  t.ok(v3.paths['/apis/test.example.com/v1/widgets'], 'all-namespaces list path');

  const v2 = (await h.request(admin, 'GET', '/openapi/v2')).json;
  t.ok(Object.keys(v2.paths).every((p) => p.startsWith('/apis/test.example.com/v1/')), 'every v2 path under /apis/<g>/<v>/');
  const patch = v2.paths['/apis/test.example.com/v1/namespaces/{namespace}/widgets/{name}'].patch;
  t.notOk(patch.consumes.includes('application/strategic-merge-patch+json'));
  t.same(v2.definitions['com.example.test.v1.Widget']['x-kubernetes-group-version-kind'], [{ group: 'test.example.com', version: 'v1', kind: 'Widget' }]);
  t.equal(v2.definitions['com.example.test.v1.Widget'].properties.metadata.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
});

t.test('an unknown path is a 404 Status, after authentication', async (t) => {
  const res = await h.request(admin, 'GET', '/apis/nope/v1/things');
  t.equal(res.status, 404);
  t.equal(res.json.kind, 'Status');
  t.equal(res.json.reason, 'NotFound');
});

t.test('/metrics counts requests by verb, resource and code', async (t) => {
  await h.request(admin, 'GET', '/apis/test.example.com/v1/namespaces/default/widgets');
  const res = await h.request(admin, 'GET', '/metrics');
  t.equal(res.status, 200);
  t.match(res.text, /apiserver_request_total\{verb="list",group="test.example.com",resource="widgets",code="200"\} \d+/);
  t.match(res.text, /apiserver_request_duration_seconds_bucket/);
  t.match(res.text, /apiserver_longrunning_requests/);
  await h.request({ kind: 'anonymous' }, 'GET', '/apis/test.example.com/v1/namespaces/x/random-name-42');
  const after = await h.request(admin, 'GET', '/metrics');
  t.notMatch(after.text, /random-name-42/, 'paths chosen by clients never become label values');
  t.match(after.text, /apiserver_request_total\{verb="other",group="",resource="",code="401"\} \d+/);
});

t.test('S3: HTTP/2 is negotiated and serves discovery', async (t) => {
  const res = await h.http2(admin, 'GET', '/apis/test.example.com/v1');
  t.equal(res.status, 200);
  t.equal(res.json.kind, 'APIResourceList');
});

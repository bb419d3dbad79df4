import t from 'tap';
import { requestInfo } from '../../../apiserver/k8s/serve/requestinfo.js';

const base = '/apis/g.example.com/v1';

t.test('verbs follow requestinfo.go', async (t) => {
  const cases: Array<[string, string, string, string | undefined]> = [
    ['GET', `${base}/namespaces/ns/things/a`, 'get', 'a'],
    ['GET', `${base}/namespaces/ns/things`, 'list', undefined],
    ['GET', `${base}/namespaces/ns/things?watch=true`, 'watch', undefined],
    ['GET', `${base}/namespaces/ns/things?watch=1&fieldSelector=metadata.name%3Db`, 'watch', 'b'],
    ['GET', `${base}/things`, 'list', undefined],
    ['POST', `${base}/namespaces/ns/things`, 'create', undefined],
    ['PUT', `${base}/namespaces/ns/things/a`, 'update', 'a'],
    ['PATCH', `${base}/namespaces/ns/things/a`, 'patch', 'a'],
    ['DELETE', `${base}/namespaces/ns/things/a`, 'delete', 'a'],
    ['DELETE', `${base}/namespaces/ns/things`, 'deletecollection', undefined],
    ['GET', `${base}/watch/namespaces/ns/things`, 'watch', undefined],
  ];
  for (const [method, url, verb, name] of cases) {
    const info = requestInfo(method, url);
    t.equal(info.verb, verb, `${method} ${url}`);
    t.equal(info.name, name, `${method} ${url} name`);
    t.ok(info.isResourceRequest);
    t.equal(info.resource, 'things');
    t.equal(info.apiGroup, 'g.example.com');
  }
  t.equal(requestInfo('GET', `${base}/namespaces/ns/things`).namespace, 'ns');
  t.equal(requestInfo('GET', `${base}/things`).namespace, undefined);
  t.equal(requestInfo('GET', `${base}/namespaces/ns/things/a/status`).subresource, 'status');
});

t.test('discovery, OpenAPI and health are non-resource requests with the lower-cased method as verb', async (t) => {
  for (const path of ['/apis', '/apis/g.example.com', `${base}`, '/openapi/v2', '/version', '/healthz']) {
    const info = requestInfo('GET', path);
    t.notOk(info.isResourceRequest, path);
    t.equal(info.verb, 'get');
    t.equal(info.path, path);
  }
  t.equal(requestInfo('POST', '/apis').verb, 'post');
  t.equal(requestInfo('GET', '/openapi/v3/apis/g/v1?hash=X').path, '/openapi/v3/apis/g/v1');
});

t.test('an unparsable fieldSelector leaves a list without a name', async (t) => {
  t.equal(requestInfo('GET', `${base}/things?fieldSelector=spec.x%3D1`).name, undefined);
  t.equal(requestInfo('GET', `${base}/things?fieldSelector=metadata.name%3Da%2Fb`).name, undefined);
});

t.test('a malformed escape is kept as it is, not an exception', async (t) => {
  t.equal(requestInfo('GET', '/apis/g/v1/namespaces/ns/things/%E0%A4%A').name, '%E0%A4%A');
});

t.test('a path starting with // stays a path', async (t) => {
  const info = requestInfo('GET', '//apis/g/v1/namespaces/ns/things');
  t.equal(info.path, '//apis/g/v1/namespaces/ns/things');
  t.equal(info.resource, 'things');
});

// The real delegation clients (client-node) against a stand-in kube-apiserver: the ConfigMap is read and then
// followed through a watch, TokenReview and SubjectAccessReview requests have the shapes kube-apiserver expects.

import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import t from 'tap';
import { ConfigMapAuthenticationSource, KubeSubjectAccessReviewer, KubeTokenReviewer } from '../../../apiserver/k8s/auth/kube-delegation.js';
import { CertificateAuthority } from '../../../certs/pki.js';

const caA = await CertificateAuthority.create('front-proxy-a');
const caB = await CertificateAuthority.create('front-proxy-b');
const configMap = (rv: string, ca: string, names: string[]) => ({
  apiVersion: 'v1', kind: 'ConfigMap',
  metadata: { name: 'extension-apiserver-authentication', namespace: 'kube-system', resourceVersion: rv },
  data: {
    'requestheader-client-ca-file': ca,
    'requestheader-allowed-names': JSON.stringify(names),
    'requestheader-username-headers': '["X-Remote-User"]',
    'requestheader-group-headers': '["X-Remote-Group"]',
    'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
  },
});

const watchers: ServerResponse[] = [];
const watchQueries: URLSearchParams[] = [];
const bodies: Array<{ path: string; body: { spec: Record<string, unknown> } }> = [];
const api = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  let raw = '';
  req.on('data', (c: Buffer) => (raw += c.toString()));
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    if (req.method === 'GET' && url.pathname === '/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication') {
      res.end(JSON.stringify(configMap('10', caA.certPem, ['front-proxy-client'])));
    } else if (req.method === 'GET' && url.pathname === '/api/v1/namespaces/kube-system/configmaps' && url.searchParams.get('watch') === 'true') {
      watchQueries.push(url.searchParams);
      res.writeHead(200);
      res.flushHeaders();
      watchers.push(res);
    } else if (req.method === 'POST' && url.pathname === '/apis/authentication.k8s.io/v1/tokenreviews') {
      const body = JSON.parse(raw);
      bodies.push({ path: url.pathname, body });
      const ok = body.spec.token === 'good';
      res.end(JSON.stringify({ ...body, status: ok ? { authenticated: true, user: { username: 'tina', uid: '42', groups: ['g'], extra: { k: ['v'] } } } : { authenticated: false } }));
    } else if (req.method === 'POST' && url.pathname === '/apis/authorization.k8s.io/v1/subjectaccessreviews') {
      const body = JSON.parse(raw);
      bodies.push({ path: url.pathname, body });
      res.end(JSON.stringify({ ...body, status: body.spec.user === 'ok' ? { allowed: true } : { allowed: false, reason: 'RBAC: nope' } }));
    } else {
      res.writeHead(404).end('{}');
    }
  });
});
await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
t.teardown(() => {
  for (const w of watchers) w.destroy();
  api.close();
});

const kubeConfig = new KubeConfig();
kubeConfig.loadFromOptions({
  clusters: [{ name: 'c', server: `http://127.0.0.1:${(api.address() as AddressInfo).port}`, skipTLSVerify: true }],
  users: [{ name: 'u', token: 'server-token' }],
  contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
  currentContext: 'x',
});

t.test('A1: the ConfigMap is read at start and followed through a watch (CA rotation)', async (t) => {
  const source = new ConfigMapAuthenticationSource(kubeConfig, pino({ level: 'silent' }), 10);
  t.teardown(() => source.stop());
  await source.start();
  t.same(source.current().requestHeader?.allowedNames, ['front-proxy-client']);
  t.equal(source.current().requestHeader?.clientCAs[0]?.fingerprint256, new (await import('node:crypto')).X509Certificate(caA.certPem).fingerprint256);
  while (watchers.length === 0) await new Promise((r) => setTimeout(r, 5));
  t.equal(watchQueries[0]?.get('fieldSelector'), 'metadata.name=extension-apiserver-authentication');
  t.equal(watchQueries[0]?.get('resourceVersion'), '10');
  const changed = new Promise((resolve) => source.onChange(resolve));
  watchers[0]!.write(`${JSON.stringify({ type: 'MODIFIED', object: configMap('11', caB.certPem, ['aggregator']) })}\n`);
  await changed;
  t.same(source.current().requestHeader?.allowedNames, ['aggregator']);
  // The watch ends (as kube-apiserver ends watches): it is re-established from the last resourceVersion.
  watchers[0]!.end();
  while (watchers.length < 2) await new Promise((r) => setTimeout(r, 5));
  t.equal(watchQueries[1]?.get('resourceVersion'), '11');
});

t.test('A4: TokenReview through client-node', async (t) => {
  const reviewer = new KubeTokenReviewer(kubeConfig);
  t.same(await reviewer.review('good', []), { authenticated: true, user: { username: 'tina', groups: ['g'], extra: { k: ['v'] }, uid: '42' } });
  t.same(await reviewer.review('bad', ['aud']), { authenticated: false });
  const sent = bodies.filter((b) => b.path.includes('tokenreviews')).at(-1)!.body;
  t.same(sent.spec, { token: 'bad', audiences: ['aud'] });
});

t.test('A5: SubjectAccessReview through client-node', async (t) => {
  const reviewer = new KubeSubjectAccessReviewer(kubeConfig);
  const spec = { user: 'ok', groups: ['system:authenticated'], extra: {}, resourceAttributes: { verb: 'get', group: 'g', version: 'v1', resource: 'r', namespace: 'n', subresource: '', name: 'x' } };
  t.same(await reviewer.review(spec), { allowed: true, denied: false });
  t.same(await reviewer.review({ ...spec, user: 'no' }), { allowed: false, denied: false, reason: 'RBAC: nope' });
  const sent = bodies.filter((b) => b.path.includes('subjectaccessreviews')).at(-1)!.body;
  t.same(sent.spec, { ...spec, user: 'no' });
});

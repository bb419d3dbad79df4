import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { CertificateAuthority } from '../../../certs/pki.js';
import { StaticAuthenticationConfig, authenticationConfigFromConfigMap } from '../../../apiserver/k8s/auth/authentication-config.js';
import { SubjectAccessReviewAuthorizer, type SubjectAccessReviewSpec, forbidden, subjectAccessReviewSpec } from '../../../apiserver/k8s/auth/authorizer.js';
import { delegatingAuthenticator } from '../../../apiserver/k8s/auth/delegation.js';
import { UnionAuthenticator } from '../../../apiserver/k8s/auth/authenticator.js';
import { TokenAuthenticator } from '../../../apiserver/k8s/auth/token.js';
import { verifyClientChain } from '../../../apiserver/k8s/auth/x509.js';
import { requestInfo } from '../../../apiserver/k8s/serve/requestinfo.js';

const frontProxyCA = await CertificateAuthority.create('front-proxy-ca');
const clientCA = await CertificateAuthority.create('client-ca');
const data = {
  'client-ca-file': clientCA.certPem,
  'requestheader-client-ca-file': frontProxyCA.certPem,
  'requestheader-allowed-names': '["front-proxy-client"]',
  'requestheader-username-headers': '["X-Remote-User"]',
  'requestheader-group-headers': '["X-Remote-Group"]',
  'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
};
const cert = (pem: string) => new X509Certificate(pem);

t.test('A1: the ConfigMap is read as JSON string arrays; garbage is refused', async (t) => {
  const config = authenticationConfigFromConfigMap(data);
  t.same(config.requestHeader?.allowedNames, ['front-proxy-client']);
  t.same(config.requestHeader?.usernameHeaders, ['X-Remote-User']);
  t.equal(config.requestHeader?.clientCAs.length, 1);
  t.equal(config.clientCAs.length, 1);
  t.equal(config.caPems.length, 2);
  t.throws(() => authenticationConfigFromConfigMap({ ...data, 'requestheader-allowed-names': 'front-proxy-client' }));
  t.equal(authenticationConfigFromConfigMap({}).requestHeader, undefined);
});

t.test('A2/A3: only a front-proxy-CA certificate with an allowed CN makes the headers count; extras lower-cased and unescaped', async (t) => {
  const source = new StaticAuthenticationConfig(authenticationConfigFromConfigMap(data));
  const authn = delegatingAuthenticator(source);
  const proxy = await frontProxyCA.issueClient({ commonName: 'front-proxy-client' });
  const rawHeaders = ['X-Remote-User', 'jane', 'X-Remote-Group', 'a,b', 'X-Remote-Group', 'c', 'X-Remote-Extra-Acme.com%2Fproject', 'p1'];
  const user = await authn.authenticate({ headers: {}, rawHeaders, peerCertificates: [cert(proxy.certPem)] });
  t.same(user, { username: 'jane', groups: ['a,b', 'c', 'system:authenticated'], extra: { 'acme.com/project': ['p1'] } });

  const wrongName = await frontProxyCA.issueClient({ commonName: 'someone' });
  t.equal(await authn.authenticate({ headers: {}, rawHeaders, peerCertificates: [cert(wrongName.certPem)] }), undefined);
  const userCert = await clientCA.issueClient({ commonName: 'front-proxy-client', organizations: ['g'] });
  t.same(await authn.authenticate({ headers: {}, rawHeaders, peerCertificates: [cert(userCert.certPem)] }), { username: 'front-proxy-client', groups: ['g', 'system:authenticated'], extra: {} }, 'a client-CA cert is its own user, never the proxy');
  const expired = await frontProxyCA.issueClient({ commonName: 'front-proxy-client', notBefore: new Date(Date.now() - 3 * 86400_000), notAfter: new Date(Date.now() - 86400_000) });
  t.equal(await authn.authenticate({ headers: {}, rawHeaders, peerCertificates: [cert(expired.certPem)] }), undefined);
  t.equal(await authn.authenticate({ headers: {}, rawHeaders: ['X-Remote-Group', 'x'], peerCertificates: [cert(proxy.certPem)] }), undefined, 'no user header: not authenticated by the proxy');
});

t.test('CA rotation: a new front-proxy CA in the ConfigMap is trusted at once, the old one no more', async (t) => {
  const source = new StaticAuthenticationConfig(authenticationConfigFromConfigMap(data));
  const authn = delegatingAuthenticator(source);
  const rotatedCA = await CertificateAuthority.create('front-proxy-ca-2');
  const rotated = await rotatedCA.issueClient({ commonName: 'front-proxy-client' });
  const headers = { headers: {}, rawHeaders: ['X-Remote-User', 'jane'] };
  t.equal(await authn.authenticate({ ...headers, peerCertificates: [cert(rotated.certPem)] }), undefined);
  source.set(authenticationConfigFromConfigMap({ ...data, 'requestheader-client-ca-file': rotatedCA.certPem }));
  t.equal((await authn.authenticate({ ...headers, peerCertificates: [cert(rotated.certPem)] }))?.username, 'jane');
});

t.test('chains verify through intermediates the client presents, and only to the given roots', async (t) => {
  const leaf = cert((await clientCA.issueClient({ commonName: 'x' })).certPem);
  t.ok(verifyClientChain(leaf, [], [cert(clientCA.certPem)]));
  t.notOk(verifyClientChain(leaf, [cert(clientCA.certPem)], [cert(frontProxyCA.certPem)]), 'presenting the right CA as an intermediate does not help');
  t.notOk(verifyClientChain(leaf, [], []));
});

t.test('A4: TokenReview results are cached for the TTL, keyed by the token', async (t) => {
  let now = 0;
  let reviews = 0;
  const authn = new TokenAuthenticator({ review: async (token) => { reviews++; return token === 'ok' ? { authenticated: true, user: { username: 'u', groups: [], extra: {} } } : { authenticated: false }; } }, { cacheTtlMs: 10_000, now: () => now });
  const req = (token: string) => ({ headers: { authorization: `Bearer ${token}` }, peerCertificates: [] });
  t.equal((await authn.authenticate(req('ok')))?.username, 'u');
  t.equal((await authn.authenticate(req('ok')))?.username, 'u');
  t.equal(reviews, 1);
  t.equal(await authn.authenticate(req('bad')), undefined);
  now = 10_001;
  await authn.authenticate(req('ok'));
  t.equal(reviews, 3);
  t.equal(await authn.authenticate({ headers: { authorization: 'Basic x' }, peerCertificates: [] }), undefined);
});

t.test('A5: SubjectAccessReview attributes, short caches, system:masters, and the 403 wording', async (t) => {
  const user = { username: 'u', groups: ['g', 'system:authenticated'], extra: { k: ['v'] } };
  t.same(subjectAccessReviewSpec({ user, info: requestInfo('PATCH', '/apis/g.io/v1/namespaces/ns/things/a') }).resourceAttributes,
    { verb: 'patch', group: 'g.io', version: 'v1', resource: 'things', namespace: 'ns', subresource: '', name: 'a' });
  t.same(subjectAccessReviewSpec({ user, info: requestInfo('GET', '/openapi/v2') }).nonResourceAttributes, { path: '/openapi/v2', verb: 'get' });

  let now = 0;
  const seen: SubjectAccessReviewSpec[] = [];
  const authz = new SubjectAccessReviewAuthorizer({ review: async (spec) => { seen.push(spec); return { allowed: false, reason: 'no' }; } }, { denyTtlMs: 10_000, now: () => now });
  const attrs = { user, info: requestInfo('GET', '/apis/g.io/v1/namespaces/ns/things') };
  t.same(await authz.authorize(attrs), { allowed: false, reason: 'no' });
  await authz.authorize(attrs);
  t.equal(seen.length, 1, 'denial cached');
  now = 20_000;
  await authz.authorize(attrs);
  t.equal(seen.length, 2);
  t.same(await authz.authorize({ user: { username: 'root', groups: ['system:masters'], extra: {} }, info: attrs.info }), { allowed: true });
  t.equal(seen.length, 2);

  t.equal(forbidden(attrs, 'no').status.message, 'things.g.io is forbidden: User "u" cannot list resource "things" in API group "g.io" in the namespace "ns": no');
  t.equal(forbidden({ user, info: requestInfo('DELETE', '/apis/g.io/v1/clusterthings/x') }).status.message, 'clusterthings.g.io "x" is forbidden: User "u" cannot delete resource "clusterthings" in API group "g.io" at the cluster scope');
  t.same(forbidden({ user, info: requestInfo('GET', '/metrics') }).status, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'forbidden: User "u" cannot get path "/metrics"', reason: 'Forbidden', code: 403 });
});

t.test('a flood of distinct tokens evicts the least recently used answers, never everyone\'s at once', async (t) => {
  let reviews = 0;
  const authn = new TokenAuthenticator({ review: async (token) => { reviews++; return token === 'ok' ? { authenticated: true, user: { username: 'u', groups: [], extra: {} } } : { authenticated: false }; } }, { maxCacheEntries: 100 });
  const req = (token: string) => ({ headers: { authorization: `Bearer ${token}` }, peerCertificates: [] });
  await authn.authenticate(req('ok'));
  for (let i = 0; i < 1000; i++) {
    await authn.authenticate(req(`random-${i}`));
    if (i % 50 === 0) await authn.authenticate(req('ok')); // a user who keeps working stays cached
  }
  t.equal(reviews, 1 + 1000, 'the working user was reviewed once, each random token once');
});

t.test('a TokenReview or SubjectAccessReview that never answers fails closed after the timeout', async (t) => {
  const never = () => new Promise<never>(() => {});
  const authn = new TokenAuthenticator({ review: never }, { timeoutMs: 50 });
  await t.rejects(authn.authenticate({ headers: { authorization: 'Bearer t' }, peerCertificates: [] }), { name: 'ReviewTimeoutError', message: /did not answer within 50 ms/ });
  const authz = new SubjectAccessReviewAuthorizer({ review: never }, { timeoutMs: 50 });
  await t.rejects(authz.authorize({ user: { username: 'u', groups: [], extra: {} }, info: requestInfo('GET', '/apis/g.io/v1/things') }), { name: 'ReviewTimeoutError', message: /did not answer within 50 ms/ });
});

t.test('the anonymous user is not made system:authenticated (AuthenticatedGroupAdder)', async (t) => {
  const fixed = (user: { username: string; groups: string[]; extra: Record<string, string[]> }) => new UnionAuthenticator([{ authenticate: async () => user }]);
  const req = { headers: {}, peerCertificates: [] };
  t.same((await fixed({ username: 'system:anonymous', groups: ['system:unauthenticated'], extra: {} }).authenticate(req))?.groups, ['system:unauthenticated']);
  t.same((await fixed({ username: 'system:anonymous', groups: [], extra: {} }).authenticate(req))?.groups, []);
  t.same((await fixed({ username: 'jane', groups: ['dev'], extra: {} }).authenticate(req))?.groups, ['dev', 'system:authenticated']);
});

// Who the server believes, straight to its port (as an attacker inside the cluster network would): only kube-apiserver's
// front-proxy cert may speak for another user. Every forgery is refused — 401, or 403 as the caller's own identity.
import t from 'tap';
import { CertificateAuthority, type PemPair } from '../../certs/pki.js';
import { kubectl } from '../../tools/cluster/control-plane.js';
import { scenario } from '../support/product.js';
import { asAdminHeaders, frontProxyCert, httpsSender, serverEndpoint, statusKind } from '../support/hostile.js';

const { stack, cp, ns, platform, collection, manifest } = await scenario('identity');
const dayMs = 86_400_000;

interface Attempt {
  name: string;
  client?: PemPair;
  headers: Record<string, string>;
  /** The identity the server may take the caller for (then 403 naming it); undefined: only 401 is right. */
  ownUser?: string;
}

const forged = { ...asAdminHeaders, 'X-Remote-Extra-Scopes': 'everything' };

t.before(async () => {
  const created = await kubectl(cp, ['apply', '-f', '-'], { input: JSON.stringify(manifest('existing')) });
  if (created.code !== 0) throw new Error(created.stderr);
});

t.test('the real front proxy is believed (control: the forgeries below are refused for their forgery alone)', async (t) => {
  const proxy = httpsSender(serverEndpoint(stack, await frontProxyCert(cp)));
  t.teardown(proxy.close);
  const res = await proxy.send({ path: `${collection}/existing`, headers: asAdminHeaders });
  t.equal(res.status, 200, res.body.slice(0, 200));
});

t.test('forged identities: 0 accepted', async (t) => {
  const clusterCa = await CertificateAuthority.load(cp.clusterCa);
  const otherCa = await CertificateAuthority.create('not-the-front-proxy-ca');
  const past = Date.now() - 2 * dayMs;
  const attempts: Attempt[] = [
    { name: 'no client cert, forged X-Remote-User', headers: forged, ownUser: 'system:anonymous' },
    { name: 'cert from another CA with the front-proxy CN', client: await otherCa.issueClient({ commonName: cp.frontProxyName }), headers: forged, ownUser: 'system:anonymous' },
    { name: 'cluster-CA client cert with forged headers', client: await clusterCa.issueClient({ commonName: 'mallory', organizations: ['developers'] }), headers: forged, ownUser: 'mallory' },
    { name: 'cluster-CA client cert with the front-proxy CN', client: await clusterCa.issueClient({ commonName: cp.frontProxyName }), headers: forged, ownUser: cp.frontProxyName },
    { name: 'front-proxy-CA cert with a wrong CN', client: await frontProxyCert(cp, { commonName: 'not-the-proxy' }), headers: forged, ownUser: 'system:anonymous' },
    { name: 'expired front-proxy cert', client: await frontProxyCert(cp, { notBefore: new Date(past), notAfter: new Date(past + dayMs) }), headers: forged, ownUser: 'system:anonymous' },
    { name: 'not yet valid front-proxy cert', client: await frontProxyCert(cp, { notBefore: new Date(Date.now() + dayMs), notAfter: new Date(Date.now() + 2 * dayMs) }), headers: forged, ownUser: 'system:anonymous' },
    { name: 'bearer token TokenReview rejects', headers: { authorization: 'Bearer not-a-real-token-0000', ...forged } },
    { name: 'bearer token TokenReview rejects, no headers', headers: { authorization: 'Bearer not-a-real-token-0000' } },
    { name: "a valid non-admin token with forged headers", headers: { authorization: 'Bearer alice-token-0123456789', ...forged }, ownUser: 'alice' },
  ];
  const writesBefore = (await platform<{ writes: number }>('GET', '/__emulator/requests')).body.writes;
  let accepted = 0;
  let answers = 0;
  const outcomes: string[] = [];
  for (const a of attempts) {
    const sender = httpsSender(serverEndpoint(stack, a.client));
    const requests = [
      { method: 'GET', path: collection },
      { method: 'GET', path: `${collection}/existing` },
      { method: 'POST', path: collection, body: JSON.stringify(manifest(`forged-${answers}`)) },
      { method: 'DELETE', path: `${collection}/existing` },
    ];
    for (const r of requests) {
      const res = await sender.send({ ...r, headers: { ...a.headers, 'content-type': 'application/json', accept: 'application/json' } });
      answers++;
      const message = (() => {
        try {
          return (JSON.parse(res.body) as { message?: string }).message ?? '';
        } catch {
          return res.body.slice(0, 120);
        }
      })();
      outcomes.push(`${a.name}: ${r.method} → ${res.status || res.error} ${message.slice(0, 140)}`);
      const refusedAsAnonymousOrUnknown = res.status === 401;
      const refusedAsOwnUser = res.status === 403 && a.ownUser !== undefined && message.includes(`User "${a.ownUser}"`);
      const refusedAtTls = res.status === 0 && res.error !== undefined;
      if (!(refusedAsAnonymousOrUnknown || refusedAsOwnUser || refusedAtTls)) accepted++;
      t.ok(refusedAsAnonymousOrUnknown || refusedAsOwnUser || refusedAtTls, `${a.name}, ${r.method} ${r.path.endsWith('existing') ? 'object' : 'collection'}: refused (${res.status || res.error})`);
      if (res.status) t.equal(statusKind(res.body), 'Status', `${a.name}: the refusal is a Status`);
      t.notMatch(message, /User "admin"/, `${a.name}: never taken for the forged user`);
    }
    sender.close();
  }
  const writesAfter = (await platform<{ writes: number }>('GET', '/__emulator/requests')).body.writes;
  for (const o of outcomes) t.comment(o);
  t.comment(`identity: ${attempts.length} forgeries × 4 requests = ${answers} requests, ${accepted} accepted, platform writes delta ${writesAfter - writesBefore}`);
  t.equal(writesAfter - writesBefore, 0, 'no platform write from a forged identity');
  const still = await kubectl(cp, ['get', `vvpdeployments.${stack.apiGroup}`, 'existing', '-n', ns, '-o', 'name']);
  t.equal(still.code, 0, 'the object the forgeries tried to delete is still there');
});

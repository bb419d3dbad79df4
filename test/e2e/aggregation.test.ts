// Proof that API aggregation works on the local control plane: kube-apiserver proxies /apis/<group>/<version>
// to a backend registered with an APIService, authenticating itself with the front-proxy client certificate
// and passing the user in X-Remote-* headers; a caller without that certificate cannot forge them.
import { createServer, request, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import t from 'tap';
import { CertificateAuthority, serviceDnsNames } from '../../certs/pki.js';
import { freePort } from '../../tools/cluster/control-plane.js';
import { kubectl, printLogsOnFailure, testControlPlane } from '../support/cluster.js';

const group = 'aggregation-probe.test.vvp';
const version = 'v1alpha1';
const namespace = 'aggregation-probe';
const service = 'probe';

interface FrontProxyConfig {
  ca: X509Certificate;
  allowedNames: string[];
  usernameHeaders: string[];
  groupHeaders: string[];
}

interface SeenRequest {
  path: string;
  /** The identity the backend accepted, or why it refused. */
  identity?: { user: string; groups: string[]; proxyCn: string };
  refused?: string;
}

// The check an aggregated server must make before it believes X-Remote-* headers (the seed of the real
// server's authentication): the peer certificate chains to the requestheader CA alone, is a client
// certificate, is in its validity period, and its CN is an allowed front-proxy name.
function frontProxyIdentity(req: IncomingMessage, cfg: FrontProxyConfig): SeenRequest['identity'] | string {
  const peer = (req.socket as TLSSocket).getPeerX509Certificate?.();
  if (!peer) return 'no client certificate';
  if (!peer.checkIssued(cfg.ca) || !peer.verify(cfg.ca.publicKey)) return 'client certificate not signed by the requestheader CA';
  const now = Date.now();
  if (now < Date.parse(peer.validFrom) || now > Date.parse(peer.validTo)) return 'client certificate expired or not yet valid';
  if (!(peer.keyUsage ?? []).includes('1.3.6.1.5.5.7.3.2')) return 'not a client certificate';
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(peer.subject)?.[1] ?? '';
  if (cfg.allowedNames.length > 0 && !cfg.allowedNames.includes(cn)) return `CN ${cn} is not an allowed front-proxy name`;
  const header = (name: string) => req.headersDistinct[name.toLowerCase()] ?? [];
  const user = cfg.usernameHeaders.flatMap(header).find((v) => v !== '');
  if (!user) return 'no user header';
  return { user, groups: cfg.groupHeaders.flatMap(header), proxyCn: cn };
}

async function readFrontProxyConfig(cp: Awaited<ReturnType<typeof testControlPlane>>): Promise<FrontProxyConfig> {
  const res = await kubectl(cp, ['get', 'configmap', '-n', 'kube-system', 'extension-apiserver-authentication', '-o', 'json']);
  if (res.code !== 0) throw new Error(res.stderr);
  const data = (JSON.parse(res.stdout) as { data: Record<string, string> }).data;
  const list = (key: string) => JSON.parse(data[key] ?? '[]') as string[];
  return {
    ca: new X509Certificate(data['requestheader-client-ca-file'] ?? ''),
    allowedNames: list('requestheader-allowed-names'),
    usernameHeaders: list('requestheader-username-headers'),
    groupHeaders: list('requestheader-group-headers'),
  };
}

const resourceList = {
  kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${group}/${version}`,
  resources: [{ name: 'probes', singularName: 'probe', namespaced: true, kind: 'Probe', verbs: ['get', 'list'] }],
};

t.test('kube-apiserver proxies an APIService to a backend with the front-proxy identity', async (t) => {
  const cp = await testControlPlane();
  printLogsOnFailure(cp);
  const frontProxy = await readFrontProxyConfig(cp);

  const ca = await CertificateAuthority.create('probe-ca');
  const serving = await ca.issueServing({ commonName: `${service}.${namespace}.svc`, dnsNames: serviceDnsNames(service, namespace), ipAddresses: ['127.0.0.1'] });
  const seen: SeenRequest[] = [];
  const backend: Server = createServer({ key: serving.keyPem, cert: serving.certPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const identity = frontProxyIdentity(req, frontProxy);
    if (typeof identity === 'string') {
      seen.push({ path: req.url ?? '', refused: identity });
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401, message: identity }));
      return;
    }
    seen.push({ path: req.url ?? '', identity });
    if (req.url?.split('?')[0] === `/apis/${group}/${version}`) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(resourceList));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
    }
  });
  const port = await freePort();
  await new Promise<void>((resolve) => backend.listen(port, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => backend.close(() => resolve())));

  // The aggregator resolves an ExternalName Service to https://<externalName>:<port> (default routing) and
  // verifies the serving certificate for <service>.<namespace>.svc — EndpointSlices may not point at loopback.
  const manifests = {
    apiVersion: 'v1', kind: 'List', items: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: service, namespace }, spec: { type: 'ExternalName', externalName: '127.0.0.1', ports: [{ port, protocol: 'TCP' }] } },
      {
        apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: `${version}.${group}` },
        spec: { group, version, service: { namespace, name: service, port }, caBundle: Buffer.from(ca.certPem).toString('base64'), groupPriorityMinimum: 1000, versionPriority: 15 },
      },
    ],
  };
  const applied = await kubectl(cp, ['apply', '-f', '-'], { input: JSON.stringify(manifests) });
  t.equal(applied.code, 0, `manifests applied: ${applied.stderr}`);
  t.teardown(async () => {
    await kubectl(cp, ['delete', 'apiservice', `${version}.${group}`, '--ignore-not-found']);
  });

  let available: { status?: string; reason?: string; message?: string } | undefined;
  for (let i = 0; i < 120 && available?.status !== 'True'; i++) {
    const got = await kubectl(cp, ['get', 'apiservice', `${version}.${group}`, '-o', 'json']);
    const conditions = (JSON.parse(got.stdout || '{}') as { status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] } }).status?.conditions ?? [];
    available = conditions.find((c) => c.type === 'Available');
    if (available?.status !== 'True') await new Promise((r) => setTimeout(r, 500));
  }
  t.equal(available?.status, 'True', `APIService Available (last: ${available?.reason}: ${available?.message})`);

  const created = await kubectl(cp, ['create', 'namespace', 'deletion-probe']);
  t.equal(created.code, 0, created.stderr);
  const deleted = await kubectl(cp, ['delete', 'namespace', 'deletion-probe', '--wait=true', '--timeout=90s']);
  t.equal(deleted.code, 0, `with the APIService registered, the namespace controller still finishes a deletion: ${deleted.stderr}`);

  const raw = await kubectl(cp, ['get', '--raw', `/apis/${group}/${version}`]);
  t.equal(raw.code, 0, raw.stderr);
  t.same(JSON.parse(raw.stdout), resourceList, 'kubectl gets the backend body through kube-apiserver');

  const asAdmin = seen.filter((s) => s.path === `/apis/${group}/${version}` && s.identity?.user === 'admin');
  t.ok(asAdmin.length > 0, 'the backend saw the kubectl user');
  const identity = asAdmin[0]?.identity;
  t.equal(identity?.proxyCn, cp.frontProxyName, 'authenticated by the front-proxy client certificate');
  t.ok(identity?.groups.includes('system:masters'), 'X-Remote-Group carries the user groups');
  t.ok(identity?.groups.includes('system:authenticated'), 'X-Remote-Group carries system:authenticated');
  t.notOk(seen.some((s) => s.refused), `kube-apiserver was never refused (${seen.filter((s) => s.refused).map((s) => s.refused).join('; ')})`);

  const direct = async (tls: { cert?: string; key?: string }) => new Promise<number>((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, path: `/apis/${group}/${version}`, ca: ca.certPem, servername: `${service}.${namespace}.svc`,
      headers: { 'X-Remote-User': 'admin', 'X-Remote-Group': 'system:masters' }, ...tls,
    }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
  t.equal(await direct({}), 401, 'forged X-Remote-User without a client certificate is refused');
  const clusterCa = await CertificateAuthority.load(cp.clusterCa);
  const user = await clusterCa.issueClient({ commonName: cp.frontProxyName, organizations: ['system:masters'] });
  t.equal(await direct({ cert: user.certPem, key: user.keyPem }), 401, 'a cluster-CA client certificate with the front-proxy CN and forged headers is refused');
  const otherProxyCa = await CertificateAuthority.load(cp.frontProxyCa);
  const wrongCn = await otherProxyCa.issueClient({ commonName: 'not-the-proxy' });
  t.equal(await direct({ cert: wrongCn.certPem, key: wrongCn.keyPem }), 401, 'a requestheader-CA certificate with a CN that is not allowed is refused');
});

// The admission room's informers against the real kube-apiserver: namespaces are listed, then followed by a watch; a
// namespace created a moment ago is found by NamespaceLifecycle's one live read (before kube's plugins in the helper); a kind
// the cluster does not serve counts as empty rather than keeping every write waiting.
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, CustomObjectsApi, KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { pino } from 'pino';
import t from 'tap';
import { clusterAdmission } from '../../apiserver/k8s/admission/kube.js';
import { ClusterCache } from '../../apiserver/k8s/admission/cluster-cache.js';
import { admissionAttributes, operationOptions } from '../../apiserver/k8s/admission/attributes.js';
import { isStatusError } from '../../apiserver/k8s/status.js';
import { Registry } from 'prom-client';
import { kubectl, printLogsOnFailure, testControlPlane } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';

const cp = await testControlPlane();
printLogsOnFailure(cp);
const kc = new KubeConfig();
kc.loadFromFile(cp.kubeconfig);
const log = pino({ level: 'silent' });

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    await sleep(100);
  }
  throw new Error(`${what} within ${timeoutMs / 1000}s`);
}

t.test('a namespace informer lists, then follows changes by its watch', async (t) => {
  const core = kc.makeApiClient(CoreV1Api);
  const cache = new ClusterCache<KubernetesObject>(kc, '/api/v1/namespaces', () => core.listNamespace(), log);
  cache.start();
  t.teardown(() => cache.stop());
  t.equal(await cache.ready(30_000), true);
  t.ok(cache.get('default'), 'the default namespace is listed');
  t.match(cache.get('default')?.metadata?.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'timestamps in wire form');
  await kubectl(cp, ['create', 'namespace', 'informer-watched']);
  await kubectl(cp, ['label', 'namespace', 'informer-watched', 'tier=prod']);
  await until('the label arrives through the watch', () => cache.get('informer-watched')?.metadata?.labels?.tier === 'prod');
  t.pass('the watch delivered the change');
});

t.test('a kind the cluster does not serve counts as empty', async (t) => {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const missing = new ClusterCache<KubernetesObject>(kc, '/apis/example.com/v1/nothings',
    () => custom.listClusterCustomObject({ group: 'example.com', version: 'v1', plural: 'nothings' }) as Promise<never>, log);
  missing.start();
  t.teardown(() => missing.stop());
  t.equal(await missing.ready(30_000), true);
  t.same(missing.list(), []);
});

t.test('the wired chain: NamespaceLifecycle refuses a missing namespace and admits one created a moment ago', async (t) => {
  const binary = process.env.KUBE_ADMISSION_BIN;
  if (!binary) throw new Error('KUBE_ADMISSION_BIN must name the kube-admission binary (make test sets it)');
  const cluster = clusterAdmission(kc, log, new Registry(), { binary, kubeconfig: cp.kubeconfig });
  cluster.start();
  t.teardown(() => cluster.stop());
  await eventually('the admission helper is ready', () => cluster.ready(), 120_000);
  const attrs = (namespace: string) => admissionAttributes({
    operation: 'CREATE', kind: { group: 'example.com', version: 'v1', kind: 'Widget' }, resource: { group: 'example.com', version: 'v1', resource: 'widgets' },
    name: 'w', namespace, object: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace } },
    userInfo: { username: 'alice', groups: [], extra: {} }, dryRun: false, options: operationOptions('CREATE', {}),
  });
  const refused = await cluster.admission.admit(attrs('informer-missing')).then(() => undefined, (err: unknown) => (isStatusError(err) ? err.status : err));
  t.match(refused, { code: 404, message: 'namespaces "informer-missing" not found' });
  await kubectl(cp, ['create', 'namespace', 'informer-fresh']);
  const admitted = await cluster.admission.admit(attrs('informer-fresh'));
  t.equal(admitted.object?.metadata.name, 'w', 'admitted right after creation (the cache miss is read live)');
});

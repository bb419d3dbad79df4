// What a platform team checks in a chart before installing it: `helm lint --strict` is clean; the Pods are spread,
// hardened and drained gently (a PodDisruptionBudget only where it cannot block a drain, a preStop pause inside
// the grace period, a surge-only rollout); the optional ServiceMonitor and NetworkPolicy render only when asked and
// open no more than the serving port; and kube-apiserver itself accepts every object (server-side dry run).
import { X509Certificate } from 'node:crypto';
import { join, resolve } from 'node:path';
import t from 'tap';
import yaml from 'js-yaml';
import { kubectl, runCommand } from '../../tools/cluster/control-plane.js';
import { testControlPlane } from '../support/cluster.js';

const chart = resolve('apiservice/chart/vvp-apiserver');
interface Manifest { apiVersion: string; kind: string; metadata: { name: string }; spec?: Record<string, unknown>; [k: string]: unknown }
interface PodSpec {
  terminationGracePeriodSeconds: number;
  topologySpreadConstraints?: { topologyKey: string; whenUnsatisfiable: string; labelSelector?: { matchLabels: Record<string, string> } }[];
  containers: { lifecycle?: { preStop?: { sleep?: { seconds: number } } }; securityContext: Record<string, unknown> }[];
}

const cp = await testControlPlane();
const helm = (args: string[]) => runCommand(join(cp.binDir, 'helm'), [...args, '--kubeconfig', cp.kubeconfig], { env: { HOME: join(cp.stateDir, 'home') } });
async function render(values: string[], namespace = 'vvp-system'): Promise<Manifest[]> {
  const res = await helm(['template', 'vvp', chart, '--namespace', namespace, '--set', 'vvp.token=x', ...values.flatMap((v) => ['--set', v])]);
  if (res.code !== 0) throw new Error(res.stderr);
  return yaml.loadAll(res.stdout).filter(Boolean) as Manifest[];
}
const podSpec = (objects: Manifest[]) => (objects.find((o) => o.kind === 'Deployment')!.spec as { template: { spec: PodSpec } }).template.spec;

t.test('helm lint --strict is clean, with the defaults and with every option on', async (t) => {
  for (const values of [[], ['metrics.serviceMonitor.enabled=true', 'networkPolicy.enabled=true', 'replicaCount=1', 'priorityClassName=high']]) {
    const res = await helm(['lint', '--strict', chart, '--set', 'vvp.token=x', ...values.flatMap((v) => ['--set', v])]);
    t.equal(res.code, 0, `${values.join(' ') || 'defaults'}: ${res.stdout}${res.stderr}`);
  }
});

t.test('the Pods: spread over zones, a preStop pause inside the grace period, a rollout that never goes below the replicas', async (t) => {
  const objects = await render([]);
  const spec = podSpec(objects);
  const spread = spec.topologySpreadConstraints ?? [];
  t.equal(spread[0]?.topologyKey, 'topology.kubernetes.io/zone');
  t.equal(spread[0]?.whenUnsatisfiable, 'ScheduleAnyway', 'never blocks scheduling');
  t.same(spread[0]?.labelSelector?.matchLabels, { 'app.kubernetes.io/name': 'vvp-apiserver', 'app.kubernetes.io/instance': 'vvp' }, 'selects this release\'s Pods');
  const pause = spec.containers[0]!.lifecycle?.preStop?.sleep?.seconds ?? 0;
  t.ok(pause > 0 && pause < spec.terminationGracePeriodSeconds, `the pause (${pause} s) ends well inside the grace period (${spec.terminationGracePeriodSeconds} s)`);
  t.same(spec.containers[0]!.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  const deployment = objects.find((o) => o.kind === 'Deployment')!.spec as { strategy: { rollingUpdate: { maxUnavailable: number; maxSurge: number } } };
  t.same(deployment.strategy.rollingUpdate, { maxUnavailable: 0, maxSurge: 1 });
  t.ok(objects.some((o) => o.kind === 'PodDisruptionBudget'), 'two replicas: a PodDisruptionBudget');
  t.notOk((await render(['replicaCount=1'])).some((o) => o.kind === 'PodDisruptionBudget'), 'one replica: none, it would block every drain');
  t.notOk(podSpec(await render(['shutdownDelaySeconds=0'])).containers[0]!.lifecycle, 'shutdownDelaySeconds=0: no preStop');
  t.notOk(podSpec(await render(['topologySpreadConstraints=null'])).topologySpreadConstraints, 'topologySpreadConstraints can be switched off');
});

t.test('ServiceMonitor and NetworkPolicy: only when enabled, and no more than the serving port', async (t) => {
  const plain = await render([]);
  t.notOk(plain.some((o) => o.kind === 'ServiceMonitor' || o.kind === 'NetworkPolicy'), 'off by default');
  const objects = await render(['metrics.serviceMonitor.enabled=true', 'networkPolicy.enabled=true',
    'metrics.serviceMonitor.readerSubjects[0].kind=ServiceAccount', 'metrics.serviceMonitor.readerSubjects[0].name=prometheus',
    'metrics.serviceMonitor.readerSubjects[0].namespace=monitoring', 'apiGroup=hygiene.e2e.ververica.platform'], 'chart-hygiene');
  const monitor = objects.find((o) => o.kind === 'ServiceMonitor')!.spec as { endpoints: { port: string; scheme: string; path: string; tlsConfig: { serverName: string } }[] };
  t.same([monitor.endpoints[0]!.port, monitor.endpoints[0]!.scheme, monitor.endpoints[0]!.path], ['https', 'https', '/metrics']);
  t.equal(monitor.endpoints[0]!.tlsConfig.serverName, 'vvp.chart-hygiene.svc', 'verifies the serving certificate by its Service name');
  const reader = objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name === 'vvp:metrics-reader') as unknown as { rules: unknown[] };
  t.same(reader.rules, [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }], 'the scraper may get /metrics and nothing else');
  const policy = objects.find((o) => o.kind === 'NetworkPolicy')!.spec as { policyTypes: string[]; ingress: { ports: unknown[] }[] };
  t.same(policy.policyTypes, ['Ingress'], 'egress stays open (kube-apiserver, the platform)');
  t.same(policy.ingress, [{ ports: [{ port: 'https', protocol: 'TCP' }] }], 'only the serving port is admitted');

  // kube-apiserver validates every object but the ServiceMonitor (its CRD is prometheus-operator's).
  const created = await kubectl(cp, ['create', 'namespace', 'chart-hygiene']);
  t.ok(created.code === 0 || /AlreadyExists/.test(created.stderr), created.stderr);
  const accepted = objects.filter((o) => o.kind !== 'ServiceMonitor');
  const dryRun = await kubectl(cp, ['apply', '--dry-run=server', '-f', '-'], { input: accepted.map((o) => yaml.dump(o)).join('---\n') });
  t.equal(dryRun.code, 0, `kube-apiserver accepts the objects: ${dryRun.stderr}`);
});

t.test('tls.mode generate keeps its CA across an upgrade: the caBundle the old Pods are trusted by stays', async (t) => {
  const group = 'keepca.e2e.ververica.platform';
  const common = ['--namespace', 'chart-keep-ca', '--set', 'vvp.token=x', '--set', `apiGroup=${group}`];
  const read = async () => {
    const caBundle = (await kubectl(cp, ['get', 'apiservice', `v1.${group}`, '-o', 'jsonpath={.spec.caBundle}'])).stdout;
    const secret = JSON.parse((await kubectl(cp, ['get', 'secret', 'keepca-tls', '-n', 'chart-keep-ca', '-o', 'json'])).stdout) as { data: Record<string, string> };
    return { caBundle, serving: new X509Certificate(Buffer.from(secret.data['tls.crt']!, 'base64')) };
  };
  const install = await helm(['install', 'keepca', chart, '--create-namespace', ...common]);
  t.equal(install.code, 0, install.stderr);
  t.teardown(() => helm(['uninstall', 'keepca', '--namespace', 'chart-keep-ca', '--wait']));
  const before = await read();
  const upgrade = await helm(['upgrade', 'keepca', chart, ...common, '--set', 'logLevel=debug']);
  t.equal(upgrade.code, 0, upgrade.stderr);
  const after = await read();
  t.ok(before.caBundle.length > 0, 'the APIService has a caBundle');
  t.equal(after.caBundle, before.caBundle, 'the upgrade keeps the caBundle');
  t.not(after.serving.serialNumber, before.serving.serialNumber, 'the serving certificate is signed again');
  const ca = new X509Certificate(Buffer.from(after.caBundle, 'base64'));
  t.ok(after.serving.verify(ca.publicKey) && before.serving.verify(ca.publicKey), 'old and new serving certificates are both trusted by it');
  const deployment = JSON.parse((await kubectl(cp, ['get', 'deployment', 'keepca', '-n', 'chart-keep-ca', '-o', 'json'])).stdout) as { spec: { template: { spec: { volumes: { name: string; secret?: { items?: { key: string }[] } }[] } } } };
  const tls = deployment.spec.template.spec.volumes.find((v) => v.name === 'tls');
  t.same(tls?.secret?.items?.map((i) => i.key), ['tls.crt', 'tls.key'], 'the Pod mounts the serving pair only, never the CA key');
});

// The Helm chart: lint, what it renders, and install / upgrade / uninstall against the real control plane
// (no kubelet runs pods there, so the objects are checked; the stack serves the APIService from outside).
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { X509Certificate } from 'node:crypto';
import { join, resolve } from 'node:path';
import t from 'tap';
import yaml from 'js-yaml';
import { kubectl, runCommand } from '../../tools/cluster/control-plane.js';
import { testControlPlane } from '../support/cluster.js';

const chart = resolve('apiservice/chart/vvp-apiserver');
interface Manifest { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> }; [k: string]: unknown }

const cp = await testControlPlane();
const helm = (args: string[]) => runCommand(join(cp.binDir, 'helm'), [...args, '--kubeconfig', cp.kubeconfig], { env: { HOME: join(cp.stateDir, 'home') } });

async function render(values: string[]): Promise<Manifest[]> {
  const res = await helm(['template', 'vvp', chart, '--namespace', 'vvp-system', ...values.flatMap((v) => ['--set', v])]);
  if (res.code !== 0) throw new Error(res.stderr);
  return yaml.loadAll(res.stdout).filter(Boolean) as Manifest[];
}
const find = (objects: Manifest[], kind: string, name?: string) => objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

t.test('helm lint passes', async (t) => {
  const res = await helm(['lint', chart, '--set', 'vvp.token=x']);
  t.equal(res.code, 0, res.stdout + res.stderr);
});

t.test('the rendered objects: delegation RBAC, a hardened Deployment, an APIService whose caBundle signs the serving cert', async (t) => {
  const objects = await render(['vvp.token=secret-token']);
  const kinds = objects.map((o) => o.kind).sort();
  for (const kind of ['APIService', 'ClusterRole', 'ClusterRoleBinding', 'Deployment', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Secret', 'Service', 'ServiceAccount']) {
    t.ok(kinds.includes(kind), `renders a ${kind}`);
  }
  const bindings = objects.filter((o) => o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding') as unknown as { metadata: { namespace?: string }; roleRef: { name: string } }[];
  t.ok(bindings.some((b) => b.roleRef.name === 'system:auth-delegator'), 'bound to system:auth-delegator');
  t.ok(bindings.some((b) => b.roleRef.name === 'extension-apiserver-authentication-reader' && b.metadata.namespace === 'kube-system'), 'may read the authentication ConfigMap in kube-system');

  const deployment = find(objects, 'Deployment') as unknown as { spec: { replicas: number; template: { spec: { securityContext: { runAsNonRoot: boolean }; containers: { livenessProbe: { httpGet: { path: string; scheme: string } }; readinessProbe: { httpGet: { path: string; scheme: string } }; securityContext: { readOnlyRootFilesystem: boolean }; resources: { limits?: { memory?: string } }; env?: { name: string; value: string }[] }[] } } } };
  t.equal(deployment.spec.replicas, 2);
  const container = deployment.spec.template.spec.containers[0]!;
  t.same([container.livenessProbe.httpGet.path, container.livenessProbe.httpGet.scheme], ['/livez', 'HTTPS']);
  t.same([container.readinessProbe.httpGet.path, container.readinessProbe.httpGet.scheme], ['/readyz', 'HTTPS']);
  t.equal(deployment.spec.template.spec.securityContext.runAsNonRoot, true);
  t.equal(container.securityContext.readOnlyRootFilesystem, true);
  t.ok(container.resources, 'resources set');
  const heapMb = Number(/--max-old-space-size=(\d+)/.exec(container.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '')?.[1]);
  const limitMi = Number(/^(\d+)Mi$/.exec(container.resources.limits?.memory ?? '')?.[1]);
  t.ok(heapMb > 0 && heapMb <= limitMi * 0.75, `Node's heap limit (${heapMb} MB) leaves room under the memory limit (${limitMi} Mi) for buffers and code`);

  const apiService = find(objects, 'APIService') as unknown as { metadata: { name: string }; spec: { caBundle: string; service: { name: string; namespace: string } } };
  t.equal(apiService.metadata.name, 'v1.ververica.platform');
  const tls = find(objects, 'Secret', 'vvp-tls') as unknown as { data: Record<string, string> };
  const ca = new X509Certificate(Buffer.from(apiService.spec.caBundle, 'base64'));
  const serving = new X509Certificate(Buffer.from(tls.data['tls.crt']!, 'base64'));
  t.ok(serving.verify(ca.publicKey), 'the caBundle signs the serving certificate');
  t.ok(serving.checkHost(`${apiService.spec.service.name}.${apiService.spec.service.namespace}.svc`), 'valid for the Service the aggregator dials');
});

t.test('certificates supplied by the user or by cert-manager', async (t) => {
  const missing = await helm(['template', 'vvp', chart, '--set', 'vvp.token=x', '--set', 'tls.mode=secret', '--set', 'tls.existingSecret=mine']);
  t.not(missing.code, 0);
  t.match(missing.stderr, /tls\.caBundle/, 'a supplied certificate needs its CA');
  const supplied = await render(['vvp.token=x', 'tls.mode=secret', 'tls.existingSecret=mine', 'tls.caBundle=PEM']);
  t.notOk(find(supplied, 'Secret', 'vvp-tls'), 'no generated certificate');
  const managed = await render(['vvp.token=x', 'tls.mode=certManager', 'tls.certManager.issuerRef.name=ca-issuer', 'tls.certManager.issuerRef.kind=ClusterIssuer']);
  t.ok(find(managed, 'Certificate'), 'a cert-manager Certificate');
  t.equal(find(managed, 'APIService')?.metadata.annotations?.['cert-manager.io/inject-ca-from'], 'vvp-system/vvp', 'its CA injected into the APIService');
});

t.test('tenancy: grant ClusterRoles outside edit/admin, Secrets read only where listed, a record-signing key', async (t) => {
  interface Rule { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }
  type Role = Manifest & { rules: Rule[]; metadata: { labels?: Record<string, string> } };
  const objects = await render(['vvp.token=x', 'vvp.namespaces={default,analytics}']);
  const roles = objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role') as Role[];
  const secretRules = roles.filter((r) => r.rules.some((rule) => rule.resources.includes('secrets')));
  t.same(secretRules, [], 'no Secret access by default');
  const all = find(objects, 'ClusterRole', 'vvp:platform-all') as Role;
  t.same(all.rules, [{ apiGroups: ['ververica.platform'], resources: ['platformnamespaces', 'deploymenttargets', 'sessionclusters'], verbs: ['use'] }]);
  const analytics = find(objects, 'ClusterRole', 'vvp:platform-namespace:analytics') as Role;
  t.same(analytics.rules.map((r) => r.resourceNames), [['analytics'], ['analytics/*']]);
  const targetAdmin = find(objects, 'ClusterRole', 'vvp:platform-admin') as Role;
  t.same(targetAdmin.rules, [
    { apiGroups: ['ververica.platform'], resources: ['vvpdeploymenttargets'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { apiGroups: ['ververica.platform'], resources: ['vvpsessionclusters'], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
  ], 'creating and deleting targets, starting and stopping session clusters, is a role of its own');
  const adopt = find(objects, 'ClusterRole', 'vvp:adopt') as Role;
  t.same(adopt.rules, [{ apiGroups: ['ververica.platform'], resources: ['vvpdeployments'], verbs: ['adopt'] }], 'adopting is a role of its own (docs/security.md)');
  t.notMatch(JSON.stringify(find(objects, 'Deployment')), /deployment-target-writes/, 'target writes are served by default');
  t.match(JSON.stringify(find(await render(['vvp.token=x', 'deploymentTargets.writes=false']), 'Deployment')), /--deployment-target-writes=false/, 'or not, when switched off');
  for (const role of [all, analytics, targetAdmin, adopt]) {
    t.notOk(Object.keys(role.metadata.labels ?? {}).some((l) => l.startsWith('rbac.authorization.k8s.io/aggregate-to')), `${role.metadata.name} is not aggregated`);
  }
  const deployment = JSON.stringify(find(objects, 'Deployment'));
  t.match(deployment, /--platform-grants=rbac/);
  t.match(deployment, /--record-key-file=/);
  const key = find(objects, 'Secret', 'vvp-record-key') as unknown as { data: { keys: string }; metadata: { annotations: Record<string, string> } };
  t.ok(Buffer.from(key.data.keys, 'base64').length >= 32, 'a generated key of 32+ bytes');
  t.equal(key.metadata.annotations['helm.sh/resource-policy'], 'keep', 'kept across uninstall, so records stay valid');

  const listed = await render(['vvp.token=x', 'apikeySecrets.namespaces={team-a,team-b}', 'tenancy.grantEveryone=true']);
  const secretRoles = listed.filter((o) => o.kind === 'Role' && (o as Role).rules.some((r) => r.resources.includes('secrets')));
  t.same(secretRoles.map((r) => r.metadata.namespace), ['team-a', 'team-b'], 'get secrets in the listed namespaces only');
  t.match(JSON.stringify(find(listed, 'Deployment')), /--platform-grants=everyone/, 'the old behaviour, when switched on');
  const everywhere = await render(['vvp.token=x', 'apikeySecrets.allNamespaces=true']);
  t.ok(find(everywhere, 'ClusterRole', 'vvp:apikey-secrets'), 'or everywhere, when asked');
});

t.test('install refuses to register over a CRD of the same group, and says how to avoid it', async (t) => {
  const group = 'crdconflict.e2e.ververica.platform';
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `vvpdeployments.${group}` },
    spec: { group, scope: 'Namespaced', names: { plural: 'vvpdeployments', singular: 'vvpdeployment', kind: 'VvpDeployment' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
  };
  const created = await kubectl(cp, ['apply', '-f', '-'], { input: JSON.stringify(crd) });
  t.equal(created.code, 0, created.stderr);
  t.teardown(() => kubectl(cp, ['delete', 'crd', `vvpdeployments.${group}`, '--ignore-not-found']));
  const refused = await helm(['install', 'conflict', chart, '--namespace', 'conflict', '--create-namespace', '--set', 'vvp.token=x', '--set', `apiGroup=${group}`]);
  t.not(refused.code, 0);
  t.match(refused.stderr, /CustomResourceDefinition .* exists already/);
  t.match(refused.stderr, /--set apiGroup=/, 'names the flag that avoids the conflict');
});

t.test('install, upgrade and uninstall against the control plane', async (t) => {
  const group = 'helmcycle.e2e.ververica.platform';
  const common = ['--namespace', 'helm-cycle', '--set', 'vvp.token=x', '--set', `apiGroup=${group}`];
  const install = await helm(['install', 'cycle', chart, '--create-namespace', ...common]);
  t.equal(install.code, 0, install.stderr);
  const apiService = await kubectl(cp, ['get', 'apiservice', `v1.${group}`, '-o', 'jsonpath={.spec.service.name}']);
  t.equal(apiService.stdout, 'cycle');
  const upgrade = await helm(['upgrade', 'cycle', chart, ...common, '--set', 'replicaCount=3']);
  t.equal(upgrade.code, 0, upgrade.stderr);
  const replicas = await kubectl(cp, ['get', 'deployment', 'cycle', '-n', 'helm-cycle', '-o', 'jsonpath={.spec.replicas}']);
  t.equal(replicas.stdout, '3', 'the upgrade changed the Deployment');
  const uninstall = await helm(['uninstall', 'cycle', '--namespace', 'helm-cycle', '--wait']);
  t.equal(uninstall.code, 0, uninstall.stderr);
  const gone = await kubectl(cp, ['get', 'apiservice', `v1.${group}`]);
  t.match(gone.stderr, /NotFound/, 'uninstall removes the APIService (nothing left to break discovery)');
});

t.test('the image runs the command the tests run', async (t) => {
  const dockerfile = readFileSync('Dockerfile', 'utf8');
  t.match(dockerfile, /ENTRYPOINT \["node", "dist\/apiserver\/main\.js"\]/);
  t.match(dockerfile, /USER 1000:1000/, 'non-root');
  t.match(dockerfile, /npm ci --omit=dev/, 'production dependencies only');
  // What the image's last stage holds: production dependencies only, and the compiled server.
  const image = mkdtempSync(join(tmpdir(), 'vvp-image-'));
  mkdirSync(join(image, 'vvp-emulator'));
  for (const file of ['package.json', 'package-lock.json', 'vvp-emulator/package.json']) copyFileSync(file, join(image, file));
  const install = await runCommand('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--workspaces=false', '--include-workspace-root'], { cwd: image, timeoutMs: 300_000 });
  t.equal(install.code, 0, install.stderr);
  t.notOk(existsSync(join(image, 'node_modules', 'typescript')), 'no development dependencies');
  cpSync('dist/apiserver', join(image, 'dist/apiserver'), { recursive: true });
  cpSync('dist/certs', join(image, 'dist/certs'), { recursive: true });
  const help = await runCommand(process.execPath, ['dist/apiserver/main.js', '--help'], { cwd: image });
  t.equal(help.code, 0, help.stderr);
  t.match(help.stdout, /--vvp-url/, 'the entrypoint runs on production dependencies alone, outside a container');
});

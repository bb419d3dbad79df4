// The plain manifests (apiservice/manifests/, a kustomize base) are the chart rendered by `make manifests`: this
// renders them again and fails when the committed files differ, then builds the base and the example overlay with
// kubectl's kustomize, as `kubectl apply -k` would.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import yaml from 'js-yaml';
import { MANIFESTS_DIR, renderManifests } from '../../apiservice/plain-manifests.js';
import { runCommand } from '../../tools/cluster/control-plane.js';

const binDir = process.env.K8S_BIN_DIR;
if (!binDir) throw new Error('K8S_BIN_DIR is not set (make test sets it)');

interface Manifest { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: { template?: { spec?: { containers?: { args?: string[] }[] } } } }

async function kustomize(dir: string): Promise<Manifest[]> {
  const res = await runCommand(join(binDir!, 'kubectl'), ['kustomize', dir]);
  if (res.code !== 0) throw new Error(`kubectl kustomize ${dir}: ${res.stderr}`);
  return yaml.loadAll(res.stdout).filter(Boolean) as Manifest[];
}
const args = (objects: Manifest[]) => objects.find((o) => o.kind === 'Deployment')?.spec?.template?.spec?.containers?.[0]?.args ?? [];

t.test('apiservice/manifests is what `make manifests` renders from the chart now', async (t) => {
  const rendered = await renderManifests(join(binDir, 'helm'));
  t.same(readdirSync(MANIFESTS_DIR).sort(), [...rendered.keys()].sort(), 'the same files');
  for (const [name, content] of rendered) {
    t.equal(readFileSync(join(MANIFESTS_DIR, name), 'utf8'), content, `${name} is up to date (run make manifests)`);
  }
});

t.test('the base builds with kustomize: everything the chart installs, nothing of Helm', async (t) => {
  const objects = await kustomize(MANIFESTS_DIR);
  const kinds = new Set(objects.map((o) => o.kind));
  for (const kind of ['Namespace', 'Issuer', 'Certificate', 'APIService', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'RoleBinding', 'Deployment', 'Service', 'PodDisruptionBudget']) {
    t.ok(kinds.has(kind), `a ${kind}`);
  }
  t.notOk(kinds.has('Secret'), 'no token in the manifests: the user creates the Secret');
  t.same(objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/managed-by'] || o.metadata.labels?.['helm.sh/chart']).map((o) => o.kind), [], 'no Helm labels');
  t.ok(objects.some((o) => o.kind === 'RoleBinding' && o.metadata.namespace === 'kube-system'), 'the authentication reader binding stays in kube-system');
});

t.test('the example overlay sets the platform, its namespaces and the instance id', async (t) => {
  const a = args(await kustomize('examples/gitops'));
  t.ok(a.includes('--instance-id=prod-cluster-1'), a.join(' '));
  t.ok(a.includes('--vvp-url=http://vvp-ververica-platform.vvp.svc:8080'));
  t.ok(a.includes('--vvp-namespaces=default,analytics'));
});

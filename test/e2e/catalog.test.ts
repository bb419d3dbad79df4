// Deployment targets and session clusters as cluster-scoped Kubernetes objects, through kube-apiserver with kubectl
// and real RBAC (`kubectl --as`): a user sees the targets and session clusters the tenancy grant `use` names and no
// other (a list filters, a get of another is 403, a watch does not send it); a platform-side change made on the
// emulator's API is on the next GET and arrives on a watch; `kubectl explain` teaches both; a target is created and
// deleted only by a holder of RBAC create/delete and of `<platform namespace>/*`, and one in use is a 409; a
// session cluster is started (kubectl patch of spec.state) by such a platform admin only.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { eventually } from '../support/eventually.js';
import { explained, scenario } from '../support/product.js';

const { stack, cp, platform, k } = await scenario('catalog');
const group = stack.apiGroup;
const targets = `vvpdeploymenttargets.${group}`;
const clusters = `vvpsessionclusters.${group}`;
const as = (user: string) => (args: string[], input?: string) => k([`--as=${user}`, ...args], input);
const tina = as('tina'); // view + use on default/prod, default/late and session cluster default/shared
const nick = as('nick'); // view only
const pat = as('pat'); // platform-admin + the platform-namespace role of default (use on default/*)
const dana = as('dana'); // platform-admin + use on default/prod only

async function must(what: string, res: Promise<{ code: number; stdout: string; stderr: string }>): Promise<string> {
  const r = await res;
  if (r.code !== 0) throw new Error(`${what}: ${r.stderr}`);
  return r.stdout;
}

const names = async (user: typeof k, kind: string) => {
  const res = await user(['get', kind, '-o', 'name']);
  if (res.code !== 0) throw new Error(res.stderr);
  return res.stdout.split('\n').filter(Boolean).map((l) => l.replace(/^.*\//, '')).sort();
};

function grantRole(name: string, targetNames: string[], clusterNames: string[]) {
  const rules = [
    ...(targetNames.length ? [{ apiGroups: [group], resources: ['deploymenttargets'], resourceNames: targetNames, verbs: ['use'] }] : []),
    ...(clusterNames.length ? [{ apiGroups: [group], resources: ['sessionclusters'], resourceNames: clusterNames, verbs: ['use'] }] : []),
  ];
  return JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules });
}

/** `kubectl get -w` as `user` (undefined: the cluster admin); what it printed so far. */
function watchAs(user: string | undefined, kind: string, t: { teardown(fn: () => void): void }) {
  const watch = spawn(cp.kubectl, ['--kubeconfig', cp.kubeconfig, ...(user ? [`--as=${user}`] : []), 'get', kind, '-w', '-o', 'name'], { env: { ...process.env, HOME: join(cp.stateDir, 'home') } });
  let seen = '';
  watch.stdout.on('data', (chunk: Buffer) => (seen += chunk.toString()));
  t.teardown(() => { watch.kill(); });
  return () => seen;
}

const target = (name: string, kubernetesNamespace: string) => ({ metadata: { name }, spec: { kubernetes: { namespace: kubernetesNamespace } } });

t.before(async () => {
  for (const [name, kns] of [['prod', 'flink-prod'], ['hidden', 'flink-hidden']]) {
    const res = await platform('POST', '/api/v1/namespaces/default/deployment-targets', target(name!, kns!));
    if (res.status !== 201) throw new Error(`target ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  const cluster = await platform('POST', '/api/v1/namespaces/default/sessionclusters', { metadata: { name: 'shared' }, spec: { state: 'RUNNING', deploymentTargetName: 'prod', flinkVersion: '1.18' } });
  if (cluster.status !== 201) throw new Error(`session cluster: ${cluster.status} ${JSON.stringify(cluster.body)}`);
  await must('tina grants', k(['apply', '-f', '-'], grantRole('catalog-tina', ['default/prod', 'default/late'], ['default/shared'])));
  await must('dana grants', k(['apply', '-f', '-'], grantRole('catalog-dana', ['default/prod'], [])));
  for (const user of ['tina', 'nick', 'pat', 'dana']) await must(`${user} view`, k(['create', 'clusterrolebinding', `catalog-${user}-view`, `--clusterrole=${stack.release}:view`, `--user=${user}`]));
  await must('tina use', k(['create', 'clusterrolebinding', 'catalog-tina-use', '--clusterrole=catalog-tina', '--user=tina']));
  await must('dana use', k(['create', 'clusterrolebinding', 'catalog-dana-use', '--clusterrole=catalog-dana', '--user=dana']));
  for (const user of ['pat', 'dana']) await must(`${user} admin`, k(['create', 'clusterrolebinding', `catalog-${user}-admin`, `--clusterrole=${stack.release}:platform-admin`, `--user=${user}`]));
  await must('pat use', k(['create', 'clusterrolebinding', 'catalog-pat-use', `--clusterrole=${stack.release}:platform-namespace:default`, '--user=pat']));
  // A target runs pods in its Kubernetes namespace: its creator may create pods there (security-review-2.test.ts).
  await must('flink-new', k(['create', 'namespace', 'flink-new']));
  await must('pod creator', k(['-n', 'flink-new', 'create', 'role', 'pod-creator', '--verb=create', '--resource=pods']));
  await must('pat pods', k(['-n', 'flink-new', 'create', 'rolebinding', 'catalog-pat-pods', '--role=pod-creator', '--user=pat']));
});

t.test('a user sees the targets and session clusters granted to them, and no other', async (t) => {
  const listed = await tina(['get', targets]);
  t.equal(listed.code, 0, listed.stderr);
  t.match(listed.stdout, /NAME\s+PLATFORM NAMESPACE\s+KUBERNETES NAMESPACE\s+AGE/, 'the target columns');
  t.match(listed.stdout, /default\.prod\s+default\s+flink-prod/, 'the granted target');
  t.notMatch(listed.stdout, /hidden/, 'not the other');
  const sc = await tina(['get', clusters]);
  t.equal(sc.code, 0, sc.stderr);
  t.match(sc.stdout, /NAME\s+STATE\s+FLINK VERSION\s+DEPLOYMENT TARGET\s+AGE/, 'the session cluster columns');
  t.match(sc.stdout, /default\.shared\s+(STARTING|RUNNING)\s+1\.18\s+prod/);

  t.same(await names(nick, targets), [], 'without a grant, none');
  t.same(await names(nick, clusters), []);
  const denied = await nick(['get', targets, 'default.prod']);
  t.not(denied.code, 0);
  t.match(denied.stderr, /User "nick" cannot use resource "deploymenttargets".*default\/\*/, 'a get of an ungranted one is 403 in kube-apiserver\'s words, naming the grant');
  const unknown = await nick(['get', targets, 'default.no-such-target']);
  t.match(unknown.stderr, /cannot use resource "deploymenttargets"/, 'the same 403 whether or not it exists');
  t.same(await names(k, targets), ['default.default', 'default.hidden', 'default.prod'], 'the cluster admin sees every one');
  const outsider = await as('mallory')(['get', targets]);
  t.match(outsider.stderr, new RegExp(`User "mallory" cannot list resource "vvpdeploymenttargets" in API group "${group.replace(/\./g, '\\.')}" at the cluster scope`), 'without RBAC list, the request itself is refused');
});

t.test('live: a platform-side change is on the next GET and arrives on a watch, filtered by the grant', async (t) => {
  const tinaSees = watchAs('tina', targets, t);
  const adminSees = watchAs(undefined, targets, t);
  await eventually('the watches list what there is', async () => tinaSees().includes('default.prod') && adminSees().includes('default.prod'));
  t.equal((await platform('POST', '/api/v1/namespaces/default/deployment-targets', target('sneaky', 'flink-sneaky'))).status, 201);
  t.equal((await platform('POST', '/api/v1/namespaces/default/deployment-targets', target('late', 'flink-late'))).status, 201);
  const got = await tina(['get', targets, 'default.late', '-o', 'jsonpath={.spec.kubernetes.namespace}']);
  t.equal(got.code, 0, `the next GET has it: ${got.stderr}`);
  t.equal(got.stdout, 'flink-late');
  await eventually('both watches see the granted new target', async () => tinaSees().includes('default.late') && adminSees().includes('default.sneaky'));
  t.notMatch(tinaSees(), /sneaky|hidden/, 'tina\'s watch never sent an ungranted target');

  const clusterWatch = watchAs('tina', clusters, t);
  await eventually('the session cluster watch lists it', async () => clusterWatch().includes('default.shared'));
  const stopped = await platform('PATCH', '/api/v1/namespaces/default/sessionclusters/shared', { spec: { state: 'STOPPED' } });
  t.equal(stopped.status, 200, JSON.stringify(stopped.body));
  await eventually('the session cluster stops, as the next GET shows', async () => (await tina(['get', clusters, 'default.shared', '-o', 'jsonpath={.status.state}'])).stdout === 'STOPPED');
  const lines = () => clusterWatch().split('\n').filter((l) => l.includes('default.shared')).length;
  await eventually('the watch sends the change', async () => lines() >= 2);
  t.pass(`the watch sent default.shared ${lines()} times`);
});

t.test('a platform admin starts a session cluster with kubectl patch; a viewer may not', async (t) => {
  const start = ['patch', clusters, 'default.shared', '--type=merge', '-p', '{"spec":{"state":"RUNNING"}}'];
  const viewer = await tina(start);
  t.not(viewer.code, 0);
  t.match(viewer.stderr, /User "tina" cannot patch resource "vvpsessionclusters"/, 'without RBAC patch the request itself is refused');
  const noWildcard = await dana(start);
  t.match(noWildcard.stderr, /User "dana" cannot use resource "sessionclusters".*default\/\*/, 'RBAC patch without the <pns>/* grant is refused too');
  const other = await pat(['patch', clusters, 'default.shared', '--type=merge', '-p', '{"spec":{"flinkVersion":"2.0"}}']);
  t.not(other.code, 0);
  t.match(other.stderr, /spec\.flinkVersion: Forbidden/, 'only spec.state changes here');
  const started = await pat(start);
  t.equal(started.code, 0, started.stderr);
  await eventually('the platform runs it again', async () => (await platform<{ status: { state: string } }>('GET', '/api/v1/namespaces/default/sessionclusters/shared')).body.status.state === 'RUNNING');
  t.equal((await tina(['get', clusters, 'default.shared', '-o', 'jsonpath={.status.state}'])).stdout, 'RUNNING', 'and says so on the next GET');
});

t.test('discovery lists both as cluster-scoped, with their verbs; kubectl explain works for both', async (t) => {
  const discovered = await k(['api-resources', '--api-group', group, '-o', 'wide']);
  t.equal(discovered.code, 0, discovered.stderr);
  const g = group.replace(/\./g, '\\.');
  t.match(discovered.stdout, new RegExp(`vvpdeploymenttargets\\s+vvpdt\\s+${g}/v1\\s+false\\s+VvpDeploymentTarget\\s+create,delete,deletecollection,get,list,watch`));
  t.match(discovered.stdout, new RegExp(`vvpsessionclusters\\s+vvpsc\\s+${g}/v1\\s+false\\s+VvpSessionCluster\\s+get,list,patch,update,watch`));
  const status = await explained(k, ['vvpsessionclusters.status', '--api-version', `${group}/v1`]);
  t.equal(status.code, 0, status.stderr);
  t.match(status.stdout, /flinkVersion|state/);
  t.match(status.stdout, /lastUpdateTime/);
  const spec = await explained(k, ['vvpdeploymenttargets.spec.kubernetes', '--api-version', `${group}/v1`]);
  t.equal(spec.code, 0, spec.stderr);
  t.match(spec.stdout, /namespace/);
});

t.test('a target is created and deleted by a platform admin only; one in use is a 409', async (t) => {
  // --validate=false: kubectl's client-side check lists CRDs, which these users may not; the server validates anyway.
  const body = (name: string) => JSON.stringify({ apiVersion: `${group}/v1`, kind: 'VvpDeploymentTarget', metadata: { name }, spec: { kubernetes: { namespace: 'flink-new' } } });
  const noRbac = await tina(['create', '--validate=false', '-f', '-'], body('default.made-by-tina'));
  t.not(noRbac.code, 0);
  t.match(noRbac.stderr, /User "tina" cannot create resource "vvpdeploymenttargets"/, 'without RBAC create the request itself is refused');
  const noWildcard = await dana(['create', '--validate=false', '-f', '-'], body('default.made-by-dana'));
  t.not(noWildcard.code, 0);
  t.match(noWildcard.stderr, /User "dana" cannot use resource "deploymenttargets".*default\/\*/, 'RBAC create without the <pns>/* grant is refused too');
  for (const name of ['made-by-tina', 'made-by-dana']) t.equal((await platform('GET', `/api/v1/namespaces/default/deployment-targets/${name}`)).status, 404, `nothing written for ${name}`);

  const created = await pat(['create', '--validate=false', '-f', '-', '-o', 'jsonpath={.metadata.name} {.status.id}'], body('default.made-by-pat'));
  t.equal(created.code, 0, created.stderr);
  const onPlatform = await platform<{ metadata: { id: string }; spec: { kubernetes: { namespace?: string } } }>('GET', '/api/v1/namespaces/default/deployment-targets/made-by-pat');
  t.equal(onPlatform.status, 200, 'the platform holds it');
  t.equal(onPlatform.body.spec.kubernetes.namespace, 'flink-new');
  t.equal(created.stdout, `default.made-by-pat ${onPlatform.body.metadata.id}`);
  const bad = await pat(['create', '--validate=false', '-f', '-'], body('nowhere.x'));
  t.match(bad.stderr, /metadata\.name.*served platform namespace/, 'a name of no served namespace is refused on its field');

  const deniedDelete = await dana(['delete', targets, 'default.made-by-pat']);
  t.match(deniedDelete.stderr, /cannot use resource "deploymenttargets"/, 'dana may not delete it');
  const inUse = await pat(['delete', targets, 'default.default']);
  t.not(inUse.code, 0);
  t.match(inUse.stderr, /Conflict|used by deployment/, `the platform refuses to delete a target in use: ${inUse.stderr.trim()}`);
  const deleted = await pat(['delete', targets, 'default.made-by-pat']);
  t.equal(deleted.code, 0, deleted.stderr);
  t.equal((await platform('GET', '/api/v1/namespaces/default/deployment-targets/made-by-pat')).status, 404, 'gone on the platform');
});

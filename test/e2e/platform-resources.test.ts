// A deployment's savepoints and jobs as Kubernetes objects, through kube-apiserver with kubectl: after a savepoint
// nonce and a server restart, `kubectl get vvpsavepoints,vvpjobs` shows what the platform holds, live (a savepoint
// taken at the platform directly is on the next GET and arrives on a watch); `kubectl create -f` of a savepoint
// takes one; a user without rights in the namespace sees none; `kubectl explain` teaches both kinds.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { restartServer, stopProcesses } from '../../apiservice/local/stack.js';
import { kubectl, userKubeconfig } from '../../tools/cluster/control-plane.js';
import { eventually } from '../support/eventually.js';
import { explained, scenario } from '../support/product.js';

const { stack, cp, ns, resource, platform, k, manifest } = await scenario('children');
const group = stack.apiGroup;
const savepoints = `vvpsavepoints.${group}`;
const jobs = `vvpjobs.${group}`;

interface Child { metadata: { name: string; namespace: string; labels?: Record<string, string>; ownerReferences?: { kind: string; name: string; uid: string }[] }; status?: { id?: string; state?: string; origin?: string } }
interface Obj { metadata: { uid: string }; status: { state?: string; job?: { name?: string }; lastSavepoint?: { name?: string; state?: string } } }

async function getJson<T>(args: string[]): Promise<T | undefined> {
  const res = await k([...args, '-o', 'json']);
  return res.code === 0 ? (JSON.parse(res.stdout) as T) : undefined;
}
const children = async (kind: string, selector?: string) => (await getJson<{ items: Child[] }>(['get', kind, '-n', ns, ...(selector ? ['-l', selector] : [])]))?.items ?? [];

let uid = '';
t.teardown(() => {
  if (t.passing()) return;
  const warnings = readFileSync(stack.logs.server, 'utf8').split('\n').filter((l) => /"level":(40|50)/.test(l)).slice(-20);
  console.error(`--- server warnings (tail) ---\n${warnings.join('\n')}`);
});

t.test('after a savepoint nonce and a restart, kubectl get shows the platform\'s savepoints and jobs', async (t) => {
  const applied = await k(['apply', '-f', '-'], JSON.stringify(manifest('saver', { state: 'RUNNING' })));
  t.equal(applied.code, 0, applied.stderr);
  uid = (await eventually('saver RUNNING', async () => {
    const o = await getJson<Obj>(['get', resource, 'saver', '-n', ns]);
    return o?.status.state === 'RUNNING' ? o : undefined;
  })).metadata.uid;
  const patched = await k(['patch', resource, 'saver', '-n', ns, '--type=merge', '-p', '{"spec":{"savepointNonce":1}}']);
  t.equal(patched.code, 0, patched.stderr);
  const taken = await eventually('the nonce\'s savepoint on the platform', async () =>
    (await platform<{ items: { metadata: { id: string; origin?: string } }[] }>('GET', `/api/v1/namespaces/default/savepoints?deploymentId=${uid}`)).body.items.find((s) => s.metadata.origin === 'USER_REQUEST'));

  await stopProcesses([stack.pids.server]);
  restartServer(stack);
  await eventually('the server answers again', async () => (await k(['get', savepoints, '-n', ns, '-o', 'name'])).code === 0, 120_000);

  const listed = await k(['get', `${savepoints},${jobs}`, '-n', ns]);
  t.equal(listed.code, 0, listed.stderr);
  t.match(listed.stdout, /NAME\s+DEPLOYMENT\s+STATE\s+ORIGIN\s+LOCATION\s+AGE/, 'the savepoint columns');
  t.match(listed.stdout, /NAME\s+DEPLOYMENT\s+STATE\s+STARTED\s+RESTARTS\s+AGE/, 'the job columns');
  t.match(listed.stdout, new RegExp(`saver-${taken.metadata.id}\\s+saver\\s+\\S+\\s+USER_REQUEST`), 'the nonce\'s savepoint, by its name');

  const sp = (await children(savepoints, 'ververica.platform/deployment=saver')).find((s) => s.status?.id === taken.metadata.id);
  t.match(sp, { metadata: { name: `saver-${taken.metadata.id}`, namespace: ns, labels: { 'ververica.platform/deployment': 'saver' }, ownerReferences: [{ kind: 'VvpDeployment', name: 'saver', uid }] } });
  const jobList = await children(jobs, 'ververica.platform/deployment=saver');
  t.ok(jobList.length >= 1, `the deployment's jobs (${jobList.length})`);
  t.same(await children(savepoints, 'ververica.platform/deployment=someone-else'), [], 'the label selects by deployment');

  const linked = await eventually('the VvpDeployment links its latest savepoint', async () => {
    const o = await getJson<Obj>(['get', resource, 'saver', '-n', ns]);
    return o?.status.lastSavepoint?.name ? o : undefined;
  });
  t.equal(linked.status.lastSavepoint?.name, `saver-${taken.metadata.id}`);
  t.ok(jobList.some((j) => j.metadata.name === linked.status.job?.name), `status.job.name ${linked.status.job?.name} is one of the listed jobs`);
});

t.test('live: a savepoint taken at the platform is on the next GET and arrives on a watch', async (t) => {
  const watch = spawn(cp.kubectl, ['--kubeconfig', cp.kubeconfig, 'get', savepoints, '-n', ns, '-w', '-o', 'name'], { env: { ...process.env, HOME: join(cp.stateDir, 'home') } });
  let seen = '';
  watch.stdout.on('data', (chunk: Buffer) => (seen += chunk.toString()));
  t.teardown(() => { watch.kill(); });
  await eventually('the watch lists what there is', async () => seen.includes('saver-'));

  const direct = await platform<{ metadata: { id: string } }>('POST', '/api/v1/namespaces/default/savepoints', { metadata: { deploymentId: uid } });
  t.ok(direct.status < 300, `a savepoint taken at the platform: ${direct.status} ${JSON.stringify(direct.body)}`);
  const name = `saver-${direct.body.metadata.id}`;
  const got = await k(['get', savepoints, name, '-n', ns, '-o', 'jsonpath={.status.origin}']);
  t.equal(got.code, 0, `the next GET has it: ${got.stderr}`);
  t.equal(got.stdout, 'USER_REQUEST');
  await eventually('the watch sees it', async () => seen.includes(name));
  t.pass(`the watch saw ${name}`);
});

t.test('kubectl create -f of a savepoint takes one', async (t) => {
  const before = (await children(savepoints)).length;
  const body = { apiVersion: `${group}/v1`, kind: 'VvpSavepoint', metadata: { generateName: 'saver-', namespace: ns }, spec: { deploymentName: 'saver' } };
  const created = await k(['create', '-f', '-', '-o', 'json'], JSON.stringify(body));
  t.equal(created.code, 0, created.stderr);
  const sp = JSON.parse(created.stdout) as Child;
  t.match(sp, { metadata: { namespace: ns, labels: { 'ververica.platform/deployment': 'saver' } }, status: { origin: 'USER_REQUEST' } });
  const onPlatform = await platform<{ metadata: { deploymentId?: string } }>('GET', `/api/v1/namespaces/default/savepoints/${sp.status?.id ?? ''}`);
  t.equal(onPlatform.body.metadata.deploymentId, uid, 'the platform took it for the deployment');
  t.equal((await children(savepoints)).length, before + 1, 'one more savepoint listed');

  const missing = await k(['create', '-f', '-'], JSON.stringify({ ...body, spec: { deploymentName: 'nobody-here' } }));
  t.not(missing.code, 0);
  t.match(missing.stderr, /spec\.deploymentName/, 'an unknown deployment is refused on its field');
});

t.test('a user without rights in the namespace sees none', async (t) => {
  const kubeconfig = await userKubeconfig(cp, 'mallory', ['nobody']);
  for (const kind of ['vvpsavepoints', 'vvpjobs']) {
    const res = await kubectl(cp, ['get', `${kind}.${group}`, '-n', ns, '-o', 'name'], { kubeconfig });
    t.not(res.code, 0);
    t.equal(res.stdout, '', 'nothing listed');
    t.match(res.stderr, new RegExp(`User "mallory" cannot list resource "${kind}" in API group "${group.replace(/\./g, '\\.')}" in the namespace "${ns}"`));
  }
  const create = await kubectl(cp, ['create', '--validate=false', '-f', '-'], { kubeconfig, input: JSON.stringify({ apiVersion: `${group}/v1`, kind: 'VvpSavepoint', metadata: { generateName: 'x-', namespace: ns }, spec: { deploymentName: 'saver' } }) });
  t.not(create.code, 0, 'nor takes a savepoint');
  t.match(create.stderr, /cannot create resource "vvpsavepoints"/);
});

t.test('kubectl explain works for each', async (t) => {
  const sp = await explained(k, [`vvpsavepoints.spec`, '--api-version', `${group}/v1`]);
  t.equal(sp.code, 0, sp.stderr);
  t.match(sp.stdout, /deploymentName/);
  const job = await k(['explain', `vvpjobs.status`, '--api-version', `${group}/v1`]);
  t.equal(job.code, 0, job.stderr);
  t.match(job.stdout, /restarts/);
});

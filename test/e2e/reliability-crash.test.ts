// The server killed (SIGKILL) while a create and a delete are in flight to the platform (held there
// by an emulator latency fault). After a restart, and the user's retry of the failed request, no object is lost,
// duplicated or left half-deleted. (The savepoint nonce: reliability-crash-nonce.test.ts.)
import t, { type Test } from 'tap';
import { scenario } from '../support/product.js';
import { eventually } from '../support/eventually.js';
import { crashDuring, kubeAdmin, type CrashPlan } from '../support/hostile.js';
import { restartServer, stopProcesses } from '../../apiservice/local/stack.js';

const { stack, cp, ns, resource, collection, platform, k, manifest } = await scenario('crash');
const api = kubeAdmin(cp);
t.teardown(api.close);

interface Obj { metadata: { uid: string; deletionTimestamp?: string }; status: { state?: string; deploymentId?: string; conditions?: { type: string; status: string }[] } }
interface PlatformList { items: { metadata: { id: string; name: string } }[] }

async function get(name: string): Promise<Obj | undefined> {
  const res = await k(['get', resource, name, '-n', ns, '-o', 'json']);
  return res.code === 0 ? (JSON.parse(res.stdout) as Obj) : undefined;
}

async function crash(t: Test, fault: CrashPlan['fault'], request: () => Promise<unknown>): Promise<void> {
  const { reached, downtimeMs } = await crashDuring({
    platform, fault, request,
    kill: () => stopProcesses([stack.pids.server], 'SIGKILL'),
    restart: () => restartServer(stack),
    answers: async () => (await k(['get', resource, '-n', ns, '-o', 'name'])).code === 0,
  });
  t.ok(reached, `the ${fault.method} reached the platform before the kill`);
  t.comment(`server back ${(downtimeMs / 1000).toFixed(1)}s after the SIGKILL`);
}

const platformDeploymentsNamed = async (name: string) =>
  (await platform<PlatformList>('GET', '/api/v1/namespaces/default/deployments')).body.items.filter((d) => d.metadata.name === name);

t.test('killed during a create: after the retry, one object and one platform deployment', async (t) => {
  let firstAnswer = 0;
  await crash(t, { method: 'POST', path: '/api/v1/namespaces/default/deployments', route: /^POST \/api\/v1\/namespaces\/[^/]+\/deployments$/ }, async () => {
    firstAnswer = (await api.send({ method: 'POST', path: collection, headers: { 'content-type': 'application/json' }, body: JSON.stringify(manifest('born')) })).status;
  });
  t.comment(`the create in flight answered ${firstAnswer}`);
  const retry = await k(['apply', '-f', '-'], JSON.stringify(manifest('born')));
  t.equal(retry.code, 0, `the user's retry succeeds: ${retry.stderr}`);
  const o = await get('born');
  t.ok(o, 'the object exists');
  const onPlatform = await platformDeploymentsNamed('born');
  t.equal(onPlatform.length, 1, 'exactly one platform deployment');
  t.equal(onPlatform[0]?.metadata.id, o?.metadata.uid, 'and it is the object');
  const list = await k(['get', resource, '-n', ns, '-o', 'name']);
  t.equal(list.stdout.split('\n').filter((l) => l.endsWith('/born')).length, 1, 'listed once');
});

t.test('killed during a delete: gone from Kubernetes and the platform, nothing half-deleted', async (t) => {
  const created = await k(['apply', '-f', '-'], JSON.stringify(manifest('doomed', { state: 'RUNNING' })));
  t.equal(created.code, 0, created.stderr);
  await eventually('doomed RUNNING', async () => (await get('doomed'))?.status.state === 'RUNNING');
  let firstAnswer = 0;
  await crash(t, { method: 'PATCH', path: '/api/v1/namespaces/default/deployments/doomed', route: /^PATCH \/api\/v1\/namespaces\/[^/]+\/deployments\/[^/]+$/ }, async () => {
    firstAnswer = (await api.send({ method: 'DELETE', path: `${collection}/doomed` })).status;
  });
  t.comment(`the delete in flight answered ${firstAnswer}`);
  const o = await get('doomed');
  t.comment(`after the restart: ${o ? `present${o.metadata.deletionTimestamp ? ' with deletionTimestamp' : ' without deletionTimestamp'}` : 'gone'}`);
  const retry = await k(['delete', resource, 'doomed', '-n', ns, '--ignore-not-found', '--wait', '--timeout=90s']);
  t.equal(retry.code, 0, `the user's retry completes: ${retry.stderr}`);
  t.equal(await get('doomed'), undefined, 'gone from Kubernetes');
  t.same(await platformDeploymentsNamed('doomed'), [], 'gone from the platform');
  const others = await platformDeploymentsNamed('born');
  t.equal(others.length, 1, 'the other objects are untouched');
});

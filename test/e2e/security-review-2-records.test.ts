// The second security review (issue #28), finding 3: signed Kubernetes records replayed across deployments of the
// same name and back in time on one deployment. Tried as the review's attacker would: the platform-side forger with
// a token bound to this operator instance copies records it read earlier onto a deployment; tenants act through
// real kube-apiserver RBAC (`kubectl --as`). Judged by what exists on the platform and in each Kubernetes namespace
// afterwards, never by the wording of a refusal; the controls show each deployment was served before the forgery.
//
// Team A (alice, Kubernetes namespace review2r-team-a) made `replayed` in platform namespace default and deleted it;
// team B (Kubernetes namespace review2r) then made its own `replayed` there: a new deployment with another id.
import t from 'tap';
import { eventually } from '../support/eventually.js';
import { attackLedger, never, platformForger } from '../support/security.js';
import { scenario } from '../support/product.js';

const { stack, k, platform, manifest, resource } = await scenario('review2r');
const teamA = 'review2r-team-a';
const teamB = 'review2r';
const alice = (args: string[], input?: string) => k(['--as=alice', ...args], input);
const ledger = attackLedger();

async function must(what: string, res: Promise<{ code: number; stderr: string; stdout: string }>): Promise<string> {
  const r = await res;
  if (r.code !== 0) throw new Error(`${what}: ${r.stderr}`);
  return r.stdout;
}

interface PlatformDeployment { metadata: { id: string; resourceVersion: number; labels?: Record<string, string>; annotations?: Record<string, string> } }
const reserved = (map: Record<string, string> | undefined) => Object.fromEntries(Object.entries(map ?? {}).filter(([key]) => key.startsWith('k8s.ververica.platform/')));

async function onPlatform(name: string): Promise<PlatformDeployment | undefined> {
  const res = await platform<PlatformDeployment>('GET', `/api/v1/namespaces/default/deployments/${name}`);
  return res.status === 200 ? res.body : undefined;
}

/** The Kubernetes record on a platform deployment as the forger reads it: reserved labels and annotations. */
async function capture(name: string): Promise<{ labels: Record<string, string>; annotations: Record<string, string> }> {
  const d = await onPlatform(name);
  if (!d) throw new Error(`${name} is not on the platform`);
  return { labels: reserved(d.metadata.labels), annotations: reserved(d.metadata.annotations) };
}

const listed = async (namespace: string, name: string) => (await k(['get', resource, name, '-n', namespace, '-o', 'name'])).code === 0;
const generationOf = async (namespace: string, name: string) => {
  const res = await k(['get', resource, name, '-n', namespace, '-o', 'jsonpath={.metadata.generation}']);
  return res.code === 0 ? Number(res.stdout) : undefined;
};

t.before(async () => {
  await must('namespace', k(['create', 'namespace', teamA]));
  await must('alice edit', k(['-n', teamA, 'create', 'rolebinding', 'alice-edit', `--clusterrole=${stack.release}:edit`, '--user=alice']));
  await must('alice platform', k(['-n', teamA, 'create', 'rolebinding', 'alice-platform', `--clusterrole=${stack.release}:platform-namespace:default`, '--user=alice']));
});

t.teardown(() => {
  console.log(`security review 2, finding 3: ${ledger.summary()}`);
});

t.test('finding 3: a record of team A\'s deleted deployment, copied onto team B\'s new one of its name, is not trusted', async (t) => {
  const name = 'replayed';
  const forger = await platformForger(stack, 'default', platform);
  // Team A's deployment, held by a finalizer so that the record with its deletion mark can be read before it goes.
  const held = { ...manifest(name), metadata: { name, namespace: teamA, finalizers: ['example.com/hold'] } };
  await must('team A creates', alice(['apply', '-f', '-'], JSON.stringify(held)));
  const recordOfA = await capture(name);
  const idOfA = (await onPlatform(name))?.metadata.id;
  await must('team A deletes', alice(['delete', resource, name, '-n', teamA, '--wait=false']));
  let deletionOfA = recordOfA;
  await eventually('team A\'s record carries its deletion mark', async () => {
    deletionOfA = await capture(name);
    return (deletionOfA.annotations['k8s.ververica.platform/deletion'] ?? 'null') !== 'null';
  });
  await must('team A lets it go', alice(['patch', resource, name, '-n', teamA, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']));
  await eventually('team A\'s platform deployment is gone', async () => !(await onPlatform(name)));

  await must('team B creates', k(['apply', '-f', '-'], JSON.stringify({ ...manifest(name), metadata: { name, namespace: teamB } })));
  const idOfB = (await onPlatform(name))?.metadata.id;
  t.ok(idOfB && idOfB !== idOfA, 'team B\'s deployment is a new one (another id)');
  t.ok(await listed(teamB, name), 'control: team B\'s object is served in its namespace');

  // Attack 1: team A's record (signed by this server, for this namespace, name and instance) onto team B's deployment.
  const moved = await forger('PATCH', `/api/v1/namespaces/default/deployments/${name}`, { metadata: recordOfA });
  t.equal(moved.status, 200, 'the platform accepted the forged record (the premise of the attack)');
  await eventually('the server has seen the forgery (team B\'s object is no longer served as it was)', async () => !(await listed(teamB, name)) || await listed(teamA, name));
  const inA = !(await never(() => listed(teamA, name), 5_000));
  const deleteByA = await alice(['delete', resource, name, '-n', teamA, '--wait=false']);
  const stillB = await never(async () => (await onPlatform(name))?.metadata.id !== idOfB, 5_000);
  ledger.record('record replay', inA || deleteByA.code === 0 || !stillB);
  t.notOk(inA, 'team B\'s object never appears in team A\'s namespace');
  t.not(deleteByA.code, 0, `team A cannot delete it (${deleteByA.stderr.trim()})`);
  t.ok(stillB, 'team B\'s platform deployment still exists after team A\'s delete');

  // Attack 2: team A's record with its deletion mark, so that the leader finishes "its" deletion by itself.
  const marked = await forger('PATCH', `/api/v1/namespaces/default/deployments/${name}`, { metadata: deletionOfA });
  t.equal(marked.status, 200, 'the platform accepted the forged deletion mark');
  // The leader's pass runs every poll interval (1 s here): 20 s is many passes.
  const kept = await never(async () => (await onPlatform(name))?.metadata.id !== idOfB, 20_000);
  ledger.record('deletion-mark replay', !kept);
  t.ok(kept, 'team B\'s platform deployment is not deleted by the leader');
  t.notOk(await listed(teamA, name), 'and nothing of it is served in team A\'s namespace');
});

t.test('finding 3: an older signed record of the same deployment, written back, does not turn its generation back', async (t) => {
  const name = 'rewound';
  const forger = await platformForger(stack, 'default', platform);
  await must('create', k(['apply', '-f', '-'], JSON.stringify({ ...manifest(name), metadata: { name, namespace: teamB } })));
  const generation1 = await capture(name);
  const changed = manifest(name, { parallelism: 2 });
  await must('update', k(['apply', '-f', '-'], JSON.stringify({ ...changed, metadata: { name, namespace: teamB } })));
  await eventually('the server serves generation 2', async () => (await generationOf(teamB, name)) === 2);
  const rewound = await forger('PATCH', `/api/v1/namespaces/default/deployments/${name}`, { metadata: generation1 });
  t.equal(rewound.status, 200, 'the platform accepted the older record');
  const back = !(await never(async () => (await generationOf(teamB, name)) === 1, 10_000));
  ledger.record('generation rewind', back);
  t.notOk(back, 'the object is never served at generation 1 again');
  const d = await onPlatform(name);
  t.ok(d, 'the platform deployment is left where it is');
});

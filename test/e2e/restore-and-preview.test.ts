// Preview a change and roll back to a savepoint, through real kubectl and kube-apiserver: the warning a server-side
// dry run prints says what the platform (the emulator) then does when the change is applied for real.
import t from 'tap';
import { explained, scenario } from '../support/product.js';
import { eventually } from '../support/eventually.js';

const { stack, ns, resource, k, platform, manifest } = await scenario('restore');
const savepoints = `vvpsavepoints.${stack.apiGroup}`;

interface Obj {
  metadata: { name: string; uid: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
  status: { state?: string; deploymentId?: string; job?: { id?: string; state?: string }; conditions: { type: string; status: string; reason: string; message: string }[] } & Record<string, unknown>;
}
interface PlatformJob { metadata: { id: string; createdAt: string }; spec: { savepointLocation?: string }; status: { state: string } }
interface PlatformSavepoint { metadata: { id: string; jobId?: string; origin: string; createdAt: string }; spec: { savepointLocation?: string }; status: { state: string } }

async function get(name: string): Promise<Obj> {
  const res = await k(['get', resource, name, '-n', ns, '-o', 'json']);
  if (res.code !== 0) throw new Error(res.stderr);
  return JSON.parse(res.stdout) as Obj;
}
const condition = (o: Obj, type: string) => o.status.conditions.find((c) => c.type === type);
const patch = (name: string, p: unknown, ...flags: string[]) => k(['patch', resource, name, '-n', ns, '--type=merge', ...flags, '-p', JSON.stringify(p)]);
const platformDeployment = async (name: string) => (await platform<{ metadata: { resourceVersion: number }; spec: { upgradeStrategy: { kind: string } } }>('GET', `/api/v1/namespaces/default/deployments/${name}`)).body;
/** The platform's writes (not GET) to a deployment's path, by id or by name, logged after request `after` (emulator log). */
const writesTo = async (idOrNames: string[], after: number) => (await platform<{ requests: { seq: number; method: string; url: string }[] }>('GET', '/__emulator/requests/log')).body.requests
  .filter((r) => r.seq > after && r.method !== 'GET' && idOrNames.some((x) => r.url.split('?')[0]!.endsWith(`/deployments/${x}`)));
const lastRequest = async () => (await platform<{ requests: { seq: number }[] }>('GET', '/__emulator/requests/log')).body.requests.at(-1)?.seq ?? 0;
const jobsOf = async (id: string) => (await platform<{ items: PlatformJob[] }>('GET', `/api/v1/namespaces/default/jobs?deploymentId=${id}`)).body.items;
const savepointsOf = async (id: string) => (await platform<{ items: PlatformSavepoint[] }>('GET', `/api/v1/namespaces/default/savepoints?deploymentId=${id}`)).body.items;
const startedJob = async (name: string, not?: string) => eventually(`${name} runs a new job`, async () => {
  const o = await get(name);
  return o.status.state === 'RUNNING' && o.status.job?.state === 'STARTED' && o.status.job.id !== not ? o : undefined;
}, 120_000);
const short = (id: string) => id.slice(0, 8);

async function applied(m: unknown, ...flags: string[]) {
  const res = await k(['apply', ...flags, '-f', '-'], JSON.stringify(m));
  if (res.code !== 0) throw new Error(res.stderr);
  return res;
}

t.test('preview: a dry run says restart or none, and the platform then does just that', async (t) => {
  const base = manifest('preview', { state: 'RUNNING' });
  await applied(base);
  const running = await startedJob('preview');
  const id = running.metadata.uid;
  const jobId = running.status.job!.id!;
  const templateChange = manifest('preview', { state: 'RUNNING', parallelism: 2 });
  const labelChange = manifest('preview', { state: 'RUNNING', labels: { team: 'speed' } });

  const restartWords = `platform effect: restarts job ${short(jobId)} with a savepoint (upgradeStrategy STATEFUL)`;
  const dry = await applied(templateChange, '--dry-run=server');
  t.match(dry.stderr, `Warning: ${restartWords}`, 'kubectl apply --dry-run=server prints the restart');
  const diff = await k(['diff', '--server-side', '--force-conflicts', '-f', '-'], JSON.stringify(templateChange));
  t.match(diff.stderr, `Warning: ${restartWords}`, 'kubectl diff --server-side prints it too');
  t.match(diff.stdout, /parallelism: 2/, 'beside the diff itself');
  const dryLabel = await applied(labelChange, '--dry-run=server');
  t.match(dryLabel.stderr, 'Warning: platform effect: none on the job (metadata only)', 'a label change: none');
  t.equal((await jobsOf(id)).length, 1, 'the dry runs wrote nothing: one job');

  const label = await applied(labelChange);
  t.match(label.stderr, 'Warning: platform effect: none on the job (metadata only)', 'the real write says it too');
  const templated = await applied({ ...templateChange, metadata: labelChange.metadata });
  t.match(templated.stderr, `Warning: ${restartWords}`, 'and the real template change');
  const after = await startedJob('preview', jobId);
  const jobs = await jobsOf(id);
  t.equal(jobs.length, 2, 'one restart in all: the label change made no job');
  const upgradeSavepoint = (await savepointsOf(id)).find((s) => s.metadata.origin === 'SUSPEND_AND_UPGRADE' && s.metadata.jobId === jobId);
  t.equal(upgradeSavepoint?.status.state, 'COMPLETED', 'the platform took a savepoint of the old job');
  const newJob = jobs.find((j) => j.metadata.id === after.status.job?.id);
  t.equal(newJob?.spec.savepointLocation, upgradeSavepoint?.spec.savepointLocation, 'and started the new job from it');

  const events = await eventually('PlatformEffect events', async () => {
    const res = await k(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=preview,reason=PlatformEffect', '-o', 'json']);
    const items = (JSON.parse(res.stdout) as { items: { message: string }[] }).items;
    return items.length >= 2 ? items.map((e) => e.message) : undefined;
  });
  t.ok(events.some((m) => m.endsWith(restartWords)), 'the real write is recorded as an Event');
  t.ok(events.some((m) => m.endsWith('platform effect: none on the job (metadata only)')));
});

t.test('preview: cancel without a savepoint, then a start from the newest savepoint', async (t) => {
  const o = await get('preview');
  const jobId = o.status.job!.id!;
  const cancel = manifest('preview', { state: 'CANCELLED', parallelism: 2, labels: { team: 'speed' } });
  const dry = await applied(cancel, '--dry-run=server');
  t.match(dry.stderr, `Warning: platform effect: cancels job ${short(jobId)} without a savepoint`);
  await applied(cancel);
  await eventually('CANCELLED', async () => (await get('preview')).status.state === 'CANCELLED', 120_000);
  t.notOk((await savepointsOf(o.metadata.uid)).some((s) => s.metadata.jobId === jobId), 'no savepoint of the cancelled job');
  const newest = (await savepointsOf(o.metadata.uid)).filter((s) => s.status.state === 'COMPLETED')
    .sort((a, b) => Date.parse(b.metadata.createdAt) - Date.parse(a.metadata.createdAt))[0]!;
  const start = manifest('preview', { state: 'RUNNING', parallelism: 2, labels: { team: 'speed' } });
  const dryStart = await applied(start, '--dry-run=server');
  t.match(dryStart.stderr, `Warning: platform effect: starts a job from savepoint preview-${newest.metadata.id} (restoreStrategy LATEST_STATE)`);
  await applied(start);
  const started = await startedJob('preview', jobId);
  const job = (await jobsOf(o.metadata.uid)).find((j) => j.metadata.id === started.status.job?.id);
  t.equal(job?.spec.savepointLocation, newest.spec.savepointLocation, 'the platform started from that savepoint');
});

interface VvpSavepointObject { metadata: { name: string; creationTimestamp: string }; status: { state: string; origin: string; location: string } }

/** Two savepoints of `name` taken by nonce, as kubectl lists them: the older first. */
async function twoSavepoints(name: string): Promise<VvpSavepointObject[]> {
  for (const nonce of [1, 2]) {
    const res = await patch(name, { spec: { savepointNonce: nonce } });
    if (res.code !== 0) throw new Error(res.stderr);
    await eventually(`savepointNonce=${nonce} done`, async () => {
      const o = await get(name);
      return o.status.observedSavepointNonce === nonce && condition(o, 'NonceAligned')?.status === 'True';
    }, 120_000);
  }
  const listed = await k(['get', savepoints, '-n', ns, '-l', `ververica.platform/deployment=${name}`, '-o', 'json']);
  if (listed.code !== 0) throw new Error(listed.stderr);
  return (JSON.parse(listed.stdout) as { items: VvpSavepointObject[] }).items.filter((s) => s.status.origin === 'USER_REQUEST')
    .sort((a, b) => Date.parse(a.metadata.creationTimestamp) - Date.parse(b.metadata.creationTimestamp));
}

let older: VvpSavepointObject;

t.test('roll back: one patch names the older savepoint; the next job restores from it, once', async (t) => {
  await applied(manifest('roll', { state: 'RUNNING' }));
  const first = await startedJob('roll');
  const id = first.metadata.uid;
  const taken = await twoSavepoints('roll');
  t.equal(taken.length, 2, 'kubectl get vvpsavepoints lists both');
  older = taken[0]!;
  const table = await k(['get', savepoints, '-n', ns]);
  t.match(table.stdout, older.metadata.name, 'by name in the table');

  const rollback = { spec: { restoreSavepointName: older.metadata.name, restoreNonce: 1 } };
  const dry = await patch('roll', rollback, '--dry-run=server');
  const sentence = `platform effect: restarts job ${short(first.status.job!.id!)} without a savepoint, restoring savepoint ${older.metadata.name} (restoreNonce=1)`;
  t.match(dry.stderr, `Warning: ${sentence}`, 'the dry run says what the rollback does');
  t.equal((await jobsOf(id)).length, 1, 'and does nothing');
  const res = await patch('roll', rollback);
  t.equal(res.code, 0, res.stderr);
  t.match(res.stderr, `Warning: ${sentence}`);

  const restored = await eventually('restoredFrom and NonceAligned', async () => {
    const o = await get('roll');
    return o.status.restoredFrom && condition(o, 'NonceAligned')?.status === 'True' ? o : undefined;
  }, 120_000);
  t.match(restored.status.restoredFrom, { savepointName: older.metadata.name, location: older.status.location }, 'status.restoredFrom names it');
  t.equal(restored.status.observedRestoreNonce, 1);
  const jobs = await jobsOf(id);
  t.equal(jobs.length, 2, 'exactly one restart');
  const newest = jobs.find((j) => j.metadata.id !== first.status.job!.id)!;
  t.equal(newest.spec.savepointLocation, older.status.location, 'the platform\'s new job restored from the older savepoint\'s location');
  t.notOk((await savepointsOf(id)).some((s) => s.metadata.origin === 'SUSPEND_AND_UPGRADE'), 'no savepoint was taken before the restart');
  await eventually('upgradeStrategy STATEFUL again', async () => (await platformDeployment('roll')).spec.upgradeStrategy.kind === 'STATEFUL', 120_000);
  const events = await k(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=roll,reason=RestoreTriggered', '-o', 'name']);
  t.ok(events.stdout.trim(), 'an Event on the deployment');

  // Judged by the platform's request log: the platform may still move the deployment's resourceVersion by itself
  // (its job's status) after the restore's last write.
  const before = await lastRequest();
  const again = await patch('roll', rollback);
  t.equal(again.code, 0, again.stderr);
  t.notMatch(again.stderr, /platform effect/, 'the same nonce again: no write, no effect');
  t.same(await writesTo([id, 'roll'], before), [], 'the platform deployment was not written');
  t.equal((await jobsOf(id)).length, 2, 'no other restart');
});

t.test('fork: a stopped deployment restores another one\'s savepoint at its next start', async (t) => {
  await applied(manifest('fork'));
  const res = await patch('fork', { spec: { restoreSavepointName: older.metadata.name, restoreNonce: 1 } });
  t.equal(res.code, 0, res.stderr);
  t.match(res.stderr, `Warning: platform effect: none on the job now; the next start restores savepoint ${older.metadata.name} (restoreNonce=1)`);
  t.equal((await get('fork')).status.state, 'CANCELLED', 'the desired state is kept');
  await patch('fork', { spec: { deployment: { spec: { state: 'RUNNING' } } } });
  const running = await startedJob('fork');
  const job = (await jobsOf(running.metadata.uid)).find((j) => j.metadata.id === running.status.job?.id);
  t.equal(job?.spec.savepointLocation, older.status.location, 'the fork\'s first job started from the other deployment\'s savepoint');
  const o = await eventually('restoredFrom', async () => ((await get('fork')).status.restoredFrom ? get('fork') : undefined));
  t.match(o.status.restoredFrom, { savepointName: older.metadata.name, location: older.status.location });
  t.equal(condition(o, 'NonceAligned')?.status, 'True');
});

t.test('refused with nothing written: an incomplete savepoint, one the user may not read, one that does not exist', async (t) => {
  await platform('PUT', '/__emulator/namespaces/default/deployments/roll/transition-faults', { savepointFailures: 'always' });
  t.teardown(() => platform('DELETE', '/__emulator/namespaces/default/deployments/roll/transition-faults'));
  await patch('roll', { spec: { savepointNonce: 3 } });
  const failed = await eventually('a FAILED savepoint', async () => {
    const listed = await k(['get', savepoints, '-n', ns, '-l', 'ververica.platform/deployment=roll', '-o', 'json']);
    return (JSON.parse(listed.stdout) as { items: VvpSavepointObject[] }).items.find((s) => s.status.state === 'FAILED');
  }, 120_000);
  const before = await platformDeployment('roll');
  const incomplete = await patch('roll', { spec: { restoreSavepointName: failed.metadata.name, restoreNonce: 2 } });
  t.not(incomplete.code, 0);
  t.match(incomplete.stderr, /is invalid: spec.restoreSavepointName: Invalid value: .*is FAILED; only a COMPLETED savepoint can be restored/);
  const missing = await patch('roll', { spec: { restoreSavepointName: 'no-such-savepoint', restoreNonce: 2 } });
  t.match(missing.stderr, /is invalid: spec.restoreSavepointName: Not found: "no-such-savepoint"/);

  // bob may change VvpDeployments here, but not read VvpSavepoints.
  const role = await k(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'deployments-only', namespace: ns },
    rules: [{ apiGroups: [stack.apiGroup], resources: ['vvpdeployments'], verbs: ['get', 'patch'] }],
  }));
  t.equal(role.code, 0, role.stderr);
  await k(['-n', ns, 'create', 'rolebinding', 'bob-deployments', '--role=deployments-only', '--user=bob']);
  const forbidden = await eventually('bob\'s binding in effect', async () => {
    const r = await k(['--as=bob', 'patch', resource, 'roll', '-n', ns, '--type=merge', '-p', JSON.stringify({ spec: { restoreSavepointName: older.metadata.name, restoreNonce: 2 } })]);
    return /forbidden/.test(r.stderr) ? r : undefined;
  });
  t.match(forbidden.stderr, new RegExp(`vvpsavepoints.* "${older.metadata.name}" is forbidden: User "bob" cannot get resource "vvpsavepoints"`));
  const after = await platformDeployment('roll');
  t.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, 'nothing was written on the platform');
  t.equal((await get('roll')).status.observedRestoreNonce, 1);
});

t.test('kubectl explain shows the new fields', async (t) => {
  const spec = await explained(k, [`${resource}.spec.restoreSavepointName`]);
  t.match(spec.stdout, /VvpSavepoint of this namespace/);
  const status = await explained(k, [`${resource}.status.restoredFrom`]);
  t.match(status.stdout, /savepointName/);
});

// What a VvpDeployment means, scenario by scenario: kubectl through the real kube-apiserver, and each
// scenario checked on the platform side too, over the emulator's HTTP API.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { scenario } from '../support/product.js';
import { eventually } from '../support/eventually.js';
import { restartServer, startReplica, stopProcesses } from '../../apiservice/local/stack.js';

const { stack, ns, resource, k, platform, manifest } = await scenario('semantics', { emulatorArgs: ['--timing', 'autopilotIntervalMs=1500'] });

interface Condition { type: string; status: string; reason: string; message: string }
interface Obj {
  metadata: { name: string; uid: string; generation: number; deletionTimestamp?: string };
  spec: Record<string, unknown>;
  status: { state?: string; deploymentId?: string; observedGeneration?: number; job?: { id?: string }; conditions: Condition[]; parallelism?: { desired?: number; runtime?: number } };
}
interface PlatformDeployment {
  metadata: { id: string; name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { state: string; maxSavepointCreationAttempts?: number; template: { spec: { parallelism?: number; flinkConfiguration?: Record<string, string>; resources?: unknown } } };
  status: { state: string; running?: { jobId?: string } };
}

const platformDeployment = async (name: string) => (await platform<PlatformDeployment>('GET', `/api/v1/namespaces/default/deployments/${name}`)).body;

async function get(name: string): Promise<Obj> {
  const res = await k(['get', resource, name, '-n', ns, '-o', 'json']);
  if (res.code !== 0) throw new Error(res.stderr);
  return JSON.parse(res.stdout) as Obj;
}
const condition = (o: Obj, type: string) => o.status.conditions.find((c) => c.type === type);


/** After a restart: kube-apiserver marks the group unavailable for a while, and kubectl gives up on such errors. */
async function serverAnswers(): Promise<void> {
  await eventually('the server answers again', async () => (await k(['get', resource, '-n', ns, '-o', 'name'])).code === 0, 90_000);
}

async function apply(m: unknown) {
  const res = await k(['apply', '-f', '-'], JSON.stringify(m));
  if (res.code !== 0) throw new Error(res.stderr);
}
const patch = (name: string, p: unknown) => k(['patch', resource, name, '-n', ns, '--type=merge', '-p', JSON.stringify(p)]);
const running = (name: string) => eventually(`${name} RUNNING`, async () => ((await get(name)).status.state === 'RUNNING' ? get(name) : undefined));

t.test('created CANCELLED: Consistent, and the platform holds it, marked as ours', async (t) => {
  await apply(manifest('first'));
  const o = await get('first');
  t.equal(condition(o, 'Consistent')?.status, 'True');
  t.equal(o.status.deploymentId, o.metadata.uid);
  for (const type of ['Healthy', 'Consistent', 'SpecAligned', 'NonceAligned', 'ParallelismAligned', 'DeletionBlocked']) {
    t.ok(condition(o, type), `condition ${type} present from the first read`);
  }
  const d = await platformDeployment('first');
  t.equal(d.metadata.id, o.metadata.uid);
  t.equal(d.spec.state, 'CANCELLED');
  t.equal(d.metadata.labels?.['ververica.platform/managed-by'], stack.instanceId, 'management mark');
});

t.test('to RUNNING: the status moves live, and kubectl wait --for=condition=Healthy returns', async (t) => {
  const p = await patch('first', { spec: { deployment: { spec: { state: 'RUNNING' } } } });
  t.equal(p.code, 0, p.stderr);
  const wait = await k(['wait', resource, 'first', '-n', ns, '--for=condition=Healthy', '--timeout=60s']);
  t.equal(wait.code, 0, wait.stderr);
  const o = await get('first');
  t.equal(o.status.state, 'RUNNING');
  t.ok(o.status.job?.id, 'a job id');
  t.equal((await platformDeployment('first')).status.running?.jobId, o.status.job?.id, 'the job the platform runs');
});

t.test('PATCH keeps platform defaults for omitted fields; PUT resets them', async (t) => {
  await apply(manifest('patchy'));
  await platform('PATCH', '/__emulator/namespaces/default/deployments/patchy', { spec: { template: { spec: { flinkConfiguration: { 'custom.key': 'kept' } } } } });
  await patch('patchy', { spec: { deployment: { spec: { template: { spec: { parallelism: 2 } } } } } });
  let d = await platformDeployment('patchy');
  t.equal(d.spec.template.spec.parallelism, 2);
  t.equal(d.spec.template.spec.flinkConfiguration?.['custom.key'], 'kept', 'PATCH mode leaves a field it does not name');
  const toPut = await patch('patchy', { spec: { syncingMode: 'PUT', deployment: { spec: { template: { spec: { parallelism: 3 } } } } } });
  t.equal(toPut.code, 0, toPut.stderr);
  d = await platformDeployment('patchy');
  t.equal(d.spec.template.spec.parallelism, 3);
  t.equal(d.spec.template.spec.flinkConfiguration?.['custom.key'], undefined, 'PUT mode resets what it does not name');
});

t.test('initFields are sent at creation and never again', async (t) => {
  await apply(manifest('init', { spec: { initFields: { spec: { maxSavepointCreationAttempts: 7 } } } }));
  t.equal((await platformDeployment('init')).spec.maxSavepointCreationAttempts, 7);
  await platform('PATCH', '/__emulator/namespaces/default/deployments/init', { spec: { maxSavepointCreationAttempts: 2 } });
  await patch('init', { spec: { initFields: { spec: { maxSavepointCreationAttempts: 9 } }, deployment: { spec: { template: { spec: { parallelism: 2 } } } } } });
  t.equal((await platformDeployment('init')).spec.maxSavepointCreationAttempts, 2, 'a later change of initFields is not projected');
  const put = await k(['apply', '-f', '-'], JSON.stringify(manifest('init-put', { syncingMode: 'PUT', spec: { initFields: { spec: {} } } })));
  t.not(put.code, 0, 'initFields with syncingMode PUT is refused');
  t.match(put.stderr, /initFields/);
});

t.test('savepointNonce: a savepoint COMPLETED and NonceAligned', async (t) => {
  await patch('first', { spec: { savepointNonce: 1 } });
  const id = (await get('first')).status.deploymentId;
  const done = await eventually('a COMPLETED savepoint', async () => {
    const list = await platform<{ items: { status: { state: string }; metadata: { origin: string } }[] }>('GET', `/api/v1/namespaces/default/savepoints?deploymentId=${id}`);
    return list.body.items.find((s) => s.metadata.origin === 'USER_REQUEST' && s.status.state === 'COMPLETED');
  });
  t.ok(done);
  const aligned = await eventually('NonceAligned', async () => {
    const o = await get('first');
    return condition(o, 'NonceAligned')?.status === 'True' ? o : undefined;
  });
  t.ok(aligned);
});

t.test('restartNonce: a new job', async (t) => {
  const before = (await get('first')).status.job?.id;
  await patch('first', { spec: { restartNonce: 1 } });
  const after = await eventually('a new job id', async () => {
    const o = await get('first');
    return o.status.job?.id && o.status.job.id !== before && o.status.state === 'RUNNING' ? o.status.job.id : undefined;
  });
  t.not(after, before);
});

t.test('suspend takes a savepoint of origin SUSPEND; a savepoint nonce while SUSPENDED is blocked', async (t) => {
  await patch('first', { spec: { deployment: { spec: { state: 'SUSPENDED' } } } });
  const id = (await get('first')).status.deploymentId;
  await eventually('SUSPENDED', async () => (await get('first')).status.state === 'SUSPENDED');
  const list = await platform<{ items: { metadata: { origin: string } }[] }>('GET', `/api/v1/namespaces/default/savepoints?deploymentId=${id}`);
  t.ok(list.body.items.some((s) => s.metadata.origin === 'SUSPEND'), 'a SUSPEND savepoint');
  await patch('first', { spec: { savepointNonce: 2 } });
  const o = await get('first');
  t.equal(condition(o, 'NonceAligned')?.status, 'False');
  const blocked = await eventually('a Warning event SavepointBlocked', async () => {
    const events = await k(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=first,reason=SavepointBlocked', '-o', 'name']);
    return events.stdout.trim() !== '';
  });
  t.ok(blocked, 'a Warning event SavepointBlocked');
});

t.test('Autopilot ACTIVE: ParallelismAligned False, the spec untouched', async (t) => {
  await apply(manifest('auto', { state: 'RUNNING' }));
  await running('auto');
  const id = (await get('auto')).status.deploymentId;
  await platform('PUT', `/autopilot/v1alpha1/namespaces/default/deployments/${id}/autopilotpolicy`, { mode: 'AUTOPILOT_MODE_ACTIVE', autoscalerConfig: { minParallelism: 1, maxParallelism: 4 } });
  const o = await eventually('ParallelismAligned False', async () => {
    const x = await get('auto');
    return condition(x, 'ParallelismAligned')?.status === 'False' ? x : undefined;
  });
  t.ok(o.status.parallelism?.runtime && o.status.parallelism.runtime !== 1, `runtime parallelism ${o.status.parallelism?.runtime}`);
  t.equal((await platformDeployment('auto')).spec.template.spec.parallelism, 1, 'the server did not overwrite Autopilot');
  await platform('PUT', `/autopilot/v1alpha1/namespaces/default/deployments/${id}/autopilotpolicy`, { mode: 'AUTOPILOT_MODE_DISABLED' });
});

t.test('a platform-side edit of a managed deployment is refused', async (t) => {
  const res = await platform<{ message: string }>('PATCH', '/api/v1/namespaces/default/deployments/first', { spec: { template: { spec: { parallelism: 9 } } } });
  t.equal(res.status, 403);
  t.match(res.body.message, /Kubernetes/);
});

t.test('a foreign platform deployment is invisible and cannot be claimed', async (t) => {
  const foreign = await platform('POST', '/api/v1/namespaces/default/deployments', {
    metadata: { name: 'foreign' }, spec: { state: 'CANCELLED', deploymentTargetName: 'default', template: { spec: { artifact: { kind: 'JAR', jarUri: 'file:///x.jar' } } } },
  });
  t.equal(foreign.status, 201, JSON.stringify(foreign.body));
  const list = await k(['get', resource, '-A', '-o', 'name']);
  t.notMatch(list.stdout, /foreign/);
  const claim = await k(['apply', '-f', '-'], JSON.stringify(manifest('foreign')));
  t.not(claim.code, 0);
  t.match(claim.stderr, /AlreadyExists|already exists/);
});

t.test('deletionPolicy Orphan leaves the platform deployment running, unmarked', async (t) => {
  await apply(manifest('orphan', { state: 'RUNNING', spec: { deletionPolicy: 'Orphan' } }));
  await running('orphan');
  const del = await k(['delete', resource, 'orphan', '-n', ns, '--wait=true', '--timeout=60s']);
  t.equal(del.code, 0, del.stderr);
  const d = await platformDeployment('orphan');
  t.equal(d.spec.state, 'RUNNING');
  t.equal(d.metadata.labels?.['ververica.platform/managed-by'], undefined, 'no longer managed');
});

t.test('deleting a RUNNING deployment: DeletionBlocked while it cancels, gone even with the server restarted midway', async (t) => {
  await apply(manifest('doomed', { state: 'RUNNING' }));
  await running('doomed');
  const del = await k(['delete', resource, 'doomed', '-n', ns, '--wait=false']);
  t.equal(del.code, 0, del.stderr);
  const o = await get('doomed').catch(() => undefined);
  if (o) {
    t.ok(o.metadata.deletionTimestamp, 'deletionTimestamp while the platform cancels');
    t.equal(condition(o, 'DeletionBlocked')?.status, 'True');
  }
  await stopProcesses([stack.pids.server], 'SIGKILL');
  restartServer(stack);
  await serverAnswers();
  const gone = await k(['wait', resource, 'doomed', '-n', ns, '--for=delete', '--timeout=90s']);
  t.equal(gone.code, 0, `gone after the restart: ${gone.stderr}`);
  t.equal((await platform('GET', '/api/v1/namespaces/default/deployments/doomed')).status, 404, 'and gone from the platform');
});

t.test('two replicas mirror each platform event once, also when the leader dies', async (t) => {
  const replica = await startReplica(stack);
  t.teardown(() => stopProcesses([replica.pid]));
  await apply(manifest('mirrored', { state: 'RUNNING' }));
  await running('mirrored');
  const id = (await get('mirrored')).status.deploymentId;
  // The leader dies; the other replica takes the Lease over and goes on mirroring.
  await stopProcesses([stack.pids.server], 'SIGKILL');
  restartServer(stack);
  await serverAnswers();
  await patch('mirrored', { spec: { deployment: { spec: { state: 'CANCELLED' } } } });
  const platformEvents = async () => (await platform<{ items: { metadata: { id: string; name: string }; spec: { message?: string } }[] }>('GET', `/api/v1/namespaces/default/events?deploymentId=${id}`)).body.items
    .filter((e) => !e.spec.message?.startsWith('Kubernetes API server '));
  const mirroredEvents = async () => {
    const res = await k(['get', 'events', '-n', ns, '--field-selector', `involvedObject.uid=${id}`, '-o', 'json']);
    return (JSON.parse(res.stdout) as { items: { reason: string; message: string }[] }).items.filter((e) => !e.message.startsWith('Kubernetes API server '));
  };
  const settled = await eventually('every platform event mirrored', async () => {
    await eventually('CANCELLED', async () => (await get('mirrored')).status.state === 'CANCELLED', 60_000);
    const [p, m] = [await platformEvents(), await mirroredEvents()];
    return p.length > 0 && m.length >= p.length ? { p, m } : undefined;
  }, 90_000);
  t.equal(settled.m.length, settled.p.length, `one Kubernetes Event per platform event (${settled.p.map((e) => e.metadata.name).join(', ')})`);
});

t.test('apikeySecretName: the object writes with the token of a Secret in its namespace, and the token shows nowhere', async (t) => {
  const missing = await k(['apply', '-f', '-'], JSON.stringify({ ...manifest('keyed'), metadata: { name: 'keyed', namespace: ns, annotations: { apikeySecretName: 'no-such-secret' } } }));
  t.not(missing.code, 0, 'a missing Secret is refused');
  t.match(missing.stderr, /no-such-secret/, 'the error names the Secret');
  t.equal((await platform('GET', '/api/v1/namespaces/default/deployments/keyed')).status, 404, 'and nothing was half-written');

  const minted = await platform<{ secret: string }>('POST', '/__emulator/tokens', { role: 'editor', namespace: 'default', operatorInstance: stack.instanceId, name: 'team-token' });
  t.equal(minted.status, 201, JSON.stringify(minted.body));
  const token = minted.body.secret;
  const secret = await k(['create', 'secret', 'generic', 'team-vvp', '-n', ns, `--from-literal=token=${token}`]);
  t.equal(secret.code, 0, secret.stderr);
  const created = await k(['apply', '-f', '-'], JSON.stringify({ ...manifest('keyed'), metadata: { name: 'keyed', namespace: ns, annotations: { apikeySecretName: 'team-vvp' } } }));
  t.equal(created.code, 0, created.stderr);
  const yaml = await k(['get', resource, 'keyed', '-n', ns, '-o', 'yaml']);
  const events = await k(['get', 'events', '-n', ns, '-o', 'yaml']);
  t.notOk(yaml.stdout.includes(token), 'not in the object');
  t.notOk(events.stdout.includes(token), 'not in events');
  t.notOk(readFileSync(stack.logs.server, 'utf8').includes(token), 'not in the server log');
});

t.test('the ververica.platform/owner label must name this instance', async (t) => {
  const res = await k(['apply', '-f', '-'], JSON.stringify({ ...manifest('owned'), metadata: { name: 'owned', namespace: ns, labels: { 'ververica.platform/owner': 'someone-else' } } }));
  t.not(res.code, 0);
  t.match(res.stderr, /Invalid|invalid/);
  t.match(res.stderr, /ververica\.platform\/owner/);
  const ok = await k(['apply', '-f', '-'], JSON.stringify({ ...manifest('owned'), metadata: { name: 'owned', namespace: ns, labels: { 'ververica.platform/owner': stack.instanceId } } }));
  t.equal(ok.code, 0, ok.stderr);
});

t.test('initialSavepointSpec: the external savepoint is registered and the first start restores from it', async (t) => {
  const location = 's3://flink/savepoints/elsewhere/savepoint-1';
  await apply(manifest('restored', { spec: { initialSavepointSpec: { savepointLocation: location } }, deploymentSpec: { restoreStrategy: { kind: 'LATEST_SAVEPOINT' } } }));
  const id = (await get('restored')).status.deploymentId;
  const savepoints = await platform<{ items: { metadata: { origin: string }; spec: { savepointLocation: string } }[] }>('GET', `/api/v1/namespaces/default/savepoints?deploymentId=${id}`);
  t.ok(savepoints.body.items.some((s) => s.metadata.origin === 'COPIED' && s.spec.savepointLocation === location), 'registered as COPIED');
  await patch('restored', { spec: { deployment: { spec: { state: 'RUNNING' } } } });
  await running('restored');
  const jobs = await platform<{ items: { status?: { started?: unknown }; spec?: { restoreStrategy?: unknown; savepointLocation?: string; initialSavepointLocation?: string } }[] }>('GET', `/api/v1/namespaces/default/jobs?deploymentId=${id}`);
  t.match(JSON.stringify(jobs.body.items), new RegExp(location.replace(/[/.]/g, '\\$&')), 'the job started from that savepoint');
});

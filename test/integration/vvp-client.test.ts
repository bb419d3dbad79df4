// The VVP client against the real emulator over HTTP: a deployment's whole life, as the product drives it.
import t from 'tap';
import { VvpClient, isVvpHttpError, type CallRecord, type Deployment } from '../../apiserver/vvp/index.js';
import { startEmulator } from '../support/emulator.js';

const NS = 'default';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen ${JSON.stringify(value)}`);
    await sleep(50);
  }
}

// --seed adds the deployment target "default".
const emulator = await startEmulator({ t, args: ['--seed'] });
const calls: CallRecord[] = [];
const vvp = new VvpClient({ baseUrl: emulator.url, token: emulator.adminToken, onCall: (c) => calls.push(c) });
t.teardown(() => vvp.close());

t.test('platform information and namespaces', async (t) => {
  const info = await vvp.getSystemInfo();
  t.type(info, 'object');
  const namespaces = await vvp.listNamespaces();
  t.ok(namespaces.some((n) => n.name === NS || n.name === `namespaces/${NS}`), 'namespace default is listed');
  t.ok((await vvp.getNamespace(NS)).name.endsWith(NS));
  t.type((await vvp.getDeploymentDefaults(NS)).spec, 'object');
});

t.test('a wrong token is refused with the platform status', async (t) => {
  const err = await vvp.listDeployments(NS, {}, { token: 'not-a-token' }).catch((e: unknown) => e);
  t.ok(isVvpHttpError(err, 401), `401, got ${String(err)}`);
});

t.test('a deployment from creation to deletion', async (t) => {
  const name = `vvp-client-it-${process.pid}`;
  const run = String(Date.now());
  const targets = await vvp.listDeploymentTargets(NS);
  const targetName = targets.items[0]?.metadata.name;

  const created = await vvp.createDeployment(NS, {
    metadata: { name, displayName: 'VVP client integration test', labels: { suite: 'vvp-client', run } },
    spec: {
      state: 'CANCELLED',
      ...(targetName ? { deploymentTargetName: targetName } : {}),
      upgradeStrategy: { kind: 'STATEFUL' },
      restoreStrategy: { kind: 'LATEST_STATE' },
      template: {
        spec: {
          artifact: { kind: 'JAR', jarUri: 'file:///flink/examples/streaming/TopSpeedWindowing.jar' },
          parallelism: 1,
          flinkConfiguration: { 'state.savepoints.dir': 's3://vvp-client-it/savepoints' },
        },
      },
    },
  });
  t.equal(created.metadata.name, name);
  t.match(created.metadata.id, /^[0-9a-f-]{36}$/);
  const id = created.metadata.id;

  const got = await vvp.getDeployment(NS, name);
  t.equal(got.metadata.id, id);
  t.equal(got.spec.state, 'CANCELLED');

  const patched = await vvp.patchDeployment(NS, name, { metadata: { labels: { suite: 'vvp-client', run, step: 'patched' }, resourceVersion: got.metadata.resourceVersion } });
  t.equal(patched.metadata.labels?.step, 'patched');
  t.ok(patched.metadata.resourceVersion > got.metadata.resourceVersion, 'resourceVersion moves on');
  t.equal(patched.spec.template?.spec?.parallelism, 1, 'PATCH keeps omitted fields');

  const stale = await vvp.patchDeployment(NS, name, { metadata: { resourceVersion: got.metadata.resourceVersion }, spec: { maxJobCreationAttempts: 5 } }).catch((e: unknown) => e);
  t.ok(isVvpHttpError(stale, 409), `a stale resourceVersion is refused with 409, got ${String(stale)}`);

  const listed = await vvp.listDeployments(NS, { labelSelector: { suite: 'vvp-client', run } });
  t.same(listed.items.map((d) => d.metadata.id), [id], 'the label selector finds exactly this deployment');
  t.same((await vvp.listDeployments(NS, { labelSelector: `run=${run}-other` })).items, []);

  await vvp.patchDeployment(NS, name, { spec: { state: 'RUNNING' } });
  const running = await until<Deployment>('RUNNING', () => vvp.getDeployment(NS, name), (d) => d.status?.state === 'RUNNING' && !!d.status.running?.jobId);
  const jobId = running.status?.running?.jobId ?? '';

  const jobs = await vvp.listJobs(NS, { deploymentId: id });
  t.ok(jobs.items.some((j) => j.metadata.id === jobId), 'the running job is listed for the deployment');
  const job = await until('job STARTED', () => vvp.getJob(NS, jobId), (j) => j.status?.state === 'STARTED');
  t.equal(job.metadata.deploymentId, id);

  const triggered = await vvp.triggerSavepoint(NS, { deploymentId: id, annotations: { 'vvp-client-it/nonce': '1' } });
  t.equal(triggered.metadata.deploymentId, id);
  t.equal(triggered.metadata.origin, 'USER_REQUEST');
  const savepoint = await until('savepoint COMPLETED', () => vvp.getSavepoint(NS, triggered.metadata.id), (s) => s.status?.state === 'COMPLETED' || s.status?.state === 'FAILED');
  t.equal(savepoint.status?.state, 'COMPLETED');
  t.ok((await vvp.listSavepoints(NS, { deploymentId: id })).items.some((s) => s.metadata.id === triggered.metadata.id));
  t.ok((await vvp.listSavepoints(NS, { deploymentId: id, jobId })).items.some((s) => s.metadata.id === triggered.metadata.id));

  const registered = await vvp.registerSavepoint(NS, { deploymentId: id, savepointLocation: 's3://vvp-client-it/external/sp-1' });
  t.equal(registered.metadata.origin, 'COPIED');
  t.equal(registered.spec?.savepointLocation, 's3://vvp-client-it/external/sp-1');

  const events = await vvp.listEvents(NS, { deploymentId: id });
  t.ok(events.items.length > 0, 'the platform recorded the transitions');
  t.ok(events.items.every((e) => e.metadata.deploymentId === id));
  t.ok((await vvp.listEvents(NS, { deploymentId: id, jobId })).items.every((e) => e.metadata.jobId === jobId));
  const written = await vvp.createEvent(NS, { metadata: { deploymentId: id, name: 'EXTERNAL' }, spec: { message: 'Kubernetes operator triggered savepoint' } });
  t.equal(written.spec.message, 'Kubernetes operator triggered savepoint');
  t.ok((await vvp.listEvents(NS, { deploymentId: id })).items.some((e) => e.spec.message === 'Kubernetes operator triggered savepoint'));

  const refused = await vvp.deleteDeployment(NS, name).catch((e: unknown) => e);
  t.ok(isVvpHttpError(refused), `a RUNNING deployment cannot be deleted, got ${String(refused)}`);

  await vvp.patchDeployment(NS, name, { spec: { state: 'CANCELLED' } });
  await until<Deployment>('CANCELLED', () => vvp.getDeployment(NS, name), (d) => d.status?.state === 'CANCELLED');

  await vvp.deleteDeployment(NS, name);
  const gone = await vvp.getDeployment(NS, name).catch((e: unknown) => e);
  t.ok(isVvpHttpError(gone, 404), `gone after delete, got ${String(gone)}`);
});

t.test('PUT replaces and resets omitted fields', async (t) => {
  const name = `vvp-client-put-${process.pid}`;
  const artifact = { kind: 'JAR', jarUri: 'file:///flink/examples/streaming/TopSpeedWindowing.jar' };
  const first = await vvp.putDeployment(NS, name, { metadata: { name }, spec: { state: 'CANCELLED', deploymentTargetName: 'default', maxJobCreationAttempts: 7, template: { spec: { artifact } } } });
  t.equal(first.spec.maxJobCreationAttempts, 7);
  const second = await vvp.putDeployment(NS, name, { metadata: { name }, spec: { state: 'CANCELLED', deploymentTargetName: 'default', template: { spec: { artifact } } } });
  t.equal(second.metadata.id, first.metadata.id, 'the same deployment');
  t.not(second.spec.maxJobCreationAttempts, 7, 'the omitted field went back to its default');
  await vvp.deleteDeployment(NS, name);
});

t.test('Autopilot policy and the runtime parallelism it sets', async (t) => {
  const name = `vvp-client-ap-${process.pid}`;
  const artifact = { kind: 'JAR', jarUri: 'file:///flink/examples/streaming/TopSpeedWindowing.jar' };
  const created = await vvp.createDeployment(NS, { metadata: { name }, spec: { state: 'RUNNING', deploymentTargetName: 'default', template: { spec: { artifact, parallelism: 1 } } } });
  const id = created.metadata.id;
  t.equal((await vvp.getAutopilotPolicy(NS, id)).mode, 'AUTOPILOT_MODE_DISABLED', 'disabled by default');
  await until<Deployment>('RUNNING', () => vvp.getDeployment(NS, name), (d) => d.status?.state === 'RUNNING');
  t.equal(await vvp.getRuntimeParallelism(NS, id), 1, 'the spec parallelism while Autopilot is off');

  const put = await emulator.request('PUT', `/autopilot/v1alpha1/namespaces/${NS}/deployments/${id}/autopilotpolicy`, {
    mode: 'AUTOPILOT_MODE_ACTIVE',
    autoscalerConfig: { minParallelism: 1, maxParallelism: 4 },
  });
  t.equal(put.status, 200);
  t.equal((await vvp.getAutopilotPolicy(NS, id)).mode, 'AUTOPILOT_MODE_ACTIVE');
  t.ok((await vvp.listAutopilotPolicies(NS)).some((p) => p.mode === 'AUTOPILOT_MODE_ACTIVE'));
  const rescaled = await until('a runtime rescale', () => vvp.getRuntimeParallelism(NS, id), (p) => p !== undefined && p > 1);
  t.ok((rescaled ?? 0) > 1, `runtime parallelism ${rescaled}`);
  t.equal((await vvp.getDeployment(NS, name)).spec.template?.spec?.parallelism, 1, 'the deployment spec is untouched');

  await emulator.request('PUT', `/autopilot/v1alpha1/namespaces/${NS}/deployments/${id}/autopilotpolicy`, { mode: 'AUTOPILOT_MODE_DISABLED' });
  // Autopilot's rescale passes through spec.state CANCELLED and back to RUNNING: cancel only once it is over.
  await until<Deployment>(
    'the rescale to finish',
    () => vvp.getDeployment(NS, name),
    (d) => d.spec.state === 'RUNNING' && d.status?.state === 'RUNNING' && !Object.keys(d.metadata.annotations ?? {}).some((k) => k.startsWith('autopilot.')),
  );
  await vvp.patchDeployment(NS, name, { spec: { state: 'CANCELLED' } });
  await until<Deployment>('CANCELLED', () => vvp.getDeployment(NS, name), (d) => d.status?.state === 'CANCELLED');
  await vvp.deleteDeployment(NS, name);
});

t.test('deployment targets by name, and session clusters started and stopped', async (t) => {
  const created = await vvp.createDeploymentTarget(NS, { metadata: { name: 'client-it' }, spec: { kubernetes: { namespace: 'client-it-jobs' } } });
  t.match(created, { metadata: { name: 'client-it', namespace: NS }, spec: { kubernetes: { namespace: 'client-it-jobs' } } });
  t.equal((await vvp.getDeploymentTarget(NS, 'client-it')).metadata.id, created.metadata.id);
  const taken = await vvp.createDeploymentTarget(NS, { metadata: { name: 'client-it' }, spec: { kubernetes: {} } }).catch((e: unknown) => e);
  t.ok(isVvpHttpError(taken, 409), 'a taken name is a 409');

  const emulatorCreated = await emulator.request('POST', `/api/v1/namespaces/${NS}/sessionclusters`, { metadata: { name: 'client-it' }, spec: { state: 'STOPPED', deploymentTargetName: 'client-it' } });
  t.equal(emulatorCreated.status, 201);
  t.same((await vvp.listSessionClusters(NS)).items.map((c) => c.metadata.name), ['client-it']);
  const starting = await vvp.patchSessionCluster(NS, 'client-it', { spec: { state: 'RUNNING' } });
  t.match(starting, { spec: { state: 'RUNNING', deploymentTargetName: 'client-it' }, status: { state: 'STARTING' } });
  await until('the cluster to run', () => vvp.getSessionCluster(NS, 'client-it'), (c) => c.status?.state === 'RUNNING');
  const inUse = await vvp.deleteDeploymentTarget(NS, 'client-it').catch((e: unknown) => e);
  t.ok(isVvpHttpError(inUse, 409), 'a target a session cluster runs on is not deleted');
  await vvp.patchSessionCluster(NS, 'client-it', { spec: { state: 'STOPPED' } });
  await until('the cluster to stop', () => vvp.getSessionCluster(NS, 'client-it'), (c) => c.status?.state === 'STOPPED');
  t.equal((await emulator.request('DELETE', `/api/v1/namespaces/${NS}/sessionclusters/client-it`)).status, 200);
  t.equal((await vvp.deleteDeploymentTarget(NS, 'client-it'))?.metadata.name, 'client-it');
  const gone = await vvp.getSessionCluster(NS, 'client-it').catch((e: unknown) => e);
  t.ok(isVvpHttpError(gone, 404));
});

t.test('platform faults come back as the right error kinds', async (t) => {
  const fault = (f: object) => emulator.request('POST', '/__emulator/faults', { remaining: 1, ...f });
  const requests = async () => (await emulator.request<{ routes: Record<string, number> }>('GET', '/__emulator/requests')).body.routes;
  const target = await vvp.listDeploymentTargets(NS); // warms a pooled connection
  t.ok(target.items.length > 0);

  await fault({ method: 'GET', path: '/api/v1/namespaces/*/deployments', status: 503, message: 'down for maintenance' });
  await t.rejects(vvp.listDeployments(NS), { name: 'VvpError', kind: 'http', status: 503, message: 'down for maintenance' });

  await emulator.request('DELETE', '/__emulator/requests');
  await fault({ method: 'POST', path: '/api/v1/namespaces/*/savepoints', closeConnection: true });
  await t.rejects(vvp.triggerSavepoint(NS, { deploymentId: '00000000-0000-0000-0000-000000000000' }), { name: 'VvpError', kind: 'unreachable', method: 'POST' });
  t.equal((await requests())['POST /api/v1/namespaces/:namespace/savepoints'], 1, 'a write is sent once');

  await vvp.getSystemInfo(); // a pooled connection again: the one above was closed
  await emulator.request('DELETE', '/__emulator/requests');
  await fault({ method: 'GET', path: '/api/v1/namespaces/*/deployment-targets', closeConnection: true });
  t.ok((await vvp.listDeploymentTargets(NS)).items.length > 0, 'a read on a pooled connection closed without answer is sent again');
  t.equal((await requests())['GET /api/v1/namespaces/:namespace/deployment-targets'], 2);

  const impatient = new VvpClient({ baseUrl: emulator.url, token: emulator.adminToken, timeoutMs: 100 });
  t.teardown(() => impatient.close());
  await fault({ method: 'GET', path: '/api/v1/status/system-info', latencyMs: 1000 });
  await t.rejects(impatient.getSystemInfo(), { name: 'VvpError', kind: 'timeout' });
  await emulator.request('DELETE', '/__emulator/faults');
});

t.test('metrics saw route templates only', async (t) => {
  t.ok(calls.length > 10);
  t.ok(calls.every((c) => !c.route.includes('vvp-client-') && !/[0-9a-f]{8}-[0-9a-f]{4}/.test(c.route)), 'no concrete names or ids in routes');
});

// The platform at its real pace (issue 27): the emulator at its `realistic` timings, sped up three times (a job takes
// 5 s to start, a savepoint 1.7 s, a stop 1.3 s), with the orders a real platform shows its changes in. The promise
// under test: `kubectl get`, `kubectl wait` and a watch show the platform's state now, whichever order it came in.
//
// The scenarios are independent and run concurrently (each on its own deployments); every wait is a condition with a
// generous deadline. The first one is the issue's: 20 deployments patched to RUNNING at staggered times while the
// deployments listing answers 400 ms after the jobs listing read beside it; it reports the p50/p99 of job started on
// the platform → Healthy seen by the watch (a figure, not an assertion: speed goals live in `make bench`).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { eventually } from '../support/eventually.js';
import { scenario } from '../support/product.js';

const { stack, cp, ns, k, resource, platform, manifest } = await scenario('pace', {
  emulatorArgs: ['--timings', 'realistic', '--speed', '3'],
});

interface Condition { type: string; status: string; reason?: string }
interface Obj {
  metadata: { name: string; resourceVersion: string };
  status: { state?: string; deploymentId: string; job?: { id: string; state?: string }; conditions: Condition[]; lastSavepoint?: { state?: string; origin?: string }; parallelism?: { runtime?: number } };
}
interface PlatformJob { metadata: { id: string; deploymentId: string }; status: { state: string; started?: { startedAt?: string } } }

// kubectl's own deadline, under the 120 s the command runner allows it, so that its words say what timed out.
const WAIT = '110s';
// The scenarios are independent: they run side by side.
t.jobs = 7;
const apply = async (m: object) => {
  const r = await k(['apply', '-f', '-'], JSON.stringify(m));
  if (r.code !== 0) throw new Error(r.stderr);
};
const get = async (name: string): Promise<Obj> => {
  const r = await k(['get', resource, name, '-n', ns, '-o', 'json']);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Obj;
};
const patch = async (name: string, body: object, extra: string[] = []) => k(['patch', resource, name, '-n', ns, '--type', 'merge', '-p', JSON.stringify(body), ...extra]);
/** `kubectl wait` for a condition (or a jsonpath) of the objects named; throws with kubectl's words when it gives up. */
const wait = async (what: string, names: string[]) => {
  const r = await k(['wait', `--for=${what}`, `--timeout=${WAIT}`, '-n', ns, ...names.map((n) => `${resource}/${n}`)]);
  if (r.code !== 0) throw new Error(`kubectl wait --for=${what} ${names.join(' ')}: ${r.stderr}`);
};
const condition = (o: Obj, type: string) => o.status.conditions.find((c) => c.type === type);
const emulator = (name: string, path: string) => `/__emulator/namespaces/default/deployments/${name}${path}`;

/**
 * A `kubectl get -w` of the namespace, one line per event (name, Healthy status, job state), and the time each
 * object was first seen Healthy with its job STARTED.
 */
function watchHealthy() {
  const seen = new Map<string, number>();
  const lines: string[] = [];
  const watch = spawn(cp.kubectl, ['--kubeconfig', cp.kubeconfig, 'get', resource, '-n', ns, '-w', '--output-watch-events=false', '-o',
    'jsonpath={.metadata.name} {.status.conditions[?(@.type=="Healthy")].status} {.status.job.state}{"\\n"}'],
  { env: { ...process.env, HOME: join(cp.stateDir, 'home') } });
  let rest = '';
  watch.stdout.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      const [name, healthy, job] = line.trim().split(' ');
      if (name && healthy === 'True' && job === 'STARTED' && !seen.has(name)) seen.set(name, Date.now());
    }
  });
  t.teardown(() => watch.kill());
  return { seen, lines };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

t.test('20 deployments patched to RUNNING at staggered times while listings interleave: get, wait and watch all see Healthy', async (t) => {
  const names = Array.from({ length: 20 }, (_, i) => `stagger-${String(i).padStart(2, '0')}`);
  await Promise.all(names.map((n) => apply(manifest(n))));
  await wait('condition=Healthy', names);
  const watch = watchHealthy();
  // The recording: the deployments listing answers 400 ms after the jobs listing read beside it.
  const fault = await platform<{ id: string }>('POST', '/__emulator/faults', { method: 'GET', route: '/api/v1/namespaces/:namespace/deployments', latencyMs: 400 });
  t.teardown(() => platform('DELETE', `/__emulator/faults/${fault.body.id}`));
  // Half of them in the order a real platform often shows: RUNNING first, the job started later with no deployment write.
  for (const n of names.filter((_, i) => i % 2 === 1)) {
    const set = await platform('PUT', emulator(n, '/transition-faults'), { runningLeadMs: 4000 });
    t.equal(set.status, 200);
  }
  for (const [i, n] of names.entries()) {
    const r = await patch(n, { spec: { deployment: { spec: { state: 'RUNNING' } } } });
    t.equal(r.code, 0, r.stderr);
    if (i < names.length - 1) await new Promise((resolve) => setTimeout(resolve, 250 + (i % 4) * 150));
  }
  const waited = await wait('condition=Healthy', names).then(() => 'every one Healthy', (err: Error) => err.message);
  t.equal(waited, 'every one Healthy', 'kubectl wait --for=condition=Healthy');
  const listed = JSON.parse((await k(['get', resource, '-n', ns, '-o', 'json', '-l', '!pace.e2e/other'])).stdout) as { items: Obj[] };
  const stuck = names.filter((n) => {
    const o = listed.items.find((x) => x.metadata.name === n);
    return !o || condition(o, 'Healthy')?.status !== 'True';
  });
  t.same(stuck, [], `kubectl get: every deployment Healthy (${stuck.length} of ${names.length} not)`);
  await eventually('the watch saw every deployment Healthy', async () => names.every((n) => watch.seen.has(n)), 120_000);

  const jobs = (await platform<{ items: PlatformJob[] }>('GET', '/api/v1/namespaces/default/jobs')).body.items;
  const latencies = listed.items.filter((o) => names.includes(o.metadata.name)).map((o) => {
    const job = jobs.find((j) => j.metadata.id === o.status.job?.id);
    return watch.seen.get(o.metadata.name)! - Date.parse(job?.status.started?.startedAt ?? '');
  }).sort((a, b) => a - b);
  t.equal(latencies.filter((x) => Number.isFinite(x)).length, names.length, 'each deployment\'s job start is known');
  t.comment(`job started on the platform -> Healthy in the watch, ${names.length} deployments: p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies[latencies.length - 1]} ms (poll interval 1000 ms)`);
});

t.test('savepoint and restart nonces at the platform\'s pace', async (t) => {
  await apply(manifest('nonces', { state: 'RUNNING', labels: { 'pace.e2e/other': 'x' } }));
  await wait('condition=Healthy', ['nonces']);
  const before = await get('nonces');
  t.equal((await patch('nonces', { spec: { savepointNonce: 1 } })).code, 0);
  await wait('jsonpath={.status.lastSavepoint.state}=COMPLETED', ['nonces']);
  await wait('condition=NonceAligned', ['nonces']);
  t.equal((await patch('nonces', { spec: { restartNonce: 1 } })).code, 0);
  await wait('condition=NonceAligned', ['nonces']);
  await wait('condition=Healthy', ['nonces']);
  const after = await get('nonces');
  t.not(after.status.job?.id, before.status.job?.id, 'the restart started a new job');
  t.equal(after.status.job?.state, 'STARTED');
});

t.test('a job failing while RUNNING reads Healthy=False, and recovers on a fix', async (t) => {
  await apply(manifest('failing', { state: 'RUNNING', labels: { 'pace.e2e/other': 'x' } }));
  await wait('condition=Healthy', ['failing']);
  const failed = await platform('POST', emulator('failing', '/job-failure'));
  t.equal(failed.status, 200, JSON.stringify(failed.body));
  await wait('condition=Healthy=false', ['failing']);
  await wait('condition=Stalled', ['failing']);
  t.match(condition(await get('failing'), 'Healthy'), { status: 'False', reason: 'DeploymentFailed' });
  t.equal((await patch('failing', { spec: { deployment: { spec: { template: { spec: { parallelism: 2 } } } } } })).code, 0, 'the fix: a new spec');
  await wait('condition=Healthy', ['failing']);
  t.equal((await get('failing')).status.state, 'RUNNING');
});

t.test('Autopilot rescales the running job: the runtime parallelism shows, ParallelismAligned False, Healthy again after', async (t) => {
  await apply(manifest('autopilot', { state: 'RUNNING', labels: { 'pace.e2e/other': 'x' } }));
  await wait('condition=Healthy', ['autopilot']);
  const id = (await get('autopilot')).status.deploymentId;
  const policy = await platform('PUT', `/autopilot/v1alpha1/namespaces/default/deployments/${id}/autopilotpolicy`, { mode: 'AUTOPILOT_MODE_ACTIVE', autoscalerConfig: { minParallelism: 3, maxParallelism: 3 } });
  t.equal(policy.status, 200, JSON.stringify(policy.body));
  // min = max = 3: a rescale Autopilot schedules by itself later keeps 3, so the checks below hold on a slow machine too.
  const rescale = await platform('POST', emulator('autopilot', '/autopilot-rescale'), { parallelism: 3 });
  t.equal(rescale.status, 200, JSON.stringify(rescale.body));
  await wait('jsonpath={.status.parallelism.runtime}=3', ['autopilot']);
  await wait('condition=Healthy', ['autopilot']);
  t.match(condition(await get('autopilot'), 'ParallelismAligned'), { status: 'False', reason: 'AutopilotScaled' });
});

t.test('suspend, then cancel, then delete with a savepoint (deletionPolicy Suspend)', async (t) => {
  await apply(manifest('stopping', { state: 'RUNNING', labels: { 'pace.e2e/other': 'x' } }));
  await wait('condition=Healthy', ['stopping']);
  t.equal((await patch('stopping', { spec: { deployment: { spec: { state: 'SUSPENDED' } } } })).code, 0);
  await wait('jsonpath={.status.state}=SUSPENDED', ['stopping']);
  await wait('condition=Healthy', ['stopping']);
  t.match(condition(await get('stopping'), 'Healthy'), { reason: 'Suspended' });
  t.equal((await get('stopping')).status.lastSavepoint?.origin, 'SUSPEND', 'suspended with a savepoint');
  t.equal((await patch('stopping', { spec: { deployment: { spec: { state: 'CANCELLED' } } } })).code, 0);
  await wait('jsonpath={.status.state}=CANCELLED', ['stopping']);
  await wait('condition=Healthy', ['stopping']);

  await apply(manifest('leaving', { state: 'RUNNING', labels: { 'pace.e2e/other': 'x' }, spec: { deletionPolicy: 'Suspend' } }));
  await wait('condition=Healthy', ['leaving']);
  const id = (await get('leaving')).status.deploymentId;
  const del = await k(['delete', resource, 'leaving', '-n', ns, '--wait=false']);
  t.equal(del.code, 0, del.stderr);
  await wait('condition=DeletionBlocked', ['leaving']).catch(() => undefined);
  await wait('delete', ['leaving']);
  const gone = await platform('GET', `/api/v1/namespaces/default/deployments/${id}`);
  t.equal(gone.status, 404, 'the platform deployment is deleted after its suspension');
});

t.test('two writers racing a transition with the same resourceVersion: one wins, the other gets 409', async (t) => {
  await apply(manifest('race', { state: 'RUNNING', labels: { 'pace.e2e/other': 'x' } }));
  await wait('condition=Healthy', ['race']);
  const rv = (await get('race')).metadata.resourceVersion;
  const write = (state: string) => patch('race', { metadata: { resourceVersion: rv }, spec: { deployment: { spec: { state } } } });
  const [suspend, cancel] = await Promise.all([write('SUSPENDED'), write('CANCELLED')]);
  const winners = [suspend, cancel].filter((r) => r.code === 0);
  t.equal(winners.length, 1, `one writer wins: ${suspend.stderr} / ${cancel.stderr}`);
  const loser = suspend.code === 0 ? cancel : suspend;
  t.match(loser.stderr, /Conflict|has been modified/, 'the other is refused as a conflict');
  const state = suspend.code === 0 ? 'SUSPENDED' : 'CANCELLED';
  await wait(`jsonpath={.status.state}=${state}`, ['race']);
  await wait('condition=Healthy', ['race']);
  t.equal((await get('race')).status.state, state, 'the winner\'s transition happened');
});

t.test('a batch deployment (a finite job) that FINISHES is Healthy and Current, never failed', async (t) => {
  // The emulator's `finite` artifact marker: the job ends by itself, FINISHED, after its realistic run time (20 s here).
  await apply(manifest('batch', {
    state: 'RUNNING', labels: { 'pace.e2e/other': 'x' },
    deploymentSpec: { template: { spec: { artifact: { kind: 'JAR', jarUri: 'file:///flink/examples/batch/WordCount-finite.jar' }, parallelism: 1 } } },
  }));
  await wait('jsonpath={.status.state}=FINISHED', ['batch']);
  await wait('condition=Healthy', ['batch']);
  await wait('condition=Stalled=false', ['batch']);
  await wait('condition=Reconciling=false', ['batch']);
  const done = await get('batch');
  t.equal(done.status.job?.state, 'FINISHED', 'the job finished on the platform');
  t.match(condition(done, 'Healthy'), { status: 'True', reason: 'Finished' });
});

t.test('every condition can be waited for with kubectl wait', async (t) => {
  await apply(manifest('conditions', { state: 'RUNNING', labels: { 'pace.e2e/other': 'x' } }));
  for (const c of ['Healthy', 'Consistent', 'SpecAligned', 'NonceAligned', 'ParallelismAligned', 'DeletionBlocked=false', 'Reconciling=false', 'Stalled=false']) {
    await wait(`condition=${c}`, ['conditions']);
  }
  t.pass(`${stack.apiGroup}: every condition reached`);
});

// Autopilot (VVP 3 behaviour): ACTIVE rescales the running job at runtime through the
// RUNNING → CANCELLED → STARTING → RUNNING dance, and leaves the deployment's template alone.
import t from 'tap';
import { jarDeployment, startEmulator, waitFor, waitForStatus, type Deployment } from '../support/emulator.js';

const ns = '/api/v1/namespaces/default';
type Status = { status: { runtimeParallelism: number; specParallelism: number; autoscalerStatus: { metrics: string } } };

t.test('autopilot', async (t) => {
  const emu = await startEmulator({ args: ['--seed', '--log-level', 'warn', '--timing', 'autopilotIntervalMs=300', '--timing', 'jobStopMs=300'], t });
  await emu.request('POST', `${ns}/deployments`, jarDeployment('scaled', { state: 'RUNNING', template: { parallelism: 1 } }));
  const running = await waitForStatus(emu, 'default', 'scaled', 'RUNNING');
  const policy = `/autopilot/v1alpha1/namespaces/default/deployments/${running.metadata.id}/autopilotpolicy`;
  const runtimeParallelism = async () => (await emu.request<Status>('GET', `${policy}:status`)).body.status.runtimeParallelism;

  t.test('DISABLED by default; MONITORING recommends without acting', async (t) => {
    const initial = await emu.request<{ policy: { mode: string } }>('GET', policy);
    t.equal(initial.body.policy.mode, 'AUTOPILOT_MODE_DISABLED');
    await emu.request('PUT', policy, { mode: 'AUTOPILOT_MODE_MONITORING', autoscalerConfig: { minParallelism: 1, maxParallelism: 4 } });
    const recommendation = await emu.request<{ recommendation: { deploymentPatch: string } }>('GET', `${policy}:recommendation`);
    t.same(JSON.parse(recommendation.body.recommendation.deploymentPatch), { spec: { template: { spec: { parallelism: 2 } } } });
    await new Promise((r) => setTimeout(r, 500));
    t.equal(await runtimeParallelism(), 1, 'nothing changes while monitoring');
    const current = await emu.request<Deployment>('GET', `${ns}/deployments/scaled`);
    t.equal(current.body.status.running?.jobId, running.status.running?.jobId, 'the same job');
  });

  t.test('ACTIVE changes the runtime parallelism through the dance, not the spec', async (t) => {
    const seen = new Set<string>();
    const observe = setInterval(() => {
      void emu.request<Deployment>('GET', `${ns}/deployments/scaled`).then((r) => seen.add(`${r.body.spec.state}/${r.body.status.state}`));
    }, 10);
    await emu.request('PUT', policy, { mode: 'AUTOPILOT_MODE_ACTIVE', autoscalerConfig: { minParallelism: 1, maxParallelism: 4 } });
    await waitFor('runtime parallelism 2', async () => (await runtimeParallelism()) === 2);
    const after = await waitForStatus(emu, 'default', 'scaled', 'RUNNING');
    clearInterval(observe);
    t.ok(seen.has('CANCELLED/TRANSITIONING') || seen.has('CANCELLED/CANCELLED'), `spec.state went CANCELLED during the dance (saw ${[...seen].join(', ')})`);
    t.equal(after.spec.state, 'RUNNING', 'and back to RUNNING');
    t.equal(after.spec.template.spec.parallelism, 1, 'the deployment spec keeps its parallelism');
    t.not(after.status.running?.jobId, running.status.running?.jobId, 'a new job');
    const job = await emu.request<{ spec: { parallelism: number; savepointLocation?: string } }>('GET', `${ns}/jobs/${after.status.running?.jobId}`);
    t.equal(job.body.spec.parallelism, 2, "the job's spec carries the runtime parallelism");
    t.match(job.body.spec.savepointLocation, /chk-/, 'restored from the retained checkpoint');
    const status = await emu.request<Status>('GET', `${policy}:status`);
    t.same(JSON.parse(status.body.status.autoscalerStatus.metrics), { runtimeParallelism: 2, specParallelism: 1 });
    const savepoints = await emu.request<{ items: { metadata: { origin: string } }[] }>('GET', `${ns}/savepoints?deploymentId=${after.metadata.id}`);
    t.ok(savepoints.body.items.some((s) => s.metadata.origin === 'RETAINED_CHECKPOINT'));
    await waitFor('the next rescale, to 4', async () => (await runtimeParallelism()) === 4);
  });

  t.test('an admin can ask for a rescale to a given parallelism', async (t) => {
    await emu.request('PUT', policy, { mode: 'AUTOPILOT_MODE_DISABLED' });
    await waitForStatus(emu, 'default', 'scaled', 'RUNNING');
    await waitFor('no rescale in flight', async () => (await emu.request<Deployment>('GET', `${ns}/deployments/scaled`)).body.spec.state === 'RUNNING');
    const asked = await emu.request('POST', '/__emulator/namespaces/default/deployments/scaled/autopilot-rescale', { parallelism: 3 });
    t.equal(asked.status, 200);
    await waitFor('runtime parallelism 3', async () => {
      const d = await emu.request<Deployment>('GET', `${ns}/deployments/scaled`);
      if (d.body.status.state !== 'RUNNING' || d.body.spec.state !== 'RUNNING') return false;
      const job = await emu.request<{ spec: { parallelism: number } }>('GET', `${ns}/jobs/${d.body.status.running?.jobId}`);
      return job.body.spec.parallelism === 3;
    });
    t.pass('rescaled');
  });
});

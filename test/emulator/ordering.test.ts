// The orders a real platform shows its changes in, each one the emulator can produce on demand (issue 27): a client
// must be right whichever comes first.
// - RUNNING with the job: the deployment reports RUNNING in the same write that starts its job (the default).
// - RUNNING before the job (`runningLeadMs`, a timing or per deployment): the deployment turns RUNNING first, and its
//   job starts later with no write of the deployment (its resourceVersion stays).
// - A child alone: a user savepoint completes without the deployment changing.
// - Listings that interleave: a latency fault makes the deployments listing answer after the jobs listing read beside it.
import t from 'tap';
import { jarDeployment, startEmulator, waitFor, type Deployment } from '../support/emulator.js';

const ns = '/api/v1/namespaces/default';
type Job = { metadata: { id: string; resourceVersion: number }; status: { state: string } };

t.test('orders of a deployment and its children', async (t) => {
  const emu = await startEmulator({ args: ['--seed', '--log-level', 'warn', '--timing', 'jobStartMs=600'], t });
  const deployment = async (name: string) => (await emu.request<Deployment>('GET', `${ns}/deployments/${name}`)).body;
  const jobOf = async (id: string) => (await emu.request<Job>('GET', `${ns}/jobs/${id}`)).body;

  t.test('by default the deployment reports RUNNING in the write that starts its job', async (t) => {
    await emu.request('POST', `${ns}/deployments`, jarDeployment('together', { state: 'RUNNING' }));
    const d = await waitFor('together RUNNING', async () => ((await deployment('together')).status.state === 'RUNNING' ? deployment('together') : undefined));
    t.equal((await jobOf(d.status.running!.jobId)).status.state, 'STARTED', 'RUNNING is seen with its job STARTED');
  });

  t.test('runningLeadMs per deployment: RUNNING first, then the job starts without a write of the deployment', async (t) => {
    await emu.request('POST', `${ns}/deployments`, jarDeployment('lead'));
    const set = await emu.request('PUT', `/__emulator/namespaces/default/deployments/lead/transition-faults`, { runningLeadMs: 600 });
    t.equal(set.status, 200);
    await emu.request('PATCH', `${ns}/deployments/lead`, { spec: { state: 'RUNNING' } });
    const running = await waitFor('lead RUNNING', async () => {
      const d = await deployment('lead');
      return d.status.state === 'RUNNING' ? d : undefined;
    });
    const jobId = running.status.running!.jobId;
    t.equal((await jobOf(jobId)).status.state, 'STARTING', 'the deployment is RUNNING while its job is still STARTING');
    const started = await waitFor('the job STARTED', async () => {
      const j = await jobOf(jobId);
      return j.status.state === 'STARTED' ? j : undefined;
    });
    t.ok(started.metadata.resourceVersion > 1, 'the job itself was written');
    const after = await deployment('lead');
    t.equal(after.metadata.resourceVersion, running.metadata.resourceVersion, 'the deployment\'s resourceVersion did not move');
    t.equal(after.metadata.modifiedAt, running.metadata.modifiedAt);
  });

  t.test('runningLeadMs as a timing applies to every deployment', async (t) => {
    t.equal((await emu.request('PATCH', '/__emulator/timings', { runningLeadMs: 600 })).status, 200);
    t.teardown(() => emu.request('PATCH', '/__emulator/timings', { runningLeadMs: 0 }));
    await emu.request('POST', `${ns}/deployments`, jarDeployment('global-lead', { state: 'RUNNING' }));
    const running = await waitFor('global-lead RUNNING', async () => {
      const d = await deployment('global-lead');
      return d.status.state === 'RUNNING' ? d : undefined;
    });
    t.equal((await jobOf(running.status.running!.jobId)).status.state, 'STARTING');
    await waitFor('the job STARTED', async () => (await jobOf(running.status.running!.jobId)).status.state === 'STARTED');
    t.equal((await deployment('global-lead')).metadata.resourceVersion, running.metadata.resourceVersion);
  });

  t.test('a user savepoint completes without a write of the deployment', async (t) => {
    const before = await deployment('together');
    const sp = await emu.request<{ metadata: { id: string } }>('POST', `${ns}/savepoints`, { metadata: { deploymentId: before.metadata.id } });
    t.equal(sp.status, 201);
    await waitFor('savepoint COMPLETED', async () => {
      const s = await emu.request<{ status: { state: string } }>('GET', `${ns}/savepoints/${sp.body.metadata.id}`);
      return s.body.status.state === 'COMPLETED';
    });
    t.equal((await deployment('together')).metadata.resourceVersion, before.metadata.resourceVersion);
  });

  t.test('a latency fault on the deployments listing: the jobs listing read beside it answers first', async (t) => {
    const fault = await emu.request<{ id: string }>('POST', '/__emulator/faults', { method: 'GET', route: '/api/v1/namespaces/:namespace/deployments', latencyMs: 400 });
    t.teardown(() => emu.request('DELETE', `/__emulator/faults/${fault.body.id}`));
    const order: string[] = [];
    await Promise.all([
      emu.request('GET', `${ns}/deployments`).then(() => order.push('deployments')),
      emu.request('GET', `${ns}/jobs`).then(() => order.push('jobs')),
    ]);
    t.same(order, ['jobs', 'deployments']);
  });
});

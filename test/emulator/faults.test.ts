// The admin API for tests and demos: request counters per route, injected faults (latency, error status,
// error rate, closed connections, full outage), transition faults, platform-side edits and a reset.
import t from 'tap';
import { jarDeployment, startEmulator, waitForStatus, type Deployment } from '../support/emulator.js';

const ns = '/api/v1/namespaces/default';
type Counts = { total: number; writes: number; routes: Record<string, number> };

t.test('admin API', async (t) => {
  const emu = await startEmulator({ args: ['--seed', '--log-level', 'warn'], t });

  t.test('a request counter per route proves what a client called', async (t) => {
    await emu.request('DELETE', '/__emulator/requests');
    await emu.request('GET', `${ns}/deployments`);
    await emu.request('GET', `${ns}/deployments`);
    await emu.request('GET', `${ns}/deployments/top-speed`);
    await emu.request('PATCH', `${ns}/deployments/top-speed`, {});
    await emu.request('GET', '/nowhere');
    const counts = (await emu.request<Counts>('GET', '/__emulator/requests')).body;
    t.same(counts.routes, {
      'GET (no route)': 1,
      'GET /api/v1/namespaces/:namespace/deployments': 2,
      'GET /api/v1/namespaces/:namespace/deployments/:name': 1,
      'PATCH /api/v1/namespaces/:namespace/deployments/:name': 1,
    });
    t.equal(counts.total, 5);
    t.equal(counts.writes, 1, 'writes counts every non-GET request');
    await emu.request('DELETE', '/__emulator/requests');
    t.same((await emu.request<Counts>('GET', '/__emulator/requests')).body, { total: 0, writes: 0, routes: {} }, 'reset; admin calls are not counted');
  });

  t.test('a fixed error status on one route, for a number of requests', async (t) => {
    const fault = await emu.request<{ id: string }>('POST', '/__emulator/faults', {
      method: 'GET',
      route: '/api/v1/namespaces/:namespace/deployments/:name',
      status: 503,
      remaining: 2,
    });
    t.equal(fault.status, 201);
    const failed = await emu.request<{ reason: string }>('GET', `${ns}/deployments/top-speed`);
    t.equal(failed.status, 503);
    t.equal(failed.body.reason, 'ServiceUnavailable', 'in the platform error shape');
    t.equal((await emu.request('GET', `${ns}/deployments`)).status, 200, 'other routes are unaffected');
    t.equal((await emu.request('GET', `${ns}/deployments/top-speed`)).status, 503);
    t.equal((await emu.request('GET', `${ns}/deployments/top-speed`)).status, 200, 'the fault is used up');
  });

  t.test('added latency and an error rate on a path glob', async (t) => {
    const slow = await emu.request<{ id: string }>('POST', '/__emulator/faults', { path: '/api/v1/namespaces/*/deployment-targets*', latencyMs: 200 });
    const started = Date.now();
    t.equal((await emu.request('GET', `${ns}/deployment-targets`)).status, 200);
    t.ok(Date.now() - started >= 190, 'the answer took at least the added latency');
    await emu.request('DELETE', `/__emulator/faults/${slow.body.id}`);

    await emu.request('POST', '/__emulator/faults', { path: `${ns}/jobs`, errorRate: 0.5 });
    const statuses = await Promise.all(Array.from({ length: 40 }, () => emu.request('GET', `${ns}/jobs`).then((r) => r.status)));
    t.ok(statuses.includes(500) && statuses.includes(200), `about half fail with 500 (${statuses.filter((s) => s === 500).length}/40)`);
    await emu.request('DELETE', '/__emulator/faults');
    t.same((await emu.request<{ faults: unknown[] }>('GET', '/__emulator/faults')).body.faults, []);
  });

  t.test('a full outage: 503 everywhere, or connections closed without an answer', async (t) => {
    await emu.request('POST', '/__emulator/outage', { mode: '503' });
    t.equal((await emu.request('GET', `${ns}/deployments`)).status, 503);
    t.equal((await emu.request('GET', '/api/v1/status')).status, 503);
    t.equal((await emu.request('GET', '/__emulator/requests')).status, 200, 'the admin API stays up');

    await emu.request('POST', '/__emulator/outage', { mode: 'close' });
    const closed = await emu.request('GET', `${ns}/deployments`).then(
      () => 'answered',
      (err: Error) => err.message,
    );
    t.not(closed, 'answered', `the connection was closed (${closed})`);
    await emu.request('DELETE', '/__emulator/outage');
    t.equal((await emu.request('GET', `${ns}/deployments`)).status, 200, 'back after the outage');
  });

  t.test('slow and failing transitions per deployment', async (t) => {
    await emu.request('POST', `${ns}/deployments`, jarDeployment('flaky', { spec: { maxJobCreationAttempts: 2 } }));
    await emu.request('PUT', '/__emulator/namespaces/default/deployments/flaky/transition-faults', { jobStartFailures: 'always', extraDelayMs: 100 });
    const started = Date.now();
    await emu.request('PATCH', `${ns}/deployments/flaky`, { spec: { state: 'RUNNING' } });
    await waitForStatus(emu, 'default', 'flaky', 'FAILED');
    t.ok(Date.now() - started >= 2 * 100, 'each attempt was slowed down');
    await emu.request('DELETE', '/__emulator/namespaces/default/deployments/flaky/transition-faults');
    await emu.request('PATCH', `${ns}/deployments/flaky`, { spec: { maxJobCreationAttempts: 3 } });
    const running = await waitForStatus(emu, 'default', 'flaky', 'RUNNING');

    const failed = await emu.request<Deployment>('POST', '/__emulator/namespaces/default/deployments/flaky/job-failure');
    t.equal(failed.body.status.state, 'FAILED', 'the running job failed on request');
    const job = await emu.request<{ status: { state: string } }>('GET', `${ns}/jobs/${running.status.running?.jobId}`);
    t.equal(job.body.status.state, 'FAILED');

    const timings = await emu.request<{ jobStartMs: number }>('PATCH', '/__emulator/timings', { jobStartMs: 20 });
    t.equal(timings.body.jobStartMs, 20, 'timings can change at runtime');
  });

  t.test('platform-side edits and deletions are not counted as client requests', async (t) => {
    await emu.request('DELETE', '/__emulator/requests');
    const edited = await emu.request<Deployment>('PATCH', '/__emulator/namespaces/default/deployments/flaky', { metadata: { labels: { edited: 'in-ui' } } });
    t.equal(edited.body.metadata.labels?.edited, 'in-ui');
    const deleted = await emu.request('DELETE', '/__emulator/namespaces/default/deployments/top-speed');
    t.equal(deleted.status, 200, 'out-of-band deletion works whatever the state');
    t.equal((await emu.request<Counts>('GET', '/__emulator/requests')).body.total, 0);
  });

  t.test('reset returns to the initial state', async (t) => {
    await emu.request('POST', '/__emulator/faults', { status: 500 });
    await emu.request('POST', '/__emulator/reset');
    const list = await emu.request<{ items: Deployment[] }>('GET', `${ns}/deployments`);
    t.equal(list.status, 200, 'faults are gone');
    t.same(list.body.items.map((d) => d.metadata.name), ['top-speed'], 'only the seeded example is back');
    t.same((await emu.request<{ faults: unknown[] }>('GET', '/__emulator/faults')).body.faults, []);
  });
});

// In memory by default; with --data-file a restarted emulator keeps its deployments (and carries on
// with their lifecycle).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { jarDeployment, startEmulator, waitForStatus, type Deployment } from '../support/emulator.js';

const ns = '/api/v1/namespaces/default';

t.test('a restart with a data file keeps deployments, jobs, events, tokens and namespaces', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vvp-emulator-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const dataFile = join(dir, 'state.json');
  const args = ['--seed', '--log-level', 'warn', '--data-file', dataFile];

  const first = await startEmulator({ args, adminToken: 'persistent-admin-token', t });
  await first.request('POST', `${ns}/deployments`, jarDeployment('survivor', { state: 'RUNNING', labels: { keep: 'me' } }));
  const running = await waitForStatus(first, 'default', 'survivor', 'RUNNING');
  await first.request('POST', '/namespaces/v1/namespaces', { name: 'kept' });
  const token = await first.request<{ apiToken: { secret: string } }>('POST', '/apitokens/v1/namespaces/default/apitokens', { name: 'kept-token', role: 'viewer' });
  await first.request('PATCH', `${ns}/deployments/survivor`, { spec: { state: 'SUSPENDED' } });
  await first.stop();

  const second = await startEmulator({ args, adminToken: 'persistent-admin-token', t });
  const restored = await second.request<Deployment>('GET', `${ns}/deployments/survivor`);
  t.equal(restored.status, 200, 'the deployment is back');
  t.equal(restored.body.metadata.id, running.metadata.id, 'with its id');
  t.same(restored.body.metadata.labels, { keep: 'me' });
  const selected = await second.request<{ items: Deployment[] }>('GET', `${ns}/deployments?labelSelector=keep%3Dme`);
  t.same(selected.body.items.map((d) => d.metadata.name), ['survivor'], 'and its labels are indexed again');
  const suspended = await waitForStatus(second, 'default', 'survivor', 'SUSPENDED');
  t.ok(suspended.metadata.resourceVersion > running.metadata.resourceVersion, 'the lifecycle carried on after the restart');
  const jobs = await second.request<{ items: unknown[] }>('GET', `${ns}/jobs?deploymentId=${running.metadata.id}`);
  t.equal(jobs.body.items.length, 1, 'jobs are kept');
  const events = await second.request<{ items: unknown[] }>('GET', `${ns}/events?deploymentId=${running.metadata.id}`);
  t.ok(events.body.items.length >= 5, 'events are kept');
  t.equal((await second.request('GET', '/namespaces/v1/namespaces/kept')).status, 200, 'namespaces are kept');
  t.equal((await second.request('GET', `${ns}/deployments`, undefined, token.body.apiToken.secret)).status, 200, 'API tokens still work');
  t.equal((await second.request<{ items: Deployment[] }>('GET', `${ns}/deployments?labelSelector=app%3Dtop-speed`)).body.items.length, 1, 'the seed is not added twice');
  await second.stop();

  const third = await startEmulator({ args: ['--log-level', 'warn'], t });
  t.equal((await third.request('GET', `${ns}/deployments/survivor`)).status, 404, 'without --data-file nothing is kept');
  await third.stop();
});

// The emulator's session clusters (AppManager 2.4.3 /sessionclusters): every answer a valid swagger SessionCluster,
// spec.state driving STOPPED → STARTING → RUNNING → STOPPING → STOPPED, and the platform's refusals (unknown
// deployment target, deleting a running cluster, deleting a target a cluster runs on).
import t from 'tap';
import { startEmulator, swaggerErrors, waitFor } from '../support/emulator.js';

const ns = '/api/v1/namespaces/default';

interface SessionCluster {
  metadata: { name: string; resourceVersion: number; labels: Record<string, string> };
  spec: { state: string; deploymentTargetName: string; flinkVersion?: string };
  status: { state: string; running?: { startedAt: string } };
}

const cluster = (name: string, state: 'RUNNING' | 'STOPPED', target = 'default') => ({
  kind: 'SessionCluster', apiVersion: 'v1', metadata: { name }, spec: { state, deploymentTargetName: target, flinkVersion: '1.18' },
});

t.test('session clusters are created, started, stopped and deleted as on the platform', async (t) => {
  const emu = await startEmulator({ args: ['--seed', '--log-level', 'warn', '--timing', 'jobStartMs=300', '--timing', 'jobStopMs=300'], t });
  const conforms = (definition: string, body: unknown, what: string) => t.same(swaggerErrors('appmanager', definition, body), [], `${what} is a valid ${definition}`);
  const state = async (name: string) => (await emu.request<SessionCluster>('GET', `${ns}/sessionclusters/${name}`)).body.status.state;

  const created = await emu.request<SessionCluster>('POST', `${ns}/sessionclusters`, cluster('shared', 'RUNNING'));
  t.equal(created.status, 201);
  conforms('SessionCluster', created.body, 'the created cluster');
  t.equal(created.body.status.state, 'STARTING', 'a cluster created RUNNING starts');
  t.equal((await emu.request('POST', `${ns}/sessionclusters`, cluster('shared', 'RUNNING'))).status, 409, 'names are unique');
  const running = await waitFor('the cluster to run', async () => {
    const got = await emu.request<SessionCluster>('GET', `${ns}/sessionclusters/shared`);
    return got.body.status.state === 'RUNNING' && got.body;
  });
  t.ok(running.status.running?.startedAt, 'a running cluster says since when');
  conforms('ResourceListOfSessionCluster', (await emu.request('GET', `${ns}/sessionclusters`)).body, 'the list');

  const refused = await emu.request<{ message: string }>('DELETE', `${ns}/sessionclusters/shared`);
  t.equal(refused.status, 409, 'a running cluster is not deleted');
  t.match(refused.body.message, /stop it/);
  t.equal((await emu.request('DELETE', `${ns}/deployment-targets/default`)).status, 409, 'nor is the target it runs on');

  const patched = await emu.request<SessionCluster>('PATCH', `${ns}/sessionclusters/shared`, { metadata: { labels: { team: 'a' } }, spec: { state: 'STOPPED' } });
  t.equal(patched.status, 200);
  conforms('SessionCluster', patched.body, 'the patched cluster');
  t.match(patched.body, { metadata: { labels: { team: 'a' } }, spec: { state: 'STOPPED', flinkVersion: '1.18' }, status: { state: 'STOPPING' } }, 'a merge patch keeps the rest');
  await waitFor('the cluster to stop', async () => (await state('shared')) === 'STOPPED');

  const replaced = await emu.request<SessionCluster>('PUT', `${ns}/sessionclusters/shared`, cluster('shared', 'STOPPED'));
  t.equal(replaced.status, 200, 'PUT of an existing cluster replaces it');
  t.same(replaced.body.metadata.labels, {}, 'PUT replaces the labels too');
  const upserted = await emu.request<SessionCluster>('PUT', `${ns}/sessionclusters/other`, cluster('other', 'STOPPED'));
  t.equal(upserted.status, 201, 'PUT of a new name creates');
  t.equal(upserted.body.status.state, 'STOPPED');

  const unknownTarget = await emu.request<{ message: string }>('POST', `${ns}/sessionclusters`, cluster('nowhere', 'RUNNING', 'missing'));
  t.equal(unknownTarget.status, 400);
  t.match(unknownTarget.body.message, /spec\.deploymentTargetName/);
  t.equal((await emu.request('POST', `${ns}/sessionclusters`, { metadata: { name: 'bad' }, spec: { state: 'PAUSED', deploymentTargetName: 'default' } })).status, 400, 'spec.state is RUNNING or STOPPED');

  t.equal((await emu.request('DELETE', `${ns}/sessionclusters/shared`)).status, 200);
  t.equal((await emu.request('DELETE', `${ns}/sessionclusters/other`)).status, 200);
  t.equal((await emu.request('GET', `${ns}/sessionclusters/shared`)).status, 404);
});

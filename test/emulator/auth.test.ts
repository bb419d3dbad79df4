// Bearer tokens with viewer/editor/owner roles per namespace, and the VVP 3 write protection of
// deployments managed by a Kubernetes operator instance.
import t from 'tap';
import { jarDeployment, startEmulator, type Deployment } from '../support/emulator.js';

const ns = '/api/v1/namespaces/default';

t.test('roles per namespace', async (t) => {
  const emu = await startEmulator({
    args: ['--seed', '--log-level', 'warn', '--token', 'viewer-token:viewer:default', '--token', 'editor-token:editor:default', '--token', 'owner-token:owner:default', '--token', 'elsewhere-token:owner:other'],
    t,
  });

  t.test('no token or an unknown token: 401', async (t) => {
    const none = await emu.request<{ reason: string }>('GET', `${ns}/deployments`, undefined, null);
    t.equal(none.status, 401);
    t.equal(none.body.reason, 'Unauthorized');
    t.equal((await emu.request('GET', `${ns}/deployments`, undefined, 'made-up')).status, 401);
    t.equal((await emu.request('GET', '/api/v1/status', undefined, null)).status, 401);
  });

  t.test('viewer reads but does not write', async (t) => {
    t.equal((await emu.request('GET', `${ns}/deployments`, undefined, 'viewer-token')).status, 200);
    const write = await emu.request<{ reason: string; message: string }>('POST', `${ns}/deployments`, jarDeployment('by-viewer'), 'viewer-token');
    t.equal(write.status, 403);
    t.equal(write.body.reason, 'Forbidden');
    t.match(write.body.message, /needs role editor/);
  });

  t.test('editor writes deployments but not namespace settings', async (t) => {
    t.equal((await emu.request('POST', `${ns}/deployments`, jarDeployment('by-editor'), 'editor-token')).status, 201);
    t.equal((await emu.request('PATCH', `${ns}/deployments/by-editor`, { spec: { state: 'CANCELLED' } }, 'editor-token')).status, 200);
    t.equal((await emu.request('DELETE', `${ns}/deployments/by-editor`, undefined, 'editor-token')).status, 200);
    t.equal((await emu.request('PATCH', `${ns}/deployment-defaults`, { spec: {} }, 'editor-token')).status, 403);
    t.equal((await emu.request('GET', '/apitokens/v1/namespaces/default/apitokens', undefined, 'editor-token')).status, 403);
  });

  t.test('owner manages the namespace but is no platform administrator', async (t) => {
    t.equal((await emu.request('PATCH', `${ns}/deployment-defaults`, { spec: {} }, 'owner-token')).status, 200);
    t.equal((await emu.request('GET', '/apitokens/v1/namespaces/default/apitokens', undefined, 'owner-token')).status, 200);
    t.equal((await emu.request('POST', '/namespaces/v1/namespaces', { name: 'mine' }, 'owner-token')).status, 403);
    const listed = await emu.request<{ namespaces: { name: string }[] }>('GET', '/namespaces/v1/namespaces', undefined, 'owner-token');
    t.same(listed.body.namespaces.map((n) => n.name), ['namespaces/default'], 'sees only its own namespace');
  });

  t.test('a token of another namespace has no role here', async (t) => {
    const response = await emu.request<{ message: string }>('GET', `${ns}/deployments`, undefined, 'elsewhere-token');
    t.equal(response.status, 403);
    t.match(response.body.message, /no role in namespace "default"/);
  });

  t.test('only the admin token reaches the emulator admin API', async (t) => {
    t.equal((await emu.request('GET', '/__emulator/requests', undefined, 'owner-token')).status, 403);
    t.equal((await emu.request('GET', '/__emulator/requests', undefined, null)).status, 401);
    t.equal((await emu.request('GET', '/__emulator/requests')).status, 200);
  });
});

t.test('write protection of deployments managed from Kubernetes (VVP 3)', async (t) => {
  const emu = await startEmulator({
    args: ['--seed', '--log-level', 'warn', '--token', 'op-a-token:editor:default:operator-a', '--token', 'op-b-token:editor:default:operator-b'],
    t,
  });
  const managed = { 'ververica.platform/managed-by': 'operator-a' };

  t.test('only the operator instance itself can mark a deployment as managed by it', async (t) => {
    const byOther = await emu.request<{ message: string }>('POST', `${ns}/deployments`, jarDeployment('managed', { labels: managed }), 'op-b-token');
    t.equal(byOther.status, 403);
    t.match(byOther.body.message, /operator instance "operator-a"/);
    const byAdmin = await emu.request('POST', `${ns}/deployments`, jarDeployment('managed', { labels: managed }));
    t.equal(byAdmin.status, 403, 'not even the admin token, which is no operator instance');
    t.equal((await emu.request('POST', `${ns}/deployments`, jarDeployment('managed', { labels: managed }), 'op-a-token')).status, 201);
  });

  t.test('anyone else gets 403 "managed from Kubernetes" on PATCH, PUT and DELETE', async (t) => {
    for (const token of [emu.adminToken, 'op-b-token']) {
      const patch = await emu.request<{ message: string }>('PATCH', `${ns}/deployments/managed`, { spec: { state: 'RUNNING' } }, token);
      t.equal(patch.status, 403);
      t.match(patch.body.message, /managed from Kubernetes by operator instance "operator-a"/);
      t.equal((await emu.request('PUT', `${ns}/deployments/managed`, jarDeployment('managed'), token)).status, 403);
      t.equal((await emu.request('DELETE', `${ns}/deployments/managed`, undefined, token)).status, 403);
    }
    t.equal((await emu.request('GET', `${ns}/deployments/managed`, undefined, 'op-b-token')).status, 200, 'reading stays open');
  });

  t.test('the owning instance changes it, and can remove the mark', async (t) => {
    const patched = await emu.request<Deployment>('PATCH', `${ns}/deployments/managed`, { spec: { template: { spec: { parallelism: 3 } } } }, 'op-a-token');
    t.equal(patched.status, 200);
    const unmarked = await emu.request<Deployment>('PATCH', `${ns}/deployments/managed`, { metadata: { labels: { 'ververica.platform/managed-by': null } } }, 'op-a-token');
    t.equal(unmarked.status, 200);
    t.same(unmarked.body.metadata.labels, {});
    t.equal((await emu.request('PATCH', `${ns}/deployments/managed`, { spec: { state: 'CANCELLED' } }, 'op-b-token')).status, 200, 'no longer protected');
  });

  t.test('a token bound to an instance can be minted through the apitokens API by that instance or the admin', async (t) => {
    const minted = await emu.request<{ apiToken: { secret: string; operatorInstance: string } }>('POST', '/apitokens/v1/namespaces/default/apitokens', {
      name: 'operator-c',
      role: 'editor',
      operatorInstance: 'operator-c',
    });
    t.equal(minted.status, 200);
    const created = await emu.request('POST', `${ns}/deployments`, jarDeployment('managed-c', { labels: { 'ververica.platform/managed-by': 'operator-c' } }), minted.body.apiToken.secret);
    t.equal(created.status, 201);
  });

  t.test('platform-side edits through the admin API bypass write protection', async (t) => {
    const edited = await emu.request<Deployment>('PATCH', '/__emulator/namespaces/default/deployments/managed-c', { spec: { template: { spec: { parallelism: 9 } } } });
    t.equal(edited.status, 200);
    t.equal(edited.body.spec.template.spec.parallelism, 9);
    t.equal(edited.body.metadata.labels?.['ververica.platform/managed-by'], 'operator-c', 'the mark stays');
  });
});

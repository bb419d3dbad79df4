import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { VvpClient, type CallRecord } from '../../../apiserver/vvp/index.js';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

type Reply = { status: number; body?: unknown; headers?: http.OutgoingHttpHeaders };

/** A platform stand-in that records each request and answers with what `reply` returns for it. */
async function fakePlatform(t: { teardown(fn: () => void): void }, reply: (seen: Seen) => Reply) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      const s: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body: text === '' ? undefined : JSON.parse(text),
      };
      seen.push(s);
      const r = reply(s);
      const payload = r.body === undefined ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
      res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const calls: CallRecord[] = [];
  const logged: unknown[] = [];
  const logger = { debug: (o: object) => logged.push(o) };
  const port = (server.address() as AddressInfo).port;
  const client = new VvpClient({ baseUrl: `http://127.0.0.1:${port}`, token: 'default-secret', logger, onCall: (c) => calls.push(c) });
  t.teardown(() => {
    client.close();
    server.close();
  });
  return { client, seen, calls, logged, port };
}

const deployment = { kind: 'Deployment', apiVersion: 'v1', metadata: { id: 'd-1', name: 'top-speed', namespace: 'default', resourceVersion: 3 }, spec: { state: 'CANCELLED' } };

t.test('deployment calls use the documented verbs and paths, JSON in and out', async (t) => {
  const { client, seen } = await fakePlatform(t, (s) => (s.method === 'DELETE' ? { status: 204 } : { status: 200, body: s.url.endsWith('deployments') || s.url.includes('?') ? { items: [deployment] } : deployment }));

  const list = await client.listDeployments('default', { labelSelector: { app: 'top-speed', tier: 'x' } });
  t.equal(list.items.length, 1);
  t.equal((await client.getDeployment('default', 'top-speed')).metadata.id, 'd-1');
  await client.createDeployment('default', { metadata: { name: 'top-speed' }, spec: { state: 'CANCELLED' } });
  await client.patchDeployment('default', 'top-speed', { metadata: { resourceVersion: 3 }, spec: { state: 'RUNNING' } });
  await client.putDeployment('default', 'top-speed', { metadata: { name: 'top-speed' }, spec: { state: 'RUNNING' } });
  t.equal(await client.deleteDeployment('default', 'top-speed'), undefined, 'a 204 delete has no object');

  t.same(
    seen.map((s) => `${s.method} ${s.url}`),
    [
      'GET /api/v1/namespaces/default/deployments?labelSelector=app%3Dtop-speed%2Ctier%3Dx',
      'GET /api/v1/namespaces/default/deployments/top-speed',
      'POST /api/v1/namespaces/default/deployments',
      'PATCH /api/v1/namespaces/default/deployments/top-speed',
      'PUT /api/v1/namespaces/default/deployments/top-speed',
      'DELETE /api/v1/namespaces/default/deployments/top-speed',
    ],
  );
  t.same(seen[3]?.body, { metadata: { resourceVersion: 3 }, spec: { state: 'RUNNING' } });
  t.equal(seen[3]?.contentType, 'application/json');
  t.equal(seen[1]?.body, undefined, 'a GET sends no body');
});

t.test('every call carries the default token unless the call names its own', async (t) => {
  const { client, seen, logged } = await fakePlatform(t, () => ({ status: 200, body: deployment }));
  await client.getDeployment('default', 'a');
  await client.getDeployment('default', 'a', { token: 'per-object-secret' });
  t.equal(seen[0]?.authorization, 'Bearer default-secret');
  t.equal(seen[1]?.authorization, 'Bearer per-object-secret');
  t.notMatch(JSON.stringify(logged), /secret/, 'no token in a log line');
});

t.test('no Authorization header when there is no token at all', async (t) => {
  const server = http.createServer((req, res) => res.end(JSON.stringify({ auth: req.headers.authorization ?? null })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new VvpClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` });
  t.teardown(() => {
    client.close();
    server.close();
  });
  t.same(await client.getSystemInfo(), { auth: null });
});

t.test('metrics see the route template, the status and a duration', async (t) => {
  const { client, calls } = await fakePlatform(t, () => ({ status: 200, body: { policy: { mode: 'AUTOPILOT_MODE_ACTIVE' } } }));
  await client.getAutopilotPolicy('ns-1', '0b4c1d2e-uuid');
  t.equal(calls.length, 1);
  t.equal(calls[0]?.route, '/autopilot/v1alpha1/namespaces/{ns}/deployments/{deploymentId}/autopilotpolicy');
  t.equal(calls[0]?.method, 'GET');
  t.equal(calls[0]?.status, 200);
  t.ok((calls[0]?.durationMs ?? -1) >= 0);
  t.equal(calls[0]?.error, undefined);
});

t.test('jobs, savepoints, events and system info', async (t) => {
  const { client, seen } = await fakePlatform(t, (s) => ({ status: 200, body: s.url.includes('/jobs/') || s.method === 'POST' ? { metadata: { id: 'x' } } : { items: [] } }));
  await client.listJobs('default', { deploymentId: 'd-1' });
  await client.getJob('default', 'j-1');
  await client.listSavepoints('default', { deploymentId: 'd-1', jobId: 'j-1' });
  await client.triggerSavepoint('default', { deploymentId: 'd-1' });
  await client.triggerSavepoint('default', { deploymentId: 'd-1', annotations: { nonce: '2' } });
  await client.registerSavepoint('default', { deploymentId: 'd-1', savepointLocation: 's3://b/sp-1' });
  await client.listEvents('default', { deploymentId: 'd-1' });
  await client.createEvent('default', { metadata: { deploymentId: 'd-1', name: 'EXTERNAL' }, spec: { message: 'hello' } });
  await client.listDeploymentTargets('default');
  t.same(
    seen.map((s) => `${s.method} ${s.url}`),
    [
      'GET /api/v1/namespaces/default/jobs?deploymentId=d-1',
      'GET /api/v1/namespaces/default/jobs/j-1',
      'GET /api/v1/namespaces/default/savepoints?deploymentId=d-1&jobId=j-1',
      'POST /api/v1/namespaces/default/savepoints',
      'POST /api/v1/namespaces/default/savepoints',
      'POST /api/v1/namespaces/default/savepoints',
      'GET /api/v1/namespaces/default/events?deploymentId=d-1',
      'POST /api/v1/namespaces/default/events',
      'GET /api/v1/namespaces/default/deployment-targets',
    ],
  );
  t.same(seen[3]?.body, { metadata: { deploymentId: 'd-1' } });
  t.same(seen[4]?.body, { metadata: { deploymentId: 'd-1', annotations: { nonce: '2' } } });
  t.same(seen[5]?.body, { metadata: { deploymentId: 'd-1' }, spec: { savepointLocation: 's3://b/sp-1' } });
});

t.test('platform API answers are unwrapped', async (t) => {
  const { client, seen } = await fakePlatform(t, (s) => {
    if (s.url === '/namespaces/v1/namespaces') return { status: 200, body: { namespaces: [{ name: 'namespaces/default' }] } };
    if (s.url.startsWith('/namespaces/v1/namespaces/')) return { status: 200, body: { namespace: { name: 'namespaces/default', lifecyclePhase: 'LIFECYCLE_PHASE_ACTIVE' } } };
    if (s.url.endsWith(':status')) return { status: 200, body: { status: { status: 'POLICY_STATUS_OK' } } };
    return { status: 200, body: {} };
  });
  t.same(await client.listNamespaces(), [{ name: 'namespaces/default' }]);
  t.equal((await client.getNamespace('default')).lifecyclePhase, 'LIFECYCLE_PHASE_ACTIVE');
  t.equal((await client.getAutopilotPolicyStatus('default', 'd-1')).status, 'POLICY_STATUS_OK');
  t.equal(seen[2]?.url, '/autopilot/v1alpha1/namespaces/default/deployments/d-1/autopilotpolicy:status');
  await t.rejects(client.getAutopilotPolicy('default', 'd-1'), { name: 'VvpError', kind: 'protocol' }, 'a missing wrapper is a protocol error');
});

t.test('a PATCH answered 204 reads the deployment back', async (t) => {
  const { client, seen } = await fakePlatform(t, (s) => (s.method === 'PATCH' ? { status: 204 } : { status: 200, body: deployment }));
  const got = await client.patchDeployment('default', 'top-speed', { spec: { state: 'RUNNING' } });
  t.equal(got.metadata.name, 'top-speed');
  t.same(seen.map((s) => s.method), ['PATCH', 'GET']);
});

t.test('a base URL with a path prefix keeps it', async (t) => {
  const server = http.createServer((req, res) => res.end(JSON.stringify({ url: req.url })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new VvpClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/vvp/` });
  t.teardown(() => {
    client.close();
    server.close();
  });
  t.same(await client.getSystemInfo(), { url: '/vvp/api/v1/status/system-info' });
  t.throws(() => new VvpClient({ baseUrl: 'ftp://example.com' }), TypeError);
});

t.test('a token with a trailing newline (as Secrets often hold) is sent trimmed', async (t) => {
  const { client, seen } = await fakePlatform(t, () => ({ status: 200, body: deployment }));
  await client.getDeployment('default', 'a', { token: 'from-a-file\n' });
  t.equal(seen[0]?.authorization, 'Bearer from-a-file');
});

t.test('a throwing metrics hook does not break the call', async (t) => {
  const server = http.createServer((_req, res) => res.end('{}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new VvpClient({
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    onCall: () => {
      throw new Error('metrics broke');
    },
  });
  t.teardown(() => {
    client.close();
    server.close();
  });
  t.same(await client.getSystemInfo(), {});
});

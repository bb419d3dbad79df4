// Ready for VVP 3 (issue 27), the client and the Status mapping against the real emulator over HTTP:
// - errors in Spring's RFC 9457 `application/problem+json` shape reach the user as one clear Status, as 2.x's do;
// - a token allowed some calls and not others (custom roles): the platform's 403 names the call refused;
// - a platform token that expires or is regenerated: the token file is read again and the call retried once; a token
//   refused again is one 503 saying the server's token was refused, after exactly one retry (never a loop).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { StatusError } from '../../apiserver/k8s/status.js';
import { FileToken } from '../../apiserver/token-file.js';
import { VvpClient, VvpError } from '../../apiserver/vvp/index.js';
import { toStatusError } from '../../apiserver/vvpdeployment/errors.js';
import { jarDeployment, startEmulator } from '../support/emulator.js';

const emulator = await startEmulator({ t, args: ['--seed', '--log-level', 'warn'] });
const vvp = new VvpClient({ baseUrl: emulator.url, token: emulator.adminToken });
t.teardown(() => vvp.close());
const context = { ref: { group: 'ververica.platform', resource: 'vvpdeployments', name: 'x' }, platform: 'Ververica Platform' };

async function failure(call: Promise<unknown>): Promise<{ vvp: VvpError; status: StatusError }> {
  const err = await call.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof VvpError)) throw new Error(`expected a platform error, got ${String(err)}`);
  return { vvp: err, status: toStatusError(err, context) };
}

t.test('errors in either shape give the same Status: the platform\'s own words, the field named', async (t) => {
  for (const shape of ['vvp', 'problem+json'] as const) {
    const set = await emulator.request('PUT', '/__emulator/error-shape', { shape });
    t.equal(set.status, 200);
    const raw = await fetch(`${emulator.url}/api/v1/namespaces/default/deployments/nope`, { headers: { authorization: `Bearer ${emulator.adminToken}` } });
    t.match(raw.headers.get('content-type') ?? '', shape === 'vvp' ? /application\/json/ : /application\/problem\+json/, `${shape}: its content type`);
    if (shape === 'problem+json') t.match(await raw.json(), { type: 'about:blank', title: 'Not Found', status: 404, detail: /nope/ });
    else await raw.body?.cancel();

    const missing = await failure(vvp.getDeployment('default', 'nope'));
    t.match(missing.vvp, { status: 404, message: /nope/ }, `${shape}: the detail, not the title`);
    t.equal(missing.status.code, 404);
    const invalid = await failure(vvp.createDeployment('default', jarDeployment('bad', { spec: { state: 'SOMETIMES' } }) as never));
    t.match(invalid.status, { code: 422, reason: 'Invalid' }, `${shape}: a field error is a 422`);
    t.match(invalid.status.status.details?.causes?.[0], { field: 'spec.deployment.spec.state', message: /must be one of/ });
  }
  await emulator.request('PUT', '/__emulator/error-shape', { shape: 'vvp' });
});

t.test('a 403 for one call (custom roles) passes through naming that call', async (t) => {
  const fault = await emulator.request<{ id: string }>('POST', '/__emulator/faults', {
    method: 'PATCH', route: '/api/v1/namespaces/:namespace/deployments/:name', status: 403, shape: 'problem+json',
    message: 'role "deployer" does not allow deployments:update', remaining: 1,
  });
  t.equal(fault.status, 201);
  await vvp.createDeployment('default', jarDeployment('roles') as never);
  const refused = await failure(vvp.patchDeployment('default', 'roles', { spec: { template: { spec: { parallelism: 3 } } } } as never));
  t.match(refused.status, { code: 403, reason: 'Forbidden' });
  t.match(refused.status.message, /refused PATCH \/api\/v1\/namespaces\/\{ns\}\/deployments\/\{name\}: role "deployer" does not allow deployments:update/);
  t.equal((await vvp.getDeployment('default', 'roles')).metadata.name, 'roles', 'reads are still allowed');
});

t.test('an expired platform token: read again and retried once; refused again, one 503 and no loop', async (t) => {
  const mint = async () => (await emulator.request<{ secret: string }>('POST', '/__emulator/tokens', { role: 'owner', namespace: '*' })).body.secret;
  const file = join(mkdtempSync(join(tmpdir(), 'vvp3-token-')), 'token');
  const first = await mint();
  writeFileSync(file, first);
  const client = new VvpClient({ baseUrl: emulator.url, token: new FileToken(file, () => {}, 60_000) });
  t.teardown(() => client.close());
  t.ok(await client.listDeployments('default'), 'the first token works');

  // The platform regenerates the token: the old one is refused, the new one written to the file.
  await emulator.request('DELETE', `/__emulator/tokens/${first}`);
  writeFileSync(file, await mint());
  await emulator.request('DELETE', '/__emulator/requests');
  t.ok(await client.listDeployments('default'), 'the call succeeds after reading the file again');
  const counted = (await emulator.request<{ routes: Record<string, number> }>('GET', '/__emulator/requests')).body.routes;
  t.equal(counted['GET /api/v1/namespaces/:namespace/deployments'], 2, 'refused once, retried once');

  // Expired, and nothing new in the file: one retry at most, then a Status that says whose token was refused.
  const current = (await import('node:fs')).readFileSync(file, 'utf8');
  await emulator.request('DELETE', `/__emulator/tokens/${current}`);
  await emulator.request('DELETE', '/__emulator/requests');
  const refused = await failure(client.listDeployments('default'));
  t.match(refused.status, { code: 503, reason: 'ServiceUnavailable', message: /rejected the server's own API token/ });
  const after = (await emulator.request<{ routes: Record<string, number> }>('GET', '/__emulator/requests')).body.routes;
  t.equal(after['GET /api/v1/namespaces/:namespace/deployments'], 1, 'the file did not change: no retry, no loop');
});

// Two Ververica Platform installations behind one API (two emulators, a platforms file): each object lands on the
// platform its `ververica.platform/owner` label names, a list shows both, one platform down answers 503 only where
// its objects are, and the label is required and immutable. Then the server's token is rotated under a running
// `kubectl get -w` (no error seen), and an object whose own token expired answers a 4xx naming its Secret.
import { spawn } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { eventually } from '../support/eventually.js';
import { kubeAdmin } from '../support/hostile.js';
import { scenario } from '../support/product.js';

const { stack, cp, ns, resource, k, manifest } = await scenario('platforms', { platforms: 2 });
const [one, two] = stack.platforms;
if (!one || !two) throw new Error('the stack has not started two platform instances');
const OWNER = 'ververica.platform/owner';
const nsOne = `${ns}-one`;
const nsTwo = `${ns}-two`;
// Raw requests for the 503s: kubectl would wait out Retry-After and retry them.
const admin = kubeAdmin(cp);
t.teardown(admin.close);

async function raw(path: string): Promise<{ status: number; message: string }> {
  const res = await admin.send({ path: `/apis/${stack.apiGroup}/v1/namespaces/${path}`, headers: { accept: 'application/json' } });
  const body = JSON.parse(res.body || '{}') as { message?: string };
  return { status: res.status, message: body.message ?? '' };
}

/** The platform itself, as its admin (the emulator's admin API included). */
async function onPlatform(p: typeof one, path: string, init: { method?: string; body?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${p!.userToken}` };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${p!.url}${path}`, { ...init, headers });
}

function owned(name: string, namespace: string, owner: string | undefined) {
  const m = manifest(name, owner === undefined ? {} : { labels: { [OWNER]: owner } });
  return { ...m, metadata: { ...m.metadata, namespace } };
}

t.before(async () => {
  for (const n of [nsOne, nsTwo]) await k(['create', 'namespace', n]);
});

t.test('objects with either owner label land on their platform, and one list shows both', async (t) => {
  const a = await k(['apply', '-f', '-'], JSON.stringify(owned('alpha', nsOne, one.instanceId)));
  t.equal(a.code, 0, a.stderr);
  const b = await k(['apply', '-f', '-'], JSON.stringify(owned('beta', nsTwo, two.instanceId)));
  t.equal(b.code, 0, b.stderr);
  t.equal((await onPlatform(one, '/api/v1/namespaces/default/deployments/alpha')).status, 200, 'alpha is on the first platform');
  t.equal((await onPlatform(two, '/api/v1/namespaces/default/deployments/alpha')).status, 404, 'and not on the second');
  t.equal((await onPlatform(two, '/api/v1/namespaces/default/deployments/beta')).status, 200, 'beta is on the second platform');
  t.equal((await onPlatform(one, '/api/v1/namespaces/default/deployments/beta')).status, 404, 'and not on the first');
  const list = await k(['get', resource, '-A', '-o', 'jsonpath={range .items[*]}{.metadata.name}@{.status.platformInstance} {end}']);
  t.equal(list.code, 0, list.stderr);
  t.match(list.stdout, `alpha@${one.instanceId}`);
  t.match(list.stdout, `beta@${two.instanceId}`);
  const wide = await k(['get', resource, '-A', '-o', 'wide']);
  t.match(wide.stdout, /PLATFORM/, 'kubectl get -o wide shows the platform column');
  t.comment(wide.stdout);
});

t.test('with two instances the owner label is required (422 naming the allowed values) and immutable', async (t) => {
  const missing = await k(['apply', '-f', '-'], JSON.stringify(owned('gamma', nsOne, undefined)));
  t.not(missing.code, 0);
  t.match(missing.stderr, /is invalid/);
  t.match(missing.stderr, `metadata.labels[${OWNER}]`);
  t.match(missing.stderr, `"${one.instanceId}", "${two.instanceId}"`);
  t.equal((await onPlatform(one, '/api/v1/namespaces/default/deployments/gamma')).status, 404, 'nothing was written');
  const moved = await k(['label', resource, 'alpha', '-n', nsOne, '--overwrite', `${OWNER}=${two.instanceId}`]);
  t.not(moved.code, 0);
  t.match(moved.stderr, /field is immutable/);
});

t.test('one platform down: only its namespaces answer 503', async (t) => {
  // Both instances have been listed in full (the list above); each knows which Kubernetes namespaces it holds.
  const outage = await onPlatform(two, '/__emulator/outage', { method: 'POST', body: JSON.stringify({ mode: '503' }) });
  t.equal(outage.status, 200);
  t.teardown(async () => {
    await onPlatform(two, '/__emulator/outage', { method: 'DELETE' });
  });
  const listOne = await k(['get', resource, '-n', nsOne, '-o', 'name']);
  t.equal(listOne.code, 0, `the first platform's namespace lists: ${listOne.stderr}`);
  t.match(listOne.stdout, /alpha/);
  t.equal((await k(['get', resource, 'alpha', '-n', nsOne, '-o', 'name'])).code, 0, 'and its object answers');
  const listTwo = await raw(`${nsTwo}/vvpdeployments`);
  t.equal(listTwo.status, 503, `the second platform's namespace answers 503: ${listTwo.message}`);
  t.match(listTwo.message, `instance ${two.instanceId}`, 'naming the instance');
  t.equal((await raw(`${nsTwo}/vvpdeployments/beta`)).status, 503, 'and so does its object');
  t.equal((await onPlatform(two, '/__emulator/outage', { method: 'DELETE' })).status, 200, 'the outage ends');
  await eventually('the second platform answers again', async () => (await k(['get', resource, 'beta', '-n', nsTwo, '-o', 'name'])).code === 0);
});

t.test("the server's token is rotated while a watch runs: kubectl sees no error", async (t) => {
  const watch = spawn(cp.kubectl, ['--kubeconfig', cp.kubeconfig, 'get', resource, '-n', nsOne, '-w', '-o', 'jsonpath={.metadata.name}={.metadata.labels.round}{"\\n"}'],
    { env: { ...process.env, HOME: join(cp.stateDir, 'home') } });
  let out = '';
  let err = '';
  watch.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  watch.stderr.on('data', (c: Buffer) => { err += c.toString(); });
  t.teardown(() => { watch.kill(); });
  await eventually('the watch lists alpha', async () => out.includes('alpha='));

  const oldToken = (await import('node:fs')).readFileSync(one.tokenFile, 'utf8').trim();
  const newToken = `rotated-${Date.now().toString(36)}`;
  const added = await onPlatform(one, '/__emulator/tokens', { method: 'POST', body: JSON.stringify({ secret: newToken, role: 'owner', operatorInstance: one.instanceId }) });
  t.equal(added.status, 201, 'the platform issues a new token');
  // As a Secret volume updates: the new file is moved into place in one step.
  writeFileSync(`${one.tokenFile}.new`, `${newToken}\n`, { mode: 0o600 });
  renameSync(`${one.tokenFile}.new`, one.tokenFile);
  t.equal((await onPlatform(one, `/__emulator/tokens/${oldToken}`, { method: 'DELETE' })).status, 200, 'the old token stops working at once');

  const patched = await k(['label', resource, 'alpha', '-n', nsOne, '--overwrite', 'round=rotated']);
  t.equal(patched.code, 0, `a write right after the rotation works: ${patched.stderr}`);
  await eventually('the watch sees the change', async () => out.includes('alpha=rotated'));
  t.equal(watch.exitCode, null, 'the watch is still running');
  t.equal(err, '', 'kubectl printed no error');
  const log = (await import('node:fs')).readFileSync(stack.logs.server, 'utf8');
  t.match(log, /the platform token file changed; using the new token/, 'the server says it took the new token');
});

t.test("an object whose own token expired answers 4xx naming its Secret", async (t) => {
  const secretToken = `team-${Date.now().toString(36)}`;
  const added = await onPlatform(one, '/__emulator/tokens', { method: 'POST', body: JSON.stringify({ secret: secretToken, role: 'owner', operatorInstance: one.instanceId }) });
  t.equal(added.status, 201);
  const made = await k(['create', 'secret', 'generic', 'team-token', '-n', nsOne, `--from-literal=token=${secretToken}`]);
  t.equal(made.code, 0, made.stderr);
  const m = owned('delta', nsOne, one.instanceId);
  const withSecret = { ...m, metadata: { ...m.metadata, annotations: { apikeySecretName: 'team-token' } } };
  const created = await k(['apply', '-f', '-'], JSON.stringify(withSecret));
  t.equal(created.code, 0, `created with the object's own token: ${created.stderr}`);
  t.equal((await onPlatform(one, `/__emulator/tokens/${secretToken}`, { method: 'DELETE' })).status, 200, 'that token expires');
  const write = await k(['label', resource, 'delta', '-n', nsOne, '--overwrite', 'after=expiry']);
  t.not(write.code, 0);
  t.match(write.stderr, /team-token/, `the error names the Secret: ${write.stderr}`);
  t.notMatch(write.stderr, /InternalError|\(500\)/, 'not a 500');
  t.comment(write.stderr.trim());
});

// The platform protected on its own terms (issue 29), through the real kube-apiserver and the emulator: at most
// --vvp-max-concurrent-calls platform calls at once, shared fairly between users — one user's burst of GETs does not
// make another user's GET wait behind the whole burst — and a platform that answers 429 with Retry-After slows the
// server down: a read is sent again after that time, a read it keeps refusing reaches the user as 429 with the
// platform's Retry-After, and a write is never sent twice. Outcomes and orders only, no timing assertions: this
// server's own flow control is off (--flow-control-seats=0) so that only the platform call slots are at play.
import t from 'tap';
import { kubectl } from '../../tools/cluster/control-plane.js';
import { eventually } from '../support/eventually.js';
import { kubeAdmin, routeCount } from '../support/hostile.js';
import { scenario } from '../support/product.js';

const { cp, ns, k, resource, collection, platform, manifest } = await scenario('pfair', { serverArgs: ['--vvp-max-concurrent-calls=2', '--flow-control-seats=0'] });
const NOISY = 'pfair-noisy';
const QUIET = 'pfair-quiet';
const BY_NAME = /^GET \/api\/v1\/namespaces\/:namespace\/deployments\/:name$/;
const binding = {
  apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'pfair-e2e' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
  subjects: [NOISY, QUIET].map((name) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name })),
};
const kube = kubeAdmin(cp, 64);
const as = (user: string) => ({ 'Impersonate-User': user });

t.before(async () => {
  const applied = await kubectl(cp, ['apply', '-f', '-'], { input: JSON.stringify(binding) });
  if (applied.code !== 0) throw new Error(applied.stderr);
  for (const name of ['noisy-target', 'quiet-target', 'written']) {
    const created = await k(['apply', '-f', '-'], JSON.stringify(manifest(name)));
    if (created.code !== 0) throw new Error(created.stderr);
  }
});
t.afterEach(async () => {
  await platform('DELETE', '/__emulator/faults');
});
t.teardown(async () => {
  kube.close();
  await kubectl(cp, ['delete', '--ignore-not-found', 'clusterrolebinding', 'pfair-e2e']);
});

t.test('a noisy user\'s burst of GETs does not make a quiet user\'s GET wait behind the whole burst', async (t) => {
  // Every platform read of one deployment takes 400 ms: with 2 call slots the burst of 30 needs at least 6 s.
  await platform('POST', '/__emulator/faults', { method: 'GET', route: '/api/v1/namespaces/:namespace/deployments/:name', latencyMs: 400 });
  const before = await routeCount(platform, BY_NAME);
  let noisyAnswered = 0;
  const noisyStatuses: number[] = [];
  const burst = Array.from({ length: 30 }, () => kube.send({ path: `${collection}/noisy-target`, headers: as(NOISY) }).then((res) => {
    noisyAnswered++;
    noisyStatuses.push(res.status);
  }));
  // Two turns of the burst have reached the platform: the rest of it waits for call slots.
  await eventually('the burst reaches the platform', async () => (await routeCount(platform, BY_NAME)) >= before + 4, 60_000);
  const quiet = await kube.send({ path: `${collection}/quiet-target`, headers: as(QUIET) });
  const outstandingWhenQuietAnswered = 30 - noisyAnswered;
  await Promise.all(burst);
  t.equal(quiet.status, 200, 'the quiet user is answered');
  t.ok(outstandingWhenQuietAnswered >= 10, `the quiet user's GET was answered while ${outstandingWhenQuietAnswered} of the burst's 30 still waited (first come, first served would have answered it after them all)`);
  t.same([...new Set(noisyStatuses)], [200], 'the noisy user is answered too, later: every GET of the burst 200, none 5xx');
});

t.test('a read the platform refuses once with 429 and Retry-After is sent again after that time: the user sees 200', async (t) => {
  const before = await routeCount(platform, BY_NAME);
  await platform('POST', '/__emulator/faults', { method: 'GET', route: '/api/v1/namespaces/:namespace/deployments/:name', status: 429, retryAfterSeconds: 1, remaining: 1, message: 'Too many requests' });
  const res = await kube.send({ path: `${collection}/quiet-target`, headers: as(QUIET) });
  t.equal(res.status, 200, res.body);
  t.ok((await routeCount(platform, BY_NAME)) - before >= 2, 'the refused read and the one sent after Retry-After');
});

t.test('a read the platform keeps refusing (Retry-After beyond the call\'s budget) reaches the user as 429 with that Retry-After', async (t) => {
  await platform('POST', '/__emulator/faults', { method: 'GET', route: '/api/v1/namespaces/:namespace/deployments/:name', status: 429, retryAfterSeconds: 30, message: 'Too many requests' });
  const first = await kube.send({ path: `${collection}/quiet-target`, headers: as(QUIET) });
  t.equal(first.status, 429, first.body);
  t.equal(first.headers['retry-after'], '30', 'the platform\'s Retry-After, passed on');
  // Meanwhile the server holds its calls back as asked: the next read is refused here, not sent to the platform.
  const before = await routeCount(platform, BY_NAME);
  const res = await kube.send({ path: `${collection}/quiet-target`, headers: as(QUIET) });
  t.equal(res.status, 429, res.body);
  t.ok(Number(res.headers['retry-after']) > 0 && Number(res.headers['retry-after']) <= 30, `what is left of it (${String(res.headers['retry-after'])})`);
  t.equal(await routeCount(platform, BY_NAME), before, 'no call reached the platform while it asked for none');
  const status = JSON.parse(res.body) as { kind: string; reason: string; details?: { retryAfterSeconds?: number } };
  t.equal(status.kind, 'Status');
  t.equal(status.reason, 'TooManyRequests');
  t.ok((status.details?.retryAfterSeconds ?? 0) > 0);
});

t.test('a write the platform refuses with 429 is not sent again: the user gets 429 and the object is unchanged', async (t) => {
  await eventually('the platform\'s Retry-After has passed: reads are answered again', async () =>
    (await kube.send({ path: `${collection}/written`, headers: as(QUIET) })).status === 200, 120_000);
  const writes = /^PATCH \/api\/v1\/namespaces\/:namespace\/deployments\/:name$/;
  const before = await routeCount(platform, writes);
  await platform('POST', '/__emulator/faults', { method: 'PATCH', route: '/api/v1/namespaces/:namespace/deployments/:name', status: 429, retryAfterSeconds: 1, message: 'Too many requests' });
  // Sent once, raw: client-go would itself send a request answered 429 with Retry-After again (a new request each time).
  const patched = await kube.send({
    method: 'PATCH', path: `${collection}/written`, headers: { ...as(QUIET), 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify({ spec: { deployment: { spec: { template: { spec: { parallelism: 3 } } } } } }),
  });
  t.equal(patched.status, 429, patched.body);
  t.ok(patched.headers['retry-after'], 'with Retry-After');
  t.equal((await routeCount(platform, writes)) - before, 1, 'one PATCH reached the platform, not repeated');
  await platform('DELETE', '/__emulator/faults');
  // By its full name: beside another test's stack (hostile-input's), a bare `vvpdeployment` may name that stack's group.
  const read = await k(['get', resource, 'written', '-n', ns, '-o', 'jsonpath={.spec.deployment.spec.template.spec.parallelism}']);
  t.equal(read.stdout, '1', `the object is as it was${read.code === 0 ? '' : ` (kubectl: ${read.stderr.trim()})`}`);
});

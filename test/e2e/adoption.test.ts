// A way in from Ververica's operator: deployments that operator created on the platform (marked by its instance,
// RUNNING, with a savepoint) are adopted by applying the same manifests with the opt-in annotation: the job is not
// restarted, its id is unchanged, an Adopted event is recorded. A deployment made by hand on the platform stays
// unclaimable (409).
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { eventually } from '../support/eventually.js';
import { scenario } from '../support/product.js';

const vendor = 'vendor-operator';
const vendorToken = `vendor-${randomBytes(12).toString('hex')}`;
const { stack, ns, resource, k, manifest } = await scenario('adoption', {
  // The emulator knows the vendor operator's token (it acts as that instance); the server may adopt from it.
  emulatorArgs: ['--token', `${vendorToken}:owner:*:${vendor}`],
  adoptFrom: [{ instanceId: vendor, token: vendorToken }],
});

interface PlatformDeployment { metadata: { id: string; labels?: Record<string, string> }; status?: { state?: string; running?: { jobId?: string } } }

async function asVendor<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${stack.vvpUrl}${path}`, {
    method, headers: { authorization: `Bearer ${vendorToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

const legacy = manifest('legacy', { state: 'RUNNING' });
let jobId = '';
let deploymentId = '';

t.before(async () => {
  // As the vendor's operator would have created it: its mark, the Kubernetes object it was made for, the same
  // definition, RUNNING, one savepoint.
  const created = await asVendor<PlatformDeployment>('POST', '/api/v1/namespaces/default/deployments', {
    metadata: { name: 'legacy', labels: { 'ververica.platform/managed-by': vendor }, annotations: { 'ververica.platform/kubernetes-namespace': ns, 'ververica.platform/kubernetes-name': 'legacy' } },
    spec: legacy.spec.deployment.spec,
  });
  if (created.status !== 201 && created.status !== 200) throw new Error(`creating the vendor's deployment: ${created.status} ${JSON.stringify(created.body)}`);
  deploymentId = created.body.metadata.id;
  jobId = await eventually('the vendor deployment runs', async () => {
    const d = await asVendor<PlatformDeployment>('GET', '/api/v1/namespaces/default/deployments/legacy');
    return d.body.status?.state === 'RUNNING' && d.body.status.running?.jobId;
  });
  const sp = await asVendor<{ metadata: { id: string } }>('POST', '/api/v1/namespaces/default/savepoints', { metadata: { deploymentId } });
  if (sp.status >= 300) throw new Error(`savepoint: ${sp.status}`);
  await eventually('the savepoint completes', async () => {
    const list = await asVendor<{ items: { status?: { state?: string } }[] }>('GET', `/api/v1/namespaces/default/savepoints?deploymentId=${deploymentId}`);
    return list.body.items.some((s) => s.status?.state === 'COMPLETED');
  });
  // A deployment made by hand on the platform (no operator's mark).
  const hand = await fetch(`${stack.vvpUrl}/api/v1/namespaces/default/deployments`, {
    method: 'POST', headers: { authorization: `Bearer ${stack.vvpToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ metadata: { name: 'handmade' }, spec: legacy.spec.deployment.spec }),
  });
  if (hand.status >= 300) throw new Error(`handmade: ${hand.status}`);
});

t.test("applying the same manifest with the adopt-from annotation takes the vendor's deployment over, without a restart", async (t) => {
  const adopting = { ...legacy, metadata: { ...legacy.metadata, annotations: { 'ververica.platform/adopt-from': vendor } } };
  const applied = await k(['apply', '-f', '-'], JSON.stringify(adopting));
  t.equal(applied.code, 0, applied.stderr);
  const got = JSON.parse((await k(['get', resource, 'legacy', '-n', ns, '-o', 'json'])).stdout) as { metadata: { uid: string }; status: { state?: string; job?: { id?: string }; lastSavepoint?: { state?: string } } };
  t.equal(got.metadata.uid, deploymentId, 'the deployment id is kept');
  t.equal(got.status.job?.id, jobId, 'the same job');
  t.equal(got.status.state, 'RUNNING', 'still RUNNING');
  t.equal(got.status.lastSavepoint?.state, 'COMPLETED', 'its savepoint is there');
  const d = await asVendor<PlatformDeployment>('GET', '/api/v1/namespaces/default/deployments/legacy');
  t.equal(d.body.status?.running?.jobId, jobId, 'the platform runs the same job: no restart');
  t.equal(d.body.metadata.labels?.['ververica.platform/managed-by'], stack.instanceId, 'the mark moved to this server');
  const patch = await asVendor('PATCH', '/api/v1/namespaces/default/deployments/legacy', { metadata: { labels: { by: 'vendor' } } });
  t.equal(patch.status, 403, "the vendor's token can no longer write it");
  const events = await eventually('the Adopted event', async () => {
    const r = await k(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=legacy,reason=Adopted', '-o', 'jsonpath={.items[*].message}']);
    return r.stdout.trim() || undefined;
  });
  t.match(events, /from operator instance vendor-operator/);
  const later = await k(['label', resource, 'legacy', '-n', ns, 'adopted=yes']);
  t.equal(later.code, 0, `managed from Kubernetes from now on: ${later.stderr}`);
});

t.test('a deployment made by hand stays unclaimable, annotation or not', async (t) => {
  const m = manifest('handmade', { state: 'RUNNING' });
  const claiming = { ...m, metadata: { ...m.metadata, annotations: { 'ververica.platform/adopt-from': vendor } } };
  const refused = await k(['apply', '-f', '-'], JSON.stringify(claiming));
  t.not(refused.code, 0);
  t.match(refused.stderr, /AlreadyExists|already exists/);
  t.match(refused.stderr, /cannot be claimed/);
});

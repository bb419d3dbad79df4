import t, { type Test } from 'tap';
import type { RequestContext } from '../../../apiserver/k8s/storage.js';
import { accessFor } from '../../support/access.js';
import type { StatusError } from '../../../apiserver/k8s/status.js';
import { ANNOTATION, LABEL, MANAGED_BY_LABEL, RESTART_ANNOTATION, SAVEPOINT_TRIGGER_ANNOTATION } from '../../../apiserver/vvpdeployment/trust/annotations.js';
import type { PlannedEvent } from '../../../apiserver/vvpdeployment/decide/mapping.js';
import { RecordSigner, SIGNATURE_ANNOTATION } from '../../../apiserver/vvpdeployment/trust/record-signature.js';
import { VvpDeploymentStorage } from '../../../apiserver/vvpdeployment/storage.js';
import type { VvpDeploymentStorageOptions } from '../../../apiserver/vvpdeployment/options.js';
import { fullObject, serializedText } from '../../../apiserver/k8s/serve/serialized.js';
import type { WatchEvent } from '../../../apiserver/k8s/storage.js';
import type { VvpDeployment } from '../../../apiserver/vvpdeployment/types.js';
import { FakePlatform, httpError, type Call } from '../../support/fake-platform.js';
import { manifest } from '../../support/fixtures.js';
import { VvpError } from '../../../apiserver/vvp/errors.js';
import type { Deployment, DeploymentWrite, StringMap } from '../../../apiserver/vvp/types.js';
import { throughStrategy } from '../../support/strategy.js';

function ctx(dryRun = false): RequestContext {
  const user = { username: 'alice', groups: [], extra: {} };
  return { user, dryRun, signal: new AbortController().signal, access: accessFor(user) };
}

/** An update as a PUT makes it: whatever the storage reads, `object` is what it writes. */
function replace(storage: VvpDeploymentStorage, context: RequestContext, object: VvpDeployment): Promise<VvpDeployment> {
  return storage.update(context, object.metadata.namespace, object.metadata.name ?? '', () => object);
}

function setup(over: Partial<VvpDeploymentStorageOptions> = {}) {
  const platform = new FakePlatform();
  const events: { object: VvpDeployment; event: PlannedEvent }[] = [];
  let now = Date.parse('2026-11-24T12:00:00Z');
  const options: VvpDeploymentStorageOptions = {
    client: platform.client(),
    instanceId: 'op-1',
    platformNamespaces: ['default', 'team-a'],
    platformName: 'http://vvp.test',
    recordEvent: (object, event) => events.push({ object, event }),
    now: () => new Date(now += 1000),
    ...over,
  };
  return { platform, events, storage: throughStrategy(new VvpDeploymentStorage({ instances: [options] })), fresh: () => throughStrategy(new VvpDeploymentStorage({ instances: [options] })) };
}

function condition(o: VvpDeployment, type: string) {
  return o.status?.conditions.find((c) => c.type === type);
}

interface TestLike { match(found: unknown, pattern: unknown): unknown; fail(message: string): unknown }

async function rejects(t: TestLike, p: Promise<unknown>, expected: Partial<{ code: number; reason: string; message: RegExp | string }>): Promise<StatusError | undefined> {
  try {
    await p;
  } catch (err) {
    const e = err as StatusError;
    t.match({ code: e.code, reason: e.reason, message: e.message }, expected);
    return e;
  }
  t.fail('expected a rejection');
  return undefined;
}

t.test('create: one POST carrying the definition, the record and the marker; the live object back', async (t) => {
  const { platform, storage, events } = setup();
  const created = await storage.create(ctx(), manifest());
  t.same(platform.writes().map((c) => c.method), ['POST']);
  const d = platform.deployments.get('default/top-speed');
  t.ok(d);
  t.equal(d?.metadata.labels?.[MANAGED_BY_LABEL], 'op-1');
  t.equal(d?.metadata.labels?.[LABEL.namespace], 'flink');
  t.equal(created.metadata.uid, d?.metadata.id);
  t.equal(created.metadata.generation, 1);
  t.equal(created.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], '{"x":1}\n');
  t.same(created.spec.deployment.metadata, { name: 'top-speed', namespace: 'default' }, 'identity defaulted');
  t.equal(created.spec.deletionPolicy, 'Cancel');
  t.equal(created.status?.state, 'CANCELLED');
  t.equal(condition(created, 'Consistent')?.status, 'True');
  t.match(created.metadata.resourceVersion, /^\d+$/);
  t.match(events.map((e) => e.event.reason), ['Created']);
});

t.test('a create reads once (whether the name is taken), writes once, and answers from its write: the object a GET shows', async (t) => {
  const { platform, storage } = setup();
  const created = await storage.create(ctx(), manifest());
  const calls = platform.calls.filter((c) => c.method !== 'EVENT');
  const post = calls.findIndex((c) => c.method === 'POST');
  t.same(platform.writes().map((c) => c.method), ['POST'], 'one write');
  t.same(calls.slice(0, post).filter((c) => c.method === 'LIST').map((c) => c.ns).sort(), ['default', 'team-a'], 'before it, one labelSelector query per served namespace');
  t.same(calls.slice(0, post).filter((c) => c.method !== 'LIST'), [], 'and no other read');
  t.same(calls.slice(post + 1), [], 'nothing read after it');
  const got = await storage.get(ctx(), 'flink', 'top-speed');
  t.equal(created.metadata.resourceVersion, got.metadata.resourceVersion);
  t.same(created.status, got.status);
});

t.test('a create with an initial savepoint answers with the savepoint it registered, as a GET shows it', async (t) => {
  const { platform, storage } = setup();
  const created = await storage.create(ctx(), manifest('top-speed', { initialSavepointSpec: { savepointLocation: 's3://b/sp' } }));
  t.notOk(platform.calls.some((c) => c.method === 'LIST-SAVEPOINTS' || c.method === 'LIST-JOBS'), 'nothing read after the writes');
  const got = await storage.get(ctx(), 'flink', 'top-speed');
  t.equal(created.metadata.resourceVersion, got.metadata.resourceVersion);
  t.same(created.status, got.status);
});

t.test('get finds an object by Kubernetes namespace and name with a label query, then from the cache', async (t) => {
  const { platform, storage, fresh } = setup();
  await storage.create(ctx(), manifest());
  const other = fresh();
  platform.calls = [];
  const got = await other.get(ctx(), 'flink', 'top-speed');
  t.equal(got.metadata.name, 'top-speed');
  t.same(platform.calls.filter((c) => c.method === 'LIST').map((c) => c.ns), ['default', 'team-a'], 'one labelSelector query per served namespace');
  platform.calls = [];
  await other.get(ctx(), 'flink', 'top-speed');
  t.same(platform.calls.filter((c) => c.method === 'LIST' || c.method === 'GET').map((c) => c.method), ['GET'], 'then straight from the cached location');
  await rejects(t, other.get(ctx(), 'flink', 'missing'), { code: 404, reason: 'NotFound' });
  await rejects(t, other.get(ctx(), 'elsewhere', 'top-speed'), { code: 404 });
});

t.test('an update reads the platform once, writes once, and answers from its write; the next GET reads the deployment alone', async (t) => {
  const { platform, storage } = setup({ surroundingsMaxAgeMs: 60_000 });
  const created = await storage.create(ctx(), manifest());
  platform.calls = [];
  const updated = await replace(storage, ctx(), { ...created, metadata: { ...created.metadata, labels: { app: 'speed', tier: 'gold' } } });
  t.same(platform.calls.map((c) => c.method).filter((m) => m !== 'EVENT').sort(), ['GET', 'GET-AUTOPILOT', 'LIST-JOBS', 'LIST-SAVEPOINTS', 'PATCH']);
  t.equal(updated.metadata.labels?.tier, 'gold');
  t.equal(updated.metadata.resourceVersion, (await storage.get(ctx(), 'flink', 'top-speed')).metadata.resourceVersion, 'the answer is the object a GET shows');
  platform.calls = [];
  await storage.get(ctx(), 'flink', 'top-speed');
  t.same(platform.calls.map((c) => c.method), ['GET'], 'what the write left alone is not read again');
});

t.test('a delete checks its preconditions on its own read, and its steps reuse that read', async (t) => {
  const { platform, storage } = setup();
  const created = await storage.create(ctx(), { ...manifest(), spec: { ...manifest().spec, deployment: { spec: { ...manifest().spec.deployment.spec, state: 'CANCELLED' } } } });
  platform.calls = [];
  const result = await storage.delete(ctx(), 'flink', 'top-speed', { preconditions: { uid: created.metadata.uid, resourceVersion: created.metadata.resourceVersion } });
  t.equal(result.deleted, true);
  t.same(platform.calls.map((c) => c.method).filter((m) => m !== 'EVENT').sort(), ['DELETE', 'GET', 'GET-AUTOPILOT', 'LIST-JOBS', 'LIST-SAVEPOINTS', 'PATCH']);
});

t.test('a GET of a known object reads the deployment and its surroundings at once; within the max age, the deployment alone', async (t) => {
  const { platform, storage } = setup({ surroundingsMaxAgeMs: 60_000 });
  const created = await storage.create(ctx(), manifest());
  const surroundings = (calls: Call[]) => calls.filter((c) => c.method !== 'GET' && c.method !== 'LIST').map((c) => c.method).sort();
  platform.calls = [];
  await replace(storage, ctx(), { ...created, metadata: { ...created.metadata, resourceVersion: undefined } });
  platform.calls = [];
  const first = await storage.get(ctx(), 'flink', 'top-speed');
  t.same(platform.calls.map((c) => c.method).filter((m) => m === 'GET' || m === 'LIST'), ['GET'], 'the cached location: no label query');
  t.same(surroundings(platform.calls), [], 'surroundings read for this deployment version by the write are reused');
  platform.settle('default', 'top-speed', 'RUNNING');
  platform.calls = [];
  const second = await storage.get(ctx(), 'flink', 'top-speed');
  t.same(surroundings(platform.calls), ['GET-AUTOPILOT', 'LIST-JOBS', 'LIST-SAVEPOINTS'], 'the deployment changed: its surroundings are read again');
  t.not(second.metadata.resourceVersion, first.metadata.resourceVersion);
  t.equal(second.status?.state, 'RUNNING');
});

t.test('without a max age every GET reads the surroundings again', async (t) => {
  const { platform, storage } = setup();
  await storage.create(ctx(), manifest());
  for (let i = 0; i < 2; i++) {
    platform.calls = [];
    await storage.get(ctx(), 'flink', 'top-speed');
    t.same(platform.calls.map((c) => c.method).sort(), ['GET', 'GET-AUTOPILOT', 'LIST-JOBS', 'LIST-SAVEPOINTS'], `GET ${i + 1}`);
  }
});

t.test('create refuses what the schema cannot: 422 with one cause per field, nothing written', async (t) => {
  const { platform, storage } = setup();
  const bad = manifest('top-speed', { syncingMode: 'PUT', initFields: { spec: {} } });
  bad.metadata.labels = { 'ververica.platform/owner': 'someone-else' };
  const err = await rejects(t, storage.create(ctx(), bad), { code: 422, reason: 'Invalid' });
  t.same(err?.status.details?.causes?.map((c) => c.field), ['metadata.labels[ververica.platform/owner]', 'spec.initFields']);
  t.same(platform.writes(), []);
});

t.test('a foreign platform deployment is invisible and cannot be claimed', async (t) => {
  const { platform, storage } = setup();
  platform.seed('default', 'top-speed');
  t.same((await storage.list(ctx(), { labelSelector: [], fieldSelector: [] })).items, []);
  await rejects(t, storage.create(ctx(), manifest()), { code: 409, reason: 'AlreadyExists', message: /not managed by this server .*cannot be claimed/ });
});

t.test('two Kubernetes objects cannot share a platform deployment or a name', async (t) => {
  const { storage } = setup();
  await storage.create(ctx(), manifest());
  await rejects(t, storage.create(ctx(), manifest()), { code: 409, reason: 'AlreadyExists' });
  const twin = manifest('twin', { deployment: { metadata: { name: 'top-speed' }, spec: { state: 'CANCELLED' } } });
  await rejects(t, storage.create(ctx(), twin), { code: 409, message: /already managed by VvpDeployment flink\/top-speed/ });
});

t.test('dry run: validated and answered, nothing written', async (t) => {
  const { platform, storage } = setup();
  const o = await storage.create(ctx(true), manifest());
  t.equal(o.metadata.name, 'top-speed');
  t.same(platform.writes(), []);
  await storage.create(ctx(), manifest());
  const before = platform.writes().length;
  const next = await storage.get(ctx(), 'flink', 'top-speed');
  next.spec.deployment.spec!.state = 'CANCELLED';
  const dry = await replace(storage, ctx(true), next);
  t.equal(dry.spec.deployment.spec?.state, 'CANCELLED');
  t.equal(dry.metadata.generation, 2);
  t.equal(platform.writes().length, before);
});

t.test('update: unchanged → no write; stale resourceVersion → 409; a change → one PATCH', async (t) => {
  const { platform, storage, events } = setup();
  await storage.create(ctx(), manifest());
  platform.calls = [];
  const current = await storage.get(ctx(), 'flink', 'top-speed');
  const same = await replace(storage, ctx(), structuredClone(current));
  t.same(platform.writes(), [], 'no platform write for an unchanged object');
  t.equal(same.metadata.resourceVersion, current.metadata.resourceVersion);

  const changed = structuredClone(current);
  changed.spec.deployment.spec!.template!.spec!.parallelism = 4;
  const updated = await replace(storage, ctx(), changed);
  t.same(platform.writes().map((c) => c.method), ['PATCH']);
  t.equal(updated.metadata.generation, 2);
  t.equal(platform.deployments.get('default/top-speed')?.spec.template?.spec?.parallelism, 4);
  t.not(updated.metadata.resourceVersion, current.metadata.resourceVersion);
  t.match(events.at(-1)?.event, { reason: 'Projected', message: /mode=PATCH/ });
  t.match(events.at(-2)?.event, { reason: 'PlatformEffect', message: /^Kubernetes API server wrote the platform deployment: platform effect: / });

  await rejects(t, replace(storage, ctx(), changed), { code: 409, reason: 'Conflict', message: /has been modified/ });
});

t.test('a race between replicas is refused by the platform resourceVersion', async (t) => {
  const { platform, storage } = setup();
  await storage.create(ctx(), manifest());
  const current = await storage.get(ctx(), 'flink', 'top-speed');
  platform.fail = (call) => {
    if (call.method !== 'PATCH') return undefined;
    const d = platform.deployments.get('default/top-speed');
    if (d) d.metadata.resourceVersion += 1; // another replica wrote in between
    return undefined;
  };
  const changed = structuredClone(current);
  changed.spec.deployment.spec!.state = 'CANCELLED';
  await rejects(t, replace(storage, ctx(), changed), { code: 409, reason: 'Conflict', message: /stale/ });
});

t.test('PUT mode replaces the definition', async (t) => {
  const { platform, storage } = setup();
  await storage.create(ctx(), manifest('top-speed', { syncingMode: 'PUT' }));
  const current = await storage.get(ctx(), 'flink', 'top-speed');
  current.spec.deployment.spec!.template!.spec!.parallelism = 3;
  // A field someone set on the platform only: a merge would keep it, a replacement does not.
  const live = platform.deployments.get('default/top-speed')!;
  live.spec.template!.spec!.flinkConfiguration = { ...live.spec.template!.spec!.flinkConfiguration, 'set.elsewhere': 'x' };
  await replace(storage, ctx(), current);
  const after = platform.deployments.get('default/top-speed');
  t.equal(after?.spec.template?.spec?.parallelism, 3, 'the new definition is on the platform');
  t.notOk(after?.spec.template?.spec?.flinkConfiguration?.['set.elsewhere'], 'what the definition does not name is gone');
});

t.test('savepointNonce while RUNNING: a savepoint tagged with the nonce, recorded once', async (t) => {
  const { platform, storage, events } = setup();
  await storage.create(ctx(), manifest());
  platform.settle('default', 'top-speed', 'RUNNING');
  const current = await storage.get(ctx(), 'flink', 'top-speed');
  current.spec.savepointNonce = 1;
  platform.calls = [];
  const updated = await replace(storage, ctx(), current);
  t.equal(platform.savepoints.length, 1, 'one savepoint on the platform');
  t.same(platform.savepoints[0]?.metadata.annotations, { [ANNOTATION.savepointNonce]: '1', [SAVEPOINT_TRIGGER_ANNOTATION]: '2026-11-24T12:00:02Z' }, 'tagged with the nonce');
  t.equal(updated.status?.observedSavepointNonce, 1);
  t.match(condition(updated, 'NonceAligned'), { status: 'False', reason: 'SavepointInProgress' });
  t.same(events.map((e) => e.event.reason), ['Created', 'PlatformEffect', 'SavepointTriggered']);
  t.match(events[1]?.event.message, /: platform effect: none on the job \(metadata only\); takes a savepoint \(savepointNonce=1\)$/, 'the effect of the write, said before the savepoint it asks for');
  const sp = platform.savepoints[0];
  if (sp?.status) { sp.status.state = 'COMPLETED'; sp.metadata.modifiedAt = platform.tick(); }
  const later = await storage.get(ctx(), 'flink', 'top-speed');
  t.match(condition(later, 'NonceAligned'), { status: 'True', reason: 'NoncesProcessed' });
  platform.calls = [];
  await replace(storage, ctx(), later);
  t.same(platform.writes(), [], 'the same nonce is not acted on again');
});

t.test('savepointNonce while CANCELLED: SavepointBlocked, no savepoint', async (t) => {
  const { platform, storage, events } = setup();
  await storage.create(ctx(), manifest('top-speed', { deployment: { spec: { state: 'CANCELLED' } } }));
  const current = await storage.get(ctx(), 'flink', 'top-speed');
  current.spec.savepointNonce = 7;
  const updated = await replace(storage, ctx(), current);
  t.equal(platform.savepoints.length, 0);
  t.match(condition(updated, 'NonceAligned'), { status: 'False', reason: 'SavepointBlocked' });
  t.match(events.at(-1)?.event, { type: 'Warning', reason: 'SavepointBlocked' });
});

t.test('restartNonce while RUNNING: the template restart annotation', async (t) => {
  const { platform, storage } = setup();
  await storage.create(ctx(), manifest());
  platform.settle('default', 'top-speed', 'RUNNING');
  const current = await storage.get(ctx(), 'flink', 'top-speed');
  current.spec.restartNonce = 2;
  const updated = await replace(storage, ctx(), current);
  t.equal(platform.deployments.get('default/top-speed')?.spec.template?.metadata?.annotations?.[RESTART_ANNOTATION], '2');
  t.equal(updated.status?.observedRestartNonce, 2);
  t.notOk(JSON.stringify(updated.spec).includes(RESTART_ANNOTATION));
  t.match(condition(updated, 'SpecAligned'), { status: 'True' });
});

t.test('an initial savepoint is registered before the deployment may start; a refusal leaves nothing behind', async (t) => {
  const { platform, storage } = setup();
  const o = await storage.create(ctx(), manifest('top-speed', { initialSavepointSpec: { savepointLocation: 's3://b/sp' } }));
  const d = platform.deployments.get('default/top-speed');
  const registered = platform.savepoints.filter((sp) => sp.metadata.deploymentId === d?.metadata.id);
  t.same(registered.map((sp) => sp.spec?.savepointLocation), ['s3://b/sp'], 'the savepoint is registered for the deployment');
  t.equal((platform.calls.find((c) => c.method === 'POST')?.body as DeploymentWrite).spec?.state, 'CANCELLED', 'created stopped');
  t.equal(d?.spec.state, 'RUNNING', 'then started');
  t.ok(Date.parse(registered[0]?.metadata.createdAt ?? '') <= Date.parse(d?.metadata.modifiedAt ?? ''), 'started no earlier than the savepoint was there');
  t.match(condition(o, 'Consistent'), { status: 'True' });

  platform.fail = (call) => (call.method === 'REGISTER' ? httpError('POST', 400, 'spec.savepointLocation: not a valid URI') : undefined);
  await rejects(t, storage.create(ctx(), manifest('second', { initialSavepointSpec: { savepointLocation: 'nope' } })), { code: 422, message: /not a valid URI/ });
  t.notOk(platform.deployments.has('default/second'));
});

t.test('list: all namespaces or one, label and field selectors, pages', async (t) => {
  const { storage } = setup();
  await storage.create(ctx(), manifest('a'));
  await storage.create(ctx(), manifest('b', { deployment: { metadata: { namespace: 'team-a' }, spec: { state: 'CANCELLED' } } }));
  await storage.create(ctx(), manifest('c', {}, 'other'));
  const all = await storage.list(ctx(), { labelSelector: [], fieldSelector: [] });
  t.same(all.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`), ['flink/a', 'flink/b', 'other/c']);
  t.ok(all.items.every((o) => Number(all.metadata.resourceVersion) >= Number(o.metadata.resourceVersion)));
  t.same((await storage.list(ctx(), { namespace: 'other', labelSelector: [], fieldSelector: [] })).items.map((o) => o.metadata.name), ['c']);
  t.same((await storage.list(ctx(), { labelSelector: [], fieldSelector: [{ field: 'metadata.name', operator: 'Equals', value: 'b' }] })).items.map((o) => o.metadata.name), ['b']);
  t.same((await storage.list(ctx(), { labelSelector: [{ key: 'app', operator: 'NotIn', values: ['speed'] }], fieldSelector: [] })).items, []);
  const page1 = await storage.list(ctx(), { labelSelector: [], fieldSelector: [], limit: 2 });
  t.same(page1.items.map((o) => o.metadata.name), ['a', 'b']);
  t.equal(page1.metadata.remainingItemCount, 1);
  const page2 = await storage.list(ctx(), { labelSelector: [], fieldSelector: [], limit: 2, continue: page1.metadata.continue ?? '' });
  t.same(page2.items.map((o) => o.metadata.name), ['c']);
  t.equal(page2.metadata.continue, undefined);
  await rejects(t, storage.list(ctx(), { labelSelector: [], fieldSelector: [{ field: 'spec.syncingMode', operator: 'Equals', value: 'PUT' }] }), { code: 400 });
});

t.test('the background pass works from a recent full listing (a watch poll\'s) instead of listing again', async (t) => {
  const { platform, storage } = setup({ listingReuseMs: 60_000 });
  await storage.create(ctx(), manifest('a'));
  await storage.create(ctx(), manifest('b'));
  platform.settle('default', 'a', 'RUNNING');
  await storage.delete(ctx(), 'flink', 'a', {});
  platform.settle('default', 'a', 'CANCELLED');
  await storage.list(ctx(), { labelSelector: [], fieldSelector: [] });
  platform.calls = [];
  t.equal(await storage.finishPendingWork(), 1, 'the deletion marked in the listing is finished');
  t.same(platform.calls.filter((c) => c.method === 'LIST'), [], 'no listing of its own');
  t.notOk(platform.deployments.has('default/a'));
  t.ok(platform.deployments.has('default/b'), 'nothing else touched');
  const withoutReuse = setup();
  await withoutReuse.storage.finishPendingWork();
  t.same(withoutReuse.platform.calls.filter((c) => c.method === 'LIST').map((c) => c.ns), ['default', 'team-a'], 'without reuse: one listing per platform namespace');
});

t.test('delete (Cancel) of a running deployment: deletionTimestamp and DeletionBlocked, then gone', async (t) => {
  const { platform, storage, fresh, events } = setup();
  await storage.create(ctx(), manifest());
  platform.settle('default', 'top-speed', 'RUNNING');
  const result = await storage.delete(ctx(), 'flink', 'top-speed', {});
  t.equal(result.deleted, false);
  t.ok(result.object.metadata.deletionTimestamp);
  t.match(condition(result.object as VvpDeployment, 'DeletionBlocked'), { status: 'True', reason: 'WaitingForCancellation' });
  t.equal(platform.deployments.get('default/top-speed')?.spec.state, 'CANCELLED');
  t.equal(await fresh().finishPendingWork(), 0, 'still waiting');
  platform.settle('default', 'top-speed', 'CANCELLED');
  t.equal(await fresh().finishPendingWork(), 1, 'a restarted server finishes it');
  t.notOk(platform.deployments.has('default/top-speed'));
  await rejects(t, storage.get(ctx(), 'flink', 'top-speed'), { code: 404 });
  t.match(events.at(-1)?.event, { reason: 'Deleted', message: /policy Cancel/ });
});

t.test('delete of a CANCELLED deployment finishes at once', async (t) => {
  const { platform, storage } = setup();
  await storage.create(ctx(), manifest('top-speed', { deployment: { spec: { state: 'CANCELLED' } } }));
  const result = await storage.delete(ctx(), 'flink', 'top-speed', {});
  t.equal(result.deleted, true);
  t.notOk(platform.deployments.has('default/top-speed'));
});

t.test('delete (Orphan): the platform deployment keeps running, unmanaged and invisible', async (t) => {
  const { platform, storage } = setup();
  await storage.create(ctx(), manifest('top-speed', { deletionPolicy: 'Orphan' }));
  platform.settle('default', 'top-speed', 'RUNNING');
  const result = await storage.delete(ctx(), 'flink', 'top-speed', {});
  t.equal(result.deleted, true);
  const d = platform.deployments.get('default/top-speed');
  t.equal(d?.spec.state, 'RUNNING');
  t.equal(d?.metadata.labels?.[MANAGED_BY_LABEL], undefined);
  t.same(Object.keys(d?.metadata.annotations ?? {}).filter((k) => k.startsWith('k8s.ververica.platform/')), []);
  t.same((await storage.list(ctx(), { labelSelector: [], fieldSelector: [] })).items, []);
});

t.test('delete preconditions', async (t) => {
  const { storage } = setup();
  await storage.create(ctx(), manifest());
  await rejects(t, storage.delete(ctx(), 'flink', 'top-speed', { preconditions: { uid: 'nope' } }), { code: 409, message: /the UID in the precondition \(nope\) does not match the UID in record/ });
  await rejects(t, storage.delete(ctx(), 'flink', 'top-speed', { preconditions: { resourceVersion: '1' } }), { code: 409, message: /the ResourceVersion in the precondition \(1\) does not match the ResourceVersion in record/ });
});

t.test('a platform refusal while finishing a deletion shows as DeletionBlocked/PlatformRefused', async (t) => {
  const { platform, storage } = setup();
  await storage.create(ctx(), manifest());
  platform.settle('default', 'top-speed', 'RUNNING');
  await storage.delete(ctx(), 'flink', 'top-speed', {});
  platform.settle('default', 'top-speed', 'CANCELLED');
  platform.fail = (call) => (call.method === 'DELETE' ? httpError('DELETE', 403, 'role viewer cannot delete') : undefined);
  t.equal(await storage.finishPendingWork(), 0);
  const o = await storage.get(ctx(), 'flink', 'top-speed');
  t.match(condition(o, 'DeletionBlocked'), { status: 'True', reason: 'PlatformRefused', message: /role viewer cannot delete/ });
});

t.test('platform failures as Kubernetes Status', async (t) => {
  const { platform, storage } = setup();
  await storage.create(ctx(), manifest());
  platform.fail = () => new VvpError({ kind: 'unreachable', message: 'ECONNREFUSED', method: 'GET', route: '/api/v1/namespaces/{ns}/deployments/{name}' });
  const e = await rejects(t, storage.get(ctx(), 'flink', 'top-speed'), { code: 503, reason: 'ServiceUnavailable', message: /http:\/\/vvp\.test is unreachable/ });
  t.equal(e?.status.details?.retryAfterSeconds, 5);
  platform.fail = () => new VvpError({ kind: 'timeout', message: 'timed out', method: 'GET', route: '/x' });
  await rejects(t, storage.get(ctx(), 'flink', 'top-speed'), { code: 504, reason: 'Timeout' });
  platform.fail = (call) => (call.method === 'PATCH' ? httpError('PATCH', 403, 'Deployment "top-speed" is write-protected') : undefined);
  const current = await storage.get(ctx(), 'flink', 'top-speed').catch(() => undefined);
  if (current) {
    current.spec.deployment.spec!.state = 'CANCELLED';
    await rejects(t, replace(storage, ctx(), current), { code: 403, reason: 'Forbidden', message: /write-protected/ });
  }
  platform.fail = (call) => (call.method === 'POST' ? httpError('POST', 400, 'spec.deploymentTargetName: a deployment needs spec.deploymentTargetName') : undefined);
  const err = await rejects(t, storage.create(ctx(), manifest('x')), { code: 422 });
  t.same(err?.status.details?.causes?.map((c) => c.field), ['spec.deployment.spec.deploymentTargetName']);
  platform.fail = (call) => (call.method === 'POST' ? httpError('POST', 400, 'broken') : undefined);
  await rejects(t, storage.create(ctx(), manifest('y')), { code: 400, reason: 'BadRequest', message: /broken/ });
});

t.test('apikeySecretName: that Secret\'s token for the object\'s writes only', async (t) => {
  const asked: string[] = [];
  const { platform, storage } = setup({
    resolveToken: async (ns, secret) => { asked.push(`${ns}/${secret}`); return 'token-op-1'; },
  });
  const m = manifest();
  m.metadata.annotations = { apikeySecretName: 'vvp-key' };
  const created = await storage.create(ctx(), m);
  t.same(asked, ['flink/vvp-key']);
  t.equal(platform.calls.find((c) => c.method === 'POST')?.token, 'token-op-1');
  t.notOk(JSON.stringify(created).includes('token-op-1'));
  const { storage: unconfigured } = setup();
  await rejects(t, unconfigured.create(ctx(), m), { code: 500, message: /not configured to read Secrets/ });
});

t.test('PUT of a missing object creates it', async (t) => {
  const { storage } = setup();
  t.equal(storage.allowCreateOnUpdate, true);
  const o = await replace(storage, ctx(), manifest());
  t.ok(o.metadata.uid);
});

t.test('table cells', async (t) => {
  const { storage, platform } = setup();
  await storage.create(ctx(), manifest());
  platform.settle('default', 'top-speed', 'RUNNING');
  const o = await storage.get(ctx(), 'flink', 'top-speed');
  t.same(storage.tableColumns.map((c) => c.name), ['Name', 'State', 'Status', 'Healthy', 'Job', 'Parallelism', 'Age', 'Platform']);
  t.same(storage.tableCells(o).slice(0, 6), ['top-speed', 'RUNNING', 'RUNNING', 'True', '<none>', '2']);
});

t.test('an unreachable platform while finishing a deletion shows as DeletionBlocked/PlatformUnavailable', async (t) => {
  const { platform, storage } = setup();
  await storage.create(ctx(), manifest());
  platform.settle('default', 'top-speed', 'RUNNING');
  await storage.delete(ctx(), 'flink', 'top-speed', {});
  platform.settle('default', 'top-speed', 'CANCELLED');
  platform.fail = (call) => (call.method === 'DELETE' ? new VvpError({ kind: 'unreachable', message: 'ECONNRESET', method: 'DELETE', route: '/x' }) : undefined);
  t.equal(await storage.finishPendingWork(), 0);
  platform.fail = undefined;
  const o = await storage.get(ctx(), 'flink', 'top-speed');
  t.match(condition(o, 'DeletionBlocked'), { status: 'True', reason: 'PlatformUnavailable' });
  t.equal(await storage.finishPendingWork(), 1, 'and finishes once the platform is back');
});

t.test('a spec.deployment change while deleting is refused; a dry-run delete writes nothing', async (t) => {
  const { platform, storage } = setup();
  await storage.create(ctx(), manifest());
  const before = platform.writes().length;
  const dry = await storage.delete(ctx(true), 'flink', 'top-speed', {});
  t.ok(dry.object.metadata.deletionTimestamp);
  t.equal(platform.writes().length, before);
  platform.settle('default', 'top-speed', 'RUNNING');
  await storage.delete(ctx(), 'flink', 'top-speed', {});
  const o = await storage.get(ctx(), 'flink', 'top-speed');
  o.spec.deployment.spec!.state = 'RUNNING';
  o.spec.deployment.spec!.template!.spec!.parallelism = 9;
  await rejects(t, replace(storage, ctx(), o), { code: 422, message: /being deleted/ });
});

t.test('a deletion re-sets a desired state changed behind its back, and a cleared refusal stops showing', async (t) => {
  const { platform, storage } = setup();
  await storage.create(ctx(), manifest());
  platform.settle('default', 'top-speed', 'RUNNING');
  await storage.delete(ctx(), 'flink', 'top-speed', {});
  const d = platform.deployments.get('default/top-speed');
  if (d) d.spec.state = 'RUNNING';
  platform.fail = (call) => (call.method === 'PATCH' && (call.body as DeploymentWrite).spec ? httpError('PATCH', 403, 'quota frozen') : undefined);
  await storage.finishPendingWork();
  platform.fail = undefined;
  t.match(condition(await storage.get(ctx(), 'flink', 'top-speed'), 'DeletionBlocked'), { reason: 'PlatformRefused', message: /quota frozen/ });
  await storage.finishPendingWork();
  t.equal(platform.deployments.get('default/top-speed')?.spec.state, 'CANCELLED');
  t.match(condition(await storage.get(ctx(), 'flink', 'top-speed'), 'DeletionBlocked'), { reason: 'WaitingForCancellation' });
});

t.test('delete retries a race with the platform itself', async (t) => {
  const { platform, storage } = setup();
  await storage.create(ctx(), manifest());
  platform.settle('default', 'top-speed', 'RUNNING');
  let raced = 0;
  platform.fail = (call) => {
    if (call.method === 'PATCH' && raced++ < 2) return httpError('PATCH', 409, 'metadata.resourceVersion 3 is stale');
    return undefined;
  };
  const result = await storage.delete(ctx(), 'flink', 'top-speed', {});
  t.ok(result.object.metadata.deletionTimestamp);
  t.equal(raced, 3);
  platform.fail = (call) => (call.method === 'PATCH' ? httpError('PATCH', 409, 'stale') : undefined);
  const { storage: s2, platform: p2 } = setup();
  await s2.create(ctx(), manifest());
  p2.fail = platform.fail;
  await rejects(t, s2.delete(ctx(), 'flink', 'top-speed', {}), { code: 409, reason: 'Conflict' });
});

t.test('the server\'s own follow-up writes survive the platform bumping its resourceVersion meanwhile', async (t) => {
  const { platform, storage } = setup();
  await storage.create(ctx(), manifest('top-speed', { deletionPolicy: 'Orphan' }));
  let patches = 0;
  platform.fail = (call) => {
    if (call.method !== 'PATCH') return undefined;
    patches++;
    const d = platform.deployments.get('default/top-speed');
    if (patches === 2 && d) d.metadata.resourceVersion += 1; // a status transition between our read and our write
    return undefined;
  };
  const result = await storage.delete(ctx(), 'flink', 'top-speed', {});
  t.equal(result.deleted, true);
  t.equal(platform.deployments.get('default/top-speed')?.metadata.labels?.[MANAGED_BY_LABEL], undefined);
  t.equal(patches, 3, 'mark, refused release, release on a fresh read');
});

/** A storage with the machinery's WatchHub, closed when the test ends. */
function setupWithHub(t: Test, pollIntervalMs: number) {
  const s = setup({ watch: { pollIntervalMs } });
  t.teardown(() => s.storage.close());
  return s;
}

t.test('a list reuses the JSON the watch hub keeps for an unchanged object, and builds a changed one', async (t) => {
  const { platform, storage } = setupWithHub(t, 1e9);
  await storage.create(ctx(), manifest('a'));
  await storage.create(ctx(), manifest('b'));
  const list = () => storage.list(ctx(), { namespace: 'flink', labelSelector: [], fieldSelector: [] });
  // The first list lets the hub take its snapshot of the scope (a resourceVersion a watch resumes from), then reads.
  t.same((await list()).items.map((o) => typeof serializedText(o)), ['string', 'string'], 'unchanged since the hub\'s first snapshot: both texts reused');
  const stream = await storage.watch!(ctx(), { namespace: 'flink', labelSelector: [], fieldSelector: [], allowWatchBookmarks: false });
  t.teardown(() => stream.stop());
  platform.settle('default', 'b', 'RUNNING');
  const items = (await list()).items;
  t.type(serializedText(items[0]!), 'string', 'a: unchanged since the hub\'s poll, its text reused');
  t.equal(serializedText(items[1]!), undefined, 'b: changed on the platform since, built from the listing');
  t.same(fullObject(items[0]!), await storage.get(ctx(), 'flink', 'a'), 'the reused text is the object a GET builds');
  t.equal((items[1] as VvpDeployment).status?.state, 'RUNNING');
});

t.test('watch through the machinery\'s WatchHub: one scope per platform namespace, selectors, the deletion mark then DELETED', async (t) => {
  const { platform, storage } = setupWithHub(t, 100);
  t.type(storage.watch, 'function');
  t.equal(setup().storage.watch, undefined, 'no hub, no watch verb');
  await storage.create(ctx(), manifest('a'));
  await storage.create(ctx(), manifest('b', {}, 'other'));
  const list = await storage.list(ctx(), { namespace: 'flink', labelSelector: [], fieldSelector: [] });
  const watchFn = storage.watch;
  if (!watchFn) throw new Error('no watch');
  const stream = await watchFn(ctx(), { namespace: 'flink', labelSelector: [], fieldSelector: [], allowWatchBookmarks: false, resourceVersion: list.metadata.resourceVersion ?? '' });
  const iterator = stream[Symbol.asyncIterator]();
  const next = async (): Promise<WatchEvent> => {
    const r = await Promise.race([iterator.next(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no event')), 3000))]);
    if (r.done) throw new Error('stream ended');
    return r.value;
  };
  const current = await storage.get(ctx(), 'flink', 'a');
  current.spec.deployment.spec!.template!.spec!.parallelism = 7;
  await replace(storage, ctx(), current);
  const modified = await next();
  t.equal(modified.type, 'MODIFIED');
  t.equal((modified.object as VvpDeployment).metadata.name, 'a');
  t.ok(BigInt((modified.object as VvpDeployment).metadata.resourceVersion ?? '0') > BigInt(list.metadata.resourceVersion ?? '0'));
  await storage.create(ctx(), manifest('c', { deployment: { spec: { state: 'CANCELLED' } } }));
  t.match(await next(), { type: 'ADDED', object: { metadata: { name: 'c' } } });
  await storage.delete(ctx(), 'flink', 'c', {});
  let event = await next();
  while (event.type === 'MODIFIED') {
    t.ok((event.object as VvpDeployment).metadata.deletionTimestamp, 'the deletion mark shows first');
    event = await next();
  }
  t.match(event, { type: 'DELETED', object: { metadata: { name: 'c' } } });
  stream.stop();
  t.equal(platform.deployments.has('default/c'), false);
  await rejects(t, watchFn(ctx(), { labelSelector: [], fieldSelector: [{ field: 'status.state', operator: 'Equals', value: 'x' }], allowWatchBookmarks: false }), { code: 400 });
});

t.test('a burst of writes wakes the watch poll once, then once more at the end of the window: watchers see every write', async (t) => {
  const { platform, storage } = setupWithHub(t, 8_000);
  const stream = await storage.watch!(ctx(), { namespace: 'flink', labelSelector: [], fieldSelector: [], allowWatchBookmarks: false });
  const iterator = stream[Symbol.asyncIterator]();
  t.teardown(() => stream.stop());
  platform.calls = [];
  const names = Array.from({ length: 10 }, (_, i) => `burst-${i}`);
  for (const name of names) await storage.create(ctx(), manifest(name, { deployment: { spec: { state: 'CANCELLED' } } }));
  const seen = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), 30_000); });
  while (seen.size < names.length) {
    const r = await Promise.race([iterator.next(), expired]);
    if (!r || r.done) break;
    if (r.value.type === 'ADDED') seen.add((r.value.object as VvpDeployment).metadata.name ?? '');
  }
  clearTimeout(timer);
  t.same([...seen].sort(), [...names].sort(), 'every create shows, before the next regular poll');
  // One full read of the platform namespace per wake-up (its jobs listed once); the regular poll may add one more.
  const namespaceReads = platform.calls.filter((c) => c.method === 'LIST-JOBS' && c.ns === 'default').length;
  t.ok(namespaceReads >= 1 && namespaceReads <= 3, `${namespaceReads} namespace reads for ${names.length} creates`);
});

t.test('platform outage: a namespace last seen without objects lists empty; one with objects, or never seen, answers 503', async (t) => {
  const { platform, storage } = setup({ watch: { pollIntervalMs: 100 } });
  t.teardown(() => storage.close());
  const watch = storage.watch;
  if (!watch) throw new Error('no watch');
  await storage.create(ctx(), manifest('a'));
  const down = () => new VvpError({ kind: 'unreachable', message: 'ECONNREFUSED', method: 'GET', route: '/api/v1/namespaces/{ns}/deployments' });
  const listOf = (namespace?: string) => storage.list(ctx(), { ...(namespace ? { namespace } : {}), labelSelector: [], fieldSelector: [] });
  platform.fail = down;
  await rejects(t, listOf('apps'), { code: 503, message: /unreachable/ });

  platform.fail = undefined;
  await storage.refreshOccupancy();
  platform.fail = down;
  const empty = await listOf('apps');
  t.same(empty.items, [], 'apps: empty, from the last listing');
  t.match(empty.metadata.resourceVersion, /^\d+$/);
  await rejects(t, listOf('flink'), { code: 503 });
  await rejects(t, listOf(), { code: 503 });
  platform.fail = (call) => (call.method === 'LIST' ? httpError('GET', 403, 'token expired') : undefined);
  await rejects(t, listOf('apps'), { code: 403 });

  platform.fail = down;
  const stream = await watch(ctx(), { namespace: 'apps', labelSelector: [], fieldSelector: [], allowWatchBookmarks: true, sendInitialEvents: true });
  const events: WatchEvent[] = [];
  for await (const event of stream) events.push(event);
  t.match(events, [{ type: 'BOOKMARK', object: { metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } } }], 'an initial watch: no objects, the end of the initial events, then it ends');
  await rejects(t, watch(ctx(), { namespace: 'flink', labelSelector: [], fieldSelector: [], allowWatchBookmarks: true, sendInitialEvents: true }), { code: 503 });

  platform.fail = undefined;
  await storage.create(ctx(), manifest('b', {}, 'apps'));
  platform.fail = down;
  await rejects(t, listOf('apps'), { code: 503 });
  platform.fail = undefined;
  await storage.delete(ctx(), 'apps', 'b', {});
  await listOf();
  platform.fail = down;
  t.same((await listOf('apps')).items, [], 'a full list shows it gone again');
});

function unreachableSavepointPost(): VvpError {
  return new VvpError({ kind: 'unreachable', message: 'socket hang up', method: 'POST', route: '/api/v1/namespaces/{ns}/savepoints' });
}

function nonceRecordOf(platform: FakePlatform): { nonce: number; outcome: string; at: string; savepointId?: string; message?: string } {
  return JSON.parse(platform.deployments.get('default/top-speed')?.metadata.annotations?.[ANNOTATION.savepointNonce] ?? 'null');
}

async function runningWithNonce(storage: VvpDeploymentStorage, platform: FakePlatform, nonce: number): Promise<VvpDeployment> {
  await storage.create(ctx(), manifest());
  platform.settle('default', 'top-speed', 'RUNNING');
  const current = await storage.get(ctx(), 'flink', 'top-speed');
  current.spec.savepointNonce = nonce;
  return current;
}

t.test('a savepoint nonce whose trigger got no answer is triggered once after the grace period, even by two replicas', async (t) => {
  let clock = Date.parse('2026-11-24T12:00:00Z');
  const { platform, storage, events, fresh } = setup({ now: () => new Date(clock), pendingSavepointGraceMs: 25_000 });
  const current = await runningWithNonce(storage, platform, 1);
  platform.fail = (call) => (call.method === 'SAVEPOINT' ? unreachableSavepointPost() : undefined);
  const updated = await replace(storage, ctx(), current);
  platform.fail = undefined;
  t.equal(platform.savepoints.length, 0);
  t.match(nonceRecordOf(platform), { nonce: 1, outcome: 'Triggered', savepointId: undefined }, 'pending: no answer is not a refusal');
  t.match(condition(updated, 'NonceAligned'), { status: 'False', reason: 'SavepointInProgress' });

  clock += 10_000;
  await storage.finishPendingWork();
  platform.calls = [];
  await replace(storage, ctx(), await storage.get(ctx(), 'flink', 'top-speed'));
  t.same(platform.writes(), [], 'within the grace period the writer may still be at it: neither the pass nor a retry acts');

  clock += 20_000;
  platform.calls = [];
  await Promise.all([storage.finishPendingWork(), fresh().finishPendingWork()]);
  t.equal(platform.savepoints.length, 1, 'one savepoint with two replicas settling at once');
  t.equal(platform.calls.filter((c) => c.method === 'PATCH').length, 3, 'both claimed, one claim lost, one outcome recorded');
  const record = nonceRecordOf(platform);
  t.same(platform.savepoints[0]?.metadata.annotations, { [ANNOTATION.savepointNonce]: '1', [SAVEPOINT_TRIGGER_ANNOTATION]: record.at });
  t.equal(record.savepointId, platform.savepoints[0]?.metadata.id);
  t.equal(events.filter((e) => e.event.reason === 'SavepointTriggered').length, 1);

  clock += 60_000;
  await storage.finishPendingWork();
  await replace(storage, ctx(), await storage.get(ctx(), 'flink', 'top-speed'));
  t.equal(platform.savepoints.length, 1, 'and never again');
});

t.test('a savepoint taken though its answer was lost is adopted, on the user\'s retry of the nonce', async (t) => {
  const { platform, storage, events } = setup({ pendingSavepointGraceMs: 3_600_000 });
  const current = await runningWithNonce(storage, platform, 4);
  platform.fail = (call) => {
    if (call.method !== 'SAVEPOINT') return undefined;
    const trigger = call.body as { deploymentId: string; annotations: StringMap };
    platform.savepoints.push({ metadata: { id: 'sp-landed', namespace: call.ns, deploymentId: trigger.deploymentId, origin: 'USER_REQUEST', annotations: trigger.annotations, createdAt: platform.tick() }, status: { state: 'COMPLETED' } });
    return unreachableSavepointPost();
  };
  await replace(storage, ctx(), current);
  platform.fail = undefined;
  t.equal(nonceRecordOf(platform).savepointId, undefined);
  const retried = await replace(storage, ctx(), await storage.get(ctx(), 'flink', 'top-speed'));
  t.equal(nonceRecordOf(platform).savepointId, 'sp-landed');
  t.equal(platform.calls.filter((c) => c.method === 'SAVEPOINT').length, 1, 'nothing triggered again');
  t.match(condition(retried, 'NonceAligned'), { status: 'True' });
  t.match(events.filter((e) => e.event.reason === 'SavepointTriggered').map((e) => e.event.message), [/sp-landed/]);
});

t.test('settling a trigger the platform refuses records SavepointTriggerFailed', async (t) => {
  let clock = Date.parse('2026-11-24T12:00:00Z');
  const { platform, storage, events } = setup({ now: () => new Date(clock), pendingSavepointGraceMs: 25_000 });
  const current = await runningWithNonce(storage, platform, 2);
  platform.fail = (call) => (call.method === 'SAVEPOINT' ? unreachableSavepointPost() : undefined);
  await replace(storage, ctx(), current);
  clock += 30_000;
  platform.fail = (call) => (call.method === 'SAVEPOINT' ? httpError('POST', 400, 'the deployment has no running job') : undefined);
  await storage.finishPendingWork();
  t.match(nonceRecordOf(platform), { outcome: 'Failed', message: /no running job/ });
  t.match(condition(await storage.get(ctx(), 'flink', 'top-speed'), 'NonceAligned'), { reason: 'SavepointTriggerFailed' });
  t.match(events.at(-1)?.event, { type: 'Warning', reason: 'SavepointFailed' });
});

t.test('with a record signer: a record changed on the platform side is neither served nor acted on', async (t) => {
  const warnings: string[] = [];
  const untrusted: string[] = [];
  const recordSigner = new RecordSigner([Buffer.from('s'.repeat(40))], 'op-1');
  const { platform, storage } = setup({ recordSigner, warn: (m) => warnings.push(m), onUntrustedRecord: (d, verdict) => untrusted.push(`${d} ${verdict}`) });
  await storage.create(ctx(), manifest('kept'));
  await storage.create(ctx(), manifest('forged'));
  t.ok(platform.deployments.get('default/kept')?.metadata.annotations?.[SIGNATURE_ANNOTATION], 'every record written is signed');
  const forged = platform.deployments.get('default/forged')!;
  Object.assign(forged.metadata.annotations!, {
    [ANNOTATION.deletion]: JSON.stringify({ timestamp: '2030-01-01T00:00:00Z', policy: 'Cancel' }),
    [ANNOTATION.annotations]: JSON.stringify({ apikeySecretName: 'probe' }),
  });
  t.same((await storage.list(ctx(), { labelSelector: [], fieldSelector: [] })).items.map((o) => o.metadata.name), ['kept'], 'not listed');
  await rejects(t, storage.get(ctx(), 'flink', 'forged'), { code: 404 });
  platform.calls = [];
  t.equal(await storage.finishPendingWork(), 0, 'its deletion mark is not acted on');
  t.same(platform.writes(), [], 'nothing written');
  t.ok(platform.deployments.has('default/forged'));
  t.same(untrusted, ['default/forged invalid'], 'reported once per version');
  t.match(warnings, [/did not write/]);
});

t.test('with a record signer: the server\'s own writes addressed by id (nonce claim and outcome, deletion mark) stay signed', async (t) => {
  let clock = Date.parse('2026-11-24T12:00:00Z');
  const recordSigner = new RecordSigner([Buffer.from('s'.repeat(40))], 'op-1');
  const untrusted: string[] = [];
  const { platform, storage } = setup({ recordSigner, now: () => new Date(clock), pendingSavepointGraceMs: 25_000, onUntrustedRecord: (d) => untrusted.push(d) });
  const current = await runningWithNonce(storage, platform, 1);
  platform.fail = (call) => (call.method === 'SAVEPOINT' ? unreachableSavepointPost() : undefined);
  await replace(storage, ctx(), current);
  platform.fail = undefined;
  clock += 30_000;
  await storage.finishPendingWork();
  t.equal(platform.savepoints.length, 1, 'the settler claimed and triggered by id');
  t.match(condition(await storage.get(ctx(), 'flink', 'top-speed'), 'NonceAligned'), { status: 'False', reason: 'SavepointInProgress' }, 'still served after the claim and the outcome');
  const deleting = await storage.delete(ctx(), 'flink', 'top-speed', {});
  t.equal(deleting.deleted, false);
  t.ok((await storage.get(ctx(), 'flink', 'top-speed')).metadata.deletionTimestamp, 'still served after the deletion mark');
  t.same(untrusted, [], 'no record the server wrote is taken for a forged one');
});

t.test('a deletion deletes the platform deployment it decided on, never a new one that took the name meanwhile', async (t) => {
  const { platform, storage } = setup();
  await storage.create(ctx(), manifest());
  platform.settle('default', 'top-speed', 'RUNNING');
  await storage.delete(ctx(), 'flink', 'top-speed', {});
  platform.settle('default', 'top-speed', 'CANCELLED');
  const decidedOn = platform.deployments.get('default/top-speed')!.metadata.id;
  let replacement: Deployment | undefined;
  platform.fail = (call) => {
    // Between the pass's read and its DELETE, someone deletes the deployment and creates another under the name.
    if (call.method === 'DELETE' && !replacement) replacement = platform.seed('default', 'top-speed');
    return undefined;
  };
  await storage.finishPendingWork();
  platform.fail = undefined;
  const deletes = platform.calls.filter((c) => c.method === 'DELETE');
  t.ok(deletes.length > 0 && deletes.every((c) => c.name === decidedOn), `every DELETE names the id decided on (${decidedOn}): ${JSON.stringify(deletes.map((c) => c.name))}`);
  t.equal(platform.deployments.get('default/top-speed')?.metadata.id, replacement?.metadata.id, 'the new deployment under the same name is still there');
});

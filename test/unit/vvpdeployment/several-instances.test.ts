// Two platform instances behind one VvpDeployment API: objects go where their owner label says, lists and watches
// span both, one instance's outage answers 503 only where its objects are, and the label cannot move an object.
import t from 'tap';
import { VvpDeploymentStorage } from '../../../apiserver/vvpdeployment/storage.js';
import type { RequestContext, WatchEvent } from '../../../apiserver/k8s/storage.js';
import { OWNER_LABEL } from '../../../apiserver/vvpdeployment/trust/annotations.js';
import type { VvpDeployment } from '../../../apiserver/vvpdeployment/types.js';
import { VvpError } from '../../../apiserver/vvp/errors.js';
import { FakePlatform } from '../../support/fake-platform.js';
import { manifest } from '../../support/fixtures.js';
import { rejection } from '../../support/rejection.js';
import { throughStrategy } from '../../support/strategy.js';
import { fullObject } from '../../../apiserver/k8s/serve/serialized.js';

function ctx(): RequestContext {
  return { user: { username: 'alice', groups: [], extra: {} }, dryRun: false, signal: new AbortController().signal };
}

function owned(name: string, owner: string | undefined, namespace = 'flink'): VvpDeployment {
  const m = manifest(name, {}, namespace);
  if (owner !== undefined) m.metadata.labels = { ...m.metadata.labels, [OWNER_LABEL]: owner };
  return m;
}

const down = () => new VvpError({ kind: 'unreachable', message: 'connect ECONNREFUSED', method: 'GET', route: '/api/v1/namespaces/{ns}/deployments' });

function setup(ids = ['prod', 'staging']) {
  const platforms = new Map(ids.map((id) => [id, new FakePlatform()]));
  const router = throughStrategy(new VvpDeploymentStorage({
    instances: ids.map((id) => ({
      client: platforms.get(id)!.client(), instanceId: id, platformNamespaces: ['default'], platformName: `http://${id}.test (instance ${id})`,
      watch: { pollIntervalMs: 60_000 }, grantEveryone: true,
    })),
  }));
  t.teardown(() => router.close());
  return { router, prod: platforms.get(ids[0]!)!, staging: platforms.get(ids[1] ?? ids[0]!)! };
}


t.test('each object lands on the platform its owner label names, and shows the instance in its status', async (t) => {
  const { router, prod, staging } = setup();
  const a = await router.create(ctx(), owned('a', 'prod'));
  const b = await router.create(ctx(), owned('b', 'staging'));
  t.ok(prod.deployments.has('default/a') && !prod.deployments.has('default/b'), 'a on prod only');
  t.ok(staging.deployments.has('default/b') && !staging.deployments.has('default/a'), 'b on staging only');
  t.equal(a.status?.platformInstance, 'prod');
  t.equal(b.status?.platformInstance, 'staging');
  t.equal((await router.get(ctx(), 'flink', 'b')).status?.platformInstance, 'staging', 'a GET finds it on its instance');
  const list = await router.list(ctx(), { namespace: 'flink', labelSelector: [], fieldSelector: [] });
  t.same(list.items.map((o) => `${o.metadata.name}@${(fullObject(o) as VvpDeployment).status?.platformInstance}`), ['a@prod', 'b@staging'], 'a list shows both');
  const first = await router.list(ctx(), { namespace: 'flink', labelSelector: [], fieldSelector: [], limit: 1 });
  t.same(first.items.map((o) => o.metadata.name), ['a']);
  const rest = await router.list(ctx(), { namespace: 'flink', labelSelector: [], fieldSelector: [], limit: 1, continue: first.metadata.continue });
  t.same(rest.items.map((o) => o.metadata.name), ['b'], 'paging continues across instances');
});

t.test('with two instances the owner label is required and must name one of them', async (t) => {
  const { router, prod, staging } = setup();
  const missing = await rejection(router.create(ctx(), owned('c', undefined)));
  t.equal(missing.code, 422);
  t.match(missing.status.details?.causes, [{ type: 'FieldValueRequired', field: `metadata.labels[${OWNER_LABEL}]`, message: /supported values: "prod", "staging"/ }]);
  const unknown = await rejection(router.create(ctx(), owned('c', 'qa')));
  t.match(unknown.status.details?.causes, [{ type: 'FieldValueNotSupported', message: /"qa": supported values: "prod", "staging"/ }]);
  t.equal(prod.writes().length + staging.writes().length, 0, 'nothing written anywhere');
});

t.test('the owner label is immutable; a name taken on the other instance is a conflict', async (t) => {
  const { router, staging } = setup();
  await router.create(ctx(), owned('a', 'prod'));
  const relabel = await rejection(router.update(ctx(), 'flink', 'a', (live) => ({ ...live!, metadata: { ...live!.metadata, labels: { ...live!.metadata.labels, [OWNER_LABEL]: 'staging' } } })));
  t.equal(relabel.code, 422);
  t.match(relabel.status.details?.causes, [{ field: `metadata.labels[${OWNER_LABEL}]`, message: /field is immutable/ }]);
  const twin = await rejection(router.create(ctx(), owned('a', 'staging')));
  t.match({ code: twin.code, message: twin.message }, { code: 409, message: /lives on platform instance "prod"/ });
  t.equal(staging.writes().length, 0, 'staging was not written');
  const relabelled = await router.update(ctx(), 'flink', 'a', (live) => ({ ...live!, metadata: { ...live!.metadata, labels: { ...live!.metadata.labels, team: 'x' } } }));
  t.equal(relabelled.metadata.labels?.team, 'x', 'other labels change as usual');
  let transforms = 0;
  const created = await router.update(ctx(), 'flink', 'new', () => { transforms++; return owned('new', 'staging'); }, owned('new', 'staging'));
  t.equal(created.status?.platformInstance, 'staging', 'an update that creates goes where its label says');
  t.equal(transforms, 1, 'routed by the object the request sent: the transform (admission) runs once');
  const written = staging.writes().length;
  const moved = await rejection(router.update(ctx(), 'flink', 'newer', () => owned('newer', 'staging'), owned('newer', 'prod')));
  t.match(moved.status.details?.causes, [{ field: `metadata.labels[${OWNER_LABEL}]`, message: /goes to the instance its request names \("prod"\); admission may not change it/ }]);
  t.equal(staging.writes().length, written, 'nothing written where admission tried to send it');
});

t.test('one instance down: 503 only where its objects are', async (t) => {
  const { router, prod, staging } = setup();
  await router.create(ctx(), owned('a', 'prod', 'team-prod'));
  await router.create(ctx(), owned('b', 'staging', 'team-staging'));
  await router.refreshOccupancy();
  staging.fail = () => down();
  const prodList = await router.list(ctx(), { namespace: 'team-prod', labelSelector: [], fieldSelector: [] });
  t.same(prodList.items.map((o) => o.metadata.name), ['a'], "prod's namespace lists while staging is down");
  t.equal((await router.get(ctx(), 'team-prod', 'a')).metadata.name, 'a', "and its objects answer");
  const stagingList = await rejection(router.list(ctx(), { namespace: 'team-staging', labelSelector: [], fieldSelector: [] }));
  t.equal(stagingList.code, 503, "staging's namespace answers 503");
  t.match(stagingList.message, /instance staging/);
  t.equal((await rejection(router.get(ctx(), 'team-staging', 'b'))).code, 503);
  t.equal((await rejection(router.list(ctx(), { labelSelector: [], fieldSelector: [] }))).code, 503, 'an all-namespaces list cannot be complete: 503');
  const watch = await router.watch!(ctx(), { namespace: 'team-prod', labelSelector: [], fieldSelector: [], allowWatchBookmarks: false });
  const events: WatchEvent[] = [];
  for await (const e of watch) {
    events.push(e);
    break;
  }
  watch.stop();
  t.same(events.map((e) => `${e.type} ${(e.object as VvpDeployment).metadata.name}`), ['ADDED a'], "a watch of prod's namespace works");
  prod.fail = undefined;
});

t.test('one instance: the label may be left out and is set to it', async (t) => {
  const { router } = setup(['only']);
  const created = await router.create(ctx(), owned('a', undefined));
  t.equal(created.metadata.labels?.[OWNER_LABEL], 'only');
  t.equal(created.status?.platformInstance, 'only');
  const other = await rejection(router.create(ctx(), owned('b', 'elsewhere')));
  t.equal(other.code, 422);
});

t.test("VVP 2 operator manifests are refused with the rename to make", async (t) => {
  const { router, prod } = setup(['only']);
  const m = owned('old-style', undefined) as VvpDeployment & { spec: { deployment: Record<string, unknown> }; status?: Record<string, unknown> };
  m.spec.deployment.userMetadata = { name: 'old-style' };
  (m as { status?: unknown }).status = { customResourceStatus: { deploymentState: 'RUNNING' } };
  const refused = await rejection(router.create(ctx(), m));
  t.equal(refused.code, 422);
  t.match(refused.status.details?.causes, [
    { field: 'spec.deployment.userMetadata', message: /rename spec.deployment.userMetadata to spec.deployment.metadata/ },
    { field: 'status.customResourceStatus', message: /VVP 2 operator field/ },
  ]);
  t.equal(prod.writes().length, 0, 'nothing written');
});

t.test('a platform that does not accept events is asked once, then not until restart; the other instance still is', async (t) => {
  const warnings: string[] = [];
  const platforms = { old: new FakePlatform(), current: new FakePlatform() };
  platforms.old.fail = (call) => (call.method === 'EVENT'
    ? new VvpError({ kind: 'http', status: 405, message: 'Method Not Allowed', method: 'POST', route: '/api/v1/namespaces/{ns}/events', unsupported: true })
    : undefined);
  const router = throughStrategy(new VvpDeploymentStorage({
    instances: (['old', 'current'] as const).map((id) => ({
      client: platforms[id].client(), instanceId: id, platformNamespaces: ['default'], platformName: id, grantEveryone: true,
      warn: (message: string) => warnings.push(`${id}: ${message}`),
    })),
  }));
  t.teardown(() => router.close());
  for (const name of ['a', 'b', 'c']) {
    await router.create(ctx(), owned(name, 'old'));
    await router.create(ctx(), owned(`${name}-2`, 'current'));
  }
  await new Promise((r) => setImmediate(r));
  const asked = (p: FakePlatform) => p.calls.filter((c) => c.method === 'EVENT').length;
  t.equal(asked(platforms.old), 1, 'the refusing platform was asked once');
  t.ok(asked(platforms.current) >= 3, `the other one gets every event (${asked(platforms.current)})`);
  t.same(warnings.filter((w) => /does not accept events/.test(w)), ['old: the platform does not accept events; its Events list is not written again until restart'], 'one log line');
});

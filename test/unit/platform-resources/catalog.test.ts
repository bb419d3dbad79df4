// Deployment targets and session clusters as cluster-scoped Kubernetes objects: named after their scope, visible
// only to holders of the tenancy grant (a list filters, a get of an ungranted name is a 403 whether or not it exists,
// a watch drops the others' events), a target created or deleted only by a holder of `<platform namespace>/*`, and
// no platform call for these kinds while nobody watches them.

import t, { type Test } from 'tap';
import { VvpDeploymentStorage } from '../../../apiserver/vvpdeployment/storage.js';
import type { SubjectAccessReviewSpec } from '../../../apiserver/k8s/auth/authorizer.js';
import type { RequestContext, WatchEvent } from '../../../apiserver/k8s/storage.js';
import type { KubeObject } from '../../../apiserver/k8s/types.js';
import {
  catalogObjectName, placeOf, VvpDeploymentTargetStorage, VvpSessionClusterStorage, type VvpDeploymentTarget, type VvpSessionCluster,
} from '../../../apiserver/platform-resources/index.js';
import { accessFor } from '../../support/access.js';
import { eventually } from '../../support/eventually.js';
import { FakePlatform } from '../../support/fake-platform.js';
import { statusOf } from '../../support/rejection.js';
import { throughStrategy } from '../../support/strategy.js';

const all = { labelSelector: [], fieldSelector: [] };

/**
 * A user whose `use` grants are exactly `names` (resourceName of deploymenttargets / sessionclusters, cluster-wide),
 * and who may create pods in Kubernetes namespace flink-new only.
 */
function userWith(names: string[], reviews: SubjectAccessReviewSpec[] = []): RequestContext {
  const user = { username: 'alice', groups: [], extra: {} };
  const decide = (spec: SubjectAccessReviewSpec) => {
    const a = spec.resourceAttributes;
    if (a?.verb === 'create' && a.resource === 'pods') return a.namespace === 'flink-new';
    return a?.verb === 'use' && names.includes(a.name ?? '');
  };
  return { user, dryRun: false, signal: new AbortController().signal, access: accessFor(user, decide, reviews) };
}

function setup(t: Test, pollIntervalMs?: number) {
  const platform = new FakePlatform();
  const watch = pollIntervalMs === undefined ? undefined : { pollIntervalMs };
  const router = new VvpDeploymentStorage({ instances: [{ client: platform.client(), instanceId: 'op-1', platformNamespaces: ['default', 'team-a'], platformName: 'VVP' }] });
  const options = { platforms: router, ...(watch ? { watch } : {}) };
  const targets = new VvpDeploymentTargetStorage(options);
  const clusters = throughStrategy(new VvpSessionClusterStorage(options));
  t.teardown(() => { router.close(); targets.close(); clusters.close(); });
  platform.addTarget('default', 'prod', 'flink-prod');
  platform.addTarget('default', 'staging', 'flink-staging');
  platform.addTarget('team-a', 'shared');
  platform.addTarget('default', 'Not_A_Label');
  return { platform, router, targets, clusters };
}

const names = (items: { metadata: { name?: string } }[]) => items.map((o) => o.metadata.name);

t.test('names: <platform namespace>.<name>, with several instances <instance>.<platform namespace>.<name>', async (t) => {
  t.equal(catalogObjectName('default', 'prod'), 'default.prod');
  t.equal(catalogObjectName('eu/default', 'prod'), 'eu.default.prod');
  t.match(placeOf('default.prod', ['default', 'team-a']), { scope: 'default', platformNamespace: 'default', platformName: 'prod' });
  t.match(placeOf('eu.west.default.prod', ['eu.west/default', 'us/default']), { scope: 'eu.west/default', instance: 'eu.west', platformNamespace: 'default', platformName: 'prod' },
    'an instance id with a dot still names one scope: the platform name and namespace hold none');
  t.equal(placeOf('other.prod', ['default']), undefined, 'a platform namespace not served names nothing');
  t.equal(placeOf('prod', ['default']), undefined, 'a name without its namespace names nothing');
  t.equal(placeOf('default.Prod', ['default']), undefined, 'the platform name must be a DNS label');
});

t.test('a list shows the targets the user holds the grant for, by name or by the namespace wildcard', async (t) => {
  const { targets } = setup(t);
  const reviews: SubjectAccessReviewSpec[] = [];
  const one = await targets.list(userWith(['default/prod'], reviews), all);
  t.same(names(one.items), ['default.prod'], 'only the granted one');
  t.match(reviews[0]?.resourceAttributes, { verb: 'use', group: 'ververica.platform', resource: 'deploymenttargets' }, 'the tenancy grant is asked');
  t.notOk(reviews.some((r) => r.resourceAttributes?.namespace), 'cluster-wide: the reviews name no namespace');
  const wildcard = await targets.list(userWith(['default/*']), all);
  t.same(names(wildcard.items), ['default.prod', 'default.staging'], 'the wildcard grants every target of the namespace (the non-DNS name is not served)');
  t.same(names((await targets.list(userWith([]), all)).items), [], 'no grant, no target');
  const item = wildcard.items[0] as VvpDeploymentTarget;
  t.match(item, { apiVersion: 'ververica.platform/v1', kind: 'VvpDeploymentTarget', spec: { platformNamespace: 'default', platformName: 'prod', kubernetes: { namespace: 'flink-prod' } } });
  t.notOk(item.metadata.namespace, 'cluster-scoped');
  t.same(targets.tableCells(item).slice(0, 3), ['default.prod', 'default', 'flink-prod'], 'columns: name, platform namespace, Kubernetes namespace');
  const paged = await targets.list(userWith(['default/*', 'team-a/*']), { ...all, limit: 2 });
  t.same(names(paged.items), ['default.prod', 'default.staging']);
  const rest = await targets.list(userWith(['default/*', 'team-a/*']), { ...all, continue: paged.metadata.continue! });
  t.same(names(rest.items), ['team-a.shared'], 'continue picks up after the last name');
});

t.test('a get of an ungranted name is a 403 whether or not it exists; of a granted missing one a 404', async (t) => {
  const { targets, platform } = setup(t);
  t.equal((await targets.get(userWith(['default/prod']), undefined, 'default.prod')).metadata.name, 'default.prod');
  const before = platform.calls.length;
  const denied = await statusOf(targets.get(userWith(['default/prod']), undefined, 'default.staging'));
  t.equal(denied?.code, 403);
  t.match(denied?.message, /cannot use resource "deploymenttargets".*default\/\*/, 'in kube-apiserver\'s words, naming the grant');
  t.equal((await statusOf(targets.get(userWith(['default/prod']), undefined, 'default.missing')))?.code, 403, 'a missing ungranted name answers the same');
  t.equal(platform.calls.length, before, 'the platform is not asked before the grant is decided');
  t.equal((await statusOf(targets.get(userWith(['default/*']), undefined, 'default.missing')))?.code, 404);
  t.equal((await statusOf(targets.get(userWith(['default/*']), undefined, 'elsewhere.prod')))?.code, 404, 'a name of no served namespace');
});

t.test('session clusters: state, Flink version, deployment target; visible by the sessionclusters grant', async (t) => {
  const { clusters, platform } = setup(t);
  platform.addSessionCluster('default', 'shared', 'prod');
  platform.addSessionCluster('default', 'adhoc', 'staging', 'STOPPED');
  const reviews: SubjectAccessReviewSpec[] = [];
  const listed = await clusters.list(userWith(['default/shared'], reviews), all);
  t.same(names(listed.items), ['default.shared']);
  t.ok(reviews.every((r) => r.resourceAttributes?.resource === 'sessionclusters'));
  const c = listed.items[0] as VvpSessionCluster;
  t.match(c, { kind: 'VvpSessionCluster', spec: { state: 'RUNNING', deploymentTargetName: 'prod', flinkVersion: '1.18' }, status: { state: 'RUNNING' } });
  t.ok(c.status?.startedAt);
  t.same(clusters.tableCells(c).slice(0, 4), ['default.shared', 'RUNNING', '1.18', 'prod']);
  t.equal((await statusOf(clusters.get(userWith(['default/shared']), undefined, 'default.adhoc')))?.code, 403);
});

t.test('a target is created and deleted only with the grant on <platform namespace>/*; one in use is a 409', async (t) => {
  const { targets, platform } = setup(t);
  const body = (name: string, spec: VvpDeploymentTarget['spec'] = { kubernetes: { namespace: 'flink-new' } }) => ({ apiVersion: 'ververica.platform/v1', kind: 'VvpDeploymentTarget', metadata: { name }, spec });
  const denied = await statusOf(targets.create!(userWith(['default/new']), body('default.new')));
  t.equal(denied?.code, 403, 'a grant of the one name does not make a platform admin');
  t.equal(platform.calls.filter((c) => c.method === 'CREATE-TARGET').length, 0, 'nothing was written');
  t.equal((await statusOf(targets.create!(userWith(['default/*']), body('nowhere.new'))))?.code, 422, 'a name of no served namespace');
  t.equal((await statusOf(targets.create!(userWith(['default/*']), body('default.new', { platformNamespace: 'team-a' }))))?.code, 422, 'a spec contradicting the name');
  const system = await statusOf(targets.create!(userWith(['default/*']), body('default.system', { kubernetes: { namespace: 'kube-system' } })));
  t.match(system, { code: 403, message: /cannot create resource "pods" in API group "" in the namespace "kube-system"/ }, 'only where the creator may create pods');
  const dry = await targets.create!({ ...userWith(['default/*']), dryRun: true }, body('default.new'));
  t.equal(dry.metadata.name, 'default.new');
  t.equal(platform.calls.filter((c) => c.method === 'CREATE-TARGET').length, 0, 'dryRun writes nothing');
  const created = await targets.create!(userWith(['default/*']), body('default.new')) as VvpDeploymentTarget;
  t.match(created, { metadata: { name: 'default.new' }, spec: { kubernetes: { namespace: 'flink-new' } } });
  t.match(platform.targets.find((x) => x.metadata.name === 'new'), { metadata: { namespace: 'default' }, spec: { kubernetes: { namespace: 'flink-new' } } });
  t.equal((await statusOf(targets.create!(userWith(['default/*']), body('default.new'))))?.code, 409, 'the name is taken');

  t.equal((await statusOf(targets.delete!(userWith(['default/new']), undefined, 'default.new', {})))?.code, 403);
  const d = platform.seed('default', 'job');
  d.spec.deploymentTargetName = 'prod';
  const inUse = await statusOf(targets.delete!(userWith(['default/*']), undefined, 'default.prod', {}));
  t.equal(inUse?.code, 409, 'the platform refuses to delete a target in use');
  t.match(inUse?.message, /used by deployment "job"/);
  t.equal((await statusOf(targets.delete!(userWith(['default/*']), undefined, 'default.new', { preconditions: { uid: 'other' } })))?.code, 409, 'a uid precondition');
  const deleted = await targets.delete!(userWith(['default/*']), undefined, 'default.new', {});
  t.ok(deleted.deleted);
  t.notOk(platform.targets.some((x) => x.metadata.name === 'new'), 'gone on the platform');
});

t.test('a session cluster is started and stopped by a holder of <platform namespace>/* only; nothing else changes here', async (t) => {
  const { clusters, platform } = setup(t);
  platform.addSessionCluster('default', 'shared', 'prod');
  const stop = (live: KubeObject | undefined) => ({ ...live!, spec: { ...(live as VvpSessionCluster).spec, state: 'STOPPED' } });
  t.equal((await statusOf(clusters.update(userWith(['default/shared']), undefined, 'default.shared', stop)))?.code, 403, 'the grant of the one name sees it, but does not stop it');
  t.equal(platform.calls.filter((c) => c.method === 'PATCH-SESSIONCLUSTER').length, 0);
  const relabel = (live: KubeObject | undefined) => ({ ...live!, metadata: { ...live!.metadata, labels: { a: 'b' } } });
  const refused = await statusOf(clusters.update(userWith(['default/*']), undefined, 'default.shared', relabel));
  t.equal(refused?.code, 422);
  t.match(refused?.details?.causes, [{ field: 'metadata.labels' }]);
  const retarget = (live: KubeObject | undefined) => ({ ...live!, spec: { ...(live as VvpSessionCluster).spec, flinkVersion: '2.0' } });
  t.match((await statusOf(clusters.update(userWith(['default/*']), undefined, 'default.shared', retarget)))?.details?.causes, [{ field: 'spec.flinkVersion' }]);
  const stale = (live: KubeObject | undefined) => ({ ...stop(live), metadata: { ...live!.metadata, resourceVersion: '1' } });
  t.equal((await statusOf(clusters.update(userWith(['default/*']), undefined, 'default.shared', stale)))?.code, 409, 'a stale resourceVersion');
  const dry = await clusters.update({ ...userWith(['default/*']), dryRun: true }, undefined, 'default.shared', stop) as VvpSessionCluster;
  t.equal(dry.spec.state, 'STOPPED');
  t.equal(platform.calls.filter((c) => c.method === 'PATCH-SESSIONCLUSTER').length, 0, 'dryRun writes nothing');
  const stopped = await clusters.update(userWith(['default/*']), undefined, 'default.shared', stop) as VvpSessionCluster;
  t.match(stopped, { spec: { state: 'STOPPED' }, status: { state: 'STOPPING' } }, 'the platform moves it');
  t.same(platform.calls.filter((c) => c.method === 'PATCH-SESSIONCLUSTER').map((c) => c.body), [{ spec: { state: 'STOPPED' } }], 'one merge patch of spec.state');
  t.equal((await statusOf(clusters.update(userWith(['default/*']), undefined, 'default.missing', stop)))?.code, 404);
});

t.test('read-only targets (writes: false) serve neither create nor delete, so discovery lists neither', async (t) => {
  const platform = new FakePlatform();
  const router = new VvpDeploymentStorage({ instances: [{ client: platform.client(), instanceId: 'op-1', platformNamespaces: ['default'], platformName: 'VVP' }] });
  const readOnly = new VvpDeploymentTargetStorage({ platforms: router, writes: false });
  t.teardown(() => { router.close(); readOnly.close(); });
  t.equal(readOnly.create, undefined);
  t.equal(readOnly.delete, undefined);
  t.equal(typeof readOnly.list, 'function');
});

t.test('watch: no platform call while nobody watches; events of ungranted targets are not sent', async (t) => {
  const { targets, platform } = setup(t, 50);
  platform.calls = [];
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.same(platform.calls, [], 'nobody watches: no call');
  const stream = await targets.watch!(userWith(['default/prod', 'default/late']), { ...all, allowWatchBookmarks: false });
  const iterator = stream[Symbol.asyncIterator]();
  const first = await eventually('the initial event', async () => (await iterator.next()).value as WatchEvent);
  t.match(first, { type: 'ADDED', object: { metadata: { name: 'default.prod' } } }, 'only the granted target is added');
  platform.addTarget('default', 'hidden');
  platform.addTarget('default', 'late');
  const next = await eventually('the granted new target', async () => (await iterator.next()).value as WatchEvent);
  t.match(next, { type: 'ADDED', object: { metadata: { name: 'default.late' } } }, 'the ungranted one added before it was not sent');
  stream.stop();
  await eventually('the loop to stop', async () => {
    const n = platform.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    return platform.calls.length === n;
  });
});

t.test('two platform instances: names and grants carry the instance', async (t) => {
  const prod = new FakePlatform();
  const staging = new FakePlatform();
  const router = new VvpDeploymentStorage({
    instances: [['prod', prod], ['staging', staging]].map(([id, platform], index) => ({
      client: (platform as FakePlatform).client(), instanceId: id as string, platformNamespaces: ['default'], platformName: id as string,
      grantNames: { instanceId: id as string, shortFormsToo: index === 0 },
    })),
  });
  const targets = new VvpDeploymentTargetStorage({ platforms: router });
  t.teardown(() => { router.close(); targets.close(); });
  prod.addTarget('default', 'main');
  staging.addTarget('default', 'main');
  t.same(names((await targets.list(userWith(['prod/default/*', 'staging/default/*']), all)).items), ['prod.default.main', 'staging.default.main']);
  t.same(names((await targets.list(userWith(['default/*']), all)).items), ['prod.default.main'], 'the short form names the first instance only');
  t.same(names((await targets.list(userWith(['staging/default/main']), all)).items), ['staging.default.main']);
  const item = (await targets.get(userWith(['staging/default/*']), undefined, 'staging.default.main')) as VvpDeploymentTarget;
  t.equal(item.status?.platformInstance, 'staging');
});

// The savepoints and jobs of managed VvpDeployments as Kubernetes objects: only those of deployments this server
// manages, in the owner's namespace with its label and ownerReference; a savepoint create triggers one on the
// platform; a watch polls only while someone watches, and reuses the VvpDeployment listing's recent read.

import t, { type Test } from 'tap';
import type { RequestContext, WatchEvent } from '../../../apiserver/k8s/storage.js';
import type { StatusError } from '../../../apiserver/k8s/status.js';
import { VvpJobStorage, VvpSavepointStorage, type VvpJob, type VvpSavepoint } from '../../../apiserver/platform-resources/index.js';
import { VvpDeploymentStorage } from '../../../apiserver/vvpdeployment/storage.js';
import type { VvpDeployment } from '../../../apiserver/vvpdeployment/types.js';
import type { Job, Savepoint } from '../../../apiserver/vvp/types.js';
import type { SubjectAccessReviewSpec } from '../../../apiserver/k8s/auth/authorizer.js';
import { RecordSigner } from '../../../apiserver/vvpdeployment/trust/record-signature.js';
import { LABEL } from '../../../apiserver/vvpdeployment/trust/annotations.js';
import { accessFor } from '../../support/access.js';
import { eventually } from '../../support/eventually.js';
import { FakePlatform } from '../../support/fake-platform.js';
import { manifest } from '../../support/fixtures.js';
import { throughStrategy } from '../../support/strategy.js';

function ctx(dryRun = false, decide?: (spec: SubjectAccessReviewSpec) => boolean): RequestContext {
  const user = { username: 'alice', groups: [], extra: {} };
  return { user, dryRun, signal: new AbortController().signal, access: accessFor(user, decide) };
}

const all = { labelSelector: [], fieldSelector: [] };

const signer = new RecordSigner([Buffer.from('k'.repeat(48))], 'op-1');

function setup(t: Test, pollIntervalMs?: number, pollBytesBudget?: number) {
  const platform = new FakePlatform();
  const watch = pollIntervalMs === undefined ? undefined : { pollIntervalMs, ...(pollBytesBudget === undefined ? {} : { pollBytesBudget }) };
  const deployments = throughStrategy(new VvpDeploymentStorage({ instances: [{
    client: platform.client(), instanceId: 'op-1', platformNamespaces: ['default'], platformName: 'http://vvp.test', recordSigner: signer, ...(watch ? { watch } : {}),
  }] }));
  const children = { owners: deployments, platformNamespaces: ['default'], ...(watch ? { watch } : {}) };
  const savepoints = new VvpSavepointStorage(children);
  const jobs = new VvpJobStorage(children);
  t.teardown(() => { deployments.close(); savepoints.close(); jobs.close(); });
  return { platform, deployments, savepoints, jobs };
}

function platformSavepoint(platform: FakePlatform, deploymentId: string, state: 'STARTED' | 'COMPLETED' = 'COMPLETED'): Savepoint {
  const at = platform.tick();
  const sp: Savepoint = {
    metadata: { id: `sp-${++platform.seq}`, namespace: 'default', deploymentId, origin: 'USER_REQUEST', createdAt: at, modifiedAt: at, resourceVersion: 1 },
    spec: { savepointLocation: `s3://sp/${platform.seq}` }, status: { state },
  };
  platform.savepoints.push(sp);
  return sp;
}

function platformJob(platform: FakePlatform, deploymentId: string): Job {
  const at = platform.tick();
  const job: Job = { metadata: { id: `j-${++platform.seq}`, namespace: 'default', deploymentId, createdAt: at, resourceVersion: 1 }, status: { state: 'STARTED', started: { startedAt: at, observedFlinkJobRestarts: 2 } } };
  platform.jobs.push(job);
  return job;
}

t.test('only the children of managed deployments, in the owner\'s namespace, labelled and owned by it', async (t) => {
  const { platform, deployments, savepoints, jobs } = setup(t);
  const owner = await deployments.create(ctx(), manifest('top-speed'));
  const stranger = platform.seed('default', 'not-ours');
  const sp = platformSavepoint(platform, owner.metadata.uid!);
  platformSavepoint(platform, stranger.metadata.id);
  const job = platformJob(platform, owner.metadata.uid!);
  platformJob(platform, stranger.metadata.id);

  const listed = await savepoints.list(ctx(), { ...all, namespace: 'flink' });
  t.equal(listed.items.length, 1, 'the unmanaged deployment\'s savepoint is not served');
  const item = listed.items[0] as VvpSavepoint;
  t.match(item, {
    apiVersion: 'ververica.platform/v1', kind: 'VvpSavepoint',
    metadata: {
      name: `top-speed-${sp.metadata.id}`, namespace: 'flink', uid: sp.metadata.id, labels: { 'ververica.platform/deployment': 'top-speed' },
      ownerReferences: [{ apiVersion: 'ververica.platform/v1', kind: 'VvpDeployment', name: 'top-speed', uid: owner.metadata.uid, controller: true }],
    },
    spec: { deploymentName: 'top-speed' },
    status: { state: 'COMPLETED', origin: 'USER_REQUEST', location: sp.spec?.savepointLocation },
  });
  t.match(item.metadata.resourceVersion, /^\d+$/);
  t.same((await savepoints.list(ctx(), { ...all, namespace: 'other' })).items, [], 'another namespace: none');
  t.same(await savepoints.get(ctx(), 'flink', item.metadata.name!), item, 'GET by the listed name');
  await t.rejects(savepoints.get(ctx(), 'other', item.metadata.name!), { code: 404 }, 'not in another namespace');
  const selected = await savepoints.list(ctx(), { namespace: 'flink', labelSelector: [{ key: 'ververica.platform/deployment', operator: 'Equals', values: ['elsewhere'] }], fieldSelector: [] });
  t.same(selected.items, [], 'the deployment label selects');

  const jobList = (await jobs.list(ctx(), { ...all, namespace: 'flink' })).items as VvpJob[];
  t.match(jobList, [{ kind: 'VvpJob', metadata: { name: `top-speed-${job.metadata.id}`, namespace: 'flink' }, status: { state: 'STARTED', restarts: 2 } }]);
  t.match(jobs.tableCells(jobList[0]!), [`top-speed-${job.metadata.id}`, 'top-speed', 'STARTED', job.status?.started?.startedAt, 2]);
  t.match(savepoints.tableCells(item), [item.metadata.name, 'top-speed', 'COMPLETED', 'USER_REQUEST', sp.spec?.savepointLocation]);

  const status = (await deployments.get(ctx(), 'flink', 'top-speed') as VvpDeployment).status;
  t.equal(status?.lastSavepoint?.name, item.metadata.name, 'the VvpDeployment links its latest savepoint by name');
  t.equal(status?.job?.name, jobList[0]!.metadata.name, 'and its current job');

  platform.savepoints.find((s) => s.metadata.id === sp.metadata.id)!.status = { state: 'FAILED', failure: { message: 'disk full' } };
  t.match(await savepoints.get(ctx(), 'flink', item.metadata.name!), { status: { state: 'FAILED', failure: { message: 'disk full' } } }, 'the next GET shows the platform\'s change');
});

t.test('a namespaced list reads that namespace\'s owners alone, then their children by deployment id (security review 2, finding 6)', async (t) => {
  const { platform, deployments, savepoints, jobs } = setup(t, 1e9);
  const ours = await deployments.create(ctx(), manifest('top-speed'));
  const theirs = await deployments.create(ctx(), manifest('their-job', {}, 'other-team'));
  platformSavepoint(platform, ours.metadata.uid!);
  platformSavepoint(platform, theirs.metadata.uid!);
  platformJob(platform, theirs.metadata.uid!);
  const reads = () => platform.calls.map((c) => (c.method === 'LIST' ? `LIST ${c.selector?.[LABEL.namespace] ?? '(all)'}` : `${c.method} ${c.query?.deploymentId ?? '(all)'}`));
  for (const kind of [savepoints, jobs]) await kind.list(ctx(), { ...all, namespace: 'empty' });
  platform.calls = [];
  t.same((await savepoints.list(ctx(), { ...all, namespace: 'empty' })).items, []);
  t.same((await jobs.list(ctx(), { ...all, namespace: 'empty' })).items, []);
  t.same(reads(), ['LIST empty', 'LIST empty'], 'an empty namespace: one selected listing each, no children read');
  platform.calls = [];
  const mine = (await savepoints.list(ctx(), { ...all, namespace: 'flink' })).items;
  t.same(mine.map((o) => o.metadata.uid), [platform.savepoints[0]!.metadata.id], 'its own savepoint, not the other team\'s');
  t.same(reads(), ['LIST flink', `LIST-SAVEPOINTS ${ours.metadata.uid}`], 'the owners of flink, then the savepoints of each by id');
  platform.calls = [];
  t.equal((await savepoints.list(ctx(), all)).items.length, 2, 'a list of all namespaces still shows both');
  t.same(reads().sort(), ['LIST (all)', 'LIST-SAVEPOINTS (all)']);
});

t.test('create triggers a savepoint of the named deployment; an unknown deployment is a 422 on spec.deploymentName', async (t) => {
  const { platform, deployments, savepoints } = setup(t);
  const owner = await deployments.create(ctx(), manifest('top-speed'));
  const asked = { apiVersion: 'ververica.platform/v1', kind: 'VvpSavepoint', metadata: { name: 'top-speed-x', namespace: 'flink' }, spec: { deploymentName: 'top-speed' } };

  const dry = await savepoints.create(ctx(true), structuredClone(asked));
  t.equal(platform.calls.filter((c) => c.method === 'SAVEPOINT').length, 0, 'dryRun: nothing triggered');
  t.equal(dry.metadata.name, 'top-speed-x');

  const created = await savepoints.create(ctx(), structuredClone(asked)) as VvpSavepoint;
  const triggers = platform.calls.filter((c) => c.method === 'SAVEPOINT');
  t.match(triggers, [{ ns: 'default', body: { deploymentId: owner.metadata.uid } }], 'one trigger, of the owner\'s platform deployment');
  t.match(created, { metadata: { namespace: 'flink', name: `top-speed-${created.status?.id}` }, status: { state: 'STARTED', origin: 'USER_REQUEST' } });
  t.ok((await savepoints.list(ctx(), { ...all, namespace: 'flink' })).items.some((o) => o.metadata.name === created.metadata.name), 'listed at once');

  const registered = await savepoints.create(ctx(), { ...structuredClone(asked), spec: { deploymentName: 'top-speed', savepointLocation: 's3://old/sp' } }) as VvpSavepoint;
  t.match(registered, { spec: { savepointLocation: 's3://old/sp' }, status: { origin: 'COPIED', location: 's3://old/sp' } }, 'an external savepoint registered');

  const err = await savepoints.create(ctx(), { ...structuredClone(asked), spec: { deploymentName: 'nope' } }).catch((e: StatusError) => e);
  t.match((err as StatusError).status, { code: 422, reason: 'Invalid', details: { causes: [{ field: 'spec.deploymentName' }] } });
  const otherNs = await savepoints.create(ctx(), { ...structuredClone(asked), metadata: { name: 'x', namespace: 'other' } }).catch((e: StatusError) => e);
  t.equal((otherNs as StatusError).code, 422, 'a deployment of another namespace is not found from here');
});

t.test('watch: no platform calls while nobody watches; a poll reuses the VvpDeployment listing\'s recent read', async (t) => {
  // Long enough that the listing just made is still young (1.5 intervals) on a loaded machine.
  const pollIntervalMs = 2000;
  const { platform, deployments, savepoints } = setup(t, pollIntervalMs);
  const owner = await deployments.create(ctx(), manifest('top-speed'));
  platform.calls = [];
  await new Promise((r) => setTimeout(r, 1.25 * pollIntervalMs));
  t.same(platform.calls, [], 'nobody watches savepoints: no platform call');

  await deployments.list(ctx(), { ...all });
  const afterList = platform.calls.length;
  const stream = await savepoints.watch!(ctx(), { ...all, namespace: 'flink', allowWatchBookmarks: false });
  t.teardown(() => stream.stop());
  t.equal(platform.calls.length, afterList, 'the first snapshot reuses the listing just made');

  const iterator = stream[Symbol.asyncIterator]();
  const sp = platformSavepoint(platform, owner.metadata.uid!);
  const added = await eventually('the new savepoint arrives on the watch', async () => (await iterator.next()).value as WatchEvent);
  t.match(added, { type: 'ADDED', object: { metadata: { name: `top-speed-${sp.metadata.id}`, namespace: 'flink' } } });
  stream.stop();
  const polls = platform.calls.length;
  await new Promise((r) => setTimeout(r, 1.25 * pollIntervalMs));
  t.equal(platform.calls.length, polls, 'the loop stops with its last watcher');
});

t.test('beside a VvpDeployment watch, a savepoint watch polls from the deployment poll\'s reads: no call of its own', async (t) => {
  const pollIntervalMs = 1000;
  const { platform, deployments, savepoints } = setup(t, pollIntervalMs);
  const owner = await deployments.create(ctx(), manifest('top-speed'));
  const deploymentWatch = await deployments.watch!(ctx(), { ...all, allowWatchBookmarks: false });
  const savepointWatch = await savepoints.watch!(ctx(), { ...all, allowWatchBookmarks: false });
  t.teardown(() => { deploymentWatch.stop(); savepointWatch.stop(); });
  platform.calls = [];
  const iterator = savepointWatch[Symbol.asyncIterator]();
  const sp = platformSavepoint(platform, owner.metadata.uid!);
  const added = await eventually('the new savepoint arrives', async () => (await iterator.next()).value as WatchEvent);
  t.match(added, { type: 'ADDED', object: { metadata: { name: `top-speed-${sp.metadata.id}` } } });
  await eventually('a few more deployment polls', async () => platform.calls.filter((c) => c.method === 'LIST-JOBS').length >= 4);
  const count = (method: string) => platform.calls.filter((c) => c.method === method).length;
  // The deployment poll lists deployments, jobs and savepoints once each; a savepoint poll of its own would list
  // deployments and savepoints without jobs.
  t.ok(Math.abs(count('LIST-SAVEPOINTS') - count('LIST-JOBS')) <= 1, `savepoint lists ${count('LIST-SAVEPOINTS')} follow the deployment poll's job lists ${count('LIST-JOBS')}`);
  t.ok(Math.abs(count('LIST') - count('LIST-JOBS')) <= 1, `deployment lists ${count('LIST')}: the deployment poll's only`);
});

t.test('a savepoint watch alone keeps to the bytes budget: its polls are as far apart as the deployment listing\'s size asks', async (t) => {
  // 100 bytes/s against a listing of a few KB: the budgeted interval is tens of seconds, not the configured 100 ms.
  const pollIntervalMs = 100;
  const { platform, deployments, savepoints } = setup(t, pollIntervalMs, 100);
  await deployments.create(ctx(), manifest('top-speed'));
  const stream = await savepoints.watch!(ctx(), { ...all, allowWatchBookmarks: false });
  t.teardown(() => stream.stop());
  await eventually('the watch has listed the deployments once', async () => platform.calls.some((c) => c.method === 'LIST'));
  t.ok(deployments.pollIntervalMs('default') > 10_000, `the budgeted interval (${deployments.pollIntervalMs('default')} ms) is what the listing's bytes ask`);
  const lists = platform.calls.filter((c) => c.method === 'LIST').length;
  await new Promise((r) => setTimeout(r, 10 * pollIntervalMs));
  t.equal(platform.calls.filter((c) => c.method === 'LIST').length, lists, 'no listing again within ten configured intervals');
});

t.test('a deployment whose Kubernetes record this server did not write owns no children (a copied record is not trusted)', async (t) => {
  const { platform, deployments, savepoints } = setup(t);
  const owner = await deployments.create(ctx(), manifest('top-speed'));
  const ours = platform.deployments.get('default/top-speed')!;
  const forged = platform.seed('default', 'forged', { ...ours.metadata.labels });
  // Someone with platform access copies the record onto another deployment, naming a VvpDeployment of another namespace.
  forged.metadata.annotations = { ...ours.metadata.annotations, 'k8s.ververica.platform/namespace': 'victim' };
  platformSavepoint(platform, forged.metadata.id);
  platformSavepoint(platform, owner.metadata.uid!);
  t.same((await savepoints.list(ctx(), { ...all, namespace: 'victim' })).items, [], 'nothing appears in the namespace the copy names');
  t.equal((await savepoints.list(ctx(), { ...all })).items.length, 1, 'only the savepoint of the deployment the server wrote');
});

t.test('registering an external savepoint goes through the tenancy check of savepoint locations', async (t) => {
  const { platform, deployments, savepoints } = setup(t);
  await deployments.create(ctx(), manifest('top-speed'));
  const asked = { apiVersion: 'ververica.platform/v1', kind: 'VvpSavepoint', metadata: { name: 'x', namespace: 'flink' }, spec: { deploymentName: 'top-speed', savepointLocation: 's3://state/savepoints/default/../team-b/sp' } };
  const refused = await savepoints.create(ctx(), asked).catch((e: StatusError) => e);
  t.equal((refused as StatusError).code, 422, 'a location with .. segments is refused, as for an initial savepoint');
  t.same(platform.calls.filter((c) => c.method === 'REGISTER'), [], 'nothing registered');
});

t.test('a list pages with limit and continue, in namespace/name order', async (t) => {
  const { platform, deployments, savepoints } = setup(t);
  const owner = await deployments.create(ctx(), manifest('top-speed'));
  for (let i = 0; i < 3; i++) platformSavepoint(platform, owner.metadata.uid!);
  const first = await savepoints.list(ctx(), { ...all, namespace: 'flink', limit: 2 });
  t.equal(first.items.length, 2);
  t.equal(first.metadata.remainingItemCount, 1);
  const rest = await savepoints.list(ctx(), { ...all, namespace: 'flink', limit: 2, continue: first.metadata.continue! });
  const names = [...first.items, ...rest.items].map((o) => o.metadata.name);
  t.same(names, [...names].sort(), 'in order');
  t.equal(new Set(names).size, 3, 'every savepoint once');
  await t.rejects(savepoints.list(ctx(), { ...all, continue: 'garbage' }), { code: 400 });
});

t.test('with two platform instances behind the router, savepoints of both are served and a create reaches the owner\'s platform', async (t) => {
  const prod = new FakePlatform();
  const staging = new FakePlatform();
  const router = throughStrategy(new VvpDeploymentStorage({
    instances: [['prod', prod], ['staging', staging]].map(([id, platform]) => ({
      client: (platform as FakePlatform).client(), instanceId: id as string, platformNamespaces: ['default'], platformName: `${id as string}`,
      grantEveryone: true, recordSigner: new RecordSigner([Buffer.from('k'.repeat(48))], id as string),
    })),
  }));
  const savepoints = new VvpSavepointStorage({ owners: router, platformNamespaces: router.childScopes() });
  t.teardown(() => { router.close(); savepoints.close(); });
  t.same(router.childScopes(), ['prod/default', 'staging/default'], 'one scope per instance and platform namespace');
  const withOwner = (name: string, owner: string): VvpDeployment => {
    const m = manifest(name);
    m.metadata.labels = { ...m.metadata.labels, 'ververica.platform/owner': owner };
    return m;
  };
  const a = await router.create(ctx(), withOwner('a', 'prod'));
  const b = await router.create(ctx(), withOwner('b', 'staging'));
  platformSavepoint(prod, a.metadata.uid!);
  platformSavepoint(staging, b.metadata.uid!);
  const listed = await savepoints.list(ctx(), all);
  t.same(listed.items.map((o) => (o as VvpSavepoint).spec?.deploymentName).sort(), ['a', 'b'], 'the savepoints of both instances');
  const created = await savepoints.create(ctx(), { apiVersion: 'ververica.platform/v1', kind: 'VvpSavepoint', metadata: { name: 'manual', namespace: 'flink' }, spec: { deploymentName: 'b' } });
  t.equal(staging.savepoints.length, 2, 'triggered on the platform of b\'s instance');
  t.equal(prod.savepoints.length, 1, 'nothing on the other');
  t.equal((created as VvpSavepoint).spec?.deploymentName, 'b');
});

t.test('a savepoint that completes without its resourceVersion or timestamps moving still shows as MODIFIED (issue 27)', async (t) => {
  const { platform, deployments, savepoints } = setup(t, 100);
  const owner = await deployments.create(ctx(), manifest('top-speed'));
  const sp = platformSavepoint(platform, owner.metadata.uid!, 'STARTED');
  const stream = await savepoints.watch!(ctx(), { ...all, namespace: 'flink', allowWatchBookmarks: false });
  t.teardown(() => stream.stop());
  const iterator = stream[Symbol.asyncIterator]();
  t.match((await iterator.next()).value, { type: 'ADDED', object: { status: { state: 'STARTED' } } });
  // A platform that does not count its savepoints' changes: only the state tells.
  platform.savepoints = platform.savepoints.map((s) => (s.metadata.id === sp.metadata.id ? { ...s, status: { state: 'COMPLETED' as const } } : s));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), 20_000); });
  const modified = await Promise.race([iterator.next().then((r) => r.value as WatchEvent), deadline]);
  clearTimeout(timer);
  t.match(modified, { type: 'MODIFIED', object: { status: { state: 'COMPLETED' } } }, 'the completed savepoint arrives on the watch');
});

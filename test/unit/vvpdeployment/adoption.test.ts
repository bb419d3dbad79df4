// Adoption from Ververica's operator: a deployment carrying the mark of a listed previous instance is taken over by
// the first create that asks for it, keeping its id, job and state; everything else stays unclaimable (409).
import t from 'tap';
import type { RequestContext } from '../../../apiserver/k8s/storage.js';
import { ADOPT_FROM_ANNOTATION, RECORDED_NAME_KEY, RECORDED_NAMESPACE_KEY } from '../../../apiserver/vvpdeployment/trust/adoption.js';
import { MANAGED_BY_LABEL } from '../../../apiserver/vvpdeployment/trust/annotations.js';
import type { PlannedEvent } from '../../../apiserver/vvpdeployment/decide/mapping.js';
import { VvpDeploymentStorage } from '../../../apiserver/vvpdeployment/storage.js';
import type { VvpDeployment } from '../../../apiserver/vvpdeployment/types.js';
import { FakePlatform } from '../../support/fake-platform.js';
import { manifest } from '../../support/fixtures.js';
import { accessFor } from '../../support/access.js';
import { rejection } from '../../support/rejection.js';
import { throughStrategy } from '../../support/strategy.js';

const alice = { username: 'alice', groups: [], extra: {} };
/** alice, who may `adopt` unless `adopt` is false (the platform grants are everyone's in these tests). */
const ctx = (adopt = true): RequestContext => ({ user: alice, access: accessFor(alice, (spec) => spec.resourceAttributes?.verb !== 'adopt' || adopt), dryRun: false, signal: new AbortController().signal });

function setup() {
  const platform = new FakePlatform();
  const events: PlannedEvent[] = [];
  const storage = throughStrategy(new VvpDeploymentStorage({ instances: [{
    client: platform.client(), instanceId: 'op-1', platformNamespaces: ['default'], platformName: 'Ververica Platform', grantEveryone: true,
    adoptFrom: [{ instanceId: 'vendor-op', token: () => 'token-vendor-op' }],
    recordEvent: (_o, e) => events.push(e),
  }] }));
  // As the vendor's operator left it: marked by its instance, RUNNING.
  const vendor = platform.seed('default', 'top-speed', { [MANAGED_BY_LABEL]: 'vendor-op', team: 'streaming' });
  platform.settle('default', 'top-speed', 'RUNNING');
  // The Kubernetes object it was made for, as the vendor's operator recorded it, on the manifests' target.
  vendor.spec.deploymentTargetName = 'vvp-jobs';
  vendor.metadata.annotations = { ...vendor.metadata.annotations, [RECORDED_NAMESPACE_KEY]: 'flink', [RECORDED_NAME_KEY]: 'top-speed' };
  return { platform, storage, events, vendor };
}

function asking(from: string | undefined, name = 'top-speed'): VvpDeployment {
  const m = manifest(name, {}, 'flink');
  m.spec.deployment.metadata = { name: 'top-speed', namespace: 'default' };
  if (from) m.metadata.annotations = { ...m.metadata.annotations, [ADOPT_FROM_ANNOTATION]: from };
  return m;
}


t.test('a marked deployment is adopted by a create that asks: same id, same job, no spec write, an Adopted event', async (t) => {
  const { platform, storage, events, vendor } = setup();
  const jobBefore = platform.deployments.get('default/top-speed')?.status?.running?.jobId;
  const adopted = await storage.create(ctx(), asking('vendor-op'));
  const d = platform.deployments.get('default/top-speed')!;
  t.equal(adopted.metadata.uid, vendor.metadata.id, 'the deployment id is kept');
  t.equal(d.status?.running?.jobId, jobBefore, 'the job is the same (not restarted)');
  t.equal(d.metadata.labels?.[MANAGED_BY_LABEL], 'op-1', 'the mark moved to this server');
  t.equal(d.metadata.labels?.team, 'streaming', 'other platform labels stay');
  // The POST first: the name is taken (the platform refuses it, 409), which is how the server learns of the deployment.
  const writes = platform.writes().filter((w) => w.method !== 'POST');
  t.same(writes.map((w) => [w.method, w.token]), [['PATCH', 'token-vendor-op'], ['PATCH', undefined]], "released with the previous instance's token, claimed with the server's");
  t.ok(writes.every((w) => (w.body as { spec?: unknown }).spec === undefined), 'no write touched the spec');
  t.match(events, [{ type: 'Normal', reason: 'Adopted', message: /from operator instance vendor-op/ }]);
  t.equal((await storage.get(ctx(), 'flink', 'top-speed')).status?.deploymentId, vendor.metadata.id, 'and it is served from now on');
});

t.test('without the intent, from an instance not listed, or a deployment made by hand: 409, nothing written', async (t) => {
  for (const [what, from, labels] of [
    ['no annotation', undefined, { [MANAGED_BY_LABEL]: 'vendor-op' }],
    ['another instance', 'other-op', { [MANAGED_BY_LABEL]: 'other-op' }],
    ['unmarked', 'vendor-op', {}],
  ] as const) {
    const { platform, storage } = setup();
    platform.deployments.get('default/top-speed')!.metadata.labels = { ...labels };
    const refused = await rejection(storage.create(ctx(), asking(from)));
    t.equal(refused.code, 409, what);
    t.match(refused.message, /cannot be claimed/, what);
    t.same(platform.writes().filter((w) => w.method !== 'POST'), [], `${what}: nothing but the refused POST`);
  }
});

t.test('the user must be allowed to adopt, the deployment must have been made for the object, and the spec must say where it runs', async (t) => {
  const cases: [string, (p: ReturnType<typeof setup>) => void, VvpDeployment, boolean, number, RegExp][] = [
    ['no adopt verb', () => undefined, asking('vendor-op'), false, 403, /cannot adopt resource "vvpdeployments"/],
    ['made for another namespace', ({ vendor }) => { vendor.metadata.annotations = { [RECORDED_NAMESPACE_KEY]: 'other' }; }, asking('vendor-op'), true, 409, /for a VvpDeployment in namespace other/],
    ['made for another name', ({ vendor }) => { vendor.metadata.annotations = { [RECORDED_NAMESPACE_KEY]: 'flink', [RECORDED_NAME_KEY]: 'else' }; }, asking('vendor-op'), true, 409, /only that object adopts it/],
    ['no recorded namespace', ({ vendor }) => { vendor.metadata.annotations = {}; }, asking('vendor-op'), true, 409, /did not record/],
    ['another target in the spec', () => undefined, (() => { const m = asking('vendor-op'); m.spec.deployment.spec = { ...m.spec.deployment.spec, deploymentTargetName: 'mine' }; return m; })(), true, 409, /runs in platform namespace default/],
  ];
  for (const [what, arrange, obj, adopt, code, message] of cases) {
    const setting = setup();
    arrange(setting);
    const refused = await rejection(setting.storage.create(ctx(adopt), obj));
    t.equal(refused.code, code, what);
    t.match(refused.message, message, what);
    t.same(setting.platform.writes().filter((w) => w.method !== 'POST'), [], `${what}: nothing but the refused POST`);
  }
});

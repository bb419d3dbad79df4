// Restore in one step through the storage, against the fake platform: the calls a rollback makes, the dry run that
// only says so, the refusals that write nothing, and the background pass that finishes it once the job runs.

import t, { type Test } from 'tap';
import type { RequestContext } from '../../../apiserver/k8s/index.js';
import type { StatusError } from '../../../apiserver/k8s/status.js';
import { RESTART_ANNOTATION } from '../../../apiserver/vvpdeployment/trust/annotations.js';
import type { PlannedEvent } from '../../../apiserver/vvpdeployment/decide/mapping.js';
import { VvpDeploymentStorage } from '../../../apiserver/vvpdeployment/storage.js';
import type { VvpDeployment } from '../../../apiserver/vvpdeployment/types.js';
import type { DeploymentWrite, Savepoint } from '../../../apiserver/vvp/types.js';
import { accessFor } from '../../support/access.js';
import { FakePlatform } from '../../support/fake-platform.js';
import { manifest } from '../../support/fixtures.js';
import { throughStrategy } from '../../support/strategy.js';

function ctx(dryRun = false, mayReadSavepoints = true): RequestContext {
  const user = { username: 'alice', groups: [], extra: {} };
  return { user, dryRun, signal: new AbortController().signal, warnings: [], access: accessFor(user, (spec) => mayReadSavepoints || spec.resourceAttributes?.resource !== 'vvpsavepoints') };
}

async function running() {
  const platform = new FakePlatform();
  const events: PlannedEvent[] = [];
  let now = Date.parse('2026-11-24T12:00:00Z');
  const storage = throughStrategy(new VvpDeploymentStorage({ instances: [{
    client: platform.client(), instanceId: 'op-1', platformNamespaces: ['default'], platformName: 'http://vvp.test',
    recordEvent: (_o, e) => events.push(e), now: () => new Date(now += 1000),
  }] }));
  await storage.create(ctx(), manifest());
  platform.settle('default', 'top-speed', 'RUNNING');
  const d = platform.deployments.get('default/top-speed')!;
  d.spec.restoreStrategy = { kind: 'LATEST_STATE' };
  platform.jobs.push({ metadata: { id: 'j-1', namespace: 'default', deploymentId: d.metadata.id, createdAt: platform.tick() }, status: { state: 'STARTED', started: { startedAt: platform.tick() } } });
  const savepoint = (id: string, state: 'COMPLETED' | 'STARTED'): Savepoint => {
    const at = platform.tick();
    const sp: Savepoint = { metadata: { id, namespace: 'default', deploymentId: d.metadata.id, origin: 'USER_REQUEST', createdAt: at, modifiedAt: at }, spec: { savepointLocation: `s3://sp/${id}` }, status: { state } };
    platform.savepoints.push(sp);
    return sp;
  };
  savepoint('sp-old', 'COMPLETED');
  savepoint('sp-new', 'COMPLETED');
  savepoint('sp-busy', 'STARTED');
  platform.calls = [];
  const restoring = async (name: string, context = ctx()) => {
    const current = await storage.get(context, 'flink', 'top-speed');
    current.spec.restoreSavepointName = name;
    current.spec.restoreNonce = 1;
    return storage.update(context, 'flink', 'top-speed', () => current);
  };
  return { platform, storage, events, d, restoring };
}

async function refused(t: Test, p: Promise<unknown>, code: number, message: RegExp): Promise<void> {
  try {
    await p;
    t.fail('accepted');
  } catch (err) {
    t.match(err as StatusError, { code, message });
  }
}

t.test('a rollback: the older savepoint registered, then one PATCH restarting with STATELESS; the dry run only says so', async (t) => {
  const { platform, restoring, events } = await running();
  const dry = ctx(true);
  await restoring('top-speed-sp-old', dry);
  t.same(platform.writes(), [], 'the dry run writes nothing');
  t.same(dry.warnings, ['platform effect: restarts job j-1 without a savepoint, restoring savepoint top-speed-sp-old (restoreNonce=1)']);

  const real = ctx();
  const updated = await restoring('top-speed-sp-old', real);
  t.same(platform.writes().map((c) => c.method), ['REGISTER', 'PATCH'], 'registered before the write that restarts');
  t.match(platform.writes()[0]?.body, { savepointLocation: 's3://sp/sp-old' });
  const body = platform.writes()[1]?.body as DeploymentWrite;
  t.same(body.spec, { upgradeStrategy: { kind: 'STATELESS' }, template: { metadata: { annotations: { [RESTART_ANNOTATION]: 'restore-1' } } } }, 'only the restart: no state change');
  t.equal(updated.status?.observedRestoreNonce, 1);
  t.match(updated.status?.conditions.find((c) => c.type === 'NonceAligned'), { status: 'False', reason: 'RestoreInProgress' });
  t.match(updated.status?.conditions.find((c) => c.type === 'SpecAligned'), { status: 'True' }, 'the temporary STATELESS is no drift');
  t.same(real.warnings, dry.warnings, 'the real write says what the dry run said');
  t.ok(events.some((e) => e.reason === 'RestoreTriggered'));

  platform.calls = [];
  await restoring('top-speed-sp-old');
  t.same(platform.writes(), [], 'the same nonce again does nothing');
});

t.test('the background pass puts STATEFUL back once a job started from the location; restoredFrom names the savepoint', async (t) => {
  const { platform, storage, restoring, d } = await running();
  await restoring('top-speed-sp-old');
  platform.calls = [];
  t.equal(await storage.finishPendingWork(), 0);
  t.same(platform.writes(), [], 'nothing while the old job runs');
  platform.jobs.push({ metadata: { id: 'j-2', namespace: 'default', deploymentId: d.metadata.id, createdAt: platform.tick() }, spec: { savepointLocation: 's3://sp/sp-old' }, status: { state: 'STARTED', started: { startedAt: platform.tick() } } });
  await storage.finishPendingWork();
  t.same(platform.writes().map((c) => c.method), ['PATCH']);
  t.same((platform.writes()[0]?.body as DeploymentWrite).spec, { upgradeStrategy: { kind: 'STATEFUL' } });
  const o: VvpDeployment = await storage.get(ctx(), 'flink', 'top-speed');
  t.match(o.status?.restoredFrom, { savepointName: 'top-speed-sp-old', location: 's3://sp/sp-old' });
  t.match(o.status?.conditions.find((c) => c.type === 'NonceAligned'), { status: 'True' });
  platform.calls = [];
  await storage.finishPendingWork();
  t.same(platform.writes(), [], 'done: once');
});

t.test('refused before anything is written: not COMPLETED, unknown, not readable by the user', async (t) => {
  const { platform, restoring } = await running();
  await refused(t, restoring('top-speed-sp-busy'), 422, /spec.restoreSavepointName: Invalid value: "top-speed-sp-busy": savepoint top-speed-sp-busy is STARTED/);
  await refused(t, restoring('top-speed-sp-nope'), 422, /spec.restoreSavepointName: Not found: "top-speed-sp-nope": no VvpSavepoint of platform instance op-1 in namespace flink \(savepoints of another platform instance cannot be restored here\)/);
  await refused(t, restoring('top-speed-sp-old', ctx(false, false)), 403, /cannot get resource "vvpsavepoints"/);
  t.same(platform.writes(), [], 'no platform write');
});

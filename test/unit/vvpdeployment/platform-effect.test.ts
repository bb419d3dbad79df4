// The effect preview: for every live state × upgrade strategy × restore strategy × change class, the sentence names
// what the platform does (vvp-emulator/src/lifecycle/controller.ts is the reference), and which savepoint a start
// restores from.

import t from 'tap';
import { effectEventMessage, planCauses, platformEffect, restoredSavepoint, specAfter } from '../../../apiserver/vvpdeployment/decide/platform-effect.js';
import { shouldMirror } from '../../../apiserver/vvpdeployment/read/events.js';
import type { UpdatePlan } from '../../../apiserver/vvpdeployment/decide/mapping.js';
import type { PlatformView } from '../../../apiserver/vvpdeployment/read/platform-view.js';
import type { DeploymentDesiredState, DeploymentObservedState, DeploymentSpec, RestoreStrategyKind, Savepoint, UpgradeStrategyKind } from '../../../apiserver/vvp/types.js';
import { deployment, job, parts, savepoint, view } from '../../support/fixtures.js';

type Live = { desired: DeploymentDesiredState; observed: DeploymentObservedState; job?: 'STARTED' | 'STARTING' | 'TERMINATED' | 'FAILED' };
const LIVE: Record<string, Live> = {
  running: { desired: 'RUNNING', observed: 'RUNNING', job: 'STARTED' },
  starting: { desired: 'RUNNING', observed: 'TRANSITIONING', job: 'STARTING' },
  failed: { desired: 'RUNNING', observed: 'FAILED', job: 'FAILED' },
  finished: { desired: 'RUNNING', observed: 'FINISHED', job: 'TERMINATED' },
  suspended: { desired: 'SUSPENDED', observed: 'SUSPENDED', job: 'TERMINATED' },
  cancelled: { desired: 'CANCELLED', observed: 'CANCELLED' },
};
const UPGRADES = ['STATEFUL', 'STATELESS', 'NONE'] as const;
const RESTORES = ['LATEST_STATE', 'LATEST_SAVEPOINT', 'NONE'] as const;

/** An older user savepoint and a newer retained checkpoint: LATEST_STATE takes the checkpoint, LATEST_SAVEPOINT the savepoint. */
function history(): Savepoint[] {
  const user = { ...savepoint('sp-user-0001', 'COMPLETED'), spec: { savepointLocation: 's3://sp/savepoint-1' } };
  user.metadata.createdAt = '2026-11-24T10:10:00Z';
  const chk = { ...savepoint('sp-chk-00002', 'COMPLETED'), spec: { savepointLocation: 's3://chk/chk-2' } };
  chk.metadata.origin = 'RETAINED_CHECKPOINT';
  chk.metadata.createdAt = '2026-11-24T10:20:00Z';
  return [user, chk];
}

function liveView(live: Live, upgrade: UpgradeStrategyKind, restore: RestoreStrategyKind): PlatformView {
  const status = live.observed === 'RUNNING' ? { state: live.observed, running: { jobId: 'j-1' } } : { state: live.observed };
  return view({
    deployment: deployment({ state: live.desired, upgradeStrategy: { kind: upgrade }, restoreStrategy: { kind: restore } }, status),
    job: live.job ? job('3f2a9c1d-0000-4000-8000-000000000001', live.job) : undefined,
    savepoints: history(),
  });
}

type Change = (spec: DeploymentSpec) => DeploymentSpec;
const CHANGES: Record<string, Change> = {
  metadata: (s) => s,
  template: (s) => ({ ...s, template: { ...s.template, spec: { ...s.template?.spec, flinkConfiguration: { a: '2' } } } }),
  nonTemplate: (s) => ({ ...s, maxJobCreationAttempts: 9 }),
  toRunning: (s) => ({ ...s, state: 'RUNNING' }),
  toSuspended: (s) => ({ ...s, state: 'SUSPENDED' }),
  toCancelled: (s) => ({ ...s, state: 'CANCELLED' }),
};

/** What the platform does, in the words the sentence starts with. */
function expected(live: Live, upgrade: string, change: string, after: DeploymentSpec, before: DeploymentSpec): RegExp {
  const active = live.job === 'STARTED' || live.job === 'STARTING';
  const runningJob = active && live.desired === 'RUNNING';
  if (JSON.stringify(after) === JSON.stringify(before)) return /^platform effect: none on the job \(metadata only\)$/;
  if (after.state === 'CANCELLED') return runningJob ? /^platform effect: cancels job 3f2a9c1d without a savepoint$/ : /^platform effect: none on the job \(no job is running/;
  if (after.state === 'SUSPENDED') return runningJob ? /^platform effect: suspends job 3f2a9c1d with a savepoint$/ : /^platform effect: none on the job \(no job is running/;
  if (!runningJob) return /^platform effect: starts a job (from savepoint|without state)/;
  if (change !== 'template') return /^platform effect: none on the job \(no template change/;
  if (upgrade === 'STATEFUL') return /^platform effect: restarts job 3f2a9c1d with a savepoint \(upgradeStrategy STATEFUL\)/;
  if (upgrade === 'STATELESS') return /^platform effect: restarts job 3f2a9c1d without a savepoint \(upgradeStrategy STATELESS\); the new job starts /;
  return /^platform effect: none on the job: upgradeStrategy NONE leaves job 3f2a9c1d running/;
}

t.test('every live state × strategy × change class gets the platform\'s own effect', async (t) => {
  let cases = 0;
  for (const [liveName, live] of Object.entries(LIVE)) {
    for (const upgrade of UPGRADES) {
      for (const restore of RESTORES) {
        for (const [changeName, change] of Object.entries(CHANGES)) {
          const before = liveView(live, upgrade, restore);
          if (changeName.startsWith('to') && change(before.deployment.spec).state === live.desired) continue;
          const after = change(structuredClone(before.deployment.spec));
          const sentence = platformEffect({ before, after, objectName: 'top-speed' });
          t.match(sentence, expected(live, upgrade, changeName, after, before.deployment.spec), `${liveName} ${upgrade}/${restore}: ${changeName}`);
          cases++;
        }
      }
    }
  }
  t.ok(cases >= 250, `${cases} combinations`);
});

t.test('a start restores what the restore strategy picks', async (t) => {
  for (const [restore, says] of [
    ['LATEST_STATE', 'from savepoint top-speed-sp-chk-00002 (restoreStrategy LATEST_STATE)'],
    ['LATEST_SAVEPOINT', 'from savepoint top-speed-sp-user-0001 (restoreStrategy LATEST_SAVEPOINT)'],
    ['NONE', 'without state (restoreStrategy NONE)'],
  ] as const) {
    const before = liveView(LIVE.suspended!, 'STATEFUL', restore);
    t.equal(platformEffect({ before, after: { ...before.deployment.spec, state: 'RUNNING' }, objectName: 'top-speed' }), `platform effect: starts a job ${says}`, restore);
  }
  const empty = { ...liveView(LIVE.cancelled!, 'STATEFUL', 'LATEST_SAVEPOINT'), savepoints: [] };
  t.equal(platformEffect({ before: empty, after: { ...empty.deployment.spec, state: 'RUNNING' }, objectName: 'top-speed' }),
    'platform effect: starts a job without state (no savepoint to restore; restoreStrategy LATEST_SAVEPOINT)');
  const failedSavepoint = savepoint('sp-failed', 'FAILED');
  failedSavepoint.metadata.createdAt = '2026-11-24T11:00:00Z';
  t.equal(restoredSavepoint([...history(), failedSavepoint], 'LATEST_SAVEPOINT')?.metadata.id, 'sp-user-0001', 'a FAILED savepoint is never restored');
});

t.test('a stateless upgrade and a stateful one with restoreStrategy NONE say where the new job starts', async (t) => {
  const stateless = liveView(LIVE.running!, 'STATELESS', 'LATEST_SAVEPOINT');
  t.equal(platformEffect({ before: stateless, after: CHANGES.template!(stateless.deployment.spec), objectName: 'top-speed' }),
    'platform effect: restarts job 3f2a9c1d without a savepoint (upgradeStrategy STATELESS); the new job starts from savepoint top-speed-sp-user-0001 (restoreStrategy LATEST_SAVEPOINT)');
  const statefulNone = liveView(LIVE.running!, 'STATEFUL', 'NONE');
  t.equal(platformEffect({ before: statefulNone, after: CHANGES.template!(statefulNone.deployment.spec), objectName: 'top-speed' }),
    'platform effect: restarts job 3f2a9c1d with a savepoint (upgradeStrategy STATEFUL); the new job starts without state (restoreStrategy NONE)');
});

t.test('Autopilot ACTIVE: a parallelism change is said to be Autopilot\'s to change again', async (t) => {
  const before = { ...liveView(LIVE.running!, 'STATEFUL', 'LATEST_STATE'), autopilot: { mode: 'AUTOPILOT_MODE_ACTIVE' as const, runtimeParallelism: 6 } };
  const after = { ...before.deployment.spec, template: { ...before.deployment.spec.template, spec: { ...before.deployment.spec.template?.spec, parallelism: 8 } } };
  t.equal(platformEffect({ before, after, objectName: 'top-speed' }),
    'platform effect: restarts job 3f2a9c1d with a savepoint (upgradeStrategy STATEFUL); parallelism 2 -> 8, but Autopilot (ACTIVE) may change it again (it runs the job at 6)');
  const monitoring = { ...before, autopilot: { mode: 'AUTOPILOT_MODE_MONITORING' as const } };
  t.notMatch(platformEffect({ before: monitoring, after, objectName: 'top-speed' }), /Autopilot/, 'MONITORING never changes the job');
  t.match(platformEffect({ before, after: before.deployment.spec, objectName: 'top-speed', causes: { autopilotHoldsState: true } }),
    /none on the job \(metadata only\); Autopilot \(ACTIVE\) is rescaling the job: the desired state RUNNING is left to it/);
});

t.test('nonces: the restart, savepoint and restore they ask for, and those blocked', async (t) => {
  const before = liveView(LIVE.running!, 'STATEFUL', 'LATEST_STATE');
  const annotated = { ...before.deployment.spec, template: { ...before.deployment.spec.template, metadata: { annotations: { 'k8s.ververica.platform/restart-nonce': '3' } } } };
  t.equal(platformEffect({ before, after: annotated, objectName: 'top-speed', causes: { restartNonce: 3 } }),
    'platform effect: restarts job 3f2a9c1d with a savepoint (restartNonce=3, upgradeStrategy STATEFUL)');
  t.equal(platformEffect({ before, after: before.deployment.spec, objectName: 'top-speed', causes: { savepointNonce: 4 } }),
    'platform effect: none on the job (metadata only); takes a savepoint of job 3f2a9c1d (savepointNonce=4)');
  t.equal(platformEffect({ before, after: before.deployment.spec, objectName: 'top-speed', causes: { restore: { nonce: 2, savepointName: 'top-speed-sp-1' } } }),
    'platform effect: restarts job 3f2a9c1d without a savepoint, restoring savepoint top-speed-sp-1 (restoreNonce=2)');
  const stopped = liveView(LIVE.suspended!, 'STATEFUL', 'LATEST_STATE');
  t.equal(platformEffect({ before: stopped, after: stopped.deployment.spec, objectName: 'top-speed', causes: { restore: { nonce: 2, savepointName: 'top-speed-sp-1' } } }),
    'platform effect: none on the job now; the next start restores savepoint top-speed-sp-1 (restoreNonce=2)');
  const plan: UpdatePlan = {
    method: 'PATCH', projected: false, parts: parts({ restartNonce: { nonce: 5, outcome: 'Blocked', at: 'x' } }),
    events: [{ type: 'Warning', reason: 'RestartBlocked', message: 'restartNonce=5 not acted on: the deployment is SUSPENDED, not RUNNING' }],
  };
  t.same(planCauses(plan, 4, false), { blocked: ['restartNonce=5 not acted on: the deployment is SUSPENDED, not RUNNING'] }, 'a blocked restart is no restart');
});

t.test('the spec a PUT leaves: what the previous definition had and this one drops is reset', async (t) => {
  const before = deployment({ restoreStrategy: { kind: 'LATEST_STATE' } });
  const previous = { state: 'RUNNING', template: { spec: { parallelism: 2, flinkConfiguration: { 'state.savepoints.dir': 's3://sp', a: '1' } } } };
  const put: UpdatePlan = { method: 'PUT', projected: true, parts: parts(), events: [], body: { spec: { state: 'RUNNING', template: { spec: { parallelism: 2, flinkConfiguration: { a: '1' } } } } } };
  const after = specAfter({ ...before.spec, template: { spec: { ...before.spec.template?.spec, flinkConfiguration: { 'state.savepoints.dir': 's3://sp', a: '1' } } } }, put, previous);
  t.same(after.template?.spec?.flinkConfiguration, { a: '1' }, 'the dropped dotted key is gone');
  t.equal(after.restoreStrategy?.kind, 'LATEST_STATE', 'what the user never wrote stays the platform\'s');
  const patch: UpdatePlan = { ...put, method: 'PATCH' };
  t.same(specAfter(before.spec, patch, previous).template?.spec?.flinkConfiguration, { a: '1' }, 'PATCH merges');
});

t.test('the Event of a real write is the server\'s own: never mirrored back from the platform\'s list', async (t) => {
  const message = effectEventMessage('platform effect: none on the job (metadata only)');
  t.match(message, /platform effect: none on the job \(metadata only\)$/);
  t.notOk(shouldMirror({ metadata: { id: 'e-1', namespace: 'default', deploymentId: 'd-1', name: 'EXTERNAL' }, spec: { message } }, 'd-1'));
});

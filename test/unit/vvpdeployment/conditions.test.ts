import t from 'tap';
import { RESTART_ANNOTATION, type KubeParts } from '../../../apiserver/vvpdeployment/trust/annotations.js';
import {
  CONDITION_TYPES, computeConditions, consistent, deletionBlocked, healthy, nonceAligned, parallelismAligned, specAligned,
} from '../../../apiserver/vvpdeployment/decide/conditions.js';
import type { PlatformView } from '../../../apiserver/vvpdeployment/read/platform-view.js';
import type { Deployment } from '../../../apiserver/vvp/types.js';
import { CREATED, MODIFIED, deployment, job, parts, savepoint, view } from '../../support/fixtures.js';

t.test('every condition type from the first read, with observedGeneration and a lastTransitionTime', async (t) => {
  const cs = computeConditions(view(), parts());
  t.same(cs.map((c) => c.type), [...CONDITION_TYPES, 'Reconciling', 'Stalled']);
  for (const c of cs) {
    t.equal(c.observedGeneration, 2);
    t.match(c.lastTransitionTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    t.match(c.reason, /^[A-Z][A-Za-z]*$/, `${c.type} reason is CamelCase`);
  }
  t.same(cs.map((c) => c.status), ['True', 'True', 'True', 'True', 'True', 'False', 'False', 'False']);
});

t.test('lastTransitionTime stays put while the platform only moves on', async (t) => {
  const first = computeConditions(view(), parts());
  const later = view();
  later.deployment.metadata.modifiedAt = '2026-11-24T11:59:00Z';
  later.deployment.metadata.resourceVersion = 9;
  const second = computeConditions(later, parts());
  for (const type of ['Consistent', 'Healthy', 'NonceAligned', 'DeletionBlocked']) {
    t.equal(second.find((c) => c.type === type)?.lastTransitionTime, first.find((c) => c.type === type)?.lastTransitionTime, type);
  }
  t.equal(first.find((c) => c.type === 'Healthy')?.lastTransitionTime, '2026-11-24T10:05:00Z', 'Healthy since the platform\'s running transition');
});

t.test('Consistent', async (t) => {
  t.match(consistent(view(), parts()), { status: 'True', reason: 'Projected', message: /generation 2/, since: CREATED });
  t.match(consistent(view(), parts({ initialSavepoint: { location: 's3://sp' } })), { status: 'False', reason: 'InitialSavepointNotRegistered', message: /s3:\/\/sp/ });
  t.match(consistent(view(), parts({ initialSavepoint: { location: 's3://sp', savepointId: 'sp-1' } })), { status: 'True' });
});

t.test('SpecAligned: PATCH mode needs every desired field on the platform; extra platform fields are fine', async (t) => {
  t.match(specAligned(view(), parts()), { status: 'True', reason: 'Aligned', message: /PATCH/ });
  const drifted = view({ deployment: deployment({ template: { spec: { artifact: { kind: 'JAR' }, parallelism: 5, flinkConfiguration: { a: '1' } } } }) });
  t.match(specAligned(drifted, parts()), { status: 'False', reason: 'OutOfBandChange', message: /spec\.template\.spec\.parallelism/, since: MODIFIED });
  const relabelled = view();
  relabelled.deployment.metadata.labels = { team: 'b' };
  t.match(specAligned(relabelled, parts()), { status: 'False', reason: 'OutOfBandChange', message: /metadata\.labels\.team/ });
});

t.test('SpecAligned: the restart mark in the template is not drift', async (t) => {
  const marked = view({ deployment: deployment({ template: { metadata: { annotations: { [RESTART_ANNOTATION]: '3' } }, spec: { artifact: { kind: 'JAR' }, parallelism: 2, flinkConfiguration: { a: '1' } } } }) });
  const p = parts();
  p.spec.deployment.spec!.template!.metadata = { annotations: {} };
  t.match(specAligned(marked, p), { status: 'True' });
});

t.test('SpecAligned: PUT mode tolerates what the platform fills from its defaults', async (t) => {
  const p = parts({ projectedMode: 'PUT' }, { syncingMode: 'PUT' });
  t.match(specAligned(view(), p), { status: 'True', reason: 'Aligned', message: /PUT/ });
  const defaulted = view({ deployment: deployment({ template: { spec: { artifact: { kind: 'JAR' }, parallelism: 2, flinkConfiguration: { a: '1', 'restart-strategy': 'failure-rate' } } } }) });
  t.match(specAligned(defaulted, p), { status: 'True' });
  const changed = view({ deployment: deployment({ template: { spec: { artifact: { kind: 'JAR' }, parallelism: 2, flinkConfiguration: { a: '2' } } } }) });
  t.match(specAligned(changed, p), { status: 'False', reason: 'OutOfBandChange', message: /flinkConfiguration\.a/ });
});

t.test('SpecAligned: lists the platform defaults (VVP 3 volumeMounts), whether it replaces or merges them', async (t) => {
  const mount = (name: string, extra: Record<string, unknown> = {}) => ({ name, volume: { name, emptyDir: {} }, volumeMount: { name, mountPath: `/${name}`, ...extra } });
  const onPlatform = (volumeMounts: ReturnType<typeof mount>[]) => view({ deployment: deployment({ template: { spec: { artifact: { kind: 'JAR' }, parallelism: 2, flinkConfiguration: { a: '1' }, kubernetes: { pods: { volumeMounts } } } } }) });
  const wanting = (volumeMounts: ReturnType<typeof mount>[] | undefined, mode: 'PATCH' | 'PUT') => {
    const p = parts({ projectedMode: mode }, { syncingMode: mode });
    if (volumeMounts) p.spec.deployment.spec!.template!.spec = { ...p.spec.deployment.spec!.template!.spec, kubernetes: { pods: { volumeMounts } } };
    return p;
  };
  for (const mode of ['PATCH', 'PUT'] as const) {
    t.match(specAligned(onPlatform([mount('platform-default')]), wanting(undefined, mode)), { status: 'True' }, `${mode}: the spec omits the list, the platform has its default list`);
    t.match(specAligned(onPlatform([mount('mine')]), wanting([mount('mine')], mode)), { status: 'True' }, `${mode}: its own list, the defaults' replaced (the emulator)`);
    t.match(specAligned(onPlatform([mount('platform-default'), mount('mine', { readOnly: false })]), wanting([mount('mine')], mode)), { status: 'True' },
      `${mode}: its own list with the defaults' items merged in, an item defaulted further`);
    t.match(specAligned(onPlatform([mount('platform-default')]), wanting([mount('mine')], mode)),
      { status: 'False', reason: 'OutOfBandChange', message: /spec\.template\.spec\.kubernetes\.pods\.volumeMounts\[name=mine\]/ }, `${mode}: an item of its own gone is drift`);
    t.match(specAligned(onPlatform([mount('mine', { mountPath: '/elsewhere' })]), wanting([mount('mine')], mode)),
      { status: 'False', message: /volumeMounts\[name=mine\]\.volumeMount\.mountPath/ }, `${mode}: an item of its own changed is drift`);
  }
  t.match(specAligned(onPlatform([mount('platform-default')]), wanting([], 'PUT')), { status: 'False', message: /volumeMounts/ }, 'an empty list asked for: the platform\'s items are drift');
  const unnamed = view({ deployment: deployment({ template: { spec: { artifact: { kind: 'JAR' }, parallelism: 2, flinkConfiguration: { a: '1' }, kubernetes: { pods: { tolerations: [{ key: 'a' }, { key: 'b' }] } } } } }) });
  const p = parts();
  p.spec.deployment.spec!.template!.spec = { ...p.spec.deployment.spec!.template!.spec, kubernetes: { pods: { tolerations: [{ key: 'a' }] } } };
  t.match(specAligned(unnamed, p), { status: 'False', message: /tolerations/ }, 'a list of unnamed items is compared as a whole');
});

t.test('SpecAligned: a syncingMode switch is pending until the next change', async (t) => {
  const p = parts({ projectedMode: 'PATCH' }, { syncingMode: 'PUT' });
  const differs = view({ deployment: deployment({ template: { spec: { artifact: { kind: 'JAR' }, parallelism: 3, flinkConfiguration: { a: '1' } } } }) });
  t.match(specAligned(differs, p), { status: 'False', reason: 'SyncingModeSwitchPending' });
  t.match(specAligned(view(), p), { status: 'True' });
});

t.test('SpecAligned: the state a deletion sets is not drift', async (t) => {
  const v = view({ deployment: deployment({ state: 'CANCELLED' }) });
  t.match(specAligned(v, parts({ deletion: { timestamp: CREATED, policy: 'Cancel' } })), { status: 'True' });
});

t.test('SpecAligned: Autopilot holding the state', async (t) => {
  const v = view({ deployment: deployment({ state: 'CANCELLED' }), autopilot: { mode: 'AUTOPILOT_MODE_ACTIVE', runtimeParallelism: 4, since: '2026-11-24T10:50:00Z' } });
  t.match(specAligned(v, parts()), { status: 'False', reason: 'StateProjectionSuppressedAutopilot', since: '2026-11-24T10:50:00Z' });
  const off = view({ deployment: deployment({ state: 'CANCELLED' }) });
  t.match(specAligned(off, parts()), { status: 'False', reason: 'OutOfBandChange', message: /spec\.state/ });
});

t.test('NonceAligned: savepoint nonce outcomes', async (t) => {
  const at = '2026-11-24T10:39:00Z';
  t.match(nonceAligned(view(), parts()), { status: 'True', reason: 'NoncesProcessed' });
  t.match(nonceAligned(view(), parts({ savepointNonce: { nonce: 1, outcome: 'Initial', at } }, { savepointNonce: 1 })), { status: 'True', since: at });
  t.match(nonceAligned(view(), parts({}, { savepointNonce: 1 })), { status: 'False', reason: 'SavepointPending' });
  t.match(nonceAligned(view(), parts({ savepointNonce: { nonce: 1, outcome: 'Initial', at } }, { savepointNonce: 2 })), { status: 'False', reason: 'SavepointPending' });
  t.match(nonceAligned(view(), parts({ savepointNonce: { nonce: 2, outcome: 'Blocked', at, message: 'the deployment is SUSPENDED, not RUNNING' } }, { savepointNonce: 2 })),
    { status: 'False', reason: 'SavepointBlocked', message: /SUSPENDED/, since: at });
  t.match(nonceAligned(view(), parts({ savepointNonce: { nonce: 2, outcome: 'Failed', at, message: 'quota' } }, { savepointNonce: 2 })), { status: 'False', reason: 'SavepointTriggerFailed', message: /quota/ });
  const triggered = parts({ savepointNonce: { nonce: 2, outcome: 'Triggered', at, savepointId: 'sp-2' } }, { savepointNonce: 2 });
  t.match(nonceAligned(view({ savepoints: [] }), triggered), { status: 'False', reason: 'SavepointInProgress', message: /waiting/ });
  t.match(nonceAligned(view({ savepoints: [savepoint('sp-2', 'STARTED')] }), triggered), { status: 'False', reason: 'SavepointInProgress', message: /STARTED/ });
  t.match(nonceAligned(view({ savepoints: [savepoint('sp-2', 'FAILED')] }), triggered), { status: 'False', reason: 'SavepointFailed', message: /disk full/ });
  t.match(nonceAligned(view({ savepoints: [savepoint('sp-2', 'COMPLETED')] }), triggered), { status: 'True', reason: 'NoncesProcessed', message: /sp-2 COMPLETED/, since: '2026-11-24T10:41:00Z' });
  const byAnnotation = parts({ savepointNonce: { nonce: 2, outcome: 'Triggered', at } }, { savepointNonce: 2 });
  t.match(nonceAligned(view({ savepoints: [savepoint('sp-x', 'COMPLETED', 1), savepoint('sp-y', 'COMPLETED', 2)] }), byAnnotation), { status: 'True', message: /sp-y/ });
});

t.test('NonceAligned: restart nonce outcomes', async (t) => {
  const at = '2026-11-24T10:39:00Z';
  t.match(nonceAligned(view(), parts({}, { restartNonce: 1 })), { status: 'False', reason: 'RestartPending' });
  t.match(nonceAligned(view(), parts({ restartNonce: { nonce: 1, outcome: 'Blocked', at, message: 'upgradeStrategy NONE' } }, { restartNonce: 1 })), { status: 'False', reason: 'RestartBlocked', message: /NONE/ });
  t.match(nonceAligned(view(), parts({ restartNonce: { nonce: 1, outcome: 'Failed', at } }, { restartNonce: 1 })), { status: 'False', reason: 'RestartFailed' });
  const triggered = parts({ restartNonce: { nonce: 1, outcome: 'Triggered', at, fromJobId: 'j-1' } }, { restartNonce: 1 });
  const marked = (state: Deployment['status']): Deployment => deployment({ template: { metadata: { annotations: { [RESTART_ANNOTATION]: '1' } }, spec: { parallelism: 2, flinkConfiguration: { a: '1' } } } }, state);
  t.match(nonceAligned(view({ deployment: marked({ state: 'TRANSITIONING' }) }), triggered), { status: 'False', reason: 'RestartInProgress', since: at });
  t.match(nonceAligned(view({ deployment: marked({ state: 'RUNNING' }), job: job('j-2', 'STARTING') }), triggered), { status: 'False', reason: 'RestartInProgress' });
  t.match(nonceAligned(view({ deployment: marked({ state: 'FAILED' }) }), triggered), { status: 'False', reason: 'RestartFailed', message: /FAILED/ });
  t.match(nonceAligned(view({ deployment: marked({ state: 'RUNNING' }), job: job('j-2', 'STARTED') }), triggered), { status: 'True', message: /job j-2 started/, since: '2026-11-24T10:04:30Z' });
  t.match(nonceAligned(view({ deployment: marked({ state: 'SUSPENDED' }), job: job('j-2', 'TERMINATED') }), triggered), { status: 'True' }, 'stays done when the new job stops later');
  t.match(nonceAligned(view({ deployment: marked({ state: 'TRANSITIONING' }), job: { metadata: { id: 'j-2', namespace: 'default' }, status: { state: 'FAILED' } } }), triggered), { status: 'False', reason: 'RestartFailed' });
  t.match(nonceAligned(view({ deployment: marked({ state: 'RUNNING' }), job: { metadata: { id: 'j-2', namespace: 'default' }, status: { state: 'STARTING' } } }), triggered), { status: 'False', reason: 'RestartInProgress' });
});

t.test('NonceAligned: the worst nonce decides, both are told', async (t) => {
  const at = '2026-11-24T10:39:00Z';
  const p = parts({
    savepointNonce: { nonce: 2, outcome: 'Triggered', at, savepointId: 'sp-2' },
    restartNonce: { nonce: 1, outcome: 'Blocked', at, message: 'not RUNNING' },
  }, { savepointNonce: 2, restartNonce: 1 });
  t.match(nonceAligned(view({ savepoints: [savepoint('sp-2', 'STARTED')] }), p), { status: 'False', reason: 'RestartBlocked', message: /savepoint sp-2 is STARTED; restartNonce=1/ });
});

t.test('ParallelismAligned: informational, only when Autopilot is ACTIVE', async (t) => {
  t.match(parallelismAligned(view({ autopilot: undefined })), { status: 'Unknown', reason: 'AutopilotUnknown' });
  t.match(parallelismAligned(view()), { status: 'True', reason: 'AutopilotNotActive' });
  t.match(parallelismAligned(view({ autopilot: { mode: 'AUTOPILOT_MODE_MONITORING', runtimeParallelism: 8 } })), { status: 'True', reason: 'AutopilotNotActive' });
  t.match(parallelismAligned(view({ autopilot: { mode: 'AUTOPILOT_MODE_ACTIVE' } })), { status: 'Unknown', reason: 'RuntimeParallelismUnknown' });
  t.match(parallelismAligned(view({ autopilot: { mode: 'AUTOPILOT_MODE_ACTIVE', runtimeParallelism: 2 } })), { status: 'True', reason: 'Aligned' });
  t.match(parallelismAligned(view({ autopilot: { mode: 'AUTOPILOT_MODE_ACTIVE', runtimeParallelism: 6, since: '2026-11-24T10:50:00Z' } })),
    { status: 'False', reason: 'AutopilotScaled', message: /desired parallelism 2, Autopilot runs the job with 6/, since: '2026-11-24T10:50:00Z' });
});

t.test('Healthy: the HEALTHY column', async (t) => {
  t.match(healthy(view(), parts()), { status: 'True', reason: 'Running', since: '2026-11-24T10:05:00Z' });
  const fresh = deployment();
  delete fresh.status;
  t.match(healthy(view({ deployment: fresh }), parts()), { status: 'Unknown', reason: 'StatusUnknown' });
  t.match(healthy(view({ deployment: deployment({ state: 'CANCELLED' }, { state: 'TRANSITIONING' }) }), parts({ deletion: { timestamp: '2026-11-24T11:00:00Z', policy: 'Cancel' } })),
    { status: 'False', reason: 'Deleting', since: '2026-11-24T11:00:00Z' });
  const failedJob = job('j-1', 'FAILED', { status: { state: 'FAILED', failure: { message: 'OOM', failedAt: '2026-11-24T10:20:00Z' } } });
  t.match(healthy(view({ deployment: deployment({}, { state: 'FAILED' }), job: failedJob }), parts()), { status: 'False', reason: 'DeploymentFailed', message: /OOM/, since: '2026-11-24T10:20:00Z' });
  const transitioning = deployment({}, { state: 'TRANSITIONING' });
  transitioning.metadata.annotations = { 'com.dataartisans.appmanager.controller.deployment.transitioning.since': '2026-11-24T10:25:00Z' };
  t.match(healthy(view({ deployment: transitioning }), parts()), { status: 'False', reason: 'Transitioning', since: '2026-11-24T10:25:00Z' });
  t.match(healthy(view({ deployment: deployment({ state: 'CANCELLED' }, { state: 'TRANSITIONING' }), autopilot: { mode: 'AUTOPILOT_MODE_ACTIVE' } }), parts()), { status: 'False', reason: 'AutopilotScaling' });
  t.match(healthy(view({ deployment: deployment({ state: 'CANCELLED' }, { state: 'CANCELLED' }), autopilot: { mode: 'AUTOPILOT_MODE_ACTIVE' } }), parts()), { status: 'False', reason: 'AutopilotScaling' });
  const rescaling = deployment({}, { state: 'TRANSITIONING' });
  rescaling.metadata.annotations = { 'autopilot.ververica.platform/rescaling-to-parallelism': '4' };
  t.match(healthy(view({ deployment: rescaling, autopilot: { mode: 'AUTOPILOT_MODE_ACTIVE' } }), parts()), { status: 'False', reason: 'AutopilotScaling' }, 'restarting at the new parallelism');
  const failing = deployment({}, { state: 'RUNNING', running: { jobId: 'j-1', conditions: [{ type: 'JobFailing', status: 'True', message: '3 restarts in 10 minutes', lastTransitionTime: '2026-11-24T10:15:00Z' }] } });
  t.match(healthy(view({ deployment: failing }), parts()), { status: 'False', reason: 'JobFailing', since: '2026-11-24T10:15:00Z' });
  const unreachable = deployment({}, { state: 'RUNNING', running: { conditions: [{ type: 'ClusterUnreachable', status: 'True' }, { type: 'JobFailing', status: 'False' }] } });
  t.match(healthy(view({ deployment: unreachable }), parts()), { status: 'False', reason: 'ClusterUnreachable' });
  t.match(healthy(view({ job: job('j-1', 'STARTING') }), parts()), { status: 'False', reason: 'JobStarting' });
  const stopped = (state: 'SUSPENDED' | 'CANCELLED') => parts({}, { deployment: { spec: { state } } });
  const ended = job('j-1', 'TERMINATED', { metadata: { id: 'j-1', namespace: 'default', terminatedAt: '2026-11-24T10:22:00Z' } });
  t.match(healthy(view({ deployment: deployment({ state: 'SUSPENDED' }, { state: 'SUSPENDED' }), job: ended }), stopped('SUSPENDED')), { status: 'True', reason: 'Suspended', since: '2026-11-24T10:22:00Z' });
  t.match(healthy(view({ deployment: deployment({ state: 'CANCELLED' }, { state: 'CANCELLED' }) }), stopped('CANCELLED')), { status: 'True', reason: 'Cancelled' });
  t.match(healthy(view({ deployment: deployment({}, { state: 'FINISHED' }) }), parts()), { status: 'True', reason: 'Finished' });
  const finished = job('j-1', 'FINISHED', { metadata: { id: 'j-1', namespace: 'default', terminatedAt: '2026-11-24T10:23:00Z' } });
  t.match(healthy(view({ job: finished }), parts()), { status: 'True', reason: 'Finished', since: '2026-11-24T10:23:00Z' },
    'a batch job FINISHED while the deployment still reads RUNNING: done, not starting');
  t.match(healthy(view({ deployment: deployment({}, { state: 'CANCELLED' }) }), parts()), { status: 'False', reason: 'Transitioning', message: /from CANCELLED to RUNNING/, since: MODIFIED },
    'the platform accepted RUNNING and has not begun');
  t.match(healthy(view({ deployment: deployment({ state: 'CANCELLED' }, { state: 'CANCELLED' }) }), parts()), { status: 'False', reason: 'StateMismatch', message: /CANCELLED, desired RUNNING/ });
});

t.test('DeletionBlocked', async (t) => {
  const ts = '2026-11-24T11:00:00Z';
  t.match(deletionBlocked(view(), parts()), { status: 'False', reason: 'NotDeleting' });
  t.match(deletionBlocked(view(), parts({ deletion: { timestamp: ts, policy: 'Cancel' } })), { status: 'True', reason: 'WaitingForCancellation', since: ts });
  t.match(deletionBlocked(view(), parts({ deletion: { timestamp: ts, policy: 'Suspend' } }, { deletionPolicy: 'Suspend' })), { status: 'True', reason: 'WaitingForSuspension' });
  t.match(deletionBlocked(view({ deployment: deployment({ state: 'SUSPENDED' }, { state: 'FAILED' }) }), parts({ deletion: { timestamp: ts, policy: 'Suspend' } }, { deletionPolicy: 'Suspend' })),
    { status: 'True', reason: 'SavepointFailed', message: /Cancel/ });
  t.match(deletionBlocked(view(), parts({ deletion: { timestamp: ts, policy: 'Cancel', blockedReason: 'PlatformRefused', blockedMessage: 'forbidden' } })), { status: 'True', reason: 'PlatformRefused', message: 'forbidden' });
  const cancelled = view({ deployment: deployment({ state: 'CANCELLED' }, { state: 'CANCELLED' }) });
  t.match(deletionBlocked(cancelled, parts({ deletion: { timestamp: ts, policy: 'Cancel' }, finalizers: ['example.com/x'] })), { status: 'True', reason: 'WaitingForFinalizers', message: /example.com\/x/ });
  t.match(deletionBlocked(cancelled, parts({ deletion: { timestamp: ts, policy: 'Cancel' } })), { status: 'True', reason: 'WaitingForDeletion' });
  t.match(deletionBlocked(view(), parts({ deletion: { timestamp: ts, policy: 'Cancel' } }, { deletionPolicy: 'Orphan' })), { status: 'True', reason: 'WaitingForDeletion' }, 'the policy can be changed while waiting');
});

t.test('kstatus: Reconciling while the platform works, Stalled when action is needed', async (t) => {
  const byType = (v: PlatformView, p: KubeParts) => Object.fromEntries(computeConditions(v, p).map((c) => [c.type, c]));
  const current = byType(view(), parts());
  t.match(current.Reconciling, { status: 'False', reason: 'Reconciled' });
  t.match(current.Stalled, { status: 'False', reason: 'NotStalled' });
  const moving = byType(view({ deployment: deployment({}, { state: 'TRANSITIONING' }) }), parts());
  t.match(moving.Reconciling, { status: 'True', reason: 'Transitioning', message: /^Healthy: / });
  t.match(moving.Stalled, { status: 'False' });
  const failed = byType(view({ deployment: deployment({}, { state: 'FAILED' }) }), parts());
  t.match(failed.Stalled, { status: 'True', reason: 'DeploymentFailed' });
  t.match(failed.Reconciling, { status: 'False', reason: 'Stalled' });
  const drifted = byType(view({ deployment: deployment({ state: 'CANCELLED' }, { state: 'CANCELLED' }) }), parts());
  t.match(drifted.Stalled, { status: 'True', reason: 'OutOfBandChange', message: /^SpecAligned: / });
  const blocked = byType(view(), parts({ savepointNonce: { nonce: 1, outcome: 'Blocked', at: MODIFIED } }, { savepointNonce: 1 }));
  t.match(blocked.Stalled, { status: 'False' }, 'a blocked one-shot nonce does not make the deployment unhealthy');
  t.match(blocked.NonceAligned, { status: 'False', reason: 'SavepointBlocked' });
  const mark = { generation: 2, at: MODIFIED, resourceVersion: 3, jobId: 'j-1' };
  const fixing = byType(view({ deployment: deployment({}, { state: 'FAILED' }), job: job('j-1', 'FAILED') }), parts({ supersededFailure: mark }));
  t.match(fixing.Healthy, { status: 'False', reason: 'Transitioning', message: /not acted on generation 2/, lastTransitionTime: MODIFIED });
  t.match(fixing.Reconciling, { status: 'True', reason: 'Transitioning' }, 'a fix written over a failure is in progress until the platform acts');
  t.match(fixing.Stalled, { status: 'False' });
  const acted = deployment({}, { state: 'FAILED' });
  acted.metadata.resourceVersion = 4;
  const failedBeforeAJob = byType(view({ deployment: acted, job: job('j-1', 'FAILED') }), parts({ supersededFailure: mark }));
  t.match(failedBeforeAJob.Stalled, { status: 'True', reason: 'DeploymentFailed' }, 'a platform write since the fix (it acted) ends it, even without a new job');
  const failedAgain = byType(view({ deployment: deployment({}, { state: 'FAILED' }), job: job('j-2', 'FAILED') }), parts({ supersededFailure: mark }));
  t.match(failedAgain.Stalled, { status: 'True', reason: 'DeploymentFailed' }, 'a failure of a newer job is the fix failing');
  const savepointFailed = byType(view({ deployment: deployment({}, { state: 'FAILED' }), job: job('j-1', 'STARTED'), savepoints: [savepoint('sp-9', 'FAILED')] }), parts({ supersededFailure: mark }));
  t.match(savepointFailed.Stalled, { status: 'True', reason: 'DeploymentFailed' }, 'so is a failure with a newer savepoint');
  const inFlight = byType(view({ savepoints: [savepoint('sp-1', 'STARTED')] }), parts({ savepointNonce: { nonce: 1, outcome: 'Triggered', at: MODIFIED, savepointId: 'sp-1' } }, { savepointNonce: 1 }));
  t.match(inFlight.Reconciling, { status: 'True', reason: 'SavepointInProgress', message: /^NonceAligned: / });
});

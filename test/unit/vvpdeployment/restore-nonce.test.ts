// Restore in one step, decided: what a new restoreNonce makes the server do on the platform for each live state,
// which savepoints are refused, when the restore is done, and what NonceAligned and status.restoredFrom say meanwhile.

import t from 'tap';
import { RESTART_ANNOTATION, type RestoreRecord } from '../../../apiserver/vvpdeployment/trust/annotations.js';
import { restoreCompletion, restoredFrom, restorePending, restoreRequested, restoreStep, restoreVerdict, unrestorable, type RestoreTarget } from '../../../apiserver/vvpdeployment/decide/restore-nonce.js';
import type { Job, Savepoint, UpgradeStrategyKind } from '../../../apiserver/vvp/types.js';
import { specAligned } from '../../../apiserver/vvpdeployment/decide/conditions.js';
import { deployment, job, manifest, parts, savepoint, view } from '../../support/fixtures.js';

const AT = '2026-11-24T11:00:00Z';

function older(): Savepoint {
  const sp = { ...savepoint('sp-old', 'COMPLETED'), spec: { savepointLocation: 's3://sp/savepoint-old' } };
  sp.metadata.deploymentId = 'd-1';
  sp.metadata.createdAt = '2026-11-24T10:10:00Z';
  return sp;
}
function newer(): Savepoint {
  const sp = { ...savepoint('sp-new', 'COMPLETED'), spec: { savepointLocation: 's3://sp/savepoint-new' } };
  sp.metadata.deploymentId = 'd-1';
  sp.metadata.createdAt = '2026-11-24T10:20:00Z';
  return sp;
}
const target = (sp: Savepoint): RestoreTarget => ({ savepointName: `top-speed-${sp.metadata.id}`, savepoint: sp, platformNamespace: 'default' });
const running = (upgrade: UpgradeStrategyKind = 'STATEFUL') => view({ deployment: deployment({ upgradeStrategy: { kind: upgrade } }), savepoints: [older(), newer()] });

t.test('a new restoreNonce is one the record does not hold', async (t) => {
  const spec = manifest('top-speed', { restoreNonce: 2, restoreSavepointName: 'x' }).spec;
  t.ok(restoreRequested(spec, undefined));
  t.ok(restoreRequested(spec, { nonce: 1, outcome: 'Triggered', at: AT }));
  t.notOk(restoreRequested(spec, { nonce: 2, outcome: 'Blocked', at: AT }), 'the same nonce again does nothing');
  t.notOk(restoreRequested(manifest().spec, undefined), 'no nonce, no restore');
});

t.test('RUNNING, STATEFUL: register the older savepoint, restart without a savepoint (STATELESS), put STATEFUL back later', async (t) => {
  const step = restoreStep(running(), target(older()), 2, AT);
  t.equal(step.register, true, 'the older savepoint is not what a start picks: registered');
  t.same(step.restart, { template: { metadata: { annotations: { [RESTART_ANNOTATION]: 'restore-2' } } }, upgradeStrategy: { kind: 'STATELESS' } });
  t.match(step.record, { nonce: 2, outcome: 'Triggered', savepointName: 'top-speed-sp-old', location: 's3://sp/savepoint-old', fromJobId: 'j-1', upgradeStrategyToRestore: 'STATEFUL' });
  t.match(step.event, { type: 'Normal', reason: 'RestoreTriggered', key: '2' });
});

t.test('the newest savepoint of the deployment itself is not registered again; STATELESS needs no override', async (t) => {
  const step = restoreStep(running('STATELESS'), target(newer()), 3, AT);
  t.equal(step.register, false);
  t.equal(step.record.savepointId, 'sp-new');
  t.same(step.restart?.upgradeStrategy, undefined);
  t.equal(step.record.upgradeStrategyToRestore, undefined);
  const checkpointNewer = { ...newer(), metadata: { ...newer().metadata, id: 'chk', origin: 'RETAINED_CHECKPOINT' as const, createdAt: '2026-11-24T10:30:00Z' } };
  const withCheckpoint = view({ deployment: deployment({ restoreStrategy: { kind: 'LATEST_STATE' } }), savepoints: [older(), newer(), checkpointNewer] });
  t.equal(restoreStep(withCheckpoint, target(newer()), 4, AT).register, true, 'LATEST_STATE would pick the newer checkpoint: registered');
  const latestSavepoint = view({ deployment: deployment({ restoreStrategy: { kind: 'LATEST_SAVEPOINT' } }), savepoints: [older(), newer(), checkpointNewer] });
  t.equal(restoreStep(latestSavepoint, target(newer()), 4, AT).register, false, 'LATEST_SAVEPOINT skips the checkpoint');
  const fork = { ...older(), metadata: { ...older().metadata, deploymentId: 'd-other' } };
  t.equal(restoreStep(running(), target(fork), 5, AT).register, true, 'a fork always registers');
});

t.test('stopped: the desired state is kept, the next start restores; TRANSITIONING: blocked, nothing done', async (t) => {
  for (const state of ['SUSPENDED', 'CANCELLED'] as const) {
    const stopped = view({ deployment: deployment({ state }, { state }), job: undefined, savepoints: [older(), newer()] });
    const step = restoreStep(stopped, target(older()), 2, AT);
    t.equal(step.record.outcome, 'Registered', state);
    t.equal(step.register, true);
    t.equal(step.restart, undefined, 'no restart, no state change');
    t.match(step.event.message, new RegExp(`the deployment is ${state}; its next start restores it`));
  }
  const moving = view({ deployment: deployment({}, { state: 'TRANSITIONING' }), savepoints: [older()] });
  const blocked = restoreStep(moving, target(older()), 2, AT);
  t.match(blocked, { register: false, restart: undefined, record: { outcome: 'Blocked' }, event: { type: 'Warning', reason: 'RestoreBlocked' } });
});

t.test('refused: not COMPLETED, no location, or a deployment that restores nothing', async (t) => {
  for (const state of ['STARTED', 'FAILED'] as const) {
    t.match(unrestorable(running(), target(savepoint('sp-x', state))), new RegExp(`is ${state}; only a COMPLETED savepoint can be restored`));
  }
  t.match(unrestorable(running(), target(savepoint('sp-x', 'COMPLETED'))), /has no location/);
  const none = view({ deployment: deployment({ restoreStrategy: { kind: 'NONE' } }) });
  t.match(unrestorable(none, target(older())), /restoreStrategy is NONE/);
  t.equal(unrestorable(running(), target(older())), undefined);
});

function restarted(location: string, state: 'STARTING' | 'STARTED' | 'FAILED' = 'STARTED'): Job {
  return { ...job('j-2', state), metadata: { id: 'j-2', namespace: 'default', createdAt: '2026-11-24T11:00:05Z' }, spec: { savepointLocation: location } };
}
const record = (): RestoreRecord => ({ nonce: 2, outcome: 'Triggered', at: AT, savepointName: 'top-speed-sp-old', location: 's3://sp/savepoint-old', fromJobId: 'j-1', upgradeStrategyToRestore: 'STATEFUL' });

t.test('done once a new job started from the location: restoredFrom, NonceAligned True, STATEFUL put back', async (t) => {
  const waiting = running('STATELESS');
  t.match(restoreVerdict(waiting, 2, record()), { status: 'False', reason: 'RestoreInProgress' });
  t.equal(restoreCompletion(waiting, record()), undefined, 'nothing to write while the old job runs');
  t.equal(restoredFrom(waiting, record()), undefined);
  t.equal(restoreCompletion({ ...waiting, job: restarted('s3://sp/savepoint-old', 'STARTING') }, record()), undefined, 'nor while the new one starts');

  const done = { ...waiting, job: restarted('s3://sp/savepoint-old') };
  t.match(restoreVerdict(done, 2, record()), { status: 'True', reason: 'NoncesProcessed', message: /restored from savepoint top-speed-sp-old/ });
  t.same(restoredFrom(done, record()), { savepointName: 'top-speed-sp-old', location: 's3://sp/savepoint-old', at: '2026-11-24T10:04:30Z' });
  const completion = restoreCompletion(done, record());
  t.equal(completion?.upgradeStrategy, 'STATEFUL');
  t.match(completion?.record, { outcome: 'Triggered', restoredAt: '2026-11-24T10:04:30Z', jobId: 'j-2' });
  t.equal(completion?.record.upgradeStrategyToRestore, undefined);
  t.notOk(restorePending(completion?.record), 'recorded done: no more background work');
  t.ok(restorePending(record()));
  const later = { ...done, job: { ...restarted('s3://sp/savepoint-upgrade'), metadata: { id: 'j-3', namespace: 'default' } } };
  t.match(restoreVerdict(later, 2, completion?.record), { status: 'True' }, 'it stays done when a later job runs');
  t.ok(restoredFrom(later, completion?.record));
});

t.test('failed: the deployment FAILED, or the new job started from elsewhere', async (t) => {
  const notSubmitted = restarted('s3://sp/savepoint-old', 'FAILED');
  notSubmitted.status = { state: 'FAILED', failure: { message: 'Flink job submission failed' } };
  const failed = view({ deployment: deployment({}, { state: 'FAILED' }), job: notSubmitted });
  t.match(restoreCompletion(failed, record()), { upgradeStrategy: 'STATEFUL', record: { outcome: 'Failed' }, event: { type: 'Warning', reason: 'RestoreFailed' } });
  t.match(restoreVerdict(failed, 2, record()), { status: 'False', reason: 'RestoreFailed' });
  const elsewhere = view({ job: restarted('s3://sp/savepoint-upgrade') });
  t.match(restoreCompletion(elsewhere, record())?.record, { outcome: 'Failed', message: /did not start from s3:\/\/sp\/savepoint-old/ });
});

t.test('NonceAligned for the other outcomes', async (t) => {
  const v = running();
  t.match(restoreVerdict(v, undefined, undefined), { status: 'True' });
  t.match(restoreVerdict(v, 3, record()), { status: 'False', reason: 'RestorePending' });
  t.match(restoreVerdict(v, 2, { ...record(), outcome: 'Initial' }), { status: 'True' });
  t.match(restoreVerdict(v, 2, { ...record(), outcome: 'Registered' }), { status: 'True', message: /the next start restores it/ });
  t.match(restoreVerdict(v, 2, { ...record(), outcome: 'Blocked', message: 'busy' }), { status: 'False', reason: 'RestoreBlocked', message: /busy/ });
});

t.test('SpecAligned does not count the restart\'s temporary STATELESS as drift, and does once it is put back', async (t) => {
  const desired = parts({}, { deployment: { metadata: { name: 'top-speed', namespace: 'default' }, spec: { state: 'RUNNING', upgradeStrategy: { kind: 'STATEFUL' } } } });
  const overridden = view({ deployment: deployment({ upgradeStrategy: { kind: 'STATELESS' } }) });
  t.match(specAligned(overridden, { ...desired, restore: record() }), { status: 'True' }, 'while the restore holds it');
  const { upgradeStrategyToRestore: _done, ...finished } = record();
  t.match(specAligned(overridden, { ...desired, restore: finished }), { status: 'False', reason: 'OutOfBandChange', message: /spec.upgradeStrategy.kind/ }, 'after, a STATELESS is drift');
});

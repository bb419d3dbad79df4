// Restore in one step (spec.restoreSavepointName + spec.restoreNonce): decided here, purely; restore-flow.ts does the
// calls. The platform starts a job from the newest COMPLETED savepoint its restoreStrategy admits, and it restarts a
// running job only on a template change, by its upgradeStrategy. So restoring a running job from an older savepoint
// takes: the savepoint's location registered for this deployment (origin COPIED) unless it is already the one a
// start would pick; then one write that changes the template (the restart annotation) with upgradeStrategy STATELESS
// — a STATEFUL upgrade would first take a savepoint, which would then be the newest and restored instead. The
// deployment's own upgradeStrategy is put back (and the restore recorded done) by the background pass once a new job
// has started. A stopped deployment keeps its desired state: the registration alone makes its next start restore
// the savepoint. The record (annotations.ts RESTORE_ANNOTATION) makes it once per nonce, across replicas and restarts.

import type { Job, Savepoint } from '../../vvp/index.js';
import { RESTART_ANNOTATION, type RestoreRecord } from '../trust/annotations.js';
import type { Verdict } from './conditions.js';
import type { PlannedEvent } from './mapping.js';
import { restoredSavepoint } from './platform-effect.js';
import type { PlatformView } from '../read/platform-view.js';
import type { VvpDeploymentSpec, VvpDeploymentStatus } from '../types.js';

/** The restart annotation's value of a restore: never equal to a restartNonce's (a bare number). */
export function restoreRestartValue(nonce: number): string {
  return `restore-${nonce}`;
}

/** A new restoreNonce: one other than the one recorded. */
export function restoreRequested(spec: VvpDeploymentSpec, record: RestoreRecord | undefined): spec is VvpDeploymentSpec & { restoreNonce: number } {
  return spec.restoreNonce !== undefined && spec.restoreNonce !== record?.nonce;
}

/** The VvpSavepoint a restore names, as resolved on the platform. */
export interface RestoreTarget {
  savepointName: string;
  savepoint: Savepoint;
  /** The platform namespace of the savepoint's deployment. */
  platformNamespace: string;
}

/** Why a savepoint cannot be restored (422 at spec.restoreSavepointName), undefined when it can. */
export function unrestorable(view: PlatformView, target: RestoreTarget): string | undefined {
  const sp = target.savepoint;
  if (sp.status?.state !== 'COMPLETED') return `savepoint ${target.savepointName} is ${sp.status?.state ?? 'not COMPLETED'}; only a COMPLETED savepoint can be restored`;
  if (!sp.spec?.savepointLocation) return `savepoint ${target.savepointName} has no location on the platform`;
  if (view.deployment.spec.restoreStrategy?.kind === 'NONE') return 'the deployment\'s restoreStrategy is NONE: the platform would start the job without state; set LATEST_SAVEPOINT or LATEST_STATE first';
  return undefined;
}

export interface RestoreStep {
  record: RestoreRecord;
  /** Register the savepoint's location for this deployment before the write (it is not what a start picks now). */
  register: boolean;
  /** The platform spec fields of the restart; absent when nothing is restarted. */
  restart?: { template: { metadata: { annotations: Record<string, string> } }; upgradeStrategy?: { kind: 'STATELESS' } };
  event: PlannedEvent;
}

/** What a new restoreNonce does on the live deployment. */
export function restoreStep(view: PlatformView, target: RestoreTarget, nonce: number, at: string): RestoreStep {
  const d = view.deployment;
  const location = target.savepoint.spec?.savepointLocation ?? '';
  const base = { nonce, at, savepointName: target.savepointName, location };
  const key = String(nonce);
  const kind = d.spec.restoreStrategy?.kind ?? 'LATEST_STATE';
  const own = target.savepoint.metadata.deploymentId === d.metadata.id;
  const register = !(own && restoredSavepoint(view.savepoints, kind)?.metadata.id === target.savepoint.metadata.id);
  const what = `savepoint ${target.savepointName} (${location})`;
  if (d.spec.state !== 'RUNNING') {
    const record: RestoreRecord = { ...base, outcome: 'Registered' };
    if (!register) record.savepointId = target.savepoint.metadata.id;
    return { record, register, event: { type: 'Normal', reason: 'RestoreRegistered', key, message: `Kubernetes API server registered ${what} (restoreNonce=${nonce}): the deployment is ${d.spec.state}; its next start restores it` } };
  }
  if (d.status?.state === 'TRANSITIONING') {
    const message = 'the deployment is TRANSITIONING; set a new restoreNonce once it is RUNNING';
    return { record: { ...base, outcome: 'Blocked', message }, register: false, event: { type: 'Warning', reason: 'RestoreBlocked', key, message: `restoreNonce=${nonce} not acted on: ${message}` } };
  }
  const record: RestoreRecord = { ...base, outcome: 'Triggered' };
  if (!register) record.savepointId = target.savepoint.metadata.id;
  if (view.job) record.fromJobId = view.job.metadata.id;
  const restart: NonNullable<RestoreStep['restart']> = { template: { metadata: { annotations: { [RESTART_ANNOTATION]: restoreRestartValue(nonce) } } } };
  const strategy = d.spec.upgradeStrategy?.kind;
  if (strategy !== 'STATELESS') {
    restart.upgradeStrategy = { kind: 'STATELESS' };
    record.upgradeStrategyToRestore = strategy ?? 'STATEFUL';
  }
  return { record, register, restart, event: { type: 'Normal', reason: 'RestoreTriggered', key, message: `Kubernetes API server restarts the job from ${what} without a savepoint (restoreNonce=${nonce})` } };
}

/** A job newer than the restore: another than the one running when it was written (or, without one, created after). */
function newerJob(view: PlatformView, rec: RestoreRecord): Job | undefined {
  const job = view.job;
  if (!job || (rec.fromJobId !== undefined ? job.metadata.id === rec.fromJobId : Date.parse(job.metadata.createdAt ?? '') < Date.parse(rec.at))) return undefined;
  return job;
}

/** The job a restore started: a newer job, started from the savepoint's location. */
function restoredJob(view: PlatformView, rec: RestoreRecord): Job | undefined {
  const job = newerJob(view, rec);
  if (!job) return undefined;
  const started = job.status?.started !== undefined || job.status?.state === 'STARTED';
  return started && job.spec?.savepointLocation === rec.location ? job : undefined;
}

/** status.restoredFrom: once the platform has started a job from the restored savepoint. */
export function restoredFrom(view: PlatformView, rec: RestoreRecord | undefined): VvpDeploymentStatus['restoredFrom'] {
  if (!rec || (rec.outcome !== 'Triggered' && rec.outcome !== 'Registered')) return undefined;
  const at = rec.restoredAt ?? (() => {
    const job = restoredJob(view, rec);
    return job ? job.status?.started?.startedAt ?? job.metadata.createdAt : undefined;
  })();
  return at === undefined ? undefined : { savepointName: rec.savepointName, location: rec.location, at };
}

/** A restore for the background pass: restarted, and not yet recorded done. */
export function restorePending(rec: RestoreRecord | undefined): boolean {
  return rec?.outcome === 'Triggered' && rec.restoredAt === undefined;
}

/**
 * What the background pass writes for a pending restore: once a new job has started (or the deployment FAILED),
 * the deployment's upgradeStrategy back and the record done; undefined while the platform is still at it.
 */
export function restoreCompletion(view: PlatformView, rec: RestoreRecord): { record: RestoreRecord; upgradeStrategy?: string; event?: PlannedEvent } | undefined {
  const job = newerJob(view, rec);
  const key = String(rec.nonce);
  const { upgradeStrategyToRestore, ...kept } = rec;
  const back = upgradeStrategyToRestore === undefined ? {} : { upgradeStrategy: upgradeStrategyToRestore };
  const restored = restoredJob(view, rec);
  if (restored) {
    const at = restored.status?.started?.startedAt ?? restored.metadata.createdAt ?? rec.at;
    return { record: { ...kept, restoredAt: at, jobId: restored.metadata.id }, ...back, event: { type: 'Normal', reason: 'Restored', key, message: `job ${restored.metadata.id} started from savepoint ${rec.savepointName} (${rec.location}) (restoreNonce=${rec.nonce})` } };
  }
  const failed = view.deployment.status?.state === 'FAILED' || (job !== undefined && (job.status?.state === 'FAILED' || (job.status?.started !== undefined && job.spec?.savepointLocation !== rec.location)));
  if (!failed) return undefined;
  const message = view.deployment.status?.state === 'FAILED' ? 'the deployment FAILED during the restore' : `job ${job?.metadata.id} did not start from ${rec.location}`;
  return { record: { ...kept, outcome: 'Failed', message }, ...back, event: { type: 'Warning', reason: 'RestoreFailed', key, message: `restoreNonce=${rec.nonce}: ${message}` } };
}

/** NonceAligned's part for the restore nonce; lower rank is worse (nonce-conditions.ts). */
export function restoreVerdict(view: PlatformView, desired: number | undefined, rec: RestoreRecord | undefined): Verdict & { rank: number } {
  const ok = (since: string | undefined, message = '') => ({ status: 'True' as const, reason: 'NoncesProcessed', message, since, rank: 9 });
  if (desired === undefined) return ok(undefined);
  if (!rec || rec.nonce !== desired) {
    return { status: 'False', reason: 'RestorePending', message: `restoreNonce=${desired} has not been acted on yet`, since: view.deployment.metadata.modifiedAt, rank: 3 };
  }
  const n = `restoreNonce=${rec.nonce}`;
  switch (rec.outcome) {
    case 'Initial': return ok(rec.at);
    case 'Blocked': return { status: 'False', reason: 'RestoreBlocked', message: `${n}: ${rec.message ?? 'blocked'}`, since: rec.at, rank: 1 };
    case 'Failed': return { status: 'False', reason: 'RestoreFailed', message: `${n}: ${rec.message ?? 'failed'}`, since: rec.at, rank: 0 };
    case 'Registered': return ok(rec.at, `${n}: savepoint ${rec.savepointName} registered; the next start restores it`);
    case 'Triggered': break;
  }
  const from = restoredFrom(view, rec);
  if (from) return ok(from.at, `${n}: the job restored from savepoint ${rec.savepointName}`);
  const done = restoreCompletion(view, rec);
  if (done?.record.outcome === 'Failed') return { status: 'False', reason: 'RestoreFailed', message: `${n}: ${done.record.message ?? ''}`, since: view.deployment.metadata.modifiedAt, rank: 0 };
  return { status: 'False', reason: 'RestoreInProgress', message: `${n}: waiting for a job to start from savepoint ${rec.savepointName}`, since: rec.at, rank: 2 };
}

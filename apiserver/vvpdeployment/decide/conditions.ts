// The six conditions, computed from the platform on every read. The server keeps no state: each lastTransitionTime
// is a platform timestamp (or a time recorded on the platform record) of the fact that put the condition in its
// current status, so it stays put across reads and replicas until the status flips.

import type { DeploymentCondition } from '../../vvp/index.js';
import { withoutReserved, type KubeParts } from '../trust/annotations.js';
import { deletionStep } from './deletion.js';
import { missingPaths } from './json.js';
import { autopilotRescaling, latestSavepoint, type PlatformView } from '../read/platform-view.js';
import { nonceAligned } from './nonce-conditions.js';
import { fromPlatformTime, latestTime } from './time.js';
import type { Condition, ConditionStatus } from '../types.js';

export { nonceAligned };

export const CONDITION_TYPES = ['Consistent', 'SpecAligned', 'NonceAligned', 'ParallelismAligned', 'Healthy', 'DeletionBlocked'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

/** The platform's own annotation on a deployment in transition, with the time the transition began. */
const TRANSITIONING_SINCE = 'com.dataartisans.appmanager.controller.deployment.transitioning.since';
const EPOCH = '1970-01-01T00:00:00Z';

export interface Verdict {
  status: ConditionStatus;
  reason: string;
  message: string;
  /** Platform time the status has held since; falls back to the deployment's creation. */
  since?: string;
}

export function computeConditions(view: PlatformView, parts: KubeParts): Condition[] {
  const created = fromPlatformTime(view.deployment.metadata.createdAt) ?? fromPlatformTime(parts.creationTimestamp) ?? EPOCH;
  const verdicts: Record<ConditionType, Verdict> = {
    Consistent: consistent(view, parts),
    SpecAligned: specAligned(view, parts),
    NonceAligned: nonceAligned(view, parts),
    ParallelismAligned: parallelismAligned(view),
    Healthy: healthy(view, parts),
    DeletionBlocked: deletionBlocked(view, parts),
  };
  const condition = (type: string, v: Verdict): Condition => ({
    type,
    status: v.status,
    reason: v.reason,
    message: v.message,
    observedGeneration: parts.generation,
    lastTransitionTime: fromPlatformTime(v.since) ?? created,
  });
  const { reconciling, stalled } = kstatusVerdicts(verdicts);
  return [...CONDITION_TYPES.map((type) => condition(type, verdicts[type])), condition('Reconciling', reconciling), condition('Stalled', stalled)];
}

/** Reasons that resolve by themselves as the platform works: kstatus (Flux, kpt, cli-utils) reports InProgress. */
const IN_PROGRESS = new Set([
  'Transitioning', 'JobStarting', 'AutopilotScaling', 'StateProjectionSuppressedAutopilot', 'Deleting',
  'SavepointInProgress', 'SavepointPending', 'RestartInProgress', 'RestartPending',
]);
/**
 * Reasons that need a user's (or an operator's) action on the deployment itself: kstatus reports Failed. A nonce
 * that was blocked or failed is a one-shot request that did not happen; NonceAligned and a Warning tell it, but it
 * does not make the deployment unhealthy.
 */
const STALLED = new Set(['DeploymentFailed', 'JobFailing', 'ClusterUnreachable', 'StateMismatch', 'OutOfBandChange', 'InitialSavepointNotRegistered']);

/**
 * kstatus's two standard "abnormal-true" conditions, summarising the six above for generic health tools:
 * Stalled=True when some condition is False for a reason that needs action, else Reconciling=True while the
 * platform is still getting there. Both False means the object is Current.
 */
export function kstatusVerdicts(verdicts: Record<ConditionType, Verdict>): { reconciling: Verdict; stalled: Verdict } {
  const falses = (['Consistent', 'SpecAligned', 'NonceAligned', 'Healthy'] as const).map((type) => ({ type, v: verdicts[type] })).filter(({ v }) => v.status === 'False');
  const stuck = falses.find(({ v }) => STALLED.has(v.reason));
  const moving = falses.find(({ v }) => IN_PROGRESS.has(v.reason));
  const stalled: Verdict = stuck
    ? { status: 'True', reason: stuck.v.reason, message: `${stuck.type}: ${stuck.v.message}`, since: stuck.v.since }
    : { status: 'False', reason: 'NotStalled', message: 'nothing needs action', since: moving?.v.since ?? latestTime(...falses.map(({ v }) => v.since)) };
  const reconciling: Verdict = !stuck && moving
    ? { status: 'True', reason: moving.v.reason, message: `${moving.type}: ${moving.v.message}`, since: moving.v.since }
    : { status: 'False', reason: stuck ? 'Stalled' : 'Reconciled', message: stuck ? 'stalled; see the Stalled condition' : 'the platform reflects the desired state', since: stuck?.v.since };
  return { reconciling, stalled };
}

function identity(view: PlatformView): string {
  const m = view.deployment.metadata;
  return `platform deployment ${m.namespace}/${m.name}`;
}

export function consistent(view: PlatformView, parts: KubeParts): Verdict {
  const d = view.deployment;
  if (parts.initialSavepoint && !parts.initialSavepoint.savepointId) {
    return {
      status: 'False', reason: 'InitialSavepointNotRegistered',
      message: `the savepoint ${parts.initialSavepoint.location} of spec.initialSavepointSpec is not registered with the platform`,
      since: d.metadata.modifiedAt,
    };
  }
  return {
    status: 'True', reason: 'Projected',
    message: `${identity(view)} (id ${d.metadata.id}) reflects generation ${parts.generation}`,
    since: d.metadata.createdAt,
  };
}

function desiredState(view: PlatformView, parts: KubeParts): string {
  return parts.spec.deployment?.spec?.state ?? view.deployment.spec.state;
}

function autopilotActive(view: PlatformView): boolean {
  return view.autopilot?.mode === 'AUTOPILOT_MODE_ACTIVE';
}

/** Reserved template annotations (the restart nonce) are the server's, not the user's. */
function comparableSpec(spec: unknown): unknown {
  const s = (spec ?? {}) as { template?: { metadata?: { annotations?: Record<string, string> } } };
  const template = s.template;
  const ann = template?.metadata?.annotations;
  // Copies along the one path it changes only: this runs for every object of every list.
  return ann ? { ...s, template: { ...template, metadata: { ...template.metadata, annotations: withoutReserved(ann) } } } : s;
}

/**
 * Paths where the platform deployment does not carry spec.deployment. The same test in both modes: after a PUT the
 * platform fills omitted fields from its deployment defaults (flinkConfiguration keys included), which cannot be
 * told apart from an out-of-band addition without reading the defaults, so extra platform fields are tolerated.
 */
export function specDrift(view: PlatformView, parts: KubeParts): string[] {
  const d = view.deployment;
  const def = parts.spec.deployment ?? {};
  const paths = missingPaths(comparableSpec(def.spec), comparableSpec(d.spec), 'spec');
  const desiredMeta = { displayName: def.metadata?.displayName, labels: def.metadata?.labels, annotations: def.metadata?.annotations };
  const actualMeta = { displayName: d.metadata.displayName, labels: withoutReserved(d.metadata.labels), annotations: withoutReserved(d.metadata.annotations) };
  paths.push(...missingPaths(desiredMeta, actualMeta, 'metadata'));
  return paths;
}

function listPaths(paths: string[]): string {
  return paths.length > 5 ? `${paths.slice(0, 5).join(', ')} and ${paths.length - 5} more` : paths.join(', ');
}

export function specAligned(view: PlatformView, parts: KubeParts): Verdict {
  const d = view.deployment;
  const mode = parts.spec.syncingMode;
  // A deletion sets the platform's desired state itself, and a restore its upgradeStrategy until the job restarted.
  const drift = specDrift(view, parts).filter((p) => !(parts.deletion && p === 'spec.state')
    && !(parts.restore?.upgradeStrategyToRestore !== undefined && p.startsWith('spec.upgradeStrategy')));
  if (drift.length === 0) {
    return {
      status: 'True', reason: 'Aligned',
      message: mode === 'PUT' ? `${identity(view)} equals spec.deployment (PUT)` : `${identity(view)} carries every field of spec.deployment (PATCH)`,
      since: autopilotActive(view) ? latestTime(d.metadata.createdAt, view.autopilot?.since) : d.metadata.createdAt,
    };
  }
  if (drift.includes('spec.state') && autopilotActive(view) && desiredState(view, parts) === 'RUNNING') {
    return {
      status: 'False', reason: 'StateProjectionSuppressedAutopilot',
      message: `Autopilot is scaling the job: the platform's desired state is ${d.spec.state}; RUNNING is not projected until it is done`,
      since: view.autopilot?.since ?? d.metadata.modifiedAt,
    };
  }
  if (parts.projectedMode !== undefined && parts.projectedMode !== mode) {
    return {
      status: 'False', reason: 'SyncingModeSwitchPending',
      message: `syncingMode ${mode} takes effect at the next change of spec.deployment; until then the platform differs at ${listPaths(drift)}`,
      since: d.metadata.modifiedAt,
    };
  }
  return {
    status: 'False', reason: 'OutOfBandChange',
    message: `${identity(view)} differs from spec.deployment at ${listPaths(drift)}`,
    since: d.metadata.modifiedAt,
  };
}

export function parallelismAligned(view: PlatformView): Verdict {
  const ap = view.autopilot;
  const d = view.deployment;
  if (ap === undefined) {
    return { status: 'Unknown', reason: 'AutopilotUnknown', message: 'the Autopilot policy of the deployment could not be read', since: d.metadata.modifiedAt };
  }
  if (ap.mode !== 'AUTOPILOT_MODE_ACTIVE') {
    return { status: 'True', reason: 'AutopilotNotActive', message: 'Autopilot is not ACTIVE: the job runs with the template parallelism', since: latestTime(d.metadata.createdAt, ap.since) };
  }
  const desired = d.spec.template?.spec?.parallelism;
  if (ap.runtimeParallelism === undefined || desired === undefined) {
    return { status: 'Unknown', reason: 'RuntimeParallelismUnknown', message: 'Autopilot is ACTIVE but its runtime parallelism is not known yet', since: ap.since ?? d.metadata.modifiedAt };
  }
  if (ap.runtimeParallelism === desired) {
    return { status: 'True', reason: 'Aligned', message: `Autopilot runs the job with the desired parallelism ${desired}`, since: ap.since ?? d.metadata.modifiedAt };
  }
  return {
    status: 'False', reason: 'AutopilotScaled',
    message: `desired parallelism ${desired}, Autopilot runs the job with ${ap.runtimeParallelism}; the server leaves Autopilot's choice alone`,
    since: ap.since ?? d.metadata.modifiedAt,
  };
}

function failingCondition(view: PlatformView): DeploymentCondition | undefined {
  const conditions = view.deployment.status?.running?.conditions ?? [];
  return conditions.find((c) => c.status === 'True' && (c.type === 'ClusterUnreachable' || c.type === 'JobFailing'));
}

/**
 * The platform still shows the failure a spec change was written over (no write since, the same latest job and
 * savepoint): it has not acted yet. Until it does, the object is in progress: Flux fails a health check on the
 * first Failed it sees. Any later write (the platform's first transition) ends it, so a fix that fails again
 * before starting a job reads Failed too.
 */
export function failureSuperseded(view: PlatformView, parts: KubeParts): boolean {
  const mark = parts.supersededFailure;
  if (mark === undefined) return false;
  const untouched = mark.resourceVersion === undefined || view.deployment.metadata.resourceVersion <= mark.resourceVersion;
  return untouched && mark.jobId === view.job?.metadata.id && mark.savepointId === latestSavepoint(view)?.metadata.id;
}

const STATE_REASON: Record<string, string> = { RUNNING: 'Running', SUSPENDED: 'Suspended', CANCELLED: 'Cancelled', FINISHED: 'Finished' };

export function healthy(view: PlatformView, parts: KubeParts): Verdict {
  const d = view.deployment;
  const job = view.job;
  const state = d.status?.state;
  const want = desiredState(view, parts);
  if (state === undefined) {
    return { status: 'Unknown', reason: 'StatusUnknown', message: 'the platform reports no status yet', since: d.metadata.createdAt };
  }
  if (parts.deletion) {
    return { status: 'False', reason: 'Deleting', message: `the deployment is being deleted (platform state ${state}); see DeletionBlocked`, since: parts.deletion.timestamp };
  }
  if (state === 'FAILED' && failureSuperseded(view, parts)) {
    return {
      status: 'False', reason: 'Transitioning',
      message: `the platform has not acted on generation ${parts.supersededFailure?.generation} yet: the failure it shows came before that change`,
      since: parts.supersededFailure?.at,
    };
  }
  if (state === 'FAILED') {
    const why = job?.status?.failure?.message ? `: ${job.status.failure.message}` : '';
    return { status: 'False', reason: 'DeploymentFailed', message: `the platform deployment FAILED${why}`, since: job?.status?.failure?.failedAt ?? d.metadata.modifiedAt };
  }
  if (state === 'TRANSITIONING') {
    const scaling = want === 'RUNNING' && autopilotRescaling(view);
    return {
      status: 'False', reason: scaling ? 'AutopilotScaling' : 'Transitioning',
      message: scaling ? 'Autopilot is rescaling the job' : `the platform is transitioning to ${d.spec.state}`,
      since: d.metadata.annotations?.[TRANSITIONING_SINCE] ?? d.metadata.modifiedAt,
    };
  }
  if (state === 'RUNNING' && want === 'RUNNING') {
    const failing = failingCondition(view);
    if (failing) {
      return { status: 'False', reason: failing.type, message: failing.message ?? `the platform reports ${failing.type}`, since: failing.lastTransitionTime ?? d.metadata.modifiedAt };
    }
    // A finite (batch) job that ended successfully is done, also before the deployment itself reads FINISHED.
    if (job?.status?.state === 'FINISHED') {
      return { status: 'True', reason: 'Finished', message: `job ${job.metadata.id} FINISHED`, since: job.metadata.terminatedAt ?? d.metadata.modifiedAt };
    }
    if (job && job.status?.state !== 'STARTED') {
      return { status: 'False', reason: 'JobStarting', message: `job ${job.metadata.id} is ${job.status?.state ?? 'starting'}`, since: job.metadata.createdAt };
    }
    return {
      status: 'True', reason: 'Running', message: job ? `job ${job.metadata.id} is running` : 'the deployment is RUNNING',
      since: d.status?.running?.transitionTime ?? job?.status?.started?.startedAt ?? d.metadata.modifiedAt,
    };
  }
  if (state === want || (state === 'FINISHED' && want === 'RUNNING')) {
    return { status: 'True', reason: STATE_REASON[state] ?? state, message: `the deployment is ${state} as desired`, since: job?.metadata.terminatedAt ?? d.metadata.modifiedAt };
  }
  if (want === 'RUNNING' && autopilotRescaling(view)) {
    return { status: 'False', reason: 'AutopilotScaling', message: `Autopilot is rescaling the job (platform state ${state})`, since: view.autopilot?.since ?? d.metadata.modifiedAt };
  }
  if (d.spec.state !== state) {
    // The platform accepted a new desired state and has not started (or finished) the transition yet.
    return { status: 'False', reason: 'Transitioning', message: `the platform is transitioning from ${state} to ${d.spec.state}`, since: d.metadata.modifiedAt };
  }
  return { status: 'False', reason: 'StateMismatch', message: `the deployment is ${state}, desired ${want}`, since: d.metadata.modifiedAt };
}

export function deletionBlocked(view: PlatformView, parts: KubeParts): Verdict {
  const del = parts.deletion;
  const d = view.deployment;
  if (!del) return { status: 'False', reason: 'NotDeleting', message: 'no deletion requested', since: d.metadata.createdAt };
  const since = del.timestamp;
  // The policy can still be changed while the deletion waits (e.g. to Cancel after a failed savepoint).
  const policy = parts.spec.deletionPolicy ?? del.policy;
  if (del.blockedReason) return { status: 'True', reason: del.blockedReason, message: del.blockedMessage ?? del.blockedReason, since };
  const step = deletionStep(policy, view);
  if (step.failed) {
    return { status: 'True', reason: 'SavepointFailed', message: 'suspending with a savepoint failed; set spec.deletionPolicy to Cancel to delete without one', since };
  }
  if (!step.ready) {
    return {
      status: 'True', reason: step.waitingFor === 'SUSPENDED' ? 'WaitingForSuspension' : 'WaitingForCancellation',
      message: `deletion (policy ${policy}) waits for the platform deployment to be ${step.waitingFor}; it is ${d.status?.state ?? 'unknown'}`, since,
    };
  }
  if (parts.finalizers?.length) {
    return { status: 'True', reason: 'WaitingForFinalizers', message: `deletion waits for finalizers: ${parts.finalizers.join(', ')}`, since };
  }
  return { status: 'True', reason: 'WaitingForDeletion', message: 'the platform deployment is about to be deleted', since };
}

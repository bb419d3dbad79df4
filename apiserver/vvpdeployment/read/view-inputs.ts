// What a VvpDeployment is a function of, for deciding when it changed. The object is built from the platform
// deployment AND its latest job, its savepoints and its Autopilot state (platform-view.ts); on a real platform each of
// them moves on its own: a job starts seconds after the deployment reports RUNNING, a savepoint completes, Autopilot
// rescales, none of them a write of the deployment. And timestamps alone do not tell: two components' clocks, or a
// read that saw the deployment after the job listing beside it, give a job whose STARTED carries no timestamp newer
// than the deployment's. So the watch hub and GET's short-lived reuse key an object on every input:
//
// - `viewInputs`: a digest of the ids, resourceVersions, states and timestamps of all inputs; a different digest is a
//   different object (the hub rebuilds it and emits MODIFIED; an equal digest keeps issue 17's saving: not rebuilt).
// - `viewProgress`: the sum of the inputs' own resourceVersions and lifecycle steps, the resourceVersion's suffix
//   (resource-version.ts), so that a child-only change moves the resourceVersion forward too even when no timestamp
//   does (each term only grows while the newest timestamp stays put).
// - `surroundingsAtRest`: whether jobs, savepoints and Autopilot read with a deployment version are expected to stay
//   as they are while that version stays: not while a job starts or stops, a savepoint is in flight, or Autopilot is
//   ACTIVE. GET reuses them only then.

import { createHash } from 'node:crypto';
import type { Deployment, Job, JobState, Savepoint, SavepointState } from '../../vvp/index.js';
import type { AutopilotView, PlatformView } from './platform-view.js';

const JOB_STEP: Record<JobState, number> = { STARTING: 0, STANDBY: 1, STARTED: 2, TERMINATING: 3, TERMINATED: 4, FAILED: 4, FINISHED: 4 };
const SAVEPOINT_STEP: Record<SavepointState, number> = { STARTED: 0, COMPLETED: 1, FAILED: 1, PENDING_DELETION: 2, DELETING: 3, FAILED_DELETION: 4 };

function jobStep(job: Job): number {
  return JOB_STEP[job.status?.state ?? 'STARTING'] ?? 0;
}

function savepointStep(s: Savepoint): number {
  return SAVEPOINT_STEP[s.status?.state ?? 'STARTED'] ?? 0;
}

/** The inputs' resourceVersions and lifecycle steps summed: grows with every change of any of them. */
export function viewProgress(view: PlatformView): number {
  let n = view.deployment.metadata.resourceVersion ?? 0;
  if (view.job) n += (view.job.metadata.resourceVersion ?? 0) + jobStep(view.job);
  for (const s of view.savepoints ?? []) n += (s.metadata.resourceVersion ?? 0) + savepointStep(s);
  return n;
}

function deploymentKey(d: Deployment): unknown[] {
  return [d.metadata.id, d.metadata.resourceVersion, d.metadata.modifiedAt, d.status ?? null];
}

function jobKey(j: Job | undefined): unknown[] {
  if (!j) return [];
  const m = j.metadata;
  return [m.id, m.resourceVersion, m.modifiedAt, m.terminatedAt, j.status?.state, j.status?.started?.startedAt, j.status?.failure?.failedAt];
}

function savepointKeys(savepoints: readonly Savepoint[] | undefined): unknown[] {
  return [...(savepoints ?? [])]
    .map((s) => [s.metadata.id, s.metadata.resourceVersion, s.metadata.modifiedAt, s.status?.state])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

function autopilotKey(a: AutopilotView | undefined): unknown[] {
  return a ? [a.mode, a.runtimeParallelism, a.since] : [];
}

/** A digest of everything the object is built from: equal digests, the same object. */
export function viewInputs(view: PlatformView): string {
  const key = JSON.stringify([deploymentKey(view.deployment), jobKey(view.job), savepointKeys(view.savepoints), autopilotKey(view.autopilot)]);
  return createHash('sha1').update(key).digest('base64url');
}

/** What is read beside a deployment: its latest job, its savepoints, its Autopilot state. */
export interface SurroundingsLike {
  job?: Job;
  savepoints: readonly Savepoint[];
  autopilot?: AutopilotView | 'absent';
}

/**
 * Whether these surroundings, read with this deployment, are expected to hold while the deployment does not change:
 * no job between STARTING and STARTED or stopping, the running job the one the deployment names, no savepoint in
 * flight, Autopilot not ACTIVE. Anything else moves without a write of the deployment, so it is read again.
 */
export function surroundingsAtRest(d: Deployment, s: SurroundingsLike): boolean {
  const state = s.job?.status?.state;
  if (state === 'STARTING' || state === 'STANDBY' || state === 'TERMINATING') return false;
  const runningJob = d.status?.running?.jobId;
  if (d.status?.state === 'RUNNING' && runningJob !== undefined && (state !== 'STARTED' || s.job?.metadata.id !== runningJob)) return false;
  if (d.status?.state === 'TRANSITIONING') return false;
  if (s.savepoints.some((sp) => (sp.status?.state ?? 'STARTED') === 'STARTED' || sp.status?.state === 'PENDING_DELETION' || sp.status?.state === 'DELETING')) return false;
  return !(typeof s.autopilot === 'object' && s.autopilot.mode === 'AUTOPILOT_MODE_ACTIVE');
}

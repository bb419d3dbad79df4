// What the platform shows of one deployment: everything a VvpDeployment's status and conditions are computed from.

import type { AutopilotMode, Deployment, Job, Savepoint } from '../../vvp/index.js';
import { ANNOTATION } from '../trust/annotations.js';
import { millis } from '../decide/time.js';

export interface AutopilotView {
  mode: AutopilotMode;
  /** The parallelism Autopilot runs the job with, when known. */
  runtimeParallelism?: number;
  /** When Autopilot last acted (or its policy last changed). */
  since?: string;
}

export interface PlatformView {
  deployment: Deployment;
  /** The deployment's latest job. */
  job?: Job;
  /** The deployment's savepoints, in any order. */
  savepoints?: Savepoint[];
  /** undefined when Autopilot could not be asked (an older platform, or an error). */
  autopilot?: AutopilotView;
}

/**
 * A deployment this server has just created, seen from the create's own answer (no read after the write): no job
 * (the platform starts one, if at all, after answering: the new deployment is CANCELLED), the savepoints the create
 * registered, Autopilot off since the deployment exists (no policy yet). Whatever the platform does next carries a
 * newer timestamp, so it shows under a new resourceVersion.
 */
export function createdView(d: Deployment, savepoints: Savepoint[] = []): PlatformView {
  return { deployment: d, savepoints, autopilot: { mode: 'AUTOPILOT_MODE_DISABLED', ...(d.metadata.createdAt ? { since: d.metadata.createdAt } : {}) } };
}

export function newestFirst<T extends { metadata: { createdAt?: string } }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => millis(b.metadata.createdAt) - millis(a.metadata.createdAt));
}

export function latestSavepoint(view: PlatformView): Savepoint | undefined {
  return newestFirst(view.savepoints ?? [])[0];
}

/** The savepoint triggered for a savepoint nonce: by recorded id, else by the nonce annotation it was created with. */
export function savepointForNonce(view: PlatformView, nonce: number, id?: string): Savepoint | undefined {
  const all = view.savepoints ?? [];
  if (id !== undefined) {
    const byId = all.find((s) => s.metadata.id === id);
    if (byId) return byId;
  }
  return newestFirst(all).find((s) => s.metadata.annotations?.[ANNOTATION.savepointNonce] === String(nonce));
}

/** Every platform timestamp the object is built from; the resourceVersion follows the newest. */
export function viewTimestamps(view: PlatformView): (string | undefined)[] {
  const d = view.deployment;
  const out = [d.metadata.createdAt, d.metadata.modifiedAt, d.status?.running?.transitionTime];
  for (const c of d.status?.running?.conditions ?? []) out.push(c.lastTransitionTime);
  if (view.job) {
    const j = view.job;
    out.push(j.metadata.createdAt, j.metadata.modifiedAt, j.metadata.terminatedAt, j.status?.started?.startedAt, j.status?.failure?.failedAt);
  }
  for (const s of view.savepoints ?? []) out.push(s.metadata.createdAt, s.metadata.modifiedAt);
  if (view.autopilot) out.push(view.autopilot.since);
  return out;
}

/** Set by the platform on a deployment while Autopilot moves it through CANCELLED to restart it at a new parallelism. */
export const AUTOPILOT_RESCALING_ANNOTATION = 'autopilot.ververica.platform/rescaling-to-parallelism';

/** Autopilot is ACTIVE and in the middle of a rescale (its mark is on the deployment, or it holds spec.state away from RUNNING). */
export function autopilotRescaling(view: PlatformView): boolean {
  if (view.autopilot?.mode !== 'AUTOPILOT_MODE_ACTIVE') return false;
  const d = view.deployment;
  return d.metadata.annotations?.[AUTOPILOT_RESCALING_ANNOTATION] !== undefined || d.spec.state !== 'RUNNING';
}

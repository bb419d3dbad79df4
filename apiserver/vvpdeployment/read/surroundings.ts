// What is read around a deployment (its latest job, its savepoints, its Autopilot state) and how it becomes the
// deployment's PlatformView: pure, beside the reads that fetch it (surroundings-reader.ts). One deployment's
// surroundings come from three calls filtered by its id; a namespace's from three listings grouped here by deployment
// id, so that a poll of many deployments asks the platform three times, not three times per deployment.

import type { AutopilotPolicy, Deployment, Job, Savepoint } from '../../vvp/index.js';
import { newestFirst, type AutopilotView, type PlatformView } from './platform-view.js';

/** Autopilot `absent` when the platform has no policy for the deployment; undefined when it could not be asked. */
export type AutopilotRead = AutopilotView | 'absent' | undefined;

/** What is read of a deployment besides itself. */
export interface Surroundings {
  job?: Job;
  savepoints: Savepoint[];
  autopilot: AutopilotRead;
}

/** A platform namespace's jobs, savepoints and Autopilot policies, by deployment id. */
export interface NamespaceSurroundings {
  allJobs: Job[];
  allSavepoints: Savepoint[];
  jobs: Map<string, Job>;
  savepoints: Map<string, Savepoint[]>;
  /** Synchronous unless the platform must be asked (no policy list, or an active policy's status). */
  autopilot: (d: Deployment) => AutopilotRead | Promise<AutopilotRead>;
}

/** Each deployment's latest job. */
export function latestJobs(jobs: readonly Job[]): Map<string, Job> {
  const latest = new Map<string, Job>();
  for (const j of newestFirst(jobs)) {
    const id = j.metadata.deploymentId;
    if (id && !latest.has(id)) latest.set(id, j);
  }
  return latest;
}

/** Each deployment's savepoints, in the platform's order. */
export function savepointsByDeployment(savepoints: readonly Savepoint[]): Map<string, Savepoint[]> {
  const byDeployment = new Map<string, Savepoint[]>();
  for (const s of savepoints) {
    const id = s.metadata.deploymentId;
    if (id) byDeployment.set(id, [...(byDeployment.get(id) ?? []), s]);
  }
  return byDeployment;
}

/** Each deployment's Autopilot policy, by the deployment id its resource name carries. */
export function policiesByDeployment(policies: readonly AutopilotPolicy[]): Map<string, AutopilotPolicy> {
  const policyOf = new Map<string, AutopilotPolicy>();
  for (const p of policies) {
    const id = /deployments\/([^/]+)\/autopilotpolicy$/.exec(p.name ?? '')?.[1];
    if (id) policyOf.set(id, p);
  }
  return policyOf;
}

/** The view of a policy that is not ACTIVE (an active one's runtime parallelism needs its status). */
export function policyView(p: AutopilotPolicy): AutopilotView {
  return { mode: p.mode, ...(p.modifyTime ? { since: p.modifyTime } : {}) };
}

/** What of a deployment, when changed, makes its surroundings worth reading again (a transition moves its job). */
export function versionOf(d: Deployment): string {
  const running = d.status?.running;
  return `${d.metadata.resourceVersion ?? ''}|${d.metadata.modifiedAt ?? ''}|${d.status?.state ?? ''}|${running?.jobId ?? ''}|${running?.transitionTime ?? ''}`;
}

export function viewOf(d: Deployment, s: Surroundings): PlatformView {
  const view: PlatformView = { deployment: d, savepoints: s.savepoints };
  if (s.job) view.job = s.job;
  // Without a policy, Autopilot is off, and has been since the deployment exists.
  if (s.autopilot === 'absent') view.autopilot = { mode: 'AUTOPILOT_MODE_DISABLED', ...(d.metadata.createdAt ? { since: d.metadata.createdAt } : {}) };
  else if (s.autopilot) view.autopilot = s.autopilot;
  return view;
}

// What deleting a VvpDeployment waits for on the platform, per deletionPolicy. Shared by the storage (which acts)
// and the DeletionBlocked condition (which reports).

import type { DeploymentDesiredState } from '../../vvp/index.js';
import type { PlatformView } from '../read/platform-view.js';
import type { DeletionPolicy } from '../types.js';

export interface DeletionStep {
  /** The platform deployment may be deleted now (the platform accepts DELETE only in desired state CANCELLED or SUSPENDED). */
  ready: boolean;
  /** The desired state to set on the platform first, when it is not set yet. */
  setState?: DeploymentDesiredState;
  /** What the deletion waits for, when not ready. */
  waitingFor?: DeploymentDesiredState;
  /** A Suspend that cannot complete: the savepoint (or the transition) failed. */
  failed?: boolean;
}

const STOPPED = new Set(['CANCELLED', 'SUSPENDED']);

/**
 * Cancel: desired CANCELLED, then delete once the platform is CANCELLED (or already SUSPENDED: no job either way).
 * Suspend: desired SUSPENDED (a savepoint of origin SUSPEND), then delete once SUSPENDED; a deployment with no job
 * (CANCELLED) is deleted as it is. Orphan: ready at once; the storage only drops the management mark.
 */
export function deletionStep(policy: DeletionPolicy, view: PlatformView): DeletionStep {
  if (policy === 'Orphan') return { ready: true };
  const desired = view.deployment.spec.state;
  const observed = view.deployment.status?.state;
  if (STOPPED.has(desired) && observed === desired) return { ready: true };
  if (policy === 'Suspend') {
    if (observed === 'FAILED' && desired === 'SUSPENDED') return { ready: false, waitingFor: 'SUSPENDED', failed: true };
    if (desired === 'RUNNING') return { ready: false, setState: 'SUSPENDED', waitingFor: 'SUSPENDED' };
    return { ready: false, waitingFor: desired };
  }
  return desired === 'CANCELLED' ? { ready: false, waitingFor: 'CANCELLED' } : { ready: false, setState: 'CANCELLED', waitingFor: 'CANCELLED' };
}

// What the platform makes while it runs deployments, as the AppManager API 2.4.3 swagger describes it: jobs (one per
// start of a deployment), savepoints and events. Split from types.ts, which re-exports them all.

import type { DeepPartial, DeploymentTemplateSpec, Failure, StringMap } from './types.js';

// ---------------------------------------------------------------------------------------------------------------
// Job

export type JobState = 'STARTING' | 'STANDBY' | 'STARTED' | 'TERMINATING' | 'TERMINATED' | 'FAILED' | 'FINISHED';

export interface JobMetadata {
  id: string;
  namespace: string;
  deploymentId?: string;
  deploymentName?: string;
  sessionClusterName?: string;
  createdAt?: string;
  modifiedAt?: string;
  terminatedAt?: string;
  annotations?: StringMap;
  resourceVersion?: number;
}

/** A snapshot of the deployment template the job was started from. */
export interface JobSpec extends DeploymentTemplateSpec {
  userFlinkConfiguration?: StringMap;
  deploymentTarget?: { kubernetes?: { namespace?: string } };
  savepointLocation?: string;
  allowNonRestoredState?: boolean;
}

export interface JobStatus {
  state: JobState;
  started?: {
    flinkJobId?: string;
    startedAt?: string;
    lastUpdateTime?: string;
    observedFlinkJobStatus?: string;
    observedFlinkJobRestarts?: number;
  };
  failure?: Failure;
  [extra: string]: unknown;
}

export interface Job {
  kind?: 'Job';
  apiVersion?: string;
  metadata: JobMetadata;
  spec?: JobSpec;
  status?: JobStatus;
}

// ---------------------------------------------------------------------------------------------------------------
// Savepoint

export type SavepointOrigin = 'USER_REQUEST' | 'SUSPEND_AND_UPGRADE' | 'SUSPEND' | 'COPIED' | 'RETAINED_CHECKPOINT';
/** The last three are documented for later 2.x platforms only. */
export type SavepointState = 'STARTED' | 'COMPLETED' | 'FAILED' | 'PENDING_DELETION' | 'DELETING' | 'FAILED_DELETION';

export interface SavepointMetadata {
  id: string;
  namespace: string;
  deploymentId?: string;
  jobId?: string;
  origin?: SavepointOrigin;
  annotations?: StringMap;
  createdAt?: string;
  modifiedAt?: string;
  resourceVersion?: number;
}

export interface Savepoint {
  kind?: 'Savepoint';
  apiVersion?: string;
  metadata: SavepointMetadata;
  spec?: {
    savepointLocation?: string;
    flinkSavepointId?: string;
  };
  status?: {
    state: SavepointState;
    failure?: Failure;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Event

export interface EventMetadata {
  id: string;
  namespace: string;
  createdAt?: string;
  deploymentId?: string;
  jobId?: string;
  sessionClusterId?: string;
  resourceName?: string;
  resourceVersion?: number;
  /** A machine-readable id from the platform's fixed list (e.g. `JOB_SUCCESSFULLY_STARTED`); `EXTERNAL` for others. */
  name?: string;
}

export interface Event {
  kind?: 'Event';
  apiVersion?: string;
  metadata: EventMetadata;
  spec: {
    message?: string;
    /** `Normal` or `Warning`: VVP 3 operator events carry one; VVP 2 events have none. */
    type?: string;
  };
}

/** A body for creating an event (a VVP 3 extension; VVP 2 platforms answer 404 or 405). */
export type EventWrite = DeepPartial<Event>;

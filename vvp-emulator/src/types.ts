/** Resource shapes as the emulator keeps them (AppManager 2.4.3 field names). */
import type { JsonObject } from './json.js';

export type DesiredState = 'RUNNING' | 'SUSPENDED' | 'CANCELLED';
export type DeploymentState = DesiredState | 'TRANSITIONING' | 'FAILED' | 'FINISHED';
export type JobState = 'STARTING' | 'STARTED' | 'TERMINATING' | 'TERMINATED' | 'FAILED' | 'FINISHED';
export type SavepointState = 'STARTED' | 'COMPLETED' | 'FAILED';
export type SavepointOrigin = 'USER_REQUEST' | 'SUSPEND_AND_UPGRADE' | 'SUSPEND' | 'COPIED' | 'RETAINED_CHECKPOINT';
export type Role = 'viewer' | 'editor' | 'owner';

export interface Failure {
  message: string;
  reason: string;
  failedAt: string;
}

export interface ObjectMetadata {
  id: string;
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  createdAt: string;
  modifiedAt: string;
  resourceVersion: number;
}

export interface DeploymentSpec {
  state: DesiredState;
  deploymentTargetName?: string;
  deploymentTargetId?: string;
  sessionClusterName?: string;
  upgradeStrategy: { kind: 'STATEFUL' | 'STATELESS' | 'NONE' };
  restoreStrategy: { kind: 'LATEST_STATE' | 'LATEST_SAVEPOINT' | 'NONE'; allowNonRestoredState?: boolean };
  maxJobCreationAttempts: number;
  maxSavepointCreationAttempts: number;
  template: {
    metadata?: { annotations?: Record<string, string> };
    spec: TemplateSpec;
  };
}

export interface TemplateSpec {
  artifact: { kind: string; jarUri?: string; sqlScript?: string; [key: string]: unknown };
  parallelism?: number;
  numberOfTaskManagers?: number;
  flinkConfiguration?: Record<string, string>;
  [key: string]: unknown;
}

export interface Deployment {
  kind: 'Deployment';
  apiVersion: 'v1';
  metadata: ObjectMetadata & { displayName?: string };
  spec: DeploymentSpec;
  status: {
    state: DeploymentState;
    running?: { jobId: string; transitionTime: string; conditions: unknown[] };
  };
}

export interface Job {
  kind: 'Job';
  apiVersion: 'v1';
  metadata: {
    id: string;
    namespace: string;
    deploymentId: string;
    deploymentName: string;
    createdAt: string;
    modifiedAt: string;
    terminatedAt?: string;
    annotations: Record<string, string>;
    resourceVersion: number;
  };
  spec: JsonObject;
  status: {
    state: JobState;
    started?: {
      flinkJobId: string;
      startedAt: string;
      lastUpdateTime: string;
      observedFlinkJobStatus: string;
      observedFlinkJobRestarts: number;
    };
    failure?: Failure;
  };
}

export interface Savepoint {
  kind: 'Savepoint';
  apiVersion: 'v1';
  metadata: {
    id: string;
    namespace: string;
    createdAt: string;
    modifiedAt: string;
    deploymentId?: string;
    jobId?: string;
    origin: SavepointOrigin;
    annotations: Record<string, string>;
    resourceVersion: number;
  };
  spec: { savepointLocation?: string; flinkSavepointId?: string };
  status: { state: SavepointState; failure?: Failure };
}

export interface VvpEvent {
  kind: 'Event';
  apiVersion: 'v1';
  metadata: {
    id: string;
    name: string;
    namespace: string;
    createdAt: string;
    deploymentId?: string;
    jobId?: string;
    resourceName?: string;
    resourceVersion: number;
  };
  spec: { message: string; type?: string };
}

export interface DeploymentTarget {
  kind: 'DeploymentTarget';
  apiVersion: 'v1';
  metadata: ObjectMetadata;
  spec: { kubernetes: { namespace?: string } };
}

export type SessionClusterDesiredState = 'RUNNING' | 'STOPPED';
export type SessionClusterState = 'STOPPED' | 'STARTING' | 'RUNNING' | 'UPDATING' | 'STOPPING' | 'FAILED';

export interface SessionCluster {
  kind: 'SessionCluster';
  apiVersion: 'v1';
  metadata: ObjectMetadata;
  spec: JsonObject & { state: SessionClusterDesiredState; deploymentTargetName: string; flinkVersion?: string };
  status: { state: SessionClusterState; running?: { startedAt: string; lastUpdateTime: string }; failure?: Failure };
}

export interface DeploymentDefaults {
  kind: 'DeploymentDefaults';
  apiVersion: 'v1';
  metadata: ObjectMetadata;
  spec: JsonObject;
}

export interface Namespace {
  name: string;
  createTime: string;
  lifecyclePhase: 'LIFECYCLE_PHASE_ACTIVE' | 'LIFECYCLE_PHASE_TERMINATING';
  roleBindings: { role: string; members: string[] }[];
}

export interface ApiToken {
  name: string;
  role: Role;
  secret: string;
  createTime: string;
  /** Extension: the Kubernetes operator instance this token acts as (write protection). */
  operatorInstance?: string;
}

export type AutopilotMode = 'AUTOPILOT_MODE_DISABLED' | 'AUTOPILOT_MODE_MONITORING' | 'AUTOPILOT_MODE_ACTIVE';

export interface AutopilotPolicy {
  name: string;
  mode: AutopilotMode;
  autoscalerConfig?: {
    minParallelism?: number;
    maxParallelism?: number;
    targetUtilization?: number;
    cooldownMinutes?: number;
    extraConfig?: Record<string, string>;
  };
  libraConfig?: JsonObject;
  modifyTime: string;
}

// Where deployments run, as the AppManager API 2.4.3 swagger describes it: the namespace's deployment defaults,
// deployment targets, session clusters, and the platform's system information. Split from types.ts, which re-exports
// them all; the shapes follow its rules (required only what the platform always returns, index signatures on
// open-ended objects).

import type { DeepPartial, DeploymentSpec, Failure, StringMap } from './types.js';

// ---------------------------------------------------------------------------------------------------------------
// Deployment defaults and targets

export interface DeploymentDefaults {
  kind?: 'DeploymentDefaults';
  apiVersion?: string;
  metadata?: {
    id?: string;
    name?: string;
    namespace?: string;
    labels?: StringMap;
    annotations?: StringMap;
    createdAt?: string;
    modifiedAt?: string;
    resourceVersion?: number;
  };
  /** The same shape as a deployment's spec, every field optional (`state` included). */
  spec: DeepPartial<DeploymentSpec>;
}

/** The metadata of a deployment target or session cluster: named within its namespace. */
export interface NamedResourceMetadata {
  id: string;
  name: string;
  namespace: string;
  labels?: StringMap;
  annotations?: StringMap;
  createdAt?: string;
  modifiedAt?: string;
  resourceVersion?: number;
}

export interface DeploymentTarget {
  kind?: 'DeploymentTarget';
  apiVersion?: string;
  metadata: NamedResourceMetadata;
  spec: {
    /** If `namespace` is unset, jobs run in the platform's own Kubernetes namespace. */
    kubernetes?: { namespace?: string };
  };
}

/** A body for POST of a deployment target: its name, labels and annotations, and where it deploys. */
export interface DeploymentTargetWrite {
  kind?: 'DeploymentTarget';
  apiVersion?: string;
  metadata: { name: string; labels?: StringMap; annotations?: StringMap };
  spec: { kubernetes: { namespace?: string } };
}

/** A session cluster (2.4+): a Flink cluster shared by the deployments naming it (spec.sessionClusterName). */
export interface SessionCluster {
  kind?: 'SessionCluster';
  apiVersion?: string;
  metadata: NamedResourceMetadata;
  spec: {
    state?: 'RUNNING' | 'STOPPED';
    deploymentTargetName?: string;
    flinkVersion?: string;
    flinkImageRegistry?: string;
    flinkImageRepository?: string;
    flinkImageTag?: string;
    numberOfTaskManagers?: number;
    flinkConfiguration?: StringMap;
    [field: string]: unknown;
  };
  status?: {
    state?: 'STOPPED' | 'STARTING' | 'RUNNING' | 'UPDATING' | 'STOPPING' | 'FAILED';
    failure?: Failure;
    running?: { startedAt?: string; lastUpdateTime?: string };
  };
}

/** A merge patch of a session cluster: its desired state. */
export interface SessionClusterPatch {
  spec: { state: 'RUNNING' | 'STOPPED' };
}

// ---------------------------------------------------------------------------------------------------------------
// System information

export interface SystemInformation {
  kind?: string;
  apiVersion?: string;
  status?: {
    jvmVersion?: string;
    revisionInformation?: {
      buildTime?: string;
      buildVersion?: string;
      commitShaLong?: string;
      commitShaShort?: string;
    };
    resourceQuota?: unknown;
    [extra: string]: unknown;
  };
}

/**
 * The Ververica Platform objects the product reads and writes, as the AppManager (`/api/v1`) and Platform
 * (`/namespaces/v1`, `/autopilot/v1alpha1`) APIs of VVP 2.4 return them.
 *
 * Read shapes mark as required only what the platform always returns; everything else is optional because
 * older or newer platforms omit it. Write bodies are `…Write` types (deep partials): PATCH accepts partial
 * bodies, and a POST or PUT may leave fields to the platform's defaults. Open-ended objects (spec, template,
 * artifact, Kubernetes options) carry an index signature so that fields newer platforms add survive a
 * read-modify-write round trip.
 */

export type StringMap = Record<string, string>;

/**
 * Recursively optional, for PATCH bodies and for POST/PUT bodies the platform completes with defaults. Map entries
 * (index signatures) stay non-optional, so a partial `labels` is still a `Record<string, string>`.
 */
export type DeepPartial<T> = T extends readonly (infer E)[]
  ? DeepPartial<E>[]
  : T extends object
    ? { [K in keyof T as string extends K ? K : never]: DeepPartial<T[K]> } & {
        [K in keyof T as string extends K ? never : K]?: DeepPartial<T[K]>;
      }
    : T;

/** The list envelope (`ResourceListOf…`) of the AppManager API. */
export interface ResourceList<T> {
  kind?: string;
  apiVersion?: string;
  metadata?: Record<string, unknown>;
  items: T[];
}

/** Failure details carried by job, savepoint and session cluster status. */
export interface Failure {
  message?: string;
  reason?: string;
  failedAt?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Deployment

export type DeploymentDesiredState = 'RUNNING' | 'SUSPENDED' | 'CANCELLED';
export type DeploymentObservedState = DeploymentDesiredState | 'TRANSITIONING' | 'FAILED' | 'FINISHED';
export type UpgradeStrategyKind = 'STATEFUL' | 'STATELESS' | 'NONE';
export type RestoreStrategyKind = 'LATEST_STATE' | 'LATEST_SAVEPOINT' | 'NONE';

export interface DeploymentMetadata {
  id: string;
  name: string;
  namespace: string;
  displayName?: string;
  labels?: StringMap;
  annotations?: StringMap;
  createdAt?: string;
  modifiedAt?: string;
  /** Incremented by the platform on every write. Some platforms refuse a write carrying a stale one (409). */
  resourceVersion: number;
}

export interface UpgradeStrategy {
  kind: UpgradeStrategyKind;
}

export interface RestoreStrategy {
  kind: RestoreStrategyKind;
  allowNonRestoredState?: boolean;
}

/** `kind` is `JAR`, `SQLSCRIPT` or (VVP ≥ 2.10) `PYTHON`; the swagger models it only as a string. */
export interface Artifact {
  kind: string;
  jarUri?: string;
  entryClass?: string;
  mainArgs?: string;
  sqlScript?: string;
  additionalDependencies?: string[];
  flinkVersion?: string;
  flinkImageRegistry?: string;
  flinkImageRepository?: string;
  flinkImageTag?: string;
  [extra: string]: unknown;
}

/** A `resources` entry; the map keys are `jobmanager` and `taskmanager`. */
export interface ResourceSpec {
  cpu?: number;
  memory?: string;
}

export interface Logging {
  loggingProfile?: string;
  log4jLoggers?: StringMap;
  log4j2ConfigurationTemplate?: string;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
}

export interface VolumeAndMount {
  name: string;
  /** A Kubernetes Volume, passed through untouched. */
  volume?: unknown;
  /** A Kubernetes VolumeMount, passed through untouched. */
  volumeMount?: unknown;
}

export interface Pods {
  annotations?: StringMap;
  labels?: StringMap;
  nodeSelector?: StringMap;
  securityContext?: unknown;
  affinity?: unknown;
  tolerations?: unknown[];
  volumeMounts?: VolumeAndMount[];
  envVars?: EnvVar[];
  imagePullSecrets?: { name: string }[];
  [extra: string]: unknown;
}

export interface KubernetesOptions {
  pods?: Pods;
  /** Kubernetes PodTemplateSpecs, passed through untouched. */
  jobManagerPodTemplate?: unknown;
  taskManagerPodTemplate?: unknown;
  [extra: string]: unknown;
}

export interface DeploymentTemplateSpec {
  artifact?: Artifact;
  parallelism?: number;
  numberOfTaskManagers?: number;
  resources?: Record<string, ResourceSpec>;
  flinkConfiguration?: StringMap;
  logging?: Logging;
  kubernetes?: KubernetesOptions;
  [extra: string]: unknown;
}

export interface DeploymentTemplate {
  metadata?: { annotations?: StringMap };
  spec?: DeploymentTemplateSpec;
}

export interface DeploymentSpec {
  state: DeploymentDesiredState;
  /** Application mode; 2.0/2.1 platforms only know `deploymentTargetId`. */
  deploymentTargetName?: string;
  deploymentTargetId?: string;
  /** Session mode (2.4+), instead of a deployment target. */
  sessionClusterName?: string;
  upgradeStrategy?: UpgradeStrategy;
  restoreStrategy?: RestoreStrategy;
  maxSavepointCreationAttempts?: number;
  maxJobCreationAttempts?: number;
  template?: DeploymentTemplate;
  [extra: string]: unknown;
}

/** `type` is one of `ClusterUnreachable`, `JobFailing`, `JobUnstable`. */
export interface DeploymentCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
}

export interface DeploymentStatus {
  state: DeploymentObservedState;
  running?: {
    jobId?: string;
    transitionTime?: string;
    conditions?: DeploymentCondition[];
  };
}

export interface Deployment {
  kind?: 'Deployment';
  apiVersion?: string;
  metadata: DeploymentMetadata;
  spec: DeploymentSpec;
  status?: DeploymentStatus;
}

/** A body for POST, PUT or PATCH of a deployment. `status` is system-managed and ignored by the platform. */
export type DeploymentWrite = DeepPartial<Omit<Deployment, 'status'>>;

// Jobs, savepoints and events: types-runtime.ts; defaults, targets, session clusters and system information:
// types-targets.ts; the Platform API's namespaces and Autopilot: types-platform-api.ts.
export type * from './types-runtime.js';
export type * from './types-targets.js';
export type * from './types-platform-api.js';

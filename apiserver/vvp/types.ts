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

// ---------------------------------------------------------------------------------------------------------------
// Platform API: namespaces (responses are wrapped, e.g. `{"namespace": {…}}`; the client unwraps them)

export type NamespaceLifecyclePhase =
  | 'LIFECYCLE_PHASE_INVALID'
  | 'LIFECYCLE_PHASE_ACTIVE'
  | 'LIFECYCLE_PHASE_TERMINATING'
  | 'UNRECOGNIZED';

export interface RoleBinding {
  role: string;
  members?: string[];
}

export interface Namespace {
  /** `namespaces/<name>` on a real platform; some platforms give the bare name. */
  name: string;
  lifecyclePhase?: NamespaceLifecyclePhase;
  roleBindings?: RoleBinding[];
  createTime?: string;
  previewSessionClusterName?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Platform API: Autopilot (responses are wrapped, e.g. `{"policy": {…}}`; the client unwraps them)

export type AutopilotMode =
  | 'AUTOPILOT_MODE_INVALID'
  | 'AUTOPILOT_MODE_DISABLED'
  | 'AUTOPILOT_MODE_MONITORING'
  | 'AUTOPILOT_MODE_ACTIVE'
  | 'UNRECOGNIZED';

export interface AutopilotPolicy {
  name?: string;
  mode: AutopilotMode;
  autoscalerConfig?: {
    minParallelism?: number;
    maxParallelism?: number;
    targetUtilization?: number;
    cooldownMinutes?: number;
    extraConfig?: StringMap;
  };
  libraConfig?: {
    cooldownMinutes?: number;
    extraConfig?: StringMap;
    policies?: string;
  };
  modifyTime?: string;
}

export interface AutopilotPolicyStatus {
  status?: 'POLICY_STATUS_INVALID' | 'POLICY_STATUS_OK' | 'POLICY_STATUS_ERROR' | 'UNRECOGNIZED';
  autoscalerStatus?: {
    lastActionTime?: string;
    updateTime?: string;
    message?: string;
    /** Free-form in the swagger (a JSON string); the emulator puts `{"runtimeParallelism": n, …}` in it. */
    metrics?: string;
    sourceStatus?: unknown[];
  };
  libraStatus?: unknown;
  /** Extension (emulator, VVP 3 runtime scaling): the parallelism the job runs with, which the spec may not show. */
  runtimeParallelism?: number;
  /** Extension: the deployment spec's parallelism, for comparison. */
  specParallelism?: number;
  [extra: string]: unknown;
}

// Jobs, savepoints and events: types-runtime.ts.
export type * from './types-runtime.js';

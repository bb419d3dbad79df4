// The VvpDeployment resource as the machinery installs it: names for discovery and the JSON schema that validates
// every write and teaches `kubectl explain`. Deployment fields follow the VVP 2.4.3 AppManager swagger (DeploymentSpec,
// DeploymentTemplate, Artifact, …) plus the few later fields the platform accepts. The platform's own spec
// (spec.deployment.spec, spec.initFields.spec) keeps fields this schema does not know, as a CRD subtree marked
// x-kubernetes-preserve-unknown-fields does: the platform is the source of truth for its own fields (a newer VVP has
// fields this server does not know), so they are passed to it as written, never pruned (a PUT-mode write would reset
// them); the write names them in a Warning (decide/unknown-fields.ts walks `platformSpecSchema`, the closed form).
// Elsewhere unknown fields follow fieldValidation, as a CRD's pruned fields do.

import type { ResourceInfo } from '../k8s/index.js';
import { OWNER_LABEL } from './trust/annotations.js';
import { GROUP, KIND, VERSION } from './types.js';

type Schema = Record<string, unknown>;

const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const int = (description: string, extra: Schema = {}): Schema => ({ type: 'integer', description, ...extra });
/** The platform's int32 fields that count something: 1 … 2^31-1. */
const count = (description: string): Schema => int(description, { format: 'int32', minimum: 1, maximum: 2147483647 });
const strings = (description: string, item: string): Schema => ({ type: 'array', description, items: str(item) });
const stringMap = (description: string): Schema => ({ type: 'object', description, additionalProperties: { type: 'string' } });
const obj = (description: string, properties: Record<string, Schema>, extra: Schema = {}): Schema =>
  ({ type: 'object', description, properties, ...extra });
/** Open-ended platform objects (Kubernetes pod templates, volumes, …) are passed through unvalidated. */
const open = (description: string): Schema => ({ type: 'object', description, 'x-kubernetes-preserve-unknown-fields': true });

export const PLATFORM_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

const artifact = obj(
  'The Flink program to run. `kind` selects the artifact type; each kind reads its own fields (jarUri for JAR, sqlScript for SQLSCRIPT, pythonArtifactUri for PYTHON).',
  {
    kind: str('Artifact type: JAR, SQLSCRIPT or (VVP >= 2.10) PYTHON.', { enum: ['JAR', 'SQLSCRIPT', 'PYTHON'] }),
    jarUri: str('URI of the job JAR (JAR artifacts), e.g. s3://bucket/job.jar.'),
    entryClass: str('Main class of the job JAR; when unset, the JAR manifest decides.'),
    mainArgs: str('Program arguments passed to the main method (JAR) or module (PYTHON), as one string.'),
    sqlScript: str('The SQL statements to run (SQLSCRIPT artifacts).'),
    pythonArtifactUri: str('URI of the Python program, a .py file or an archive (PYTHON artifacts).'),
    entryModule: str('Python module to run when pythonArtifactUri is an archive (PYTHON artifacts).'),
    additionalPythonLibraries: strings('URIs of further Python libraries (PYTHON artifacts).', 'URI of a Python library.'),
    additionalPythonArchives: strings('URIs of further archives extracted for the Python program (PYTHON artifacts).', 'URI of an archive.'),
    additionalDependencies: strings('URIs of further JARs or files added to the classpath.', 'URI of a JAR or file.'),
    flinkVersion: str('Flink minor version to run, e.g. "1.17".'),
    flinkImageRegistry: str('Container registry of the Flink image.'),
    flinkImageRepository: str('Repository of the Flink image.'),
    flinkImageTag: str('Tag of the Flink image.'),
    engineVersionName: str('VVP 3: name of the engine version to run, instead of flinkVersion and the image fields.'),
  },
  { required: ['kind'] },
);

const resourceSpec = (who: string): Schema => obj(`Compute resources of the ${who}.`, {
  cpu: { type: 'number', format: 'double', description: `CPU cores per ${who} (at least 0.1).`, minimum: 0.1 },
  memory: str(`Memory per ${who}, e.g. "2g".`),
});

const pods = obj('Options for all pods of the job (JobManager and TaskManagers).', {
  annotations: stringMap('Annotations added to the pods.'),
  labels: stringMap('Labels added to the pods.'),
  nodeSelector: stringMap('Node selector of the pods.'),
  securityContext: open('A Kubernetes PodSecurityContext for the pods.'),
  affinity: open('A Kubernetes Affinity for the pods.'),
  tolerations: { type: 'array', description: 'Kubernetes Tolerations of the pods.', items: open('A Kubernetes Toleration.') },
  envVars: {
    type: 'array',
    description: 'Environment variables of the Flink containers.',
    items: obj('An environment variable.', {
      name: str('Variable name.'),
      value: str('Variable value.'),
      valueFrom: open('A Kubernetes EnvVarSource.'),
    }, { required: ['name'] }),
  },
  imagePullSecrets: {
    type: 'array',
    description: 'Secrets used to pull the Flink image.',
    items: obj('A reference to a Secret in the job namespace.', { name: str('Name of the Secret.') }),
  },
  volumeMounts: {
    type: 'array',
    description: 'Volumes mounted into the Flink containers.',
    items: obj('A volume and where to mount it.', {
      name: str('Name of the volume.'),
      volume: open('A Kubernetes Volume.'),
      volumeMount: open('A Kubernetes VolumeMount.'),
    }),
  },
}, { 'x-kubernetes-preserve-unknown-fields': true });

const templateSpec = obj('The job definition every new job of the deployment is created from.', {
  artifact,
  parallelism: count('Parallelism of the job. While Autopilot is ACTIVE it scales the running job without changing this field.'),
  numberOfTaskManagers: count('Number of TaskManagers.'),
  resources: obj('Compute resources, by component.', {
    jobmanager: resourceSpec('JobManager'),
    taskmanager: resourceSpec('TaskManager'),
  }),
  flinkConfiguration: stringMap('Flink configuration (flink-conf.yaml keys and values).'),
  logging: obj('Logging configuration of the job.', {
    loggingProfile: str('Name of a logging profile of the platform, e.g. "default".'),
    log4jLoggers: stringMap('Log levels by logger name; the empty name is the root logger.'),
    log4j2ConfigurationTemplate: str('A complete Log4j 2 configuration template.'),
  }),
  kubernetes: obj('Kubernetes options of the job pods (Kubernetes types, passed to the platform as they are).', {
    pods,
    jobManagerPodTemplate: open('A Kubernetes PodTemplateSpec for the JobManager pod.'),
    taskManagerPodTemplate: open('A Kubernetes PodTemplateSpec for the TaskManager pods.'),
  }, { 'x-kubernetes-preserve-unknown-fields': true }),
  engineVersionName: str('VVP 3: name of the engine version every job of the deployment runs.'),
});

const deploymentSpec = obj('The platform deployment spec (VVP Deployment.spec).', {
  state: str('Desired state: RUNNING starts the job, SUSPENDED stops it with a savepoint, CANCELLED stops it without one.', {
    enum: ['RUNNING', 'SUSPENDED', 'CANCELLED'],
  }),
  deploymentTargetName: str('Deployment target (application mode): where the job runs.'),
  deploymentTargetId: str('Id of the deployment target, instead of deploymentTargetName.'),
  sessionClusterName: str('Session cluster to run the job in (session mode), instead of a deployment target.'),
  upgradeStrategy: obj('How a running job is upgraded after a template change.', {
    kind: str('STATEFUL (suspend with a savepoint, then restart from it), STATELESS (cancel and restart) or NONE (no automatic upgrade).', {
      enum: ['STATEFUL', 'STATELESS', 'NONE'],
    }),
  }),
  restoreStrategy: obj('Which state a new job starts from.', {
    kind: str('LATEST_STATE (latest savepoint or retained checkpoint), LATEST_SAVEPOINT (latest savepoint) or NONE (empty state).', {
      enum: ['LATEST_STATE', 'LATEST_SAVEPOINT', 'NONE'],
    }),
    allowNonRestoredState: { type: 'boolean', description: 'Start even if some state of the snapshot cannot be mapped to the new job.' },
  }),
  maxSavepointCreationAttempts: count('Attempts to take a savepoint before a transition fails.'),
  maxJobCreationAttempts: count('Attempts to start a job before a transition fails.'),
  // Not in the 2.4.3 swagger and its type is unpublished: a number or a string, checked by the platform.
  jobFailureExpirationTime: {
    description: 'Newer VVP versions: how long the platform keeps counting a failed job; passed to the platform as given.',
    'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }],
  },
  template: obj('Template of the jobs of this deployment; changing it while RUNNING upgrades the job.', {
    metadata: obj('Metadata of the job template.', {
      annotations: stringMap('Annotations of the job template (platform-specific switches).'),
    }),
    spec: templateSpec,
  }),
});

/** Every object node of `schema` keeps unknown fields (the marker is not inherited by declared children in kube). */
function keepingUnknown(schema: Schema): Schema {
  const out: Schema = { ...schema };
  if (out.type === 'object' && out.properties) out['x-kubernetes-preserve-unknown-fields'] = true;
  if (out.properties) out.properties = Object.fromEntries(Object.entries(out.properties as Record<string, Schema>).map(([k, v]) => [k, keepingUnknown(v)]));
  if (out.items) out.items = keepingUnknown(out.items as Schema);
  return out;
}

/** The platform spec as this server knows it, closed: what decide/unknown-fields.ts compares a written spec with. */
export const platformSpecSchema: Schema = deploymentSpec;

const platformMetadata = obj('Identity and metadata of the platform deployment. name and namespace are fixed at creation.', {
  name: str('Name of the platform deployment; defaults to metadata.name. Immutable.', { maxLength: 63, pattern: PLATFORM_NAME_PATTERN }),
  namespace: str('Platform namespace of the deployment; defaults to the server\'s default platform namespace. Immutable.', {
    maxLength: 63, pattern: PLATFORM_NAME_PATTERN,
  }),
  displayName: str('Human-readable name shown by the platform.'),
  labels: stringMap('Labels of the platform deployment (keys under k8s.ververica.platform/ and ververica.platform/managed-by are reserved).'),
  annotations: stringMap('Annotations of the platform deployment (keys under k8s.ververica.platform/ are reserved).'),
});

const definition = (description: string, required: string[] = []): Schema => obj(description, {
  metadata: platformMetadata,
  spec: keepingUnknown(deploymentSpec),
  // Kept through pruning so that the write answers the rename (validation.ts vvp2Causes) instead of dropping it.
  userMetadata: open('VVP 2 operator field, refused: rename it to spec.deployment.metadata.'),
}, required.length ? { required } : {});

const condition = obj('A condition of the deployment (metav1.Condition).', {
  type: str('Condition type: Consistent, SpecAligned, NonceAligned, ParallelismAligned, Healthy, DeletionBlocked, and the kstatus summaries Reconciling and Stalled.'),
  status: str('True, False or Unknown.', { enum: ['True', 'False', 'Unknown'] }),
  reason: str('Machine-readable CamelCase reason for the status.'),
  message: str('Human-readable details.'),
  observedGeneration: int('metadata.generation the condition was computed for.'),
  lastTransitionTime: str('When the status last changed, derived from platform timestamps.', { format: 'date-time' }),
}, { required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'] });

const spec = obj('Desired state of the platform deployment; projected onto Ververica Platform on every write.', {
  syncingMode: str('PATCH sends only the fields present (the platform keeps its defaults for omitted fields); PUT sends the full definition and resets omitted fields. A switch takes effect at the next change of spec.deployment.', {
    enum: ['PATCH', 'PUT'],
  }),
  deployment: definition('The platform deployment definition (VVP Deployment metadata and spec).'),
  initFields: definition('PATCH mode only: fields sent once, at creation, merged under spec.deployment; never sent again, even if changed later.'),
  savepointNonce: int('Change to take a savepoint of the running job (once per value).'),
  restartNonce: int('Change to restart the job (once per value), through a job upgrade on the platform.'),
  restoreSavepointName: str('A VvpSavepoint of this namespace (of this deployment, or of another one: a fork) to restore the job from when restoreNonce changes. It must be COMPLETED, of this platform instance, and readable by the user (get vvpsavepoints).'),
  restoreNonce: int('Change (with restoreSavepointName) to restore from that savepoint, once per value: a RUNNING job restarts from it without taking a savepoint first; a stopped deployment starts from it next time. The desired state is kept.'),
  initialSavepointSpec: obj('An external savepoint to register with the platform at creation; the job restores from it when it first runs.', {
    savepointLocation: str('URI of the savepoint directory, e.g. s3://bucket/savepoints/savepoint-abc.'),
  }),
  deletionPolicy: str('What deleting this object does to the platform deployment: Cancel (cancel the job, then delete), Suspend (suspend with a savepoint, then delete) or Orphan (leave it running, unmanaged).', {
    enum: ['Cancel', 'Suspend', 'Orphan'], default: 'Cancel',
  }),
}, { required: ['syncingMode', 'deployment'] });

const status = obj('Live state of the platform deployment, read from Ververica Platform on every request.', {
  customResourceStatus: open('VVP 2 operator field, refused: the status is computed on every read; remove it (its state is status.state, its conditions status.conditions).'),
  platformInstance: str('The Ververica Platform instance holding the deployment: the instanceId its ververica.platform/owner label names.'),
  deploymentId: str('Id of the platform deployment (also metadata.uid).'),
  observedGeneration: int('metadata.generation last projected onto the platform.'),
  state: str('Platform state: RUNNING, SUSPENDED, CANCELLED, TRANSITIONING, FAILED or FINISHED.'),
  job: obj('The current (latest) job of the deployment.', {
    id: str('Platform job id.'),
    name: str('Name of the VvpJob of this namespace that is this job (kubectl get vvpjob <name>).'),
    state: str('Job state: STARTING, STARTED, TERMINATING, TERMINATED, FAILED or FINISHED.'),
    startedAt: str('When the Flink job started.', { format: 'date-time' }),
  }),
  parallelism: obj('Parallelism of the job.', {
    desired: int('Parallelism of the deployment template.'),
    runtime: int('Parallelism Autopilot runs the job with, when Autopilot is ACTIVE.'),
  }),
  lastSavepoint: obj('The latest savepoint of the deployment.', {
    id: str('Platform savepoint id.'),
    name: str('Name of the VvpSavepoint of this namespace that is this savepoint (kubectl get vvpsavepoint <name>).'),
    location: str('Where the savepoint is stored.'),
    state: str('STARTED, COMPLETED or FAILED.'),
    origin: str('Why it was taken: USER_REQUEST, SUSPEND, SUSPEND_AND_UPGRADE, COPIED or RETAINED_CHECKPOINT.'),
  }),
  observedSavepointNonce: int('The last spec.savepointNonce acted on.'),
  observedRestartNonce: int('The last spec.restartNonce acted on.'),
  observedRestoreNonce: int('The last spec.restoreNonce acted on.'),
  restoredFrom: obj('The savepoint the last restoreNonce restored from, once the platform started a job from it.', {
    savepointName: str('The VvpSavepoint named by spec.restoreSavepointName.'),
    location: str('Where that savepoint is stored: the location the platform\'s job started from.'),
    at: str('When the job restored from it started.', { format: 'date-time' }),
  }),
  conditions: { type: 'array', description: 'Current conditions; every type is always present.', items: condition },
});

export const vvpDeploymentSchema: Schema = obj('A Ververica Platform deployment managed through Kubernetes. Nothing is stored in Kubernetes: every read is answered from the platform.', {
  apiVersion: str('Versioned schema of this representation: ververica.platform/v1.'),
  kind: str('Kind of this object: VvpDeployment.'),
  metadata: { type: 'object', description: 'Standard object metadata.' },
  spec,
  status,
}, { required: ['spec'] });

export const vvpDeploymentInfo: ResourceInfo = {
  group: GROUP,
  version: VERSION,
  kind: KIND,
  listKind: `${KIND}List`,
  resource: 'vvpdeployments',
  singular: 'vvpdeployment',
  namespaced: true,
  shortNames: ['vvpdep', 'vvpd'],
  // Not in `all`: `kubectl get all` / `delete all` should not reach into a streaming platform by surprise.
  categories: ['ververica'],
  schema: vvpDeploymentSchema,
  // status comes from the platform on every read: /status answers the object; writes there change nothing.
  statusSubresource: true,
  // The owner label routes the object to its platform instance; the server sets it, no field manager owns it.
  untrackedLabels: [OWNER_LABEL],
};

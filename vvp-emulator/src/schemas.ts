/**
 * JSON schemas for request bodies, written for the emulator from the AppManager/Platform 2.4.3 definitions.
 * They are stricter than the swagger in two ways, both to catch client mistakes: enums the swagger leaves
 * open (strategy kinds, artifact kinds, roles) are closed, and unknown fields in a deployment's metadata are refused.
 * A deployment's spec is open, as the swagger's objects are (none says additionalProperties: false): a field the
 * 2.4.3 definitions do not know is kept as written, as a newer platform keeps the fields it knows (VVP 3). The
 * admin API `unknown-fields` makes the emulator refuse them instead (`closedSpec`), as a platform that knows no such
 * field would.
 */
type Schema = Record<string, unknown>;

/** In a merge-patch body any field may be `null` (= remove it). */
function nullable(schema: Schema, patch: boolean): Schema {
  if (!patch) return schema;
  if (schema.type === undefined) return schema;
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return { ...schema, type: [...types, 'null'] };
}

function object(properties: Record<string, Schema>, patch: boolean, options: { closed?: boolean; required?: string[] } = {}): Schema {
  const props: Record<string, Schema> = {};
  for (const [key, value] of Object.entries(properties)) props[key] = nullable(value, patch);
  return {
    type: 'object',
    properties: props,
    ...(options.closed === false ? {} : { additionalProperties: false }),
    ...(options.required && !patch ? { required: options.required } : {}),
  };
}

const string = { type: 'string' };
const stringMap = (patch: boolean): Schema => ({ type: 'object', additionalProperties: nullable(string, patch) });
const positiveInt = { type: 'integer', minimum: 1, maximum: 2147483647 };
const freeObject = { type: 'object' };

export const deploymentNamePattern = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/** The metadata fields every platform resource shares (a SessionCluster's are these alone). */
function metadataFields(patch: boolean): Record<string, Schema> {
  return {
    id: string,
    name: { type: 'string', minLength: 1, maxLength: 63, pattern: deploymentNamePattern },
    namespace: string,
    labels: stringMap(patch),
    annotations: stringMap(patch),
    createdAt: string,
    modifiedAt: string,
    resourceVersion: { type: 'integer' },
  };
}

function metadata(patch: boolean, extra: Record<string, Schema> = {}): Schema {
  return object({ ...metadataFields(patch), displayName: string, ...extra }, patch);
}

function artifact(patch: boolean, closed: boolean): Schema {
  return object(
    {
      kind: { type: 'string', enum: ['JAR', 'SQLSCRIPT', 'PYTHON'] },
      jarUri: string,
      entryClass: string,
      mainArgs: string,
      additionalDependencies: { type: 'array', items: string },
      flinkVersion: string,
      flinkImageRegistry: string,
      flinkImageRepository: string,
      flinkImageTag: string,
      sqlScript: string,
      pythonArtifactUri: string,
      entryModule: string,
      additionalPythonLibraries: { type: 'array', items: string },
      additionalPythonArchives: { type: 'array', items: string },
      engineVersionName: string,
    },
    patch,
    { closed },
  );
}

function resourceSpec(patch: boolean, closed: boolean): Schema {
  return object({ cpu: { type: 'number', minimum: 0.1 }, memory: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?([kmgtKMGT]i?[bB]?)?$' } }, patch, { closed });
}

function templateSpec(patch: boolean, closed: boolean): Schema {
  return object(
    {
      artifact: artifact(patch, closed),
      parallelism: positiveInt,
      numberOfTaskManagers: positiveInt,
      resources: object({ jobmanager: resourceSpec(patch, closed), taskmanager: resourceSpec(patch, closed) }, patch, { closed }),
      flinkConfiguration: stringMap(patch),
      logging: object({ loggingProfile: string, log4jLoggers: stringMap(patch), log4j2ConfigurationTemplate: string }, patch, { closed }),
      kubernetes: freeObject,
      engineVersionName: string,
    },
    patch,
    { closed },
  );
}

/** `closed`: fields the 2.4.3 definitions do not declare are refused (400 naming the field) instead of kept. */
export function deploymentSpecSchema(patch: boolean, closed: boolean): Schema {
  return object(
    {
      state: { type: 'string', enum: ['RUNNING', 'SUSPENDED', 'CANCELLED'] },
      deploymentTargetName: string,
      deploymentTargetId: string,
      sessionClusterName: string,
      upgradeStrategy: object({ kind: { type: 'string', enum: ['STATEFUL', 'STATELESS', 'NONE'] } }, patch, { closed }),
      restoreStrategy: object(
        { kind: { type: 'string', enum: ['LATEST_STATE', 'LATEST_SAVEPOINT', 'NONE'] }, allowNonRestoredState: { type: 'boolean' } },
        patch,
        { closed },
      ),
      maxJobCreationAttempts: positiveInt,
      maxSavepointCreationAttempts: positiveInt,
      template: object({ metadata: object({ annotations: stringMap(patch) }, patch, { closed }), spec: templateSpec(patch, closed) }, patch, { closed }),
    },
    patch,
    { closed },
  );
}

/** POST and PUT carry a whole deployment; PATCH a partial one where `null` removes a field. */
export function deploymentBodySchema(patch: boolean, closedSpec = false): Schema {
  return object(
    {
      kind: { type: 'string', enum: ['Deployment'] },
      apiVersion: { type: 'string', enum: ['v1'] },
      metadata: metadata(patch),
      spec: deploymentSpecSchema(patch, closedSpec),
      status: freeObject,
    },
    patch,
  );
}

export const deploymentDefaultsBodySchema: Schema = object(
  {
    kind: { type: 'string', enum: ['DeploymentDefaults'] },
    apiVersion: { type: 'string', enum: ['v1'] },
    metadata: freeObject,
    spec: deploymentSpecSchema(true, true),
  },
  true,
);

export const deploymentTargetBodySchema: Schema = object(
  {
    kind: { type: 'string', enum: ['DeploymentTarget'] },
    apiVersion: { type: 'string', enum: ['v1'] },
    metadata: object(
      {
        id: string,
        name: { type: 'string', minLength: 1, maxLength: 250, pattern: '^[0-9a-zA-Z_-]+$' },
        namespace: string,
        labels: stringMap(false),
        annotations: stringMap(false),
        createdAt: string,
        modifiedAt: string,
        resourceVersion: { type: 'integer' },
      },
      false,
    ),
    spec: object({ kubernetes: object({ namespace: string }, false) }, false, { required: ['kubernetes'] }),
  },
  false,
  { required: ['metadata', 'spec'] },
);

/** A SessionCluster (POST, PUT) or a merge patch of one (PATCH); status is the platform's and ignored. */
export function sessionClusterBodySchema(patch: boolean): Schema {
  return object(
    {
      kind: { type: 'string', enum: ['SessionCluster'] },
      apiVersion: { type: 'string', enum: ['v1'] },
      metadata: object(metadataFields(patch), patch),
      spec: object(
        {
          state: { type: 'string', enum: ['RUNNING', 'STOPPED'] },
          deploymentTargetName: { type: 'string', minLength: 1 },
          flinkVersion: string,
          flinkImageRegistry: string,
          flinkImageRepository: string,
          flinkImageTag: string,
          numberOfTaskManagers: positiveInt,
          resources: freeObject,
          flinkConfiguration: stringMap(patch),
          logging: freeObject,
          kubernetes: freeObject,
        },
        patch,
        { required: ['state', 'deploymentTargetName'] },
      ),
      status: freeObject,
    },
    patch,
    { required: ['metadata', 'spec'] },
  );
}

export const savepointBodySchema: Schema = object(
  {
    kind: { type: 'string', enum: ['Savepoint'] },
    apiVersion: { type: 'string', enum: ['v1'] },
    metadata: object(
      {
        id: string,
        namespace: string,
        deploymentId: { type: 'string', minLength: 1 },
        jobId: string,
        origin: { type: 'string', enum: ['USER_REQUEST', 'COPIED'] },
        annotations: stringMap(false),
      },
      false,
      { required: ['deploymentId'] },
    ),
    spec: object({ savepointLocation: { type: 'string', minLength: 1 }, flinkSavepointId: string }, false),
    status: freeObject,
  },
  false,
  { required: ['metadata'] },
);

export const eventNames = [
  'STATE_TRANSITION_IS_NEEDED', 'FOUND_A_JOB_TO_TERMINATE', 'FOUND_A_JOB_TO_WAIT_FOR_ITS_TERMINATION',
  'AWAITING_SAVEPOINT_COMPLETION_TO_TRANSITION_TO_SUSPENDED', 'CREATING_A_SAVEPOINT_BEFORE_SUSPENSION',
  'FOUND_A_COMPLETED_SAVEPOINT_READY_FOR_SUSPENSION', 'USING_AN_UPGRADE_STRATEGY', 'CREATING_A_NEW_JOB',
  'FAILED_CREATING_A_NEW_JOB', 'AWAITING_A_JOB_TO_START', 'FOUND_A_STOPPED_JOB_AND_WILL_TERMINATE_IT',
  'STATE_TRANSITION_IS_COMPLETED', 'TRANSITIONED_TO_FINISHED_STATE', 'AWAITING_A_JOB_TO_TERMINATE',
  'TOO_MANY_FAILED_SUSPENSION_ATTEMPTS', 'TOO_MANY_FAILED_JOB_CREATION_ATTEMPTS', 'SPINNING_UP_A_CLUSTER_FOR_A_JOB',
  'SPINNING_UP_A_CLUSTER_FOR_A_SESSION_CLUSTER', 'JOB_SUCCESSFULLY_STARTED', 'SESSION_CLUSTER_SUCCESSFULLY_STARTED',
  'JOB_SUCCESSFULLY_FINISHED', 'AWAITING_FOR_A_CLUSTER_TO_SPIN_UP', 'TERMINATING_A_JOB_DUE_TO_AN_UNRECOVERABLE_FAILURE',
  'AWAIT_FOR_A_CLUSTER_TO_TEARDOWN', 'RESOURCE_QUOTA_EXCEEDED', 'TRANSITIONING_TO_FAILED_STATE_BECAUSE_OF_A_MISSING_JOB',
  'TRANSITIONING_TO_FAILED_STATE_BECAUSE_JOB_NOT_STARTED', 'TRANSITIONING_TO_FAILED_STATE_BECAUSE_SAVEPOINT_FAILED_IN_FLINK',
  'TRANSITIONED_TO_COMPLETED', 'AWAITING_FOR_A_SAVEPOINT_TO_COMPLETE', 'AN_UN_RECOVERABLE_FAILURE_WHILE_TRIGGERING_A_SAVEPOINT',
  'RECOVERABLE_FAILURE_WHILE_TRIGGERING_A_SAVEPOINT', 'SUCCESSFULLY_TRIGGERED_A_SAVEPOINT', 'NEED_TO_TRIGGER_A_SAVEPOINT',
  'AN_UNRECOVERABLE_FAILURE_WHILE_TAKING_A_SAVEPOINT', 'RECOVERABLE_FAILURE_WHILE_CHECKING_A_SAVEPOINT_STATUS',
  'FOUND_AN_OLD_JOB_AND_WILL_TERMINATE_IT', 'COULD_NOT_FIND_A_JOB_TO_SUSPEND', 'JOB_IS_NOT_CONFIGURED_WITH_SAVEPOINT_SUPPORT',
  'REFERENCED_DEPLOYMENT_TARGET_DOES_NOT_EXIST', 'GENERAL_FAILURE', 'FAILED_TO_CREATE_CLUSTER_FOR_JOB',
  'MULTIPLE_NON_TERMINAL_JOBS', 'SESSION_CLUSTER_SUCCESSFULLY_STOPPED', 'FAILED_TO_STOP_SESSION_CLUSTER',
  'TERMINATING_A_SESSION_CLUSTER_DUE_TO_AN_UNRECOVERABLE_FAILURE', 'EXTERNAL',
];

/** VVP 3 extension: an operator writes events into a deployment's event list. */
export const eventBodySchema: Schema = object(
  {
    kind: { type: 'string', enum: ['Event'] },
    apiVersion: { type: 'string', enum: ['v1'] },
    metadata: object(
      { deploymentId: { type: 'string', minLength: 1 }, jobId: string, name: { type: 'string', enum: eventNames }, namespace: string },
      false,
      { required: ['deploymentId'] },
    ),
    spec: object({ message: { type: 'string', minLength: 1 }, type: { type: 'string', enum: ['Normal', 'Warning'] } }, false, {
      required: ['message'],
    }),
  },
  false,
  { required: ['metadata', 'spec'] },
);

const roleBinding = object({ role: { type: 'string', enum: ['viewer', 'editor', 'owner'] }, members: { type: 'array', items: string } }, false, {
  required: ['role'],
});

export function namespaceBodySchema(requireName: boolean): Schema {
  return object(
    {
      name: { type: 'string', pattern: '^(namespaces/)?[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 74 },
      roleBindings: { type: 'array', items: roleBinding },
      lifecyclePhase: string,
      createTime: string,
      previewSessionClusterName: string,
    },
    false,
    { required: requireName ? ['name'] : [] },
  );
}

export const apiTokenBodySchema: Schema = object(
  {
    name: { type: 'string', pattern: '^(namespaces/[a-z0-9-]+/apitokens/)?[a-z0-9]([-a-z0-9]*[a-z0-9])?$' },
    role: { type: 'string', enum: ['viewer', 'editor', 'owner'] },
    secret: string,
    createTime: string,
    operatorInstance: { type: 'string', minLength: 1 },
  },
  false,
  { required: ['name', 'role'] },
);

export const autopilotPolicyBodySchema: Schema = object(
  {
    name: string,
    mode: { type: 'string', enum: ['AUTOPILOT_MODE_DISABLED', 'AUTOPILOT_MODE_MONITORING', 'AUTOPILOT_MODE_ACTIVE'] },
    autoscalerConfig: object(
      {
        minParallelism: positiveInt,
        maxParallelism: positiveInt,
        targetUtilization: { type: 'integer', minimum: 1, maximum: 100 },
        cooldownMinutes: { type: 'integer', minimum: 0 },
        extraConfig: stringMap(false),
      },
      false,
    ),
    libraConfig: freeObject,
    modifyTime: string,
  },
  false,
  { required: ['mode'] },
);

// VvpSavepoint and VvpJob as the machinery installs them: names for discovery and the JSON schemas that validate a
// savepoint create and teach `kubectl explain`.

import type { ResourceInfo } from '../k8s/index.js';
import { CHILD_GROUP, CHILD_VERSION } from './options.js';

type Schema = Record<string, unknown>;

const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const obj = (description: string, properties: Record<string, Schema>, extra: Schema = {}): Schema => ({ type: 'object', description, properties, ...extra });
const NAME = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

const failure = obj('Why the platform reports a failure.', {
  reason: str('Machine-readable reason.'),
  message: str('What went wrong.'),
});

const envelope = (kind: string, description: string, spec: Schema, status: Schema, required: string[]): Schema => obj(description, {
  apiVersion: str('Versioned schema of this representation: ververica.platform/v1.'),
  kind: str(`Kind of this object: ${kind}.`),
  metadata: { type: 'object', description: 'Standard object metadata. The labels carry ververica.platform/deployment=<VvpDeployment name>; ownerReferences name the VvpDeployment.' },
  spec,
  status,
}, { required });

export const savepointSchema = envelope('VvpSavepoint',
  'A savepoint of a VvpDeployment, served live from Ververica Platform (nothing is stored in Kubernetes). Create takes a savepoint of the deployment\'s running job, or registers an external one (spec.savepointLocation); the name is <deployment>-<platform savepoint id>.',
  obj('What the savepoint is of.', {
    deploymentName: str('Name of the VvpDeployment, in this namespace, the savepoint is of.', { minLength: 1, maxLength: 253, pattern: NAME }),
    savepointLocation: str('On create: the URI of an existing snapshot to register (origin COPIED) instead of taking a new savepoint.', { minLength: 1, maxLength: 4096 }),
  }, { required: ['deploymentName'] }),
  obj('The savepoint as the platform reports it (read-only).', {
    id: str('The platform savepoint id.'),
    state: str('STARTED, COMPLETED, FAILED, or (later platforms) PENDING_DELETION, DELETING, FAILED_DELETION.'),
    origin: str('USER_REQUEST, SUSPEND_AND_UPGRADE, SUSPEND, COPIED or RETAINED_CHECKPOINT.'),
    location: str('URI of the snapshot.'),
    jobId: str('The platform job the savepoint was taken of.'),
    flinkSavepointId: str('Flink\'s id of the savepoint.'),
    failure,
  }),
  ['spec']);

export const jobSchema = envelope('VvpJob',
  'A job of a VvpDeployment (read-only), served live from Ververica Platform: the deployment\'s job history. The name is <deployment>-<platform job id>.',
  obj('What the job runs.', {
    deploymentName: str('Name of the VvpDeployment, in this namespace, the job belongs to.'),
    parallelism: { type: 'integer', description: 'Parallelism the job was started with.' },
    restoredFrom: str('The savepoint or checkpoint location the job was started from.'),
  }),
  obj('The job as the platform reports it.', {
    id: str('The platform job id.'),
    state: str('STARTING, STANDBY, STARTED, TERMINATING, TERMINATED, FAILED or FINISHED.'),
    flinkJobId: str('Flink\'s job id.'),
    startedAt: str('When the Flink job started.', { format: 'date-time' }),
    terminatedAt: str('When the job ended.', { format: 'date-time' }),
    restarts: { type: 'integer', description: 'Restarts Flink reported for the job.' },
    failure: obj('Why the job failed.', { reason: str('Machine-readable reason.'), message: str('What went wrong.'), failedAt: str('When it failed.', { format: 'date-time' }) }),
  }),
  []);

const base = { group: CHILD_GROUP, version: CHILD_VERSION, namespaced: true, categories: ['ververica'] };

export const savepointInfo: ResourceInfo = {
  ...base, kind: 'VvpSavepoint', listKind: 'VvpSavepointList', resource: 'vvpsavepoints', singular: 'vvpsavepoint', shortNames: ['vvpsp'], schema: savepointSchema,
};

export const jobInfo: ResourceInfo = {
  ...base, kind: 'VvpJob', listKind: 'VvpJobList', resource: 'vvpjobs', singular: 'vvpjob', shortNames: ['vvpj'], schema: jobSchema,
};

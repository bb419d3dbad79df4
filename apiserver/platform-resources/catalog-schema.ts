// VvpDeploymentTarget and VvpSessionCluster as the machinery installs them: cluster-scoped names for discovery and
// the JSON schemas that validate a target's create and teach `kubectl explain`.

import type { ResourceInfo } from '../k8s/index.js';
import { CHILD_GROUP, CHILD_VERSION } from './options.js';

type Schema = Record<string, unknown>;

const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const obj = (description: string, properties: Record<string, Schema>, extra: Schema = {}): Schema => ({ type: 'object', description, properties, ...extra });
const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

const NAMING = 'The name is <platform namespace>.<name on the platform>, with several platform instances <instance>.<platform namespace>.<name>.';

const envelope = (kind: string, description: string, spec: Schema, status: Schema, required: string[]): Schema => obj(description, {
  apiVersion: str('Versioned schema of this representation: ververica.platform/v1.'),
  kind: str(`Kind of this object: ${kind}.`),
  metadata: { type: 'object', description: `Standard object metadata. ${NAMING} Labels are the platform's.` },
  spec,
  status,
}, { required });

const placement = {
  platformNamespace: str('The platform namespace it belongs to (read-only: it follows from the name).'),
  platformName: str('Its name on the platform (read-only: it follows from the name).'),
};

export const deploymentTargetSchema = envelope('VvpDeploymentTarget',
  `A deployment target of Ververica Platform: where the platform runs the Flink jobs of deployments naming it (spec.deployment.spec.deploymentTargetName), served live from the platform. ${NAMING} Visible to users granted verb use on deploymenttargets for <platform namespace>/<name> or <platform namespace>/*; created and deleted only by holders of <platform namespace>/*.`,
  obj('Where the target deploys.', {
    ...placement,
    kubernetes: obj('The Kubernetes side of the target.', {
      namespace: str('The Kubernetes namespace the platform creates the jobs\' Flink clusters in (unset: the platform\'s own).', { maxLength: 63, pattern: DNS_LABEL }),
    }),
  }),
  obj('The target as the platform reports it.', {
    id: str('The platform id of the target.'),
    platformInstance: str('The platform instance serving it (with several platform instances).'),
  }),
  ['spec']);

export const sessionClusterSchema = envelope('VvpSessionCluster',
  `A session cluster of Ververica Platform: a Flink cluster shared by the deployments naming it (spec.deployment.spec.sessionClusterName), served live from the platform. ${NAMING} Visible to users granted verb use on sessionclusters for <platform namespace>/<name> or <platform namespace>/*; started and stopped (spec.state) only by holders of <platform namespace>/*.`,
  obj('The session cluster as specified on the platform (only state may be changed here).', {
    ...placement,
    state: str('The state the platform keeps it in: RUNNING or STOPPED. Changing it (update or patch, by a platform admin) starts or stops the cluster.', { enum: ['RUNNING', 'STOPPED'] }),
    deploymentTargetName: str('The deployment target it runs on.'),
    flinkVersion: str('The Flink version it runs.'),
    flinkImageRegistry: str('The registry of its Flink image.'),
    flinkImageRepository: str('The repository of its Flink image.'),
    flinkImageTag: str('The tag of its Flink image.'),
    numberOfTaskManagers: { type: 'integer', description: 'The number of task managers it runs.' },
    flinkConfiguration: { type: 'object', description: 'Its Flink configuration.', additionalProperties: { type: 'string' } },
  }),
  obj('The session cluster as the platform reports it.', {
    id: str('The platform id of the session cluster.'),
    state: str('STOPPED, STARTING, RUNNING, UPDATING, STOPPING or FAILED.'),
    startedAt: str('When it started running.', { format: 'date-time' }),
    lastUpdateTime: str('When the platform last observed it running.', { format: 'date-time' }),
    failure: obj('Why the platform reports a failure.', { reason: str('Machine-readable reason.'), message: str('What went wrong.'), failedAt: str('When it failed.', { format: 'date-time' }) }),
    platformInstance: str('The platform instance serving it (with several platform instances).'),
  }),
  []);

const base = { group: CHILD_GROUP, version: CHILD_VERSION, namespaced: false, categories: ['ververica'] };

export const deploymentTargetInfo: ResourceInfo = {
  ...base, kind: 'VvpDeploymentTarget', listKind: 'VvpDeploymentTargetList', resource: 'vvpdeploymenttargets', singular: 'vvpdeploymenttarget', shortNames: ['vvpdt'], schema: deploymentTargetSchema,
};

export const sessionClusterInfo: ResourceInfo = {
  ...base, kind: 'VvpSessionCluster', listKind: 'VvpSessionClusterList', resource: 'vvpsessionclusters', singular: 'vvpsessioncluster', shortNames: ['vvpsc'], schema: sessionClusterSchema,
};

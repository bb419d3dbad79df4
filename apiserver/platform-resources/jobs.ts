// VvpJob: a job of a managed VvpDeployment (read-only), the deployment's job history as the platform keeps it.

import type { KubeObject } from '../k8s/index.js';
import type { Job } from '../vvp/index.js';
import { deriveResourceVersion, type ManagedOwner } from '../vvpdeployment/index.js';
import { childMetadata, type ChildKindDefinition, ChildStorage } from './child-storage.js';
import type { ChildOptions } from './options.js';
import { jobInfo } from './schema.js';

export interface VvpJob extends KubeObject {
  spec: { deploymentName: string; parallelism?: number; restoredFrom?: string };
  status?: {
    id?: string; state?: string; flinkJobId?: string; startedAt?: string; terminatedAt?: string; restarts?: number;
    failure?: { reason?: string; message?: string; failedAt?: string };
  };
}

const NONE = '<none>';

function resourceVersion(j: Job): string {
  const m = j.metadata;
  return deriveResourceVersion(m.resourceVersion ?? 0, [m.createdAt, m.modifiedAt, m.terminatedAt, j.status?.started?.startedAt, j.status?.started?.lastUpdateTime, j.status?.failure?.failedAt]);
}

function toObject(j: Job, owner: ManagedOwner, apiVersion: string): VvpJob {
  const m = j.metadata;
  const spec: VvpJob['spec'] = { deploymentName: owner.name };
  if (j.spec?.parallelism !== undefined) spec.parallelism = j.spec.parallelism;
  if (j.spec?.savepointLocation) spec.restoredFrom = j.spec.savepointLocation;
  const status: NonNullable<VvpJob['status']> = { id: m.id };
  if (j.status?.state) status.state = j.status.state;
  const started = j.status?.started;
  if (started?.flinkJobId) status.flinkJobId = started.flinkJobId;
  if (started?.startedAt) status.startedAt = started.startedAt;
  if (m.terminatedAt) status.terminatedAt = m.terminatedAt;
  if (started?.observedFlinkJobRestarts !== undefined) status.restarts = started.observedFlinkJobRestarts;
  const f = j.status?.failure;
  if (f) status.failure = { ...(f.reason ? { reason: f.reason } : {}), ...(f.message ? { message: f.message } : {}), ...(f.failedAt ? { failedAt: f.failedAt } : {}) };
  return { apiVersion, kind: jobInfo.kind, metadata: childMetadata(owner, m.id, resourceVersion(j), m.createdAt, apiVersion), spec, status };
}

export const jobKind: ChildKindDefinition<'jobs'> = {
  info: jobInfo,
  reads: 'jobs',
  tableColumns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name of the VvpJob.', priority: 0 },
    { name: 'Deployment', type: 'string', description: 'The VvpDeployment the job belongs to (spec.deploymentName).', priority: 0 },
    { name: 'State', type: 'string', description: 'State on the platform (status.state).', priority: 0 },
    { name: 'Started', type: 'date', description: 'Time since the Flink job started (status.startedAt).', priority: 0 },
    { name: 'Restarts', type: 'integer', description: 'Restarts Flink reported for the job (status.restarts).', priority: 0 },
    { name: 'Age', type: 'date', description: 'Time since the platform created it (metadata.creationTimestamp).', priority: 0 },
    { name: 'Flink Job', type: 'string', description: 'The Flink job id (status.flinkJobId).', priority: 1 },
  ],
  tableCells(object) {
    const o = object as Partial<VvpJob>;
    return [o.metadata?.name ?? '', o.spec?.deploymentName ?? NONE, o.status?.state ?? NONE, o.status?.startedAt ?? NONE,
      o.status?.restarts ?? 0, o.metadata?.creationTimestamp ?? '', o.status?.flinkJobId ?? NONE];
  },
  resourceVersion,
  toObject,
};

export class VvpJobStorage extends ChildStorage<'jobs'> {
  constructor(options: ChildOptions) {
    super(options, jobKind);
  }
}

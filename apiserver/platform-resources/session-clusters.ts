// VvpSessionCluster: a session cluster of the platform, cluster-scoped and read-only here. The platform (and the
// emulator) change a cluster's state with a PATCH of spec.state, but a shared cluster stopped from Kubernetes stops
// every tenant's deployments on it: that write needs a grant decision of its own, not built yet.

import type { KubeObject } from '../k8s/index.js';
import type { SessionCluster } from '../vvp/index.js';
import { deriveResourceVersion } from '../vvpdeployment/index.js';
import { sessionClusterInfo } from './catalog-schema.js';
import type { Place } from './catalog-names.js';
import { type CatalogKindDefinition, CatalogStorage } from './catalog-storage.js';
import { catalogMetadata } from './deployment-targets.js';
import type { CatalogOptions } from './options.js';

export interface VvpSessionCluster extends KubeObject {
  spec: {
    platformNamespace?: string; platformName?: string; state?: string; deploymentTargetName?: string; flinkVersion?: string;
    flinkImageRegistry?: string; flinkImageRepository?: string; flinkImageTag?: string; numberOfTaskManagers?: number; flinkConfiguration?: Record<string, string>;
  };
  status?: {
    id?: string; state?: string; startedAt?: string; lastUpdateTime?: string; platformInstance?: string;
    failure?: { reason?: string; message?: string; failedAt?: string };
  };
}

const NONE = '<none>';
const SPEC_FIELDS = ['state', 'deploymentTargetName', 'flinkVersion', 'flinkImageRegistry', 'flinkImageRepository', 'flinkImageTag', 'numberOfTaskManagers', 'flinkConfiguration'] as const;

function resourceVersion(c: SessionCluster): string {
  return deriveResourceVersion(c.metadata.resourceVersion ?? 0, [c.metadata.createdAt, c.metadata.modifiedAt, c.status?.running?.startedAt, c.status?.failure?.failedAt]);
}

function toObject(c: SessionCluster, place: Place, apiVersion: string): VvpSessionCluster {
  const spec: VvpSessionCluster['spec'] = { platformNamespace: place.platformNamespace, platformName: place.platformName };
  for (const field of SPEC_FIELDS) if (c.spec?.[field] !== undefined) (spec as Record<string, unknown>)[field] = structuredClone(c.spec[field]);
  const status: NonNullable<VvpSessionCluster['status']> = { id: c.metadata.id };
  if (c.status?.state) status.state = c.status.state;
  if (c.status?.running?.startedAt) status.startedAt = c.status.running.startedAt;
  if (c.status?.running?.lastUpdateTime) status.lastUpdateTime = c.status.running.lastUpdateTime;
  const f = c.status?.failure;
  if (f) status.failure = { ...(f.reason ? { reason: f.reason } : {}), ...(f.message ? { message: f.message } : {}), ...(f.failedAt ? { failedAt: f.failedAt } : {}) };
  if (place.instance) status.platformInstance = place.instance;
  return { apiVersion, kind: sessionClusterInfo.kind, metadata: catalogMetadata(place, c.metadata, resourceVersion(c)), spec, status };
}

export const sessionClusterKind: CatalogKindDefinition<'sessionClusters'> = {
  info: sessionClusterInfo,
  reads: 'sessionClusters',
  tableColumns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name of the VvpSessionCluster.', priority: 0 },
    { name: 'State', type: 'string', description: 'State on the platform (status.state).', priority: 0 },
    { name: 'Flink Version', type: 'string', description: 'The Flink version it runs (spec.flinkVersion).', priority: 0 },
    { name: 'Deployment Target', type: 'string', description: 'The deployment target it runs on (spec.deploymentTargetName).', priority: 0 },
    { name: 'Age', type: 'date', description: 'Time since the platform created it (metadata.creationTimestamp).', priority: 0 },
    { name: 'Platform Namespace', type: 'string', description: 'The platform namespace it belongs to (spec.platformNamespace).', priority: 1 },
    { name: 'Desired', type: 'string', description: 'The state the platform keeps it in (spec.state).', priority: 1 },
  ],
  tableCells(object) {
    const o = object as Partial<VvpSessionCluster>;
    return [o.metadata?.name ?? '', o.status?.state ?? NONE, o.spec?.flinkVersion ?? NONE, o.spec?.deploymentTargetName ?? NONE,
      o.metadata?.creationTimestamp ?? '', o.spec?.platformNamespace ?? NONE, o.spec?.state ?? NONE];
  },
  resourceVersion,
  toObject,
};

export class VvpSessionClusterStorage extends CatalogStorage<'sessionClusters'> {
  constructor(options: CatalogOptions) {
    super(options, sessionClusterKind);
  }
}

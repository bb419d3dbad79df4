// VvpSessionCluster: a session cluster of the platform, cluster-scoped. Besides get, list and watch, an update or
// patch of spec.state (RUNNING or STOPPED) starts or stops it on the platform; every other field is the
// platform's (422). Stopping a shared cluster stops every tenant's deployments in it, so a state change is for
// platform admins like a target's create: RBAC update/patch on vvpsessionclusters and the tenancy grant on
// `<platform namespace>/*`. A PUT or apply never creates one (no create).

import { isDeepStrictEqual } from 'node:util';
import {
  type KubeObject, type RequestContext, type RestStrategy, type StatusCause, type Strategic, statusErrors, type Updater, type UpdateTransform,
} from '../k8s/index.js';
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

/** 422 causes for what an update changes besides spec.state (the platform's fields). Pure. */
export function unchangeableFields(live: VvpSessionCluster, desired: VvpSessionCluster): StatusCause[] {
  const causes: StatusCause[] = [];
  const { state: _liveState, ...liveSpec } = live.spec;
  const { state: _desiredState, ...desiredSpec } = desired.spec ?? {};
  for (const field of new Set([...Object.keys(liveSpec), ...Object.keys(desiredSpec)])) {
    if (!isDeepStrictEqual((liveSpec as Record<string, unknown>)[field], (desiredSpec as Record<string, unknown>)[field])) {
      causes.push({ type: 'FieldValueForbidden', field: `spec.${field}`, message: 'Forbidden: only spec.state may be changed here; the rest is changed on the platform' });
    }
  }
  if (!isDeepStrictEqual(live.metadata.labels ?? {}, desired.metadata.labels ?? {})) {
    causes.push({ type: 'FieldValueForbidden', field: 'metadata.labels', message: 'Forbidden: the labels are the platform\'s' });
  }
  const state = desired.spec?.state;
  if (state !== 'RUNNING' && state !== 'STOPPED') {
    causes.push({ type: 'FieldValueNotSupported', field: 'spec.state', message: `Unsupported value: ${JSON.stringify(state)}: supported values: "RUNNING", "STOPPED"` });
  }
  return causes;
}

/** The kind's hooks (k8s/strategy/strategy.ts): an update may change spec.state only, checked before validating admission. */
export const sessionClusterStrategy: RestStrategy = {
  validateUpdate: (object, old) => unchangeableFields(old as VvpSessionCluster, object as VvpSessionCluster),
};

export class VvpSessionClusterStorage extends CatalogStorage<'sessionClusters'> implements Updater, Strategic {
  readonly allowCreateOnUpdate = false;
  readonly strategy = sessionClusterStrategy;

  constructor(options: CatalogOptions) {
    super(options, sessionClusterKind);
  }

  /** A change of spec.state, by a holder of `<platform namespace>/*`: the platform starts or stops the cluster. */
  async update(ctx: RequestContext, _namespace: string | undefined, name: string, transform: UpdateTransform): Promise<KubeObject> {
    const place = this.place(name);
    await this.visibility.require(ctx, place, '*', `starting or stopping session cluster ${name}`);
    const live = (await this.get(ctx, undefined, name)) as VvpSessionCluster;
    const desired = (await transform(live)) as VvpSessionCluster;
    const given = desired.metadata.resourceVersion;
    if (given && given !== live.metadata.resourceVersion) {
      throw statusErrors.conflict(this.ref(name), 'the object has been modified; please apply your changes to the latest version and try again');
    }
    // What else the update changed was refused by the strategy (sessionClusterStrategy), before validating admission.
    const state = desired.spec.state as 'RUNNING' | 'STOPPED';
    if (state === live.spec.state) return live;
    if (ctx.dryRun) return { ...live, spec: { ...live.spec, state } };
    const { catalog, platformNamespace } = this.options.platforms.catalogOf(place.scope);
    const patched = await catalog.setSessionClusterState(platformNamespace, place.platformName, state, this.ref(name), ctx.signal);
    this.changed(place.scope);
    return toObject(patched, place, this.apiVersion);
  }
}

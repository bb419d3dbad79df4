// VvpDeploymentTarget: a deployment target of the platform, cluster-scoped. Create and delete are for platform
// admins: besides RBAC create/delete on vvpdeploymenttargets, the tenancy grant `use` on `<platform namespace>/*`
// (every target of the namespace). The platform keeps a target's spec immutable (no update offered) and refuses
// to delete a target a deployment or session cluster runs on: that is a 409. Without `writes` neither verb is
// served (nor in discovery): kube-controller-manager's garbage collector watches every kind that can be deleted,
// which costs one target list per poll and platform namespace.

import {
  checkDeletePreconditions, type Creater, type DeleteOptions, type DeleteResult, type GracefulDeleter, type KubeObject, type RequestContext,
  StatusError, statusErrors,
} from '../k8s/index.js';
import type { DeploymentTarget } from '../vvp/index.js';
import { deriveResourceVersion } from '../vvpdeployment/index.js';
import { deploymentTargetInfo } from './catalog-schema.js';
import { type Place, placeOf } from './catalog-names.js';
import { type CatalogKindDefinition, CatalogStorage } from './catalog-storage.js';
import type { CatalogOptions } from './options.js';

export interface VvpDeploymentTarget extends KubeObject {
  spec: { platformNamespace?: string; platformName?: string; kubernetes?: { namespace?: string } };
  status?: { id?: string; platformInstance?: string };
}

const NONE = '<none>';

/** The metadata of an item of the platform catalog: its name, uid, resourceVersion, age and platform labels. */
export function catalogMetadata(place: Place, m: { id: string; createdAt?: string; labels?: Record<string, string> }, resourceVersion: string): KubeObject['metadata'] {
  const metadata: KubeObject['metadata'] = { name: place.name, uid: m.id, resourceVersion };
  if (m.createdAt) metadata.creationTimestamp = m.createdAt;
  if (m.labels && Object.keys(m.labels).length > 0) metadata.labels = { ...m.labels };
  return metadata;
}

function resourceVersion(t: DeploymentTarget): string {
  return deriveResourceVersion(t.metadata.resourceVersion ?? 0, [t.metadata.createdAt, t.metadata.modifiedAt]);
}

function toObject(t: DeploymentTarget, place: Place, apiVersion: string): VvpDeploymentTarget {
  const spec: VvpDeploymentTarget['spec'] = { platformNamespace: place.platformNamespace, platformName: place.platformName, kubernetes: {} };
  if (t.spec?.kubernetes?.namespace) spec.kubernetes = { namespace: t.spec.kubernetes.namespace };
  const status: NonNullable<VvpDeploymentTarget['status']> = { id: t.metadata.id };
  if (place.instance) status.platformInstance = place.instance;
  return { apiVersion, kind: deploymentTargetInfo.kind, metadata: catalogMetadata(place, t.metadata, resourceVersion(t)), spec, status };
}

export const deploymentTargetKind: CatalogKindDefinition<'deploymentTargets'> = {
  info: deploymentTargetInfo,
  reads: 'deploymentTargets',
  tableColumns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name of the VvpDeploymentTarget.', priority: 0 },
    { name: 'Platform Namespace', type: 'string', description: 'The platform namespace it belongs to (spec.platformNamespace).', priority: 0 },
    { name: 'Kubernetes Namespace', type: 'string', description: 'Where the platform runs the jobs (spec.kubernetes.namespace).', priority: 0 },
    { name: 'Age', type: 'date', description: 'Time since the platform created it (metadata.creationTimestamp).', priority: 0 },
    { name: 'Instance', type: 'string', description: 'The platform instance (status.platformInstance).', priority: 1 },
  ],
  tableCells(object) {
    const o = object as Partial<VvpDeploymentTarget>;
    return [o.metadata?.name ?? '', o.spec?.platformNamespace ?? NONE, o.spec?.kubernetes?.namespace ?? NONE, o.metadata?.creationTimestamp ?? '', o.status?.platformInstance ?? NONE];
  },
  resourceVersion,
  toObject,
};

/**
 * A target makes the platform run pods in its Kubernetes namespace with the platform's own service account (security
 * review 2, finding 5): its creator must be allowed to create pods there themselves (a SubjectAccessReview, as the
 * request's own authorization; so `kube-system` or the server's own namespace only for whoever may already run pods
 * there). Without the user's access at hand it fails closed.
 */
async function requirePodsIn(ctx: RequestContext, namespace: string): Promise<void> {
  if (!ctx.access) throw statusErrors.internal('no authorizer provided, unable to authorize a deployment target\'s Kubernetes namespace');
  await ctx.access.require({ verb: 'create', group: '', resource: 'pods', namespace },
    `a deployment target runs the platform's pods in spec.kubernetes.namespace ${JSON.stringify(namespace)}: its creator must be allowed to create pods there`);
}

export class VvpDeploymentTargetStorage extends CatalogStorage<'deploymentTargets'> {
  /** Present only with `writes`, so that discovery lists create and delete only when they are served. */
  readonly create?: Creater['create'];
  readonly delete?: GracefulDeleter['delete'];

  constructor(options: CatalogOptions) {
    super(options, deploymentTargetKind);
    if (options.writes ?? true) {
      this.create = (ctx, object) => this.createTarget(ctx, object);
      this.delete = (ctx, namespace, name, deleteOptions) => this.deleteTarget(ctx, namespace, name, deleteOptions);
    }
  }

  /** The place a created object's name stands for, its spec agreeing; 422 otherwise. */
  private placeToCreate(object: VvpDeploymentTarget): Place {
    const name = object.metadata.name ?? '';
    const invalid = (field: string, message: string) => statusErrors.invalid(this.info.group, this.info.kind, name, [{ type: 'FieldValueInvalid', field, message }]);
    const place = placeOf(name, this.scopes);
    if (!place) {
      const served = this.scopes.map((s) => `${s.replace('/', '.')}.<name>`).join(', ');
      throw invalid('metadata.name', `Invalid value: ${JSON.stringify(name)}: must be <platform namespace>.<target name> of a served platform namespace (${served}), the target name a DNS label`);
    }
    if (object.spec?.platformNamespace !== undefined && object.spec.platformNamespace !== place.platformNamespace) {
      throw invalid('spec.platformNamespace', `Invalid value: ${JSON.stringify(object.spec.platformNamespace)}: must be ${JSON.stringify(place.platformNamespace)}, as the name says`);
    }
    if (object.spec?.platformName !== undefined && object.spec.platformName !== place.platformName) {
      throw invalid('spec.platformName', `Invalid value: ${JSON.stringify(object.spec.platformName)}: must be ${JSON.stringify(place.platformName)}, as the name says`);
    }
    return place;
  }

  private async createTarget(ctx: RequestContext, object: KubeObject): Promise<KubeObject> {
    const target = object as VvpDeploymentTarget;
    const place = this.placeToCreate(target);
    await this.visibility.require(ctx, place, '*', `creating a deployment target in platform namespace ${place.platformNamespace}`);
    const kubernetesNamespace = target.spec?.kubernetes?.namespace;
    if (kubernetesNamespace) await requirePodsIn(ctx, kubernetesNamespace);
    const labels = target.metadata.labels;
    if (ctx.dryRun) {
      const spec = { platformNamespace: place.platformNamespace, platformName: place.platformName, kubernetes: kubernetesNamespace ? { namespace: kubernetesNamespace } : {} };
      return { ...object, apiVersion: this.apiVersion, kind: this.info.kind, spec, status: {} };
    }
    const { catalog, platformNamespace } = this.options.platforms.catalogOf(place.scope);
    let created: DeploymentTarget;
    try {
      created = await catalog.createDeploymentTarget(platformNamespace, {
        metadata: { name: place.platformName, ...(labels ? { labels } : {}) },
        spec: { kubernetes: kubernetesNamespace ? { namespace: kubernetesNamespace } : {} },
      }, this.ref(place.name), ctx.signal);
    } catch (err) {
      if (err instanceof StatusError && err.code === 409) throw statusErrors.alreadyExists(this.ref(place.name));
      throw err;
    }
    this.changed(place.scope);
    return toObject(created, place, this.apiVersion);
  }

  private async deleteTarget(ctx: RequestContext, _namespace: string | undefined, name: string, options: DeleteOptions): Promise<DeleteResult> {
    const place = this.place(name);
    await this.visibility.require(ctx, place, '*', `deleting a deployment target of platform namespace ${place.platformNamespace}`);
    const live = await this.get(ctx, undefined, name);
    checkDeletePreconditions(this.ref(name), options.preconditions, live);
    if (ctx.dryRun) return { object: live, deleted: true };
    const { catalog, platformNamespace } = this.options.platforms.catalogOf(place.scope);
    const deleted = await catalog.deleteDeploymentTarget(platformNamespace, place.platformName, this.ref(name), ctx.signal);
    this.changed(place.scope);
    return { object: deleted ? toObject(deleted, place, this.apiVersion) : live, deleted: true };
  }
}

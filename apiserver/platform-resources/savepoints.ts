// VvpSavepoint: a savepoint of a managed VvpDeployment, as the platform shows it. Create takes one: a savepoint of
// the deployment's running job, or, with spec.savepointLocation, the registration of an external snapshot (origin
// COPIED). The platform gives the savepoint its id and so its name (`<deployment>-<id>`): a create's metadata.name
// is replaced by that name (use generateName). The platform's API offers no savepoint deletion: no delete verb.

import { type Creater, type KubeObject, type RequestContext, StatusError, statusErrors } from '../k8s/index.js';
import type { Savepoint } from '../vvp/index.js';
import { deriveResourceVersion, type ManagedOwner } from '../vvpdeployment/index.js';
import { childMetadata, type ChildKindDefinition, ChildStorage } from './child-storage.js';
import type { ChildOptions } from './options.js';
import { savepointInfo } from './schema.js';

export interface VvpSavepoint extends KubeObject {
  spec: { deploymentName: string; savepointLocation?: string };
  status?: {
    id?: string; state?: string; origin?: string; location?: string; jobId?: string; flinkSavepointId?: string;
    failure?: { reason?: string; message?: string };
  };
}

const NONE = '<none>';

function toObject(sp: Savepoint, owner: ManagedOwner, apiVersion: string): VvpSavepoint {
  const m = sp.metadata;
  const status: NonNullable<VvpSavepoint['status']> = { id: m.id };
  if (sp.status?.state) status.state = sp.status.state;
  if (m.origin) status.origin = m.origin;
  if (sp.spec?.savepointLocation) status.location = sp.spec.savepointLocation;
  if (m.jobId) status.jobId = m.jobId;
  if (sp.spec?.flinkSavepointId) status.flinkSavepointId = sp.spec.flinkSavepointId;
  if (sp.status?.failure) status.failure = { reason: sp.status.failure.reason, message: sp.status.failure.message };
  const spec: VvpSavepoint['spec'] = { deploymentName: owner.name };
  if (m.origin === 'COPIED' && sp.spec?.savepointLocation) spec.savepointLocation = sp.spec.savepointLocation;
  return { apiVersion, kind: savepointInfo.kind, metadata: childMetadata(owner, m.id, resourceVersion(sp), m.createdAt, apiVersion), spec, status };
}

function resourceVersion(sp: Savepoint): string {
  return deriveResourceVersion(sp.metadata.resourceVersion ?? 0, [sp.metadata.createdAt, sp.metadata.modifiedAt]);
}

export const savepointKind: ChildKindDefinition<'savepoints'> = {
  info: savepointInfo,
  reads: 'savepoints',
  tableColumns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name of the VvpSavepoint.', priority: 0 },
    { name: 'Deployment', type: 'string', description: 'The VvpDeployment the savepoint belongs to (spec.deploymentName).', priority: 0 },
    { name: 'State', type: 'string', description: 'State on the platform (status.state).', priority: 0 },
    { name: 'Origin', type: 'string', description: 'Why it was taken (status.origin).', priority: 0 },
    { name: 'Location', type: 'string', description: 'Where the snapshot is stored (status.location).', priority: 0 },
    { name: 'Age', type: 'date', description: 'Time since the platform created it (metadata.creationTimestamp).', priority: 0 },
    { name: 'Job', type: 'string', description: 'The platform job it was taken of (status.jobId).', priority: 1 },
  ],
  tableCells(object) {
    const o = object as Partial<VvpSavepoint>;
    return [o.metadata?.name ?? '', o.spec?.deploymentName ?? NONE, o.status?.state ?? NONE, o.status?.origin ?? NONE,
      o.status?.location ?? NONE, o.metadata?.creationTimestamp ?? '', o.status?.jobId ?? NONE];
  },
  resourceVersion,
  toObject,
};

export class VvpSavepointStorage extends ChildStorage<'savepoints'> implements Creater {
  constructor(options: ChildOptions) {
    super(options, savepointKind);
  }

  /** Takes (or registers) a savepoint of spec.deploymentName, a VvpDeployment of the same namespace. */
  async create(ctx: RequestContext, object: KubeObject): Promise<KubeObject> {
    const spec = (object as Partial<VvpSavepoint>).spec;
    const namespace = object.metadata.namespace ?? '';
    const deploymentName = spec?.deploymentName ?? '';
    const name = object.metadata.name ?? '';
    let result: Awaited<ReturnType<ChildOptions['owners']['triggerSavepoint']>>;
    try {
      result = await this.options.owners.triggerSavepoint(ctx, namespace, deploymentName, spec?.savepointLocation);
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) {
        throw statusErrors.invalid(this.info.group, this.info.kind, name, [
          { type: 'FieldValueNotFound', field: 'spec.deploymentName', message: `Not found: "${deploymentName}": no VvpDeployment of that name in namespace ${namespace}` },
        ]);
      }
      throw err;
    }
    const apiVersion = `${this.info.group}/${this.info.version}`;
    if (!result.savepoint) {
      // dryRun: nothing was triggered; the answer shows what was asked for under the name it was given.
      return { ...object, apiVersion, kind: this.info.kind, spec: { ...spec, deploymentName }, status: {} };
    }
    this.changed(result.owner.platformNamespace);
    return toObject(result.savepoint, result.owner, apiVersion);
  }
}

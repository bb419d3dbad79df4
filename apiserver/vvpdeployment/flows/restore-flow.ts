// The calls of a restore in one step (restore-nonce.ts decides): the VvpSavepoint named by spec.restoreSavepointName
// resolved among this instance's savepoints of the object's Kubernetes namespace, the user's right to read it and to
// use its platform namespace checked, the refusals (422/403) made before anything is written; the location
// registered for this deployment right before the write that restarts the job; and, for the background pass, the
// deployment's upgradeStrategy put back once the restored job runs.

import { type RequestContext, statusErrors } from '../../k8s/index.js';
import type { CallOptions, Deployment, DeploymentWrite } from '../../vvp/index.js';
import { encodeKubeParts, mergeMetadata, withoutReserved, RESERVED_PREFIX, type RestoreRecord } from '../trust/annotations.js';
import type { StorageCore } from './core.js';
import { deepMerge } from '../decide/json.js';
import type { UpdatePlan } from '../decide/mapping.js';
import { childObjectName } from '../instance/owned-children.js';
import type { PlatformView } from '../read/platform-view.js';
import { restoreCompletion, restoreRequested, restoreStep, unrestorable, type RestoreStep, type RestoreTarget } from '../decide/restore-nonce.js';
import { namingInstance, TENANCY_RESOURCES } from '../trust/tenancy.js';
import { kubeTime } from '../decide/time.js';
import type { VvpDeployment } from '../types.js';
import type { PlatformWriter } from './writer.js';

/** The resource of VvpSavepoints (platform-resources/), in the same API group: what `get` is checked on. */
const SAVEPOINTS_RESOURCE = 'vvpsavepoints';
/** On a registered savepoint: the restore nonce it was registered for. */
export const RESTORE_SAVEPOINT_ANNOTATION = `${RESERVED_PREFIX}restore-nonce`;

const FIELD = 'spec.restoreSavepointName';

export class RestoreFlow {
  constructor(private readonly core: StorageCore, private readonly writer: PlatformWriter) {}

  /** For a new restoreNonce: what to do, after every check; throws the 422 or 403, with nothing written. */
  async prepare(ctx: RequestContext, view: PlatformView, record: RestoreRecord | undefined, obj: VvpDeployment): Promise<RestoreStep | undefined> {
    if (!restoreRequested(obj.spec, record)) return undefined;
    const core = this.core;
    const namespace = obj.metadata.namespace ?? '';
    const name = obj.spec.restoreSavepointName;
    const invalid = (type: string, message: string) => core.invalid(obj.metadata.name ?? '', [{ type, field: FIELD, message }]);
    if (!name) return invalid('FieldValueRequired', 'Required value: a new spec.restoreNonce restores the VvpSavepoint named here');
    await ctx.access?.require({ verb: 'get', group: core.group, resource: SAVEPOINTS_RESOURCE, namespace, name },
      `restoring from a savepoint needs get on ${SAVEPOINTS_RESOURCE}/${name} in namespace ${namespace}`);
    const target = await this.resolve(namespace, name, ctx.signal);
    if (!target) {
      return invalid('FieldValueNotFound', `Not found: ${JSON.stringify(name)}: no VvpSavepoint of platform instance ${core.options.instanceId} in namespace ${namespace} (savepoints of another platform instance cannot be restored here)`);
    }
    const why = unrestorable(view, target);
    if (why) return invalid('FieldValueInvalid', `Invalid value: ${JSON.stringify(name)}: ${why}`);
    await this.authorizePlatformNamespace(ctx, namespace, target, view);
    return restoreStep(view, target, obj.spec.restoreNonce, kubeTime(core.now()));
  }

  /** The savepoint's location registered for this deployment; its id recorded. A refusal is the platform's Status. */
  async register(step: RestoreStep, d: Deployment, opts: CallOptions): Promise<void> {
    const rec = step.record;
    const sp = await this.core.platform(d.metadata.name, () => this.core.client.registerSavepoint(d.metadata.namespace, {
      deploymentId: d.metadata.id, savepointLocation: rec.location ?? '', annotations: { [RESTORE_SAVEPOINT_ANNOTATION]: String(rec.nonce) },
    }, opts));
    rec.savepointId = sp.metadata.id;
  }

  /** The background pass: a pending restore finished once the platform has started the job (restore-nonce.ts). */
  async finish(ctx: RequestContext, d: Deployment, signal: AbortSignal): Promise<void> {
    const core = this.core;
    const view = await core.reader.loadView(d, signal);
    const rec = core.partsOf(d).restore;
    if (!rec) return;
    const done = restoreCompletion(view, rec);
    if (!done) return;
    const object = core.toObject(view, core.partsOf(d));
    const opts = await this.writer.writeOptions(ctx, object, { serverTokenIfUnreadable: true });
    const written = await this.writer.patchFresh(d, (fresh) => {
      if (core.partsOf(fresh).restore?.nonce !== rec.nonce) return undefined;
      const body: DeploymentWrite = this.writer.recordBody(fresh, (p) => ({ ...p, restore: done.record }));
      if (done.upgradeStrategy) body.spec = { upgradeStrategy: { kind: done.upgradeStrategy as 'STATEFUL' } };
      return body;
    }, opts);
    if (done.event) this.writer.emit(core.toObject({ ...view, deployment: written }, core.partsOf(written)), [done.event], d.metadata.namespace, d.metadata.id);
    this.writer.changed(d.metadata.namespace, d.metadata.id);
  }

  private async resolve(namespace: string, name: string, signal: AbortSignal): Promise<RestoreTarget | undefined> {
    for (const pns of this.core.options.platformNamespaces) {
      const { owners, items } = await this.core.reader.ownedChildren(pns, 'savepoints', 0, signal);
      for (const sp of items) {
        const owner = owners.get(sp.metadata.deploymentId ?? '');
        if (owner?.namespace === namespace && childObjectName(owner.name, sp.metadata.id) === name) return { savepointName: name, savepoint: sp, platformNamespace: pns };
      }
    }
    return undefined;
  }

  /** A savepoint of another platform namespace is that namespace's state: restoring it is using that namespace (tenancy.ts). */
  private async authorizePlatformNamespace(ctx: RequestContext, namespace: string, target: RestoreTarget, view: PlatformView): Promise<void> {
    const core = this.core;
    if (target.platformNamespace === view.deployment.metadata.namespace || core.options.grantEveryone) return;
    if (!ctx.access) throw statusErrors.internal('no authorizer provided, unable to authorize platform grants');
    const grant = namingInstance({ resource: TENANCY_RESOURCES.platformNamespaces, names: [target.platformNamespace], why: `restoring savepoint ${target.savepointName} of platform namespace ${target.platformNamespace}` }, core.options.grantNames);
    for (const n of grant.names.slice(0, -1)) if (await ctx.access.allowed({ verb: 'use', group: core.group, resource: grant.resource, namespace, name: n })) return;
    await ctx.access.require({ verb: 'use', group: core.group, resource: grant.resource, namespace, name: grant.names[grant.names.length - 1] ?? '' },
      `${grant.why} needs the rule {apiGroups: [${JSON.stringify(core.group)}], resources: [${JSON.stringify(grant.resource)}], verbs: ["use"], resourceNames: [${grant.names.map((x) => JSON.stringify(x)).join(' or ')}]} in namespace ${namespace}`);
  }
}

/** The restore folded into a planned update: its record, its event, and the restart's spec fields. */
export function withRestore(plan: UpdatePlan, view: PlatformView, step: RestoreStep, instanceId: string): void {
  plan.events.push(step.event);
  if (step.restart) {
    const body = plan.body ?? {};
    body.spec = deepMerge(body.spec ?? {}, step.restart);
    plan.body = body;
  }
  recordRestore(plan, view, step.record, instanceId);
}

/** The plan's body carrying `record` (again, once a registration gave it the savepoint id). */
export function recordRestore(plan: UpdatePlan, view: PlatformView, record: RestoreRecord, instanceId: string): void {
  const d = view.deployment;
  plan.parts.restore = record;
  const reserved = encodeKubeParts(plan.parts, instanceId);
  const body = plan.body ?? {};
  const meta = body.metadata ?? {};
  meta.labels = mergeMetadata((meta.labels as Record<string, string> | undefined) ?? withoutReserved(d.metadata.labels), reserved.labels);
  meta.annotations = mergeMetadata((meta.annotations as Record<string, string> | undefined) ?? withoutReserved(d.metadata.annotations), reserved.annotations);
  meta.resourceVersion = d.metadata.resourceVersion;
  body.metadata = meta;
  plan.body = body;
}

// The deletion flow: a DELETE marks the deployment (deletionTimestamp, the policy's state), then each step
// deletion.ts decides is taken when it is due: by the DELETE itself, by later updates, by the background pass.
// A step the platform refuses is recorded on the deployment (DeletionBlocked) and tried again later.

import { checkDeletePreconditions, type DeleteOptions, type DeleteResult, type RequestContext } from '../../k8s/index.js';
import { type Deployment, type DeploymentWrite, isVvpHttpError, type StringMap } from '../../vvp/index.js';
import { encodeKubeParts, isReservedKey, type KubeParts } from '../trust/annotations.js';
import type { StorageCore } from './core.js';
import { deletionStep } from '../decide/deletion.js';
import type { PlatformView } from '../read/platform-view.js';
import { kubeTime } from '../decide/time.js';
import type { PlatformWriter } from './writer.js';

export class DeletionFlow {
  constructor(private readonly core: StorageCore, private readonly writer: PlatformWriter) {}

  async delete(ctx: RequestContext, namespace: string, name: string, options: DeleteOptions): Promise<DeleteResult> {
    // The platform changes a deployment by itself (transitions, Autopilot): without a client precondition, a lost
    // race with it is retried on a fresh read rather than answered 409.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deleteOnce(ctx, namespace, name, options);
      } catch (err) {
        const retry = attempt < 4 && !options.preconditions?.resourceVersion && isVvpHttpError(err, 409);
        if (!retry) throw this.core.statusError(err, name);
      }
    }
  }

  private async deleteOnce(ctx: RequestContext, namespace: string, name: string, options: DeleteOptions): Promise<DeleteResult> {
    const core = this.core;
    const { view, parts, object } = await core.read(namespace, name, ctx.signal);
    const d = view.deployment;
    checkDeletePreconditions(core.ref(name), options.preconditions, object);
    if (parts.deletion) return this.finishDeletion(ctx, d, view);
    const policy = parts.spec.deletionPolicy ?? 'Cancel';
    const timestamp = kubeTime(core.now());
    // As kube-apiserver's generic store: setting deletionTimestamp raises the generation.
    const finalizers = withGarbageCollectorFinalizer(parts.finalizers, options.propagationPolicy);
    const next: KubeParts = { ...parts, generation: parts.generation + 1, deletion: { timestamp, policy }, ...(finalizers ? { finalizers } : {}) };
    if (ctx.dryRun) {
      return { object: { ...object, metadata: { ...object.metadata, deletionTimestamp: timestamp, generation: next.generation, ...(finalizers ? { finalizers } : {}) } }, deleted: false };
    }
    const step = deletionStep(policy, view);
    const body: DeploymentWrite = {
      metadata: { name: d.metadata.name, annotations: encodeKubeParts(next, core.options.instanceId).annotations, resourceVersion: d.metadata.resourceVersion },
    };
    if (step.setState) body.spec = { state: step.setState };
    const opts = await this.writer.writeOptions(ctx, object);
    // Not mapped here: a platform 409 (VvpError) is retried by delete().
    const marked = await core.client.patchDeployment(d.metadata.namespace, d.metadata.id, body, opts).catch((err: unknown) => {
      throw isVvpHttpError(err, 409) ? err : core.writeFailure(err, object);
    });
    this.writer.changed(marked.metadata.namespace, marked.metadata.id);
    return this.finishDeletion(ctx, marked, view);
  }

  /**
   * Takes a marked deletion one step further: drops the management mark (Orphan) or deletes the platform
   * deployment once it is CANCELLED/SUSPENDED and no finalizers remain. Answers the object as it now is. `seen`:
   * the view read just before (its jobs, savepoints and Autopilot state are not read again).
   */
  async finishDeletion(ctx: RequestContext, d: Deployment, seen?: PlatformView): Promise<DeleteResult> {
    const core = this.core;
    const writer = this.writer;
    const parts = core.partsOf(d);
    const del = parts.deletion;
    const view = seen ? { ...seen, deployment: d } : await core.reader.loadView(d, ctx.signal);
    const object = core.toObject(view, parts);
    if (!del) return { object, deleted: false };
    const policy = parts.spec.deletionPolicy ?? del.policy;
    const step = deletionStep(policy, view);
    if (!step.ready || parts.finalizers?.length) {
      const opts = await writer.writeOptions(ctx, object, { serverTokenIfUnreadable: true });
      const setState = step.setState;
      await this.recordBlocked(ctx, d, parts, () => writer.patchFresh(d, (fresh) => {
        const freshDeletion = core.partsOf(fresh).deletion;
        const body: DeploymentWrite = {};
        if (setState && fresh.spec.state !== setState) body.spec = { state: setState };
        // A refusal recorded earlier no longer holds once the platform accepts a step again.
        if (freshDeletion?.blockedReason) {
          const { blockedReason: _r, blockedMessage: _m, ...unblocked } = freshDeletion;
          Object.assign(body, writer.recordBody(fresh, (p) => ({ ...p, deletion: unblocked })));
        }
        return body.spec || body.metadata ? body : undefined;
      }, opts));
      return { object, deleted: false };
    }
    const opts = await writer.writeOptions(ctx, object, { serverTokenIfUnreadable: true });
    const client = core.client;
    const pns = d.metadata.namespace;
    const ok = await this.recordBlocked(ctx, d, parts, async () => {
      if (policy === 'Orphan') {
        await writer.patchFresh(d, (fresh) => ({ metadata: { labels: released(fresh.metadata.labels), annotations: released(fresh.metadata.annotations) } }), opts);
      } else {
        try {
          await client.deleteDeployment(pns, d.metadata.id, opts);
        } catch (err) {
          if (!isVvpHttpError(err, 404)) throw err;
        }
      }
    });
    if (!ok) return { object, deleted: false };
    core.reader.forget(parts.namespace, parts.name);
    const message = policy === 'Orphan'
      ? `Kubernetes API server released platform deployment ${pns}/${d.metadata.name}; it keeps running, unmanaged`
      : `Kubernetes API server deleted platform deployment ${pns}/${d.metadata.name} (policy ${policy})`;
    writer.emit(object, [{ type: 'Normal', reason: 'Deleted', key: 'deleted', message }], policy === 'Orphan' ? pns : undefined, d.metadata.id);
    writer.changed(pns, d.metadata.id);
    return { object, deleted: true };
  }

  /** Runs a deletion step; if the platform refuses, records why on the deployment (DeletionBlocked) and answers false. */
  private async recordBlocked(ctx: RequestContext, d: Deployment, parts: KubeParts, step: () => Promise<unknown>): Promise<boolean> {
    try {
      await step();
      return true;
    } catch (err) {
      const core = this.core;
      const status = core.statusError(err, parts.name) as Error & { code?: number };
      const reason = status.code === 503 || status.code === 504 ? 'PlatformUnavailable' : 'PlatformRefused';
      const del = parts.deletion;
      if (del && (del.blockedReason !== reason || del.blockedMessage !== status.message)) {
        const next: KubeParts = { ...parts, deletion: { ...del, blockedReason: reason, blockedMessage: status.message } };
        await this.writer.patchFresh(d, (fresh) => this.writer.recordBody(fresh, (p) => (p.deletion ? { ...p, deletion: { ...p.deletion, blockedReason: reason, blockedMessage: status.message } } : p)),
          { signal: ctx.signal }).catch((e: unknown) =>
          core.warn('recording why a deletion is blocked failed', { deployment: `${d.metadata.namespace}/${d.metadata.name}`, error: (e as Error).message }));
        const object = core.toObject({ deployment: d }, next);
        this.writer.emit(object, [{ type: 'Warning', reason: 'DeletionBlocked', key: `${reason}/${status.message}`, message: `deletion blocked: ${status.message}` }]);
      }
      return false;
    }
  }
}

/**
 * kube-apiserver's generic store (deletionFinalizersForGarbageCollection): Orphan and Foreground hand the object to
 * the garbage collector with its finalizer (`orphan`, `foregroundDeletion`); the collector removes it once it has
 * orphaned or deleted the dependents, and the deletion then goes on under the resource's own deletion policy.
 */
function withGarbageCollectorFinalizer(finalizers: string[] | undefined, policy: DeleteOptions['propagationPolicy']): string[] | undefined {
  const gc = policy === 'Orphan' ? 'orphan' : policy === 'Foreground' ? 'foregroundDeletion' : undefined;
  if (!gc || finalizers?.includes(gc)) return undefined;
  return [...(finalizers ?? []), gc];
}

/** The deployment's labels or annotations without this server's keys, reserved keys set to null (a merge patch removes them). */
function released(map: StringMap | undefined): StringMap {
  const out: Record<string, string | null> = {};
  for (const key of Object.keys(map ?? {})) {
    if (isReservedKey(key)) out[key] = null;
  }
  return out as StringMap;
}

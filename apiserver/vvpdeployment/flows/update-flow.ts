// The update flow: the machinery's transform of one platform read (defaulted and validated against the live object
// by the strategy, strategy.ts), plan (mapping.ts planUpdate), write the platform deployment
// (PUT or PATCH per syncingMode), then the follow-up a nonce or a new initial savepoint needs, recorded in a second
// write. A deletion in progress is taken one step further; a retried nonce whose trigger was interrupted is settled.

import { type RequestContext, statusErrors, timed, type UpdateTransform } from '../../k8s/index.js';
import type { CallOptions, Deployment, StringMap } from '../../vvp/index.js';
import type { KubeParts } from '../trust/annotations.js';
import { NEVER, type StorageCore } from './core.js';
import type { CreateFlow } from './create-flow.js';
import type { DeletionFlow } from './deletion-flow.js';
import { isPlatformRefusal } from '../errors.js';
import { deepClone, deepMerge } from '../decide/json.js';
import { autopilotHoldsState, planCreate, planUpdate, type PlannedEvent, type UpdatePlan } from '../decide/mapping.js';
import { unknownFieldWarning } from '../decide/unknown-fields.js';
import { effectEventMessage, planCauses, platformEffect, specAfter } from '../decide/platform-effect.js';
import type { PlatformView } from '../read/platform-view.js';
import { recordRestore, withRestore, type RestoreFlow } from './restore-flow.js';
import type { RestoreStep } from '../decide/restore-nonce.js';
import { checkResourceVersion } from '../decide/resource-version.js';
import { isPendingTrigger, savepointTriggerAnnotations } from '../decide/savepoint-nonce.js';
import { savepointFailed, savepointTriggered, type SavepointSettler } from './savepoint-settler.js';
import { checkPlatformDeploymentSize } from '../decide/size-limit.js';
import { kubeTime } from '../decide/time.js';
import type { VvpDeployment } from '../types.js';
import type { PlatformWriter } from './writer.js';

export interface UpdateFlowParts {
  writer: PlatformWriter;
  creating: CreateFlow;
  deletion: DeletionFlow;
  settler: SavepointSettler;
  restoring: RestoreFlow;
}

export class UpdateFlow {
  constructor(private readonly core: StorageCore, private readonly flows: UpdateFlowParts) {}

  /**
   * One read of the platform; `transform` makes the object to write of it (the machinery has checked its UID
   * against that read); its resourceVersion, when set, must be the read's.
   */
  async update(ctx: RequestContext, namespace: string, name: string, transform: UpdateTransform): Promise<VvpDeployment> {
    const core = this.core;
    const { writer, settler, deletion } = this.flows;
    const { instanceId } = core.options;
    const view = await timed(ctx, 'platform-read', () => core.reader.read(namespace, name, ctx.signal));
    if (!view) {
      const created = await transform(undefined);
      if (created.metadata.resourceVersion) throw statusErrors.notFound(core.ref(name));
      return this.flows.creating.create(ctx, created);
    }
    const d = view.deployment;
    const parts = core.partsOf(d);
    const current = await timed(ctx, 'current', () => core.toObject(view, parts));
    const input = await timed(ctx, 'transform', () => transform(deepClone(current)));
    checkResourceVersion(input.metadata.resourceVersion, current.metadata.resourceVersion ?? '', core.ref(name));

    const defaulted = deepClone(input) as VvpDeployment;
    delete defaulted.status;
    await timed(ctx, 'authorize', () => core.authorize(ctx, defaulted, current, d));
    const restore = await timed(ctx, 'restore', () => this.flows.restoring.prepare(ctx, view, parts.restore, defaulted));
    const plan = await timed(ctx, 'plan', () => {
      checkPlatformDeploymentSize(planCreate(defaulted, instanceId, new Date(0)).body, core.ref(name));
      const planned = planUpdate(view, parts, defaulted, instanceId, core.now());
      if (restore) withRestore(planned, view, restore, instanceId);
      return planned;
    });
    const effect = plan.body ? effectOf(view, plan, parts, defaulted, restore) : undefined;
    const unknown = unknownFieldWarning(defaulted, { spec: parts.spec });
    if (unknown) ctx.warnings?.push(unknown);
    if (ctx.dryRun) {
      if (effect) ctx.warnings?.push(effect);
      return core.toObject(simulate(view, plan), plan.parts);
    }
    if (!plan.body) {
      // A retry of a nonce whose trigger was interrupted settles it, as the background pass would.
      if (!isPendingTrigger(parts.savepointNonce)) return current;
      const opts = { ...(await writer.writeOptions(ctx, defaulted)), signal: NEVER };
      if (!(await settler.settle(d, view.savepoints ?? [], opts))) return current;
      return (await core.read(namespace, name, NEVER)).object;
    }

    const opts = await timed(ctx, 'write-options', () => writer.writeOptions(ctx, defaulted));
    const client = core.client;
    const pns = d.metadata.namespace;
    if (restore?.register) {
      // Before the write that restarts: the platform's next job must find the location as the newest savepoint.
      await timed(ctx, 'restore-register', () => this.flows.restoring.register(restore, d, opts));
      recordRestore(plan, view, restore.record, instanceId);
    }
    let written: Deployment;
    try {
      // By id, naming the deployment: the record's signature is bound to both (record-signature.ts).
      const body = { ...plan.body, metadata: { ...plan.body.metadata, name: d.metadata.name } };
      written = await timed(ctx, 'platform-write', () => (plan.method === 'PUT'
        ? client.putDeployment(pns, d.metadata.id, body, opts)
        : client.patchDeployment(pns, d.metadata.id, body, opts)));
    } catch (err) {
      throw core.writeFailure(err, defaulted);
    }
    const events: PlannedEvent[] = [];
    if (effect) {
      ctx.warnings?.push(effect);
      events.push({ type: 'Normal', reason: 'PlatformEffect', key: `effect/${written.metadata.resourceVersion}`, message: effectEventMessage(effect) });
    }
    events.push(...plan.events);
    written = await this.followUp(written, plan, events, { ...opts, signal: NEVER }, name);

    // Follow-up writes after the main one must not be abandoned because the client went away.
    if (plan.parts.deletion) {
      await deletion.finishDeletion({ ...ctx, signal: NEVER }, written, view).catch((err: unknown) =>
        core.warn('finishing a deletion after an update failed; the background pass goes on', { deployment: `${pns}/${d.metadata.name}`, error: (err as Error).message }));
    }
    const after = await timed(ctx, 'answer-view', () => this.answerView(namespace, name, view, written, plan, restore?.register === true));
    if (!after) return { ...current, metadata: { ...current.metadata, deletionTimestamp: current.metadata.deletionTimestamp ?? kubeTime(core.now()) } };
    const updated = await timed(ctx, 'answer', () => core.toObject(after, core.partsOf(after.deployment)));
    await timed(ctx, 'events', () => {
      writer.changed(pns, d.metadata.id);
      writer.emit(updated, events, pns, d.metadata.id);
    });
    return updated;
  }

  /**
   * What the answer is built from: the written deployment, with the jobs, savepoints and Autopilot state of the read
   * before the write, which the write did not change (the platform acts on it later); read again after a savepoint
   * follow-up or a restore's registration (a new savepoint) or a deletion step (the deployment may be gone).
   */
  private async answerView(namespace: string, name: string, view: PlatformView, written: Deployment, plan: UpdatePlan, registered: boolean): Promise<PlatformView | undefined> {
    if (plan.parts.deletion) return this.core.reader.read(namespace, name, NEVER);
    if (plan.triggerSavepoint !== undefined || plan.registerSavepoint !== undefined || registered) return this.core.reader.loadView(written, NEVER);
    this.core.reader.written(view.deployment, written);
    return { ...view, deployment: written };
  }

  /** The savepoint of a new savepointNonce and a changed initial savepoint, after the main write; their outcome is recorded in a second write. */
  private async followUp(d: Deployment, plan: UpdatePlan, events: PlannedEvent[], opts: CallOptions, name: string): Promise<Deployment> {
    if (plan.triggerSavepoint === undefined && plan.registerSavepoint === undefined) return d;
    const core = this.core;
    const client = core.client;
    const pns = d.metadata.namespace;
    const parts: Pick<KubeParts, 'savepointNonce' | 'initialSavepoint'> = { savepointNonce: plan.parts.savepointNonce, initialSavepoint: plan.parts.initialSavepoint };
    if (plan.triggerSavepoint !== undefined && parts.savepointNonce) {
      const nonce = plan.triggerSavepoint;
      try {
        const sp = await client.triggerSavepoint(pns, { deploymentId: d.metadata.id, annotations: savepointTriggerAnnotations(parts.savepointNonce) }, opts);
        parts.savepointNonce = { ...parts.savepointNonce, savepointId: sp.metadata.id };
        events.push(savepointTriggered(nonce, sp.metadata.id));
      } catch (err) {
        const message = (core.statusError(err, name) as Error).message;
        if (isPlatformRefusal(err)) {
          parts.savepointNonce = { ...parts.savepointNonce, outcome: 'Failed', message };
          events.push(savepointFailed(nonce, message));
        } else {
          // No answer: the savepoint may have been taken. The record stays pending; the settler adopts or triggers it.
          core.warn('a savepoint trigger got no answer; it is settled after the grace period', { deployment: `${pns}/${d.metadata.name}`, error: message });
        }
      }
    }
    if (plan.registerSavepoint !== undefined) {
      try {
        const sp = await client.registerSavepoint(pns, { deploymentId: d.metadata.id, savepointLocation: plan.registerSavepoint }, opts);
        parts.initialSavepoint = { location: plan.registerSavepoint, savepointId: sp.metadata.id };
      } catch (err) {
        const message = (core.statusError(err, name) as Error).message;
        events.push({ type: 'Warning', reason: 'InitialSavepointNotRegistered', key: plan.registerSavepoint, message });
      }
    }
    try {
      return await this.flows.writer.patchFresh(d, (fresh) => this.flows.writer.recordBody(fresh, (p) => ({ ...p, ...parts })), opts);
    } catch (err) {
      core.warn('recording a nonce outcome failed', { deployment: `${pns}/${d.metadata.name}`, error: (err as Error).message });
      return d;
    }
  }
}

/** The sentence saying what a planned write does to the job (platform-effect.ts). */
function effectOf(view: PlatformView, plan: UpdatePlan, parts: KubeParts, obj: VvpDeployment, restore: RestoreStep | undefined): string {
  const after = specAfter(view.deployment.spec, plan, parts.spec.deployment?.spec);
  const causes = planCauses(plan, parts.restartNonce?.nonce, autopilotHoldsState(view, obj.spec.deployment.spec?.state));
  if (restore && (restore.record.outcome === 'Triggered' || restore.record.outcome === 'Registered')) {
    causes.restore = { nonce: restore.record.nonce, savepointName: restore.record.savepointName ?? '' };
  }
  return platformEffect({ before: view, after, objectName: parts.name, causes });
}

/** What the platform deployment would look like after a planned write (dry run). */
function simulate(view: PlatformView, plan: UpdatePlan): PlatformView {
  const d = deepClone(view.deployment);
  const body = plan.body;
  if (body) {
    const meta = body.metadata ?? {};
    if (plan.method === 'PUT') {
      d.metadata.labels = meta.labels as StringMap;
      d.metadata.annotations = meta.annotations as StringMap;
      d.spec = { ...(body.spec as Deployment['spec']) };
    } else {
      d.metadata.labels = { ...d.metadata.labels, ...(meta.labels as StringMap | undefined) };
      d.metadata.annotations = { ...d.metadata.annotations, ...(meta.annotations as StringMap | undefined) };
      if (body.spec) d.spec = deepMerge(d.spec, body.spec);
    }
  }
  return { ...view, deployment: d };
}

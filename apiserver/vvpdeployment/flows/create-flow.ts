// The create flow: plan (mapping.ts planCreate) the object the strategy has defaulted and validated (strategy.ts),
// POST the platform deployment, register the initial savepoint when there is one (undoing the create if the platform
// refuses it), and say why a name is taken.

import { randomUUID } from 'node:crypto';
import { deepClone, type KubeObject, type RequestContext, statusErrors, timed } from '../../k8s/index.js';
import { type CallOptions, type Deployment, type DeploymentWrite, isVvpHttpError, type Savepoint } from '../../vvp/index.js';
import { adoptionDecision, placementDisagreement, type AdoptionSource } from '../trust/adoption.js';
import { ANNOTATION, MANAGED_BY_LABEL, isManagedBy, type KubeParts } from '../trust/annotations.js';
import { NEVER, type StorageCore } from './core.js';
import type { Listing } from '../read/listing.js';
import { planCreate } from '../decide/mapping.js';
import { unknownFieldWarning } from '../decide/unknown-fields.js';
import { createdView } from '../read/platform-view.js';
import { checkPlatformDeploymentSize } from '../decide/size-limit.js';
import { placementAtCreation, placementOfPlatform } from '../trust/tenancy.js';
import type { VvpDeployment } from '../types.js';
import type { PlatformWriter } from './writer.js';

export class CreateFlow {
  constructor(private readonly core: StorageCore, private readonly listing: Listing, private readonly writer: PlatformWriter) {}

  async create(ctx: RequestContext, input: KubeObject): Promise<VvpDeployment> {
    const core = this.core;
    const { instanceId } = core.options;
    const namespace = input.metadata.namespace ?? '';
    // The machinery has named it (generateName included), and the strategy defaulted and validated it.
    const obj = deepClone(input) as VvpDeployment;
    const name = obj.metadata.name ?? '';
    if (!name) core.invalid('', [{ type: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    delete obj.status;
    await timed(ctx, 'authorize', () => core.authorize(ctx, obj));
    if (await timed(ctx, 'platform-read', () => core.reader.locate(namespace, name, ctx.signal))) throw statusErrors.alreadyExists(core.ref(name));

    const plan = await timed(ctx, 'plan', () => {
      const planned = planCreate(obj, instanceId, core.now());
      checkPlatformDeploymentSize(planned.body, core.ref(name));
      return planned;
    });
    const pns = obj.spec.deployment.metadata?.namespace ?? '';
    const pname = obj.spec.deployment.metadata?.name ?? '';
    const unknown = unknownFieldWarning(obj);
    if (unknown) ctx.warnings?.push(unknown);
    if (ctx.dryRun) return this.dryRunCreated(plan.body, plan.parts, pns);

    const opts = await timed(ctx, 'write-options', () => this.writer.writeOptions(ctx, obj));
    // Before the POST: a create whose answer is lost may still have happened.
    this.listing.occupancy.occupy(pns, namespace);
    let d: Deployment;
    try {
      d = await timed(ctx, 'platform-write', () => core.client.createDeployment(pns, plan.body, opts));
    } catch (err) {
      if (isVvpHttpError(err, 409)) {
        const adopted = await this.adoptOrExplain(ctx, obj, pns, pname, opts);
        if (adopted) return adopted;
      }
      throw core.writeFailure(err, obj);
    }
    const savepoints: Savepoint[] = [];
    // The POST's record is pending (record-signature.ts): the next write, addressed by the id, binds it.
    if (plan.registerSavepoint) {
      const registered = await this.registerInitialSavepoint(d, plan.parts, plan.registerSavepoint, plan.stateAfterRegistration, opts, name);
      d = registered.deployment;
      savepoints.push(registered.savepoint);
    } else if (core.options.recordSigner) {
      d = await timed(ctx, 'platform-bind', () => this.bindRecord(d, plan.parts, opts, name));
    }
    core.reader.remember(d);
    // The answer is built from the platform's answers to the writes: nothing else exists yet to be read.
    const created = await timed(ctx, 'answer', () => core.toObject(createdView(d, savepoints), core.partsOf(d)));
    await timed(ctx, 'events', () => {
      this.writer.changed(pns, d.metadata.id);
      this.writer.emit(created, plan.events, pns, d.metadata.id);
    });
    return created;
  }

  /**
   * A platform name that is taken: adopted when the object asks to, the deployment carries the mark of a previous
   * operator instance this server may adopt from and was made for this object (adoption.ts), the user may `adopt`,
   * the spec says where the deployment runs and the user may use that placement as it is; else the 409 (or 403).
   */
  private async adoptOrExplain(ctx: RequestContext, obj: VvpDeployment, pns: string, pname: string, opts: CallOptions): Promise<VvpDeployment> {
    const core = this.core;
    const name = obj.metadata.name ?? '';
    let d: Deployment;
    try {
      d = await core.client.getDeployment(pns, pname, { signal: ctx.signal });
    } catch (err) {
      throw core.statusError(err, name);
    }
    const decision = adoptionDecision(d, obj, core.options.adoptFrom ?? []);
    if (!decision) throw this.explainTaken(d, pns, pname, name);
    if (!ctx.access) throw statusErrors.internal('no authorizer provided, unable to authorize an adoption');
    const group = core.group;
    await ctx.access.require({ verb: 'adopt', group, resource: 'vvpdeployments', namespace: obj.metadata.namespace ?? '', name },
      `adopting a platform deployment needs a Role bound to the user with the rule {apiGroups: [${JSON.stringify(group)}], resources: ["vvpdeployments"], verbs: ["adopt"]}`);
    if ('refused' in decision) throw statusErrors.alreadyExists(core.ref(name), decision.refused);
    const disagreement = placementDisagreement(placementAtCreation(obj), placementOfPlatform(d), pname);
    if (disagreement) throw statusErrors.conflict(core.ref(name), disagreement);
    await core.authorizeAsIs(ctx, obj, d);
    return this.adopt(obj, d, decision.source, opts);
  }

  /** Takes `d` over from `source`: its mark removed with its token, then this server's record and mark written. */
  private async adopt(obj: VvpDeployment, d: Deployment, source: AdoptionSource, opts: CallOptions): Promise<VvpDeployment> {
    const core = this.core;
    const name = obj.metadata.name ?? '';
    const pns = d.metadata.namespace;
    const mark = source.markLabel ?? MANAGED_BY_LABEL;
    const token = source.token();
    const release = { metadata: { labels: { [mark]: null }, resourceVersion: d.metadata.resourceVersion } } as unknown as DeploymentWrite;
    const released = await core.platform(name, () => core.client.patchDeployment(pns, d.metadata.name, release, { signal: NEVER, ...(token ? { token } : {}) }));
    const plan = planCreate(obj, core.options.instanceId, core.now());
    const claim: DeploymentWrite = {
      metadata: { name: d.metadata.name, labels: plan.body.metadata?.labels ?? {}, annotations: plan.body.metadata?.annotations ?? {}, resourceVersion: released.metadata.resourceVersion },
    };
    // By id: the record's signature is bound to it.
    const adopted = await core.platform(name, () => core.client.patchDeployment(pns, d.metadata.id, claim, { ...opts, signal: NEVER }));
    core.reader.remember(adopted);
    const view = await core.reader.loadView(adopted, NEVER);
    const object = core.toObject(view, core.partsOf(adopted));
    this.writer.changed(pns, adopted.metadata.id);
    this.writer.emit(object, [{ type: 'Normal', reason: 'Adopted', message: `Adopted platform deployment ${pns}/${d.metadata.name} (id ${d.metadata.id}) from operator instance ${source.instanceId}; its job, savepoints and state are kept`, key: d.metadata.id }], pns, d.metadata.id);
    return object;
  }

  /** Why a platform name is taken: by another VvpDeployment of ours, or by a deployment this server does not manage. */
  private explainTaken(d: Deployment, pns: string, pname: string, name: string): unknown {
    const core = this.core;
    const a = d.metadata.annotations ?? {};
    if (isManagedBy(d.metadata.labels, core.options.instanceId)) {
      return statusErrors.alreadyExists(core.ref(name),
        `platform deployment ${pns}/${pname} is already managed by VvpDeployment ${a[ANNOTATION.namespace]}/${a[ANNOTATION.name]}`);
    }
    return statusErrors.alreadyExists(core.ref(name),
      `platform deployment ${pns}/${pname} exists and is not managed by this server (instance "${core.options.instanceId}"); deployments created elsewhere cannot be claimed: choose another spec.deployment.metadata.name`);
  }

  /**
   * Writes the record again, now that the platform has assigned the deployment's id, so that its signature is bound
   * to it. If the platform refuses, the new deployment is removed again: a refused create leaves nothing behind.
   */
  private async bindRecord(d: Deployment, parts: KubeParts, opts: CallOptions, name: string): Promise<Deployment> {
    const core = this.core;
    try {
      return await this.writer.patchFresh(d, (fresh) => this.writer.recordBody(fresh, (p) => p), { ...opts, signal: NEVER });
    } catch (err) {
      await this.undoCreate(d, parts, opts);
      throw core.statusError(err, name);
    }
  }

  private async undoCreate(d: Deployment, parts: KubeParts, opts: CallOptions): Promise<void> {
    const core = this.core;
    await core.client.deleteDeployment(d.metadata.namespace, d.metadata.id, { ...opts, signal: NEVER }).catch((e: unknown) =>
      core.warn('removing a half-created platform deployment failed', { deployment: `${d.metadata.namespace}/${d.metadata.name}`, error: (e as Error).message }));
    core.reader.forget(parts.namespace, parts.name);
  }

  /**
   * Registers spec.initialSavepointSpec right after creation, while the deployment is still CANCELLED, then sets
   * the desired state. If the platform refuses the savepoint, the new deployment is removed again: a refused create
   * leaves nothing behind.
   */
  private async registerInitialSavepoint(d: Deployment, parts: KubeParts, location: string, state: string | undefined, opts: CallOptions, name: string): Promise<{ deployment: Deployment; savepoint: Savepoint }> {
    const core = this.core;
    const client = core.client;
    const pns = d.metadata.namespace;
    let savepoint: Savepoint;
    try {
      savepoint = await client.registerSavepoint(pns, { deploymentId: d.metadata.id, savepointLocation: location }, opts);
    } catch (err) {
      await this.undoCreate(d, parts, opts);
      throw core.statusError(err, name);
    }
    const initialSavepoint = { location, savepointId: savepoint.metadata.id };
    const deployment = await core.platform(name, () => this.writer.patchFresh(d, (fresh) => {
      const body = this.writer.recordBody(fresh, (p) => ({ ...p, initialSavepoint }));
      if (state) body.spec = { state: state as Deployment['spec']['state'] };
      return body;
    }, { ...opts, signal: NEVER }));
    return { deployment, savepoint };
  }

  private dryRunCreated(body: DeploymentWrite, parts: KubeParts, pns: string): VvpDeployment {
    const at = this.core.now().toISOString();
    const deployment = {
      ...body,
      metadata: { ...body.metadata, id: randomUUID(), namespace: pns, resourceVersion: 1, createdAt: at, modifiedAt: at },
      status: { state: 'CANCELLED' },
    } as Deployment;
    return this.core.toObject({ deployment, savepoints: [], autopilot: { mode: 'AUTOPILOT_MODE_DISABLED' } }, parts);
  }
}

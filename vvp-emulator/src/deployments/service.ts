// The deployment operations behind the routes (list, create, update, patch, delete) with the platform's rules: defaults
// merged in, the checks it makes, the managed-by label; the routes only translate HTTP.

import type { Principal } from '../auth.js';
import type { EmulatorContext } from '../context.js';
import { badRequest, conflict, forbidden, notFound } from '../errors.js';
import { isUuid } from '../ids.js';
import { canonical, clone, isObject, mergePatch, overlay, type JsonObject } from '../json.js';
import { rescalingAnnotation } from '../lifecycle/autopilot.js';
import { parseLabelSelector } from '../store/label-selector.js';
import { bumped, newMetadata, type NamespaceState } from '../store/store.js';
import type { Deployment, DeploymentSpec } from '../types.js';

/** VVP 3 extension: the label that marks a deployment as managed by a Kubernetes operator instance. */
export const managedByLabel = 'ververica.platform/managed-by';

export function findDeployment(ns: NamespaceState, nameOrId: string): Deployment {
  // As in 2.4: a path segment that is a valid id is looked up by id first, then by name.
  const deployment = (isUuid(nameOrId) ? ns.deployments.getById(nameOrId) : undefined) ?? ns.deployments.get(nameOrId);
  if (!deployment) throw notFound(`Deployment "${nameOrId}" does not exist in namespace "${ns.name}"`);
  return deployment;
}

/** The namespace's deployment defaults laid over the global ones. */
export function effectiveDefaults(ctx: EmulatorContext, ns: NamespaceState): JsonObject {
  return overlay(ctx.store.globalDefaults.spec, ns.defaults.spec) as JsonObject;
}

interface Body {
  metadata?: JsonObject;
  spec?: JsonObject;
}

export class DeploymentService {
  constructor(private readonly ctx: EmulatorContext) {}

  list(ns: NamespaceState, labelSelector: string | undefined): Deployment[] {
    return ns.deployments.select(labelSelector ? parseLabelSelector(labelSelector) : []);
  }

  create(ns: NamespaceState, body: Body, principal: Principal): Deployment {
    const name = body.metadata?.name;
    if (typeof name !== 'string') throw badRequest('metadata.name: required field is missing');
    return this.insert(ns, name, body, principal);
  }

  /** PATCH: a JSON merge of the body onto the deployment; omitted fields keep their values. */
  patch(ns: NamespaceState, nameOrId: string, body: Body, principal: Principal): Deployment {
    const current = findDeployment(ns, nameOrId);
    this.checkResourceVersion(body, current);
    this.checkImmutable(ns, body, current);
    const merged = mergePatch({ metadata: current.metadata, spec: current.spec }, { metadata: body.metadata ?? {}, spec: body.spec ?? {} }) as {
      metadata: Deployment['metadata'];
      spec: DeploymentSpec;
    };
    return this.replace(ns, current, merged.metadata, merged.spec, principal);
  }

  /** PUT: create or replace; omitted fields are reset to the deployment defaults. */
  put(ns: NamespaceState, nameOrId: string, body: Body, principal: Principal): { deployment: Deployment; created: boolean } {
    const current = (isUuid(nameOrId) ? ns.deployments.getById(nameOrId) : undefined) ?? ns.deployments.get(nameOrId);
    if (!current) {
      const name = body.metadata?.name ?? nameOrId;
      if (name !== nameOrId) throw badRequest(`metadata.name: "${String(name)}" does not match the name in the path ("${nameOrId}")`);
      return { deployment: this.insert(ns, nameOrId, body, principal), created: true };
    }
    this.checkResourceVersion(body, current);
    this.checkImmutable(ns, body, current);
    const metadata: Deployment['metadata'] = {
      ...current.metadata,
      labels: stringMap(body.metadata?.labels),
      annotations: stringMap(body.metadata?.annotations),
    };
    delete metadata.displayName;
    if (typeof body.metadata?.displayName === 'string') metadata.displayName = body.metadata.displayName;
    const spec = overlay(effectiveDefaults(this.ctx, ns), body.spec ?? {}) as unknown as DeploymentSpec;
    return { deployment: this.replace(ns, current, metadata, spec, principal), created: false };
  }

  /** A change made on the platform side (admin API): no roles, no write protection, no resourceVersion check. */
  platformPatch(ns: NamespaceState, nameOrId: string, body: Body): Deployment {
    const current = findDeployment(ns, nameOrId);
    this.checkImmutable(ns, body, current);
    const merged = mergePatch({ metadata: current.metadata, spec: current.spec }, { metadata: body.metadata ?? {}, spec: body.spec ?? {} }) as {
      metadata: Deployment['metadata'];
      spec: DeploymentSpec;
    };
    return this.replace(ns, current, merged.metadata, merged.spec, undefined);
  }

  /** An out-of-band deletion on the platform side (admin API), whatever the deployment's state. */
  platformDelete(ns: NamespaceState, nameOrId: string): Deployment {
    const current = findDeployment(ns, nameOrId);
    this.ctx.controller.forget(current.metadata.id);
    ns.removeDeployment(current);
    this.ctx.changed();
    return current;
  }

  delete(ns: NamespaceState, nameOrId: string, principal: Principal): Deployment {
    const current = findDeployment(ns, nameOrId);
    this.checkWriteProtection(principal, current, current.metadata.labels);
    if (current.spec.state !== 'CANCELLED' && current.spec.state !== 'SUSPENDED') {
      throw conflict(
        `Deployment "${current.metadata.name}" has desired state ${current.spec.state}; ` +
          'a deployment can only be deleted in desired state CANCELLED or SUSPENDED: set spec.state first',
      );
    }
    this.ctx.controller.forget(current.metadata.id);
    ns.removeDeployment(current);
    this.ctx.changed();
    return current;
  }

  private insert(ns: NamespaceState, name: string, body: Body, principal: Principal): Deployment {
    if (ns.deployments.get(name)) throw conflict(`Deployment "${name}" already exists in namespace "${ns.name}"`);
    if (body.metadata?.namespace !== undefined && body.metadata.namespace !== ns.name) {
      throw badRequest(`metadata.namespace: "${String(body.metadata.namespace)}" does not match the namespace in the path ("${ns.name}")`);
    }
    const metadata: Deployment['metadata'] = {
      ...newMetadata(ns.name, name),
      labels: stringMap(body.metadata?.labels),
      annotations: stringMap(body.metadata?.annotations),
      ...(typeof body.metadata?.displayName === 'string' ? { displayName: body.metadata.displayName } : {}),
    };
    const deployment: Deployment = {
      kind: 'Deployment',
      apiVersion: 'v1',
      metadata,
      spec: overlay(effectiveDefaults(this.ctx, ns), body.spec ?? {}) as unknown as DeploymentSpec,
      status: { state: 'CANCELLED' },
    };
    validateComplete(deployment);
    this.checkWriteProtection(principal, undefined, metadata.labels);
    ns.deployments.put(deployment);
    this.ctx.controller.specChanged(ns, deployment);
    this.ctx.changed();
    return deployment;
  }

  /** `principal` undefined: a platform-side change, exempt from write protection. */
  private replace(
    ns: NamespaceState,
    current: Deployment,
    metadata: Deployment['metadata'],
    spec: DeploymentSpec,
    principal: Principal | undefined,
  ): Deployment {
    if (principal) this.checkWriteProtection(principal, current, metadata.labels);
    const specChanged = canonical(spec) !== canonical(current.spec);
    const runtime = this.ctx.controller.runtime(ns, current.metadata.id);
    if (specChanged && runtime.autopilot) delete metadata.annotations[rescalingAnnotation];
    const next: Deployment = {
      kind: 'Deployment',
      apiVersion: 'v1',
      metadata: bumped({
        ...metadata,
        id: current.metadata.id,
        name: current.metadata.name,
        namespace: current.metadata.namespace,
        createdAt: current.metadata.createdAt,
        resourceVersion: current.metadata.resourceVersion,
      }),
      spec,
      status: clone(current.status),
    };
    validateComplete(next);
    ns.deployments.put(next);
    // An unchanged spec starts no transition, but the write still bumps resourceVersion (as on the platform).
    if (specChanged) this.ctx.controller.specChanged(ns, next);
    this.ctx.changed();
    return next;
  }

  /** Emulator choice (undocumented on the platform): a stale metadata.resourceVersion is refused with 409. */
  private checkResourceVersion(body: Body, current: Deployment): void {
    const version = body.metadata?.resourceVersion;
    if (typeof version === 'number' && version !== current.metadata.resourceVersion) {
      throw conflict(
        `Deployment "${current.metadata.name}" was modified: metadata.resourceVersion ${version} is stale (current: ${current.metadata.resourceVersion}); read it again and retry`,
      );
    }
  }

  private checkImmutable(ns: NamespaceState, body: Body, current: Deployment): void {
    const m = body.metadata ?? {};
    if (m.name !== undefined && m.name !== null && m.name !== current.metadata.name) throw badRequest('metadata.name: is immutable');
    if (m.id !== undefined && m.id !== null && m.id !== current.metadata.id) throw badRequest('metadata.id: is immutable');
    if (m.namespace !== undefined && m.namespace !== null && m.namespace !== ns.name) throw badRequest('metadata.namespace: is immutable');
  }

  /**
   * VVP 3 write protection: a deployment labelled `ververica.platform/managed-by: <instance>` changes only
   * through a token bound to that operator instance, and only that instance can put or remove the mark.
   */
  private checkWriteProtection(principal: Principal, current: Deployment | undefined, nextLabels: Record<string, string>): void {
    const owner = current?.metadata.labels[managedByLabel];
    if (owner !== undefined && principal.operatorInstance !== owner) {
      throw forbidden(
        `Deployment "${current?.metadata.name}" is managed from Kubernetes by operator instance "${owner}" and is write-protected: ` +
          'change its VvpDeployment resource instead',
      );
    }
    const newOwner = nextLabels[managedByLabel];
    if (newOwner !== undefined && newOwner !== owner && principal.operatorInstance !== newOwner) {
      throw forbidden(`Only a token of operator instance "${newOwner}" can mark a deployment as managed by it (label ${managedByLabel})`);
    }
  }
}

function stringMap(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** What a deployment must have once defaults are applied; messages name the field. */
export function validateComplete(deployment: Deployment): void {
  const spec = deployment.spec as Partial<DeploymentSpec>;
  const need = (ok: unknown, field: string, what = 'required field is missing') => {
    if (!ok) throw badRequest(`${field}: ${what}`);
  };
  need(spec.state, 'spec.state');
  need(spec.upgradeStrategy?.kind, 'spec.upgradeStrategy.kind');
  need(spec.restoreStrategy?.kind, 'spec.restoreStrategy.kind');
  need(spec.maxJobCreationAttempts, 'spec.maxJobCreationAttempts');
  need(spec.maxSavepointCreationAttempts, 'spec.maxSavepointCreationAttempts');
  need(
    spec.deploymentTargetName || spec.deploymentTargetId || spec.sessionClusterName,
    'spec.deploymentTargetName',
    'a deployment needs spec.deploymentTargetName (or deploymentTargetId, or sessionClusterName)',
  );
  const artifact = spec.template?.spec?.artifact;
  need(artifact?.kind, 'spec.template.spec.artifact.kind');
  if (artifact?.kind === 'JAR') need(artifact.jarUri, 'spec.template.spec.artifact.jarUri', 'required for a JAR artifact');
  if (artifact?.kind === 'SQLSCRIPT') need(artifact.sqlScript, 'spec.template.spec.artifact.sqlScript', 'required for a SQLSCRIPT artifact');
  if (artifact?.kind === 'PYTHON') need(artifact.pythonArtifactUri, 'spec.template.spec.artifact.pythonArtifactUri', 'required for a PYTHON artifact');
}

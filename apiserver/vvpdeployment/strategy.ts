// The VvpDeployment's own hooks, as sample-apiserver's strategy.go holds a resource's: what the machinery runs after
// mutating admission and before validating admission (k8s/strategy/strategy.ts), so that webhooks and policies see the
// server's defaults, the owner label, `metadata.generation` (1 on create, +1 when the spec changes, as a CRD's), and
// never a write this validation refuses. PrepareFor* default the platform identity and the deletion policy, route
// the object to its platform instance (owner.ts), reset the status (the platform's, computed on every read) and set
// the generation; Validate* are the cross-field rules of validation.ts. Pure: no platform call.

import type { KubeObject, RestStrategy, StatusCause } from '../k8s/index.js';
import { OWNER_LABEL } from './trust/annotations.js';
import { deepClone, deepEqual } from './decide/json.js';
import { ownerOf } from './decide/owner.js';
import type { VvpDeployment } from './types.js';
import { applyDefaults, validateVvpDeployment, validateVvpDeploymentUpdate, vvp2Causes } from './decide/validation.js';

/** What the strategy knows of one platform instance: its id and the platform namespaces it serves. */
export interface InstanceScope {
  instanceId: string;
  platformNamespaces: readonly string[];
}

/** A VVP 2 operator status is kept until Validate refuses it with its rename; any other status is the server's. */
function hasVvp2Status(obj: VvpDeployment): boolean {
  return vvp2Causes({ status: obj.status }).length > 0;
}

export class VvpDeploymentStrategy implements RestStrategy {
  private readonly ids: string[];

  constructor(private readonly instances: readonly InstanceScope[]) {
    if (instances.length === 0) throw new Error('at least one platform instance must be served');
    this.ids = instances.map((i) => i.instanceId);
  }

  /** The instance the object goes to, or, when its label is refused, the label's cause and every instance's namespaces. */
  private scopeOf(obj: KubeObject, liveOwner?: string): { scope: InstanceScope; causes: StatusCause[] } {
    const decision = ownerOf(obj, this.ids, liveOwner);
    if ('owner' in decision) return { scope: this.instances.find((i) => i.instanceId === decision.owner)!, causes: [] };
    const label = obj.metadata.labels?.[OWNER_LABEL];
    const scope = { instanceId: label ?? this.ids[0]!, platformNamespaces: this.instances.flatMap((i) => i.platformNamespaces) };
    return { scope, causes: [decision.cause] };
  }

  /** The instance an existing object lives on, by its label (one instance: that one). */
  private liveOwner(old: KubeObject): string | undefined {
    return old.metadata.labels?.[OWNER_LABEL] ?? (this.ids.length === 1 ? this.ids[0] : undefined);
  }

  private route(obj: KubeObject, liveOwner?: string): InstanceScope {
    const { scope, causes } = this.scopeOf(obj, liveOwner);
    if (causes.length === 0) obj.metadata.labels = { ...obj.metadata.labels, [OWNER_LABEL]: scope.instanceId };
    return scope;
  }

  prepareForCreate(object: KubeObject): void {
    const obj = object as VvpDeployment;
    const scope = this.route(obj);
    applyDefaults(obj, scope.platformNamespaces[0] ?? 'default');
    if (!hasVvp2Status(obj)) delete obj.status;
    obj.metadata.generation = 1;
  }

  validate(object: KubeObject): StatusCause[] {
    const obj = object as VvpDeployment;
    const { scope, causes } = this.scopeOf(obj);
    return [...causes, ...vvp2Causes(obj), ...validateVvpDeployment(obj, scope)];
  }

  /**
   * The platform identity left out is the live one (it is immutable), the status is the live one (as a CRD's with a
   * status subresource), and the generation moves when the defaulted spec differs from the live spec.
   */
  prepareForUpdate(object: KubeObject, old: KubeObject): void {
    const obj = object as VvpDeployment;
    const was = old as VvpDeployment;
    const scope = this.route(obj, this.liveOwner(old));
    const oldIdentity = was.spec?.deployment?.metadata ?? {};
    obj.spec.deployment ??= {};
    obj.spec.deployment.metadata = { ...obj.spec.deployment.metadata };
    obj.spec.deployment.metadata.name ??= oldIdentity.name;
    obj.spec.deployment.metadata.namespace ??= oldIdentity.namespace;
    applyDefaults(obj, scope.platformNamespaces[0] ?? 'default');
    if (!hasVvp2Status(obj)) {
      if (was.status === undefined) delete obj.status;
      else obj.status = deepClone(was.status);
    }
    const generation = was.metadata.generation ?? 1;
    obj.metadata.generation = deepEqual(obj.spec, was.spec) ? generation : generation + 1;
  }

  validateUpdate(object: KubeObject, old: KubeObject): StatusCause[] {
    const obj = object as VvpDeployment;
    const was = old as VvpDeployment;
    const vvp2 = vvp2Causes(obj);
    if (vvp2.length > 0) return vvp2;
    const { scope, causes } = this.scopeOf(obj, this.liveOwner(old));
    const oldNamespace = was.spec?.deployment?.metadata?.namespace ?? '';
    causes.push(
      ...validateVvpDeployment(obj, { instanceId: scope.instanceId, platformNamespaces: [...scope.platformNamespaces, oldNamespace] }, false),
      ...validateVvpDeploymentUpdate(obj, was),
    );
    if (old.metadata.deletionTimestamp && !deepEqual(obj.spec.deployment, was.spec?.deployment)) {
      causes.push({ type: 'FieldValueForbidden', field: 'spec.deployment', message: 'Forbidden: the VvpDeployment is being deleted' });
    }
    return causes;
  }
}

// Adoption from Ververica's own operator: a way in for a team whose platform deployments that operator created.
// Opt-in twice: the server lists the previous operator instances it may take over from (adoptFrom, each with that
// instance's token, the only one the platform lets release its write protection), and the object says which one
// it adopts from (annotation ververica.platform/adopt-from). Then the first create of the object whose platform
// deployment carries that instance's mark takes it over in two writes: the previous instance's token removes its
// mark, this server's token writes its signed record and its own mark. Nothing else changes: the deployment id,
// its job (a RUNNING job keeps running), savepoints and state stay. A deployment made by hand, or by an instance
// not listed, stays unclaimable (409).
//
// A mark alone says whose operator made a deployment, not whose team it belongs to (security review 2, finding 1):
// adoption is also tied to the vendor object's identity — the Kubernetes namespace (and name) the vendor operator
// recorded on the platform deployment, or an explicit per-namespace allow-list of the adoptFrom entry — and the
// object must say where the deployment runs (target or session cluster) as it is. The create flow then authorizes
// the deployment's placement as it is (tenancy.ts) and the RBAC verb `adopt`. This module decides; it asks nothing.
//
// The vendor's real mark is not documented; the emulator's, and the default here, is the label
// ververica.platform/managed-by: <instanceId> (the `markLabel` setting changes it). The recorded identity keys are
// not documented either: the defaults are RECORDED_NAMESPACE_KEY / RECORDED_NAME_KEY (labels or annotations).

import type { Deployment } from '../../vvp/index.js';
import { MANAGED_BY_LABEL } from './annotations.js';
import type { Placement } from './tenancy.js';
import type { VvpDeployment } from '../types.js';

/** The object's own intent: the previous operator instance whose deployment it adopts. */
export const ADOPT_FROM_ANNOTATION = 'ververica.platform/adopt-from';
/** Where the vendor operator recorded the Kubernetes namespace of its object (label or annotation), by default. */
export const RECORDED_NAMESPACE_KEY = 'ververica.platform/kubernetes-namespace';
/** Where the vendor operator recorded the Kubernetes name of its object (label or annotation), by default. */
export const RECORDED_NAME_KEY = 'ververica.platform/kubernetes-name';

export interface AdoptionSource {
  /** The previous operator's instance id, as its mark on the platform deployments names it. */
  instanceId: string;
  /** That instance's platform token (it alone may remove the instance's write protection). */
  token(): string | undefined;
  /** The label marking the instance's deployments; default ververica.platform/managed-by. */
  markLabel?: string;
  /** Label/annotation keys where that operator recorded its object's Kubernetes namespace and name. */
  recordedNamespaceKey?: string;
  recordedNameKey?: string;
  /** Kubernetes namespace → the platform deployments (`<pns>/<name>` or `<pns>/*`) its objects may adopt. */
  allow?: Readonly<Record<string, readonly string[]>>;
}

export type AdoptionDecision = { source: AdoptionSource } | { refused: string };

function recorded(d: Deployment, key: string): string | undefined {
  return d.metadata.annotations?.[key] ?? d.metadata.labels?.[key];
}

/** Whether `obj` is the vendor object `d` was made for, or the allow-list gives `d` to obj's namespace. */
function identityMatches(d: Deployment, obj: Pick<VvpDeployment, 'metadata'>, source: AdoptionSource): boolean {
  const namespace = obj.metadata.namespace ?? '';
  const allowed = source.allow?.[namespace] ?? [];
  if (allowed.includes(`${d.metadata.namespace}/${d.metadata.name}`) || allowed.includes(`${d.metadata.namespace}/*`)) return true;
  const ns = recorded(d, source.recordedNamespaceKey ?? RECORDED_NAMESPACE_KEY);
  const name = recorded(d, source.recordedNameKey ?? RECORDED_NAME_KEY);
  return ns === namespace && (name === undefined || name === obj.metadata.name);
}

/**
 * Whether `d` may be adopted for `obj`: undefined when the object does not ask for it or `d` carries no listed mark
 * (then the name is just taken), a refusal (409) when `d` was made for another Kubernetes object; else its source.
 */
export function adoptionDecision(d: Deployment, obj: Pick<VvpDeployment, 'metadata'>, sources: readonly AdoptionSource[]): AdoptionDecision | undefined {
  const wanted = obj.metadata.annotations?.[ADOPT_FROM_ANNOTATION];
  if (wanted === undefined) return undefined;
  const source = sources.find((s) => s.instanceId === wanted);
  if (!source || d.metadata.labels?.[source.markLabel ?? MANAGED_BY_LABEL] !== wanted) return undefined;
  if (identityMatches(d, obj, source)) return { source };
  const ns = recorded(d, source.recordedNamespaceKey ?? RECORDED_NAMESPACE_KEY);
  return {
    refused: `platform deployment ${d.metadata.namespace}/${d.metadata.name} was made by operator instance ${wanted} for `
      + `${ns === undefined ? 'an object whose Kubernetes namespace it did not record' : `a VvpDeployment in namespace ${ns}`}; `
      + `only that object adopts it (or an adoptFrom allow-list entry for namespace ${obj.metadata.namespace ?? ''})`,
  };
}

const PLACEMENT_FIELDS = [
  ['deploymentTargetName', 'deployment target'],
  ['deploymentTargetId', 'deployment target id'],
  ['sessionClusterName', 'session cluster'],
] as const;

/** Where the platform deployment runs, in words: `deployment target t`, `session cluster s`. */
export function describePlacement(p: Placement): string {
  const parts = PLACEMENT_FIELDS.filter(([k]) => p[k] !== undefined).map(([k, words]) => `${words} ${p[k] ?? ''}`);
  return `platform namespace ${p.platformNamespace}${parts.length ? `, ${parts.join(', ')}` : ''}`;
}

/**
 * The 409 message when the object's spec does not say where the adopted deployment runs, else undefined: the
 * platform namespace, target (by the name, or the id, the spec gives) and session cluster must be the deployment's. Pure.
 */
export function placementDisagreement(requested: Placement, asIs: Placement, name: string): string | undefined {
  const target = requested.deploymentTargetName !== undefined ? requested.deploymentTargetName === asIs.deploymentTargetName
    : requested.deploymentTargetId !== undefined ? requested.deploymentTargetId === asIs.deploymentTargetId
      : asIs.deploymentTargetName === undefined && asIs.deploymentTargetId === undefined;
  const differs = requested.platformNamespace !== asIs.platformNamespace || !target || requested.sessionClusterName !== asIs.sessionClusterName;
  if (!differs) return undefined;
  return `platform deployment ${asIs.platformNamespace}/${name} runs in ${describePlacement(asIs)}; `
    + `adopting it needs spec.deployment to say so (it says ${describePlacement(requested)})`;
}

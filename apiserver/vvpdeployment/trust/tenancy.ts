// Who may deploy where: platform namespaces, deployment targets and session clusters are granted through Kubernetes
// RBAC, checked for the requesting user in the object's Kubernetes namespace. The model is CertificateSigningRequest
// approval (verb `approve` on `signers`, by name and by the `<domain>/*` wildcard name):
//
//   verb `use` on `platformnamespaces`  name `<platform namespace>`
//   verb `use` on `deploymenttargets`   name `<platform namespace>/<target>`, or `<platform namespace>/*` for all
//   verb `use` on `sessionclusters`     name `<platform namespace>/<cluster>`, or `<platform namespace>/*` for all
//
// in the served API group. Names are paths from the platform down; when several platform instances are served
// (issue #15) a leading `<instance>/` segment names the instance, and the short forms keep naming the first one.
// A RoleBinding grants them for one Kubernetes namespace, a ClusterRoleBinding everywhere. Checked on create and on
// each update that changes what they name (an object that was allowed stays manageable after a binding is removed).
//
// Savepoint and checkpoint locations (spec.initialSavepointSpec, state.savepoints.dir / state.checkpoints.dir in the
// Flink configuration) lying under another served platform namespace's directories (compared in one canonical
// spelling, with an allow-list of the writer's own directories: state-locations.ts) need `use` on that platform
// namespace too: restoring or overwriting another team's state is using that namespace. Pod-template options
// (images, volumes, env from Secrets) run in the deployment target's Kubernetes namespace: a `deploymenttargets`
// grant is as strong as `create pods` there, and is documented as such; the target namespace's Pod Security level
// bounds it. This module decides and asks; the I/O (SubjectAccessReview, deployment defaults) is injected.

import { type ResourceAttributes, type UserAccess, statusErrors } from '../../k8s/index.js';
import { deepClone, deepMerge } from '../decide/json.js';
import { canonicalLocation, namespacesOwning } from './state-locations.js';
import { GROUP, KIND, type DeploymentDefinition, type VvpDeployment } from '../types.js';

export const TENANCY_RESOURCES = {
  platformNamespaces: 'platformnamespaces',
  deploymentTargets: 'deploymenttargets',
  sessionClusters: 'sessionclusters',
} as const;

/** The Flink configuration keys naming state directories a job writes to and restores from. */
export const STATE_DIRECTORY_KEYS = ['state.savepoints.dir', 'state.checkpoints.dir'] as const;

/** One grant the user needs: any one of `names` on `resource` suffices (exact name first, then the wildcard). */
export interface Grant {
  resource: string;
  names: string[];
  /** What the grant is for, in the 403. */
  why: string;
}

/** What of an object decides where it deploys; `creating` because PATCH-mode initFields count only then. */
export interface Placement {
  platformNamespace: string;
  deploymentTargetName?: string;
  deploymentTargetId?: string;
  sessionClusterName?: string;
  /** Savepoint/checkpoint locations: the initial savepoint, and the state directories of the Flink configuration. */
  locations: { field: string; location: string }[];
}

/** What a create gives the platform deployment: initFields under spec.deployment in PATCH mode. */
function definitionAtCreation(obj: VvpDeployment): DeploymentDefinition {
  const spec = obj.spec;
  if (spec.syncingMode !== 'PUT' && spec.initFields) return deepMerge(deepClone(spec.initFields), spec.deployment);
  return spec.deployment ?? {};
}

/** Where an object places its platform deployment after creation: spec.deployment alone (initFields are sent once). */
export function placementOf(obj: VvpDeployment): Placement {
  return placementOfDefinition(obj, obj.spec.deployment ?? {});
}

/** Where a create places it: spec.deployment with initFields merged under it (PATCH mode). */
export function placementAtCreation(obj: VvpDeployment): Placement {
  return placementOfDefinition(obj, definitionAtCreation(obj));
}

function placementOfDefinition(obj: VvpDeployment, def: DeploymentDefinition): Placement {
  const spec = def.spec ?? {};
  const placement: Placement = { platformNamespace: def.metadata?.namespace ?? obj.spec.deployment?.metadata?.namespace ?? '', locations: [] };
  if (spec.deploymentTargetName) placement.deploymentTargetName = spec.deploymentTargetName;
  if (spec.deploymentTargetId) placement.deploymentTargetId = spec.deploymentTargetId;
  if (spec.sessionClusterName) placement.sessionClusterName = spec.sessionClusterName;
  const initial = obj.spec.initialSavepointSpec?.savepointLocation;
  if (initial) placement.locations.push({ field: 'spec.initialSavepointSpec.savepointLocation', location: initial });
  const config = spec.template?.spec?.flinkConfiguration ?? {};
  for (const key of STATE_DIRECTORY_KEYS) {
    const value = config[key];
    if (value) placement.locations.push({ field: `spec.deployment.spec.template.spec.flinkConfiguration[${key}]`, location: value });
  }
  return placement;
}

/** Where a platform deployment runs as it is (its own spec, not what an object asks for): for adoption and updates. */
export function placementOfPlatform(d: { metadata: { namespace: string }; spec?: DeploymentDefinition['spec'] }): Placement {
  const spec = d.spec ?? {};
  const placement: Placement = { platformNamespace: d.metadata.namespace, locations: [] };
  if (spec.deploymentTargetName) placement.deploymentTargetName = spec.deploymentTargetName;
  if (spec.deploymentTargetId) placement.deploymentTargetId = spec.deploymentTargetId;
  if (spec.sessionClusterName) placement.sessionClusterName = spec.sessionClusterName;
  const config = spec.template?.spec?.flinkConfiguration ?? {};
  for (const key of STATE_DIRECTORY_KEYS) {
    const value = config[key];
    if (value) placement.locations.push({ field: `the platform deployment's flinkConfiguration[${key}]`, location: value });
  }
  return placement;
}

function changed(now: Placement, was: Placement | undefined, key: 'deploymentTargetName' | 'deploymentTargetId' | 'sessionClusterName'): boolean {
  return now[key] !== undefined && now[key] !== was?.[key];
}

/** The grants a write needs, given the state directories of the served platform namespaces. Pure. */
export function requiredGrants(now: Placement, was: Placement | undefined, directories: ReadonlyMap<string, readonly string[]>): Grant[] {
  const pns = now.platformNamespace;
  const grants: Grant[] = [];
  if (!was || was.platformNamespace !== pns) {
    grants.push({ resource: TENANCY_RESOURCES.platformNamespaces, names: [pns], why: `deploying into platform namespace ${pns}` });
  }
  if (changed(now, was, 'deploymentTargetName')) {
    grants.push({ resource: TENANCY_RESOURCES.deploymentTargets, names: [`${pns}/${now.deploymentTargetName}`, `${pns}/*`], why: `running on deployment target ${now.deploymentTargetName} of platform namespace ${pns}` });
  }
  if (changed(now, was, 'deploymentTargetId')) {
    // An id does not say which target it is: only a grant of every target of the namespace covers it.
    grants.push({ resource: TENANCY_RESOURCES.deploymentTargets, names: [`${pns}/*`], why: `running on a deployment target given by id (every target of platform namespace ${pns})` });
  }
  if (changed(now, was, 'sessionClusterName')) {
    grants.push({ resource: TENANCY_RESOURCES.sessionClusters, names: [`${pns}/${now.sessionClusterName}`, `${pns}/*`], why: `running in session cluster ${now.sessionClusterName} of platform namespace ${pns}` });
  }
  for (const { field, location } of now.locations.filter(isNewLocation(was))) {
    const owners = namespacesOwning(location, pns, directories);
    for (const other of Array.isArray(owners) ? owners : []) {
      grants.push({ resource: TENANCY_RESOURCES.platformNamespaces, names: [other], why: `${field} ${location} lies in the state of platform namespace ${other}` });
    }
  }
  return grants;
}

function isNewLocation(was: Placement | undefined) {
  const before = new Set(was?.locations.map((l) => `${l.field}=${l.location}`) ?? []);
  return (l: Placement['locations'][number]) => !before.has(`${l.field}=${l.location}`);
}

/** 422 causes for new locations that cannot be placed (state-locations.ts: `.`/`..` segments, escaped `/`, …). Pure. */
export function ambiguousLocations(now: Placement, was: Placement | undefined): { type: string; field: string; message: string }[] {
  return now.locations.filter(isNewLocation(was)).flatMap((l) => {
    const c = canonicalLocation(l.location);
    return 'refused' in c ? [{ type: 'FieldValueInvalid', field: l.field, message: `Invalid value: ${JSON.stringify(l.location)}: ${c.refused}` }] : [];
  });
}

function ruleHint(group: string, grant: Grant, namespace: string): string {
  const names = grant.names.map((n) => JSON.stringify(n)).join(' or ');
  return `${grant.why} needs a Role bound to the user in namespace ${namespace} (or a ClusterRole bound cluster-wide) with the rule `
    + `{apiGroups: [${JSON.stringify(group)}], resources: [${JSON.stringify(grant.resource)}], verbs: ["use"], resourceNames: [${names}]}`;
}

export interface TenancyOptions {
  group?: string;
  /** The old behaviour: every user may use every served platform namespace, target and session cluster. */
  grantEveryone?: boolean;
  /** With several platform instances: names start with `<instanceId>/`; the short forms too for the first one. */
  instance?: { instanceId: string; shortFormsToo: boolean };
  /** The state directories of each served platform namespace (from its deployment defaults). */
  stateDirectories(signal: AbortSignal): Promise<ReadonlyMap<string, readonly string[]>>;
}

/**
 * A grant's names with the instance segment: `<instance>/<name>` for each, and the short name beside it where short
 * forms stay valid. The order stays exact names first, the wildcard last (the one a 403 asks for). Pure.
 */
export function namingInstance(grant: Grant, instance: TenancyOptions['instance']): Grant {
  if (!instance) return grant;
  const names = grant.names.flatMap((n) => (instance.shortFormsToo ? [n, `${instance.instanceId}/${n}`] : [`${instance.instanceId}/${n}`]));
  return { ...grant, names, why: `${grant.why} of platform instance ${instance.instanceId}` };
}

/**
 * Checks a create (`old` undefined) or an update of `obj` (defaults applied) for the requesting user: the grants
 * above, each a SubjectAccessReview through the user's access (cached like the request's own).
 */
export async function authorizePlacement(access: UserAccess | undefined, obj: VvpDeployment, old: VvpDeployment | undefined, options: TenancyOptions, signal: AbortSignal): Promise<void> {
  await authorizePlacementChange(access, obj, old ? placementOf(obj) : placementAtCreation(obj), old ? placementOf(old) : undefined, options, signal);
}

/**
 * As authorizePlacement, for placements given: `now` what the write asks for (or a platform deployment as it is, for
 * adoption), `was` what it had (undefined: everything is new).
 */
export async function authorizePlacementChange(access: UserAccess | undefined, obj: VvpDeployment, now: Placement, was: Placement | undefined, options: TenancyOptions, signal: AbortSignal): Promise<void> {
  const group = options.group ?? GROUP;
  const causes = ambiguousLocations(now, was);
  if (causes.length) throw statusErrors.invalid(group, KIND, obj.metadata.name ?? '', causes);
  if (options.grantEveryone) return;
  if (!access) throw statusErrors.internal('no authorizer provided, unable to authorize platform grants');
  const needsDirectories = now.locations.some(isNewLocation(was));
  const directories = needsDirectories ? await options.stateDirectories(signal) : new Map<string, string[]>();
  const namespace = obj.metadata.namespace ?? '';
  for (const grant of requiredGrants(now, was, directories).map((g) => namingInstance(g, options.instance))) {
    const attributes = (name: string): ResourceAttributes => ({ verb: 'use', group, resource: grant.resource, namespace, name });
    let allowed = false;
    for (const name of grant.names.slice(0, -1)) {
      if (await access.allowed(attributes(name))) {
        allowed = true;
        break;
      }
    }
    if (!allowed) await access.require(attributes(grant.names[grant.names.length - 1] ?? ''), ruleHint(group, grant, namespace));
  }
}

/** The state directories of platform namespaces, from their deployment defaults, each kept `ttlMs`. */
export class StateDirectories {
  private cached?: { at: number; value: Map<string, string[]> };

  constructor(
    private readonly platformNamespaces: readonly string[],
    private readonly defaults: (pns: string, signal: AbortSignal) => Promise<{ spec?: { template?: { spec?: { flinkConfiguration?: Record<string, string> } } } }>,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async get(signal: AbortSignal): Promise<ReadonlyMap<string, readonly string[]>> {
    if (this.cached && this.now() - this.cached.at < this.ttlMs) return this.cached.value;
    const value = new Map<string, string[]>();
    for (const pns of this.platformNamespaces) {
      const config = (await this.defaults(pns, signal)).spec?.template?.spec?.flinkConfiguration ?? {};
      value.set(pns, STATE_DIRECTORY_KEYS.map((k) => config[k]).filter((d): d is string => typeof d === 'string' && d !== ''));
    }
    this.cached = { at: this.now(), value };
    return value;
  }
}

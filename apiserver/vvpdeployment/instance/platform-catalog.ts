// What the platform offers deployments to run on — its deployment targets and session clusters — for the
// cluster-scoped VvpDeploymentTarget and VvpSessionCluster (platform-resources/), reached through the router. They
// are read with the server's own token: who may see which is the tenancy grant `use` on `deploymenttargets` /
// `sessionclusters` for `<platform namespace>/<name>` or `<platform namespace>/*` (tenancy.ts), and catalogGrant
// says which names a grant of this instance may carry; the caller asks the user's access for them. A target is
// created or deleted, a session cluster started or stopped, only after the caller checked the grant on
// `<platform namespace>/*` (platform admins).

import { type ResourceRef, statusErrors } from '../../k8s/index.js';
import { type DeploymentTarget, type DeploymentTargetWrite, type SessionCluster, VvpError } from '../../vvp/index.js';
import { platformFailure } from '../errors.js';
import type { VvpDeploymentStorageOptions } from '../options.js';
import { namingInstance, TENANCY_RESOURCES } from '../trust/tenancy.js';

export type CatalogKind = 'deploymentTargets' | 'sessionClusters';

export interface CatalogItems {
  deploymentTargets: DeploymentTarget;
  sessionClusters: SessionCluster;
}

/** The names a tenancy grant may carry for one item (or, with name `*`, for every item) of a platform namespace. */
export interface CatalogGrant {
  /** The tenancy resource: `deploymenttargets` or `sessionclusters`. */
  resource: string;
  /** Exact names first, the platform namespace's wildcard last (the one a 403 asks for). */
  names: string[];
  /** --platform-grants=everyone: no grant needed. */
  everyone: boolean;
}

/** The tenancy grant names for `name` (or `*`) of a platform namespace of this instance. Pure. */
export function catalogGrant(kind: CatalogKind, platformNamespace: string, name: string, options: Pick<VvpDeploymentStorageOptions, 'grantEveryone' | 'grantNames'>): CatalogGrant {
  const resource = kind === 'deploymentTargets' ? TENANCY_RESOURCES.deploymentTargets : TENANCY_RESOURCES.sessionClusters;
  const names = name === '*' ? [`${platformNamespace}/*`] : [`${platformNamespace}/${name}`, `${platformNamespace}/*`];
  const named = namingInstance({ resource, names, why: '' }, options.grantNames).names;
  return { resource, names: named, everyone: options.grantEveryone ?? false };
}

export class PlatformCatalog {
  constructor(private readonly options: VvpDeploymentStorageOptions) {}

  grant(kind: CatalogKind, platformNamespace: string, name: string): CatalogGrant {
    return catalogGrant(kind, platformNamespace, name, this.options);
  }

  async list<K extends CatalogKind>(platformNamespace: string, kind: K, ref: ResourceRef, signal: AbortSignal): Promise<CatalogItems[K][]> {
    const client = this.options.client;
    return this.call(ref, async () => (kind === 'deploymentTargets'
      ? (await client.listDeploymentTargets(platformNamespace, { signal })).items
      : (await client.listSessionClusters(platformNamespace, { signal })).items) as CatalogItems[K][]);
  }

  get<K extends CatalogKind>(platformNamespace: string, kind: K, name: string, ref: ResourceRef, signal: AbortSignal): Promise<CatalogItems[K]> {
    const client = this.options.client;
    return this.call(ref, () => (kind === 'deploymentTargets'
      ? client.getDeploymentTarget(platformNamespace, name, { signal })
      : client.getSessionCluster(platformNamespace, name, { signal })) as Promise<CatalogItems[K]>);
  }

  createDeploymentTarget(platformNamespace: string, target: DeploymentTargetWrite, ref: ResourceRef, signal: AbortSignal): Promise<DeploymentTarget> {
    return this.call(ref, () => this.options.client.createDeploymentTarget(platformNamespace, target, { signal }));
  }

  /** The session cluster with its new desired state (the platform then moves it: STARTING, STOPPING …). */
  setSessionClusterState(platformNamespace: string, name: string, state: 'RUNNING' | 'STOPPED', ref: ResourceRef, signal: AbortSignal): Promise<SessionCluster> {
    return this.call(ref, () => this.options.client.patchSessionCluster(platformNamespace, name, { spec: { state } }, { signal }));
  }

  /** The target as it was deleted; undefined when the platform's answer has no body (204). */
  deleteDeploymentTarget(platformNamespace: string, name: string, ref: ResourceRef, signal: AbortSignal): Promise<DeploymentTarget | undefined> {
    return this.call(ref, () => this.options.client.deleteDeploymentTarget(platformNamespace, name, { signal }));
  }

  /** A platform failure as a Status: a 409 names what the platform said (a target in use), a 400 is the platform's refusal. */
  private async call<T>(ref: ResourceRef, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof VvpError && err.kind === 'http' && err.status === 409) throw statusErrors.conflict(ref, `Ververica Platform refused: ${err.message}`);
      if (err instanceof VvpError && err.kind === 'http' && err.status === 400) throw statusErrors.badRequest(`Ververica Platform refused the request: ${err.message}`);
      throw platformFailure(err, { ref, platform: this.options.platformName });
    }
  }
}

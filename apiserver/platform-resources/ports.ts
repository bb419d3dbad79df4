// What the platform resources need of the VvpDeployment side, declared here by the side that uses it (as
// k8s.io/apiserver's registry/rest interfaces are, and metrics-server's storages declare the getters they are given):
// the child kinds (VvpSavepoint, VvpJob) read their owners and children and trigger savepoints; the catalog kinds
// (VvpDeploymentTarget, VvpSessionCluster) read each scope's catalog. A scope is `<platform namespace>` while one
// platform instance is served, `<instance>/<platform namespace>` with several. main.ts passes the VvpDeployment
// storage, which implements both; nothing else of it is reachable from here.

import type { RequestContext } from '../k8s/index.js';
import type { Savepoint } from '../vvp/index.js';
import type { ChildKind, ManagedOwner, OwnedChildren, PlatformCatalog } from '../vvpdeployment/index.js';

/** The owners of the child kinds, their children, the savepoint trigger and the poll timing of each scope. */
export interface OwnerPort {
  /**
   * The managed deployments of a scope as owners and its children of one kind, from a read younger than `maxAgeMs`
   * when there is one; of one Kubernetes namespace only when `kubeNamespace` is given (selected on the platform).
   */
  ownedChildren<K extends ChildKind>(scope: string, kind: K, maxAgeMs: number, signal: AbortSignal, kubeNamespace?: string): Promise<OwnedChildren<K>>;
  /** Called after every full read of a scope; answers the unsubscribe. */
  onNamespaceRead(listener: (scope: string) => void): () => void;
  /** A savepoint of the VvpDeployment `namespace/name` (or the registration of `location`), with that deployment's grants. */
  triggerSavepoint(ctx: RequestContext, namespace: string, name: string, location?: string): Promise<{ owner: ManagedOwner; savepoint?: Savepoint }>;
  /** The poll interval and least gap of a scope (the same bytes budget as the VvpDeployment watch's). */
  pollIntervalMs(scope: string): number;
  pollGapMs(scope: string): number;
}

/** The scopes served and each scope's catalog of deployment targets and session clusters. */
export interface CatalogPort {
  childScopes(): string[];
  catalogOf(scope: string): { catalog: PlatformCatalog; platformNamespace: string };
}

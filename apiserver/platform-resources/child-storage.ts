// A read-only storage for one kind of a VvpDeployment's children (its savepoints, its jobs), in the shape of
// metrics-server's pod.go: get, list and (with a watch hub) watch, answered live from the platform. Every object
// belongs to a deployment this server manages, appears in that VvpDeployment's Kubernetes namespace, carries the
// ververica.platform/deployment label and an ownerReference to it; children of other deployments are not served.
//
// Platform calls: a get or list reads the owners and the children of each served platform namespace (two calls,
// never reused: the next GET shows the platform's change); of one Kubernetes namespace, only that namespace's owners
// (selected by label) and their children (by deployment id, or one listing of the kind when they are many). A watch polls through this kind's own WatchHub, whose
// loop runs only while someone watches this kind. Every full read of a platform namespace by the VvpDeployment
// listing (its watch poll, a list) makes this hub poll at once from that read, at no cost; the hub's own timed polls
// reuse a read younger than 1.5 intervals (so with a VvpDeployment watch running they cost nothing, and lag no
// more than it), else read for themselves. The interval is the VvpDeployment watch's, lengthened by the same bytes
// budget (poll-budget.ts), so a large namespace is not listed more often for its children. Nobody watching this
// kind: no calls at all.

import { createHash } from 'node:crypto';
import {
  type Getter, highestResourceVersion, type KubeObject, type Lister, type ListOptions, type ListResult, listPage,
  type RequestContext, selection, type ResourceInfo, type SnapshotEntry, statusErrors, type Storage, type TableColumn, type TableConvertor,
  WatchHub, type WatchOptions, type WatchStream,
} from '../k8s/index.js';
import {
  type ChildKind, childObjectName, DEPLOYMENT_LABEL, type ManagedOwner, nameLabelValue,
  type OwnedChildren,
} from '../vvpdeployment/index.js';
import { CHILD_GROUP, type ChildOptions } from './options.js';

/** A child of the platform: what every kind's items share. */
export interface PlatformChild {
  metadata: { id: string; deploymentId?: string };
}

/** How one kind is read and shown: its resource, which children it reads, and how one becomes an object. */
export interface ChildKindDefinition<K extends ChildKind> {
  info: ResourceInfo;
  reads: K;
  tableColumns: TableColumn[];
  tableCells(object: KubeObject): unknown[];
  resourceVersion(item: OwnedChildren<K>['items'][number]): string;
  toObject(item: OwnedChildren<K>['items'][number], owner: ManagedOwner, apiVersion: string): KubeObject;
}

interface ChildEntry extends SnapshotEntry {
  namespace: string;
  name: string;
  object(): KubeObject;
}

const NEVER: AbortSignal = new AbortController().signal;

export class ChildStorage<K extends ChildKind> implements Storage, Getter, Lister, TableConvertor {
  readonly info: ResourceInfo;
  readonly tableColumns: TableColumn[];
  /** Present only with a watch hub, so that discovery lists the watch verb only when it is served. */
  readonly watch?: (ctx: RequestContext, options: WatchOptions) => Promise<WatchStream>;
  protected readonly hub: WatchHub | undefined;
  private readonly unsubscribe?: () => void;
  private readonly apiVersion: string;

  constructor(protected readonly options: ChildOptions, private readonly kind: ChildKindDefinition<K>) {
    if (options.platformNamespaces.length === 0) throw new Error('at least one platform namespace must be served');
    const group = options.group ?? CHILD_GROUP;
    this.info = { ...kind.info, group };
    this.apiVersion = `${group}/${kind.info.version}`;
    this.tableColumns = kind.tableColumns;
    const watch = options.watch;
    if (watch) {
      const owners = options.owners;
      const hub = new WatchHub({
        snapshot: (pns) => this.entries(pns, 1.5 * owners.pollIntervalMs(pns), NEVER),
        pollIntervalMs: watch.pollIntervalMs,
        intervalMs: (pns) => owners.pollIntervalMs(pns),
        minGapMs: (pns) => owners.pollGapMs(pns),
        onPollError: watch.onPollError,
      });
      this.hub = hub;
      this.unsubscribe = options.owners.onNamespaceRead((pns) => hub.notify(pns));
      this.watch = (_ctx, watchOptions) => this.watchWith(hub, watchOptions);
    }
  }

  tableCells(object: KubeObject): unknown[] {
    return this.kind.tableCells(object);
  }

  /** Stops the watch hub's polls and ends its watches (shutdown). */
  close(): void {
    this.unsubscribe?.();
    this.hub?.close();
  }

  /** Lets watchers see a change made through this server at once instead of at the next poll. */
  protected changed(platformNamespace: string): void {
    this.hub?.notify(platformNamespace);
  }

  private get scopes(): string[] {
    return [...this.options.platformNamespaces];
  }

  /**
   * The children of one platform namespace that belong to a managed deployment (of one Kubernetes namespace when
   * given), each built only when asked.
   */
  private async entries(pns: string, maxAgeMs: number, signal: AbortSignal, kubeNamespace?: string): Promise<ChildEntry[]> {
    const { owners, items } = await this.options.owners.ownedChildren(pns, this.kind.reads, maxAgeMs, signal, kubeNamespace);
    return (items as OwnedChildren<K>['items'][number][]).flatMap((item) => {
      const owner = owners.get((item as PlatformChild).metadata.deploymentId ?? '');
      if (!owner) return [];
      let built: KubeObject | undefined;
      const object = () => (built ??= this.kind.toObject(item, owner, this.apiVersion));
      // The hub rebuilds a child when anything of it changed, its resourceVersion moved or not (its state, say).
      const version = createHash('sha1').update(JSON.stringify([item, owner.namespace, owner.name, owner.uid])).digest('base64url');
      return [{ id: (item as PlatformChild).metadata.id, namespace: owner.namespace, name: object().metadata.name ?? '', resourceVersion: this.kind.resourceVersion(item), version, object }];
    });
  }

  /**
   * The children of every scope, of one Kubernetes namespace when given: that namespace's owners are selected on the
   * platform, so a viewer of an empty namespace reads no other tenant's children.
   */
  private async all(signal: AbortSignal, namespace?: string): Promise<ChildEntry[]> {
    return (await Promise.all(this.scopes.map((pns) => this.entries(pns, 0, signal, namespace)))).flat();
  }

  private listVersion(versions: readonly string[]): string {
    return this.hub ? this.hub.listResourceVersion(this.scopes, versions) : highestResourceVersion(versions);
  }

  async get(ctx: RequestContext, namespace: string | undefined, name: string): Promise<KubeObject> {
    const found = (await this.all(ctx.signal, namespace)).find((e) => e.namespace === namespace && e.name === name);
    if (!found) throw statusErrors.notFound({ group: this.info.group, resource: this.info.resource, name });
    return found.object();
  }

  async list(ctx: RequestContext, options: ListOptions): Promise<ListResult> {
    // The list's resourceVersion, which a watch of the kind resumes from, needs the hub to hold a snapshot of each
    // scope first (WatchHub.snapshotted, once; else the watch's first poll sets the floor above it: 410 Gone).
    const hub = this.hub;
    if (hub) await Promise.all(this.scopes.map((pns) => hub.snapshotted(pns)));
    const entries = await this.all(ctx.signal, options.namespace);
    const resourceVersion = this.listVersion(entries.map((e) => e.resourceVersion));
    return listPage(entries.filter((e) => options.namespace === undefined || e.namespace === options.namespace).map((e) => e.object()), options, resourceVersion);
  }

  private watchWith(hub: WatchHub, options: WatchOptions): Promise<WatchStream> {
    return hub.watch({
      scopes: this.scopes,
      resourceVersion: options.resourceVersion,
      sendInitialEvents: options.sendInitialEvents,
      allowWatchBookmarks: options.allowWatchBookmarks,
      filter: selection(options),
    });
  }
}

/** The metadata every child carries: its owner's namespace, the deployment label, the ownerReference. */
export function childMetadata(owner: ManagedOwner, id: string, resourceVersion: string, createdAt: string | undefined, apiVersion: string): KubeObject['metadata'] {
  const metadata: KubeObject['metadata'] = {
    name: childObjectName(owner.name, id),
    namespace: owner.namespace,
    uid: id,
    resourceVersion,
    labels: { [DEPLOYMENT_LABEL]: nameLabelValue(owner.name) },
    // The owner is of the same group and version as the child (apiVersion).
    ownerReferences: [{ apiVersion, kind: 'VvpDeployment', name: owner.name, uid: owner.uid, controller: true }],
  };
  if (createdAt) metadata.creationTimestamp = createdAt;
  return metadata;
}

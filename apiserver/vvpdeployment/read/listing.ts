// Listing: every VvpDeployment of the served platform namespaces, for list (list-reads.ts), watch (the poll-fed hub), the
// background passes (the deployments with work pending, from a recent listing when there is one) and the
// namespace occupancy that answers for an empty namespace while the platform is unavailable (occupancy.ts).

import {
  budgetedIntervalMs, EventQueue, INITIAL_EVENTS_END_ANNOTATION, type ListedObjects,
  type RequestContext, selection, type SnapshotEntry, type WatchHub, type WatchOptions, type WatchStream,
} from '../../k8s/index.js';
import type { Deployment } from '../../vvp/index.js';
import { decodeKubeParts } from '../trust/annotations.js';
import { NEVER, type StorageCore } from '../flows/core.js';
import { ListReads } from './list-reads.js';
import { NamespaceOccupancy } from './occupancy.js';
import { hasPendingWork } from '../decide/pending-work.js';
import type { PlatformView } from './platform-view.js';
import type { ManagedEntry } from './reader.js';
import { listResourceVersion } from '../decide/resource-version.js';
import type { VvpDeployment } from '../types.js';
import { HotReads } from './hot-reads.js';
import { PendingListings } from './pending-listing.js';

/** One VvpDeployment of a platform namespace, the object built only when asked. */
export interface ObjectEntry extends SnapshotEntry {
  namespace: string;
  name: string;
  object(): VvpDeployment | undefined;
}

export class Listing {
  readonly occupancy: NamespaceOccupancy;
  readonly hub: WatchHub | undefined;
  /** When each platform namespace was last listed in full, and the deployments with work pending then. */
  private readonly pending: PendingListings;
  /** The deployments a watch reads one by one between full listings. */
  private readonly hot: HotReads;
  private readonly lists: ListReads;

  constructor(private readonly core: StorageCore) {
    this.occupancy = new NamespaceOccupancy(core.options.platformNamespaces);
    this.hot = new HotReads(core);
    // The reuse of a listing is reckoned without taking the bytes counted for the next poll (pollIntervalMs does).
    const watch = core.options.watch;
    this.pending = new PendingListings(core, this.occupancy, (pns) => budgetedIntervalMs(watch?.pollIntervalMs ?? 2_000, core.listedBytes.get(pns), watch?.pollBytesBudget ?? 0));
    // The one hub is the storage's (storage.ts), shared by every instance: an instance never polls on its own.
    const { sharedWatch } = core.options;
    this.scopeOf = sharedWatch?.scopeOf ?? ((pns) => pns);
    this.hub = sharedWatch?.hub;
    this.lists = new ListReads({
      platformNamespaces: core.options.platformNamespaces,
      hub: this.hub,
      scopeOf: this.scopeOf,
      entries: (pns, signal, kubeNamespace, keep, listed) => this.entries(pns, signal, kubeNamespace, keep, listed),
      listVersion: (versions) => this.listVersion(versions),
      countListBytes: (pns, bytes) => this.listBytes.set(pns, (this.listBytes.get(pns) ?? 0) + bytes),
    });
  }


  /** The watch hub's snapshot: only the deployments it does not keep at their version (all their inputs) are built. */
  snapshot(platformNamespace: string, known?: (id: string, resourceVersion: string) => boolean): Promise<ObjectEntry[]> {
    return this.entries(platformNamespace, NEVER, undefined, known && ((e) => !known(e.id, e.version)));
  }

  /** The least time between two polls of a platform namespace, those a write asks for too: within the bytes budget. */
  pollGapMs(platformNamespace: string): number {
    return budgetedIntervalMs(0, this.core.listedBytes.get(platformNamespace), this.core.options.watch?.pollBytesBudget ?? 0);
  }

  /** The poll interval of a platform namespace: the configured one, longer where its listing would exceed the budget. */
  pollIntervalMs(platformNamespace: string): number {
    const watch = this.core.options.watch;
    // The bytes lists and hot reads read since the last poll count too: they make the poll wait longer.
    const listBytes = (this.listBytes.get(platformNamespace) ?? 0) + this.hot.takeSpent(platformNamespace);
    this.listBytes.delete(platformNamespace);
    const listed = this.core.listedBytes.get(platformNamespace);
    const ms = budgetedIntervalMs(watch?.pollIntervalMs ?? 2_000, listed === undefined ? undefined : listed + listBytes, watch?.pollBytesBudget ?? 0);
    watch?.onPollInterval?.(platformNamespace, ms, this.core.listedBytes.get(platformNamespace) ?? 0);
    this.hot.fullPollInterval(platformNamespace, ms);
    return ms;
  }

  /** The interval of a platform namespace's hot reads (hot-reads.ts); 0 while the full listing comes as often. */
  refreshIntervalMs(platformNamespace: string): number {
    return this.hot.refreshIntervalMs(platformNamespace);
  }

  /** One round of hot reads for the watch hub's refresh: the deployments read, those still there as entries. */
  async refresh(platformNamespace: string): Promise<{ ids: string[]; entries: ObjectEntry[] } | undefined> {
    const read = await this.hot.read(platformNamespace);
    return read && { ids: read.ids, entries: read.entries.map((e) => this.objectEntry(e)) };
  }

  /** The watch hub's scope of a platform namespace (the namespace itself unless the hub is shared by instances). */
  readonly scopeOf: (platformNamespace: string) => string;

  /** The hub scopes of this storage's platform namespaces. */
  get scopes(): string[] {
    return this.core.options.platformNamespaces.map(this.scopeOf);
  }

  /** A write through this server landed (on deployment `id`): a watch starting now must show it (WatchHub.wrote). */
  wrote(platformNamespace: string, id?: string): void {
    if (id !== undefined) this.hot.wrote(platformNamespace, id);
    this.hub?.wrote(this.scopeOf(platformNamespace));
  }

  /** Lets watchers see a write through this server at once instead of at the next poll. */
  changed(platformNamespace: string): void {
    this.hub?.notify(this.scopeOf(platformNamespace));
  }

  /**
   * A watch of this storage's scopes, or of the scopes given (every platform instance's, storage.ts); a
   * namespace that `answersEmpty` while the platform is unavailable gets an empty initial watch.
   */
  async watch(hub: WatchHub, watchOptions: WatchOptions, scopes = this.scopes,
    answersEmpty = (err: unknown, ns: string | undefined) => this.occupancy.answersEmpty(err, ns)): Promise<WatchStream> {
    const filter = selection(watchOptions);
    try {
      return await hub.watch({
        scopes,
        resourceVersion: watchOptions.resourceVersion,
        sendInitialEvents: watchOptions.sendInitialEvents,
        allowWatchBookmarks: watchOptions.allowWatchBookmarks,
        filter,
      });
    } catch (err) {
      const rv = watchOptions.resourceVersion ?? '';
      const initial = watchOptions.sendInitialEvents ?? (rv === '' || rv === '0');
      if (initial && answersEmpty(err, watchOptions.namespace)) return emptyInitialWatch(hub.listResourceVersion(scopes, []), watchOptions);
      throw err;
    }
  }

  /**
   * Every VvpDeployment living in one platform namespace (optionally of one Kubernetes namespace), each built only
   * when asked: a watch poll compares resourceVersions and builds the changed objects alone.
   */
  async entries(platformNamespace: string, signal: AbortSignal, kubeNamespace?: string, keep?: (entry: ManagedEntry) => boolean, listed?: (bytes: number) => void): Promise<ObjectEntry[]> {
    const full = kubeNamespace === undefined;
    const occupied = full ? this.occupancy.listing(platformNamespace) : undefined;
    const startedAt = performance.now();
    const namespaces = new Set<string>();
    const pending: Deployment[] = [];
    const transitioning: string[] = [];
    const entries = await this.core.reader.namespaceViews(platformNamespace, kubeNamespace, signal, {
      ...(keep ? { keep } : {}),
      ...(listed ? { listed } : {}),
      deployment: (d, namespace) => {
        namespaces.add(namespace);
        if (hasPendingWork(d)) pending.push(d);
      },
      viewed: (view) => { if (full && this.hot.inTransition(view)) transitioning.push(view.deployment.metadata.id); },
    });
    occupied?.([...namespaces]);
    if (full) {
      this.pending.note(platformNamespace, startedAt, pending);
      this.hot.listed(platformNamespace, transitioning, startedAt);
    }
    return entries.map((e) => this.objectEntry(e));
  }

  private objectEntry({ id, resourceVersion, version, namespace, name, view }: ManagedEntry): ObjectEntry {
    return { id, namespace, name, resourceVersion, version, object: () => (view ? this.objectOf(view) : undefined) };
  }

  /** The object of a managed deployment; undefined (and a warning) when its Kubernetes record is damaged. */
  private objectOf(view: PlatformView): VvpDeployment | undefined {
    const d = view.deployment;
    try {
      const parts = decodeKubeParts(d.metadata.annotations);
      return parts ? this.core.toObject(view, parts) : undefined;
    } catch (err) {
      this.core.warn('skipping a platform deployment with a damaged Kubernetes record', { deployment: `${d.metadata.namespace}/${d.metadata.name}`, error: (err as Error).message });
      return undefined;
    }
  }

  /**
   * Lists from the platform (list-reads.ts); while the platform is unavailable, a Kubernetes namespace that held no
   * VvpDeployment when last listed (occupancy.ts) is answered an empty list, so that deleting that namespace can go on.
   * Every object of `namespace` (undefined: of all), unfiltered and unpaged, and the list's resourceVersion.
   */
  async listAll(ctx: RequestContext, namespace: string | undefined): Promise<ListedObjects> {
    try {
      return await this.lists.list(ctx, namespace);
    } catch (err) {
      if (!this.occupancy.answersEmpty(err, namespace)) throw err;
      return { items: [], resourceVersion: this.listVersion([]) };
    }
  }

  private listVersion(versions: readonly string[]): string {
    return this.hub ? this.hub.listResourceVersion(this.scopes, versions) : listResourceVersion(versions);
  }

  /** Per platform namespace: the bytes lists read since the last poll was scheduled (they count in its budget). */
  private readonly listBytes = new Map<string, number>();

  /** Listings for the background passes and the occupancy (pending-listing.ts). */
  refreshOccupancy(signal: AbortSignal, maxAgeMs: number): Promise<void> {
    return this.pending.refreshOccupancy(signal, maxAgeMs);
  }

  pendingDeployments(pns: string, signal: AbortSignal): Promise<Deployment[]> {
    return this.pending.pendingDeployments(pns, signal);
  }
}

/** A watch of a namespace known to be empty while the platform is unavailable: no objects, then it ends. */
function emptyInitialWatch(resourceVersion: string, options: WatchOptions): WatchStream {
  const stream = new EventQueue();
  if (options.sendInitialEvents && options.allowWatchBookmarks) {
    stream.push({ type: 'BOOKMARK', object: { apiVersion: '', kind: '', metadata: { resourceVersion, annotations: { [INITIAL_EVENTS_END_ANNOTATION]: 'true' } } } });
  }
  stream.stop();
  return stream;
}

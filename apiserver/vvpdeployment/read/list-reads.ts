// A LIST of VvpDeployments reads the platform, never an older snapshot, so that it shows every write through any
// replica answered before it (kubectl wait GETs, then LISTs with fieldSelector metadata.name and fails on a miss).
// What it reads is only what it answers: a namespaced list selects its Kubernetes namespace's deployments by label on
// the platform, so a viewer of an empty namespace costs one small listing, not every tenant's deployments (security
// review 2, finding 6). Concurrent lists of the same scope share one read, and their bytes count in the watch poll's
// budget. A list's resourceVersion is one a watch resumes from, selected or not: the hub is made to hold a snapshot of
// the scope first (WatchHub.snapshotted, once per scope and process; without it, the watch's first poll would set the
// scope's floor above the list and answer 410 Gone), and it is the greater of its items' and what the hub has seen.

import { type KubeObject, type ListedObjects, type RequestContext, type WatchHub } from '../../k8s/index.js';
import { NEVER } from '../flows/core.js';
import type { ObjectEntry } from './listing.js';
import type { ManagedEntry } from './reader.js';

/** What a list needs of the listing: the scopes, the hub, one platform namespace's entries and the bytes budget. */
export interface ListSource {
  readonly platformNamespaces: readonly string[];
  readonly hub: WatchHub | undefined;
  scopeOf(platformNamespace: string): string;
  entries(platformNamespace: string, signal: AbortSignal, kubeNamespace: string | undefined, keep: (entry: ManagedEntry) => boolean, listed: (bytes: number) => void): Promise<ObjectEntry[]>;
  /** The list resourceVersion of these entries' versions (WatchHub.listResourceVersion). */
  listVersion(versions: readonly string[]): string;
  /** Bytes a list read from a platform namespace (they count in its poll's budget). */
  countListBytes(platformNamespace: string, bytes: number): void;
}

/** A list's read of one platform namespace, which concurrent lists share. */
interface ScopeRead {
  pns: string;
  entries: ObjectEntry[];
  /** The hub's kept JSON of the entries it keeps at their version, by `<pns>/<id>`. */
  reused: Map<string, KubeObject>;
}

export class ListReads {
  /**
   * Per platform namespace and Kubernetes namespace ('' for all): the list read in flight, and the next one, which
   * every list arriving meanwhile joins. The next read is sent only once the one in flight is answered, so every list
   * that joins it arrived before it was sent: it shows every write answered before the list came.
   */
  private readonly reads = new Map<string, { inFlight?: Promise<ScopeRead>; next?: Promise<ScopeRead> }>();

  constructor(private readonly source: ListSource) {}

  /** Every object of `namespace` (undefined: of all), unfiltered and unpaged, and the list's resourceVersion. */
  async list(ctx: RequestContext, namespace: string | undefined): Promise<ListedObjects> {
    const scopes = await raceSignal(Promise.all(this.source.platformNamespaces.map((pns) => this.sharedRead(pns, namespace))), ctx.signal);
    const entries = scopes.flatMap(({ pns, entries }) => entries.map((entry) => ({ pns, entry })));
    const reused = new Map(scopes.flatMap(({ reused }) => [...reused]));
    const items = entries.filter(({ entry }) => namespace === undefined || entry.namespace === namespace)
      .flatMap(({ pns, entry }) => reused.get(`${pns}/${entry.id}`) ?? entry.object() ?? []);
    return { items, resourceVersion: this.source.listVersion(entries.map(({ entry }) => entry.resourceVersion)) };
  }

  private sharedRead(pns: string, namespace: string | undefined): Promise<ScopeRead> {
    const key = `${pns}\u0000${namespace ?? ''}`;
    let slot = this.reads.get(key);
    if (!slot) this.reads.set(key, (slot = {}));
    if (slot.next) return slot.next;
    const reads = slot;
    const previous = reads.inFlight;
    const self: { read?: Promise<ScopeRead> } = {};
    const next = (async () => {
      if (previous) await previous.catch(() => undefined);
      else await new Promise((resolve) => setImmediate(resolve));
      reads.next = undefined;
      reads.inFlight = self.read;
      try {
        return await this.readScope(pns, namespace);
      } finally {
        if (reads.inFlight === self.read) reads.inFlight = undefined;
        if (!reads.inFlight && !reads.next && this.reads.get(key) === reads) this.reads.delete(key);
      }
    })();
    self.read = next;
    reads.next = next;
    return next;
  }

  /**
   * One platform namespace's objects for a list (of one Kubernetes namespace when given, selected on the platform).
   * Only the objects the hub does not keep at their resourceVersion are built: an object the hub keeps at the same
   * version is the same object, and its JSON text is taken at once, since the hub's next poll may replace it before
   * this list is answered (taken later, an object that moved on in between would be left out).
   */
  private async readScope(pns: string, namespace: string | undefined): Promise<ScopeRead> {
    const { hub } = this.source;
    const scope = this.source.scopeOf(pns);
    await hub?.snapshotted(scope);
    const reused = new Map<string, KubeObject>();
    const wanted = (e: ManagedEntry) => {
      if (namespace !== undefined && e.namespace !== namespace) return false;
      const kept = hub?.serialized(scope, e.id, e.version);
      if (!kept) return true;
      reused.set(`${pns}/${e.id}`, kept);
      return false;
    };
    // Shared by every list that joins it: no one caller's leaving abandons it (it ends within the platform timeout).
    const entries = await this.source.entries(pns, NEVER, namespace, wanted, (bytes) => this.source.countListBytes(pns, bytes));
    return { pns, entries, reused };
  }
}

/** `promise`, or the caller's abort: a shared read goes on for the others. */
function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal === NEVER) return promise;
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason ?? new Error('aborted'));
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

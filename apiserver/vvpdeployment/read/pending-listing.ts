// The listings the background passes work from: the deployments with work pending (a deletion, a savepoint trigger,
// a restore) per platform namespace, taken from the last full listing (a watch poll's) while it is recent, else from a
// listing of their own, which also refreshes the namespace occupancy (occupancy.ts). Apart from listing.ts, which
// notes each full listing here.

import type { Deployment } from '../../vvp/index.js';
import { ANNOTATION, LABEL, isManagedBy, managedSelector } from '../trust/annotations.js';
import type { StorageCore } from '../flows/core.js';
import { hasPendingWork } from '../decide/pending-work.js';
import { LISTING_BOUNDS } from '../decide/size-limit.js';
import type { NamespaceOccupancy } from './occupancy.js';

export class PendingListings {
  /** Per platform namespace: when it was last listed in full, and the deployments with work pending then. */
  private readonly last = new Map<string, { at: number; pending: Deployment[] }>();

  /** `intervalMs`: the watch poll's interval of a platform namespace (a listing is reused for two). */
  constructor(private readonly core: StorageCore, private readonly occupancy: NamespaceOccupancy, private readonly intervalMs: (pns: string) => number) {}

  /**
   * One listing of the managed deployments per platform namespace, run periodically on every replica; skipped for a
   * namespace listed in full (e.g. by a watch poll) within the last `maxAgeMs`.
   */
  async refreshOccupancy(signal: AbortSignal, maxAgeMs: number): Promise<void> {
    for (const pns of this.core.options.platformNamespaces) {
      const last = this.last.get(pns);
      if (last && performance.now() - last.at <= maxAgeMs) continue;
      await this.pendingManaged(pns, signal);
    }
  }

  /**
   * The deployments this instance manages in a platform namespace with work pending (the others are not kept); the
   * listing refreshes the occupancy too.
   */
  private async pendingManaged(pns: string, signal: AbortSignal): Promise<Deployment[]> {
    const { client, instanceId } = this.core.options;
    const listed = this.occupancy.listing(pns);
    const startedAt = performance.now();
    const namespaces = new Set<string>();
    const pending: Deployment[] = [];
    const { bytes } = await this.core.platform(undefined, () => client.streamDeployments(pns, { labelSelector: managedSelector(instanceId) }, {
      item: (d) => {
        if (!isManagedBy(d.metadata.labels, instanceId) || !this.core.trusts(d)) return;
        namespaces.add(d.metadata.annotations?.[ANNOTATION.namespace] ?? d.metadata.labels?.[LABEL.namespace] ?? '');
        if (hasPendingWork(d)) pending.push(d);
      },
    }, LISTING_BOUNDS, { signal }));
    this.core.listedBytes.set(pns, bytes);
    listed([...namespaces]);
    this.note(pns, startedAt, pending);
    return pending;
  }

  /** A full listing of `pns` that started at `at` found these deployments (those with work pending are kept). */
  note(pns: string, at: number, deployments: readonly Deployment[]): void {
    const previous = this.last.get(pns);
    if (!previous || previous.at <= at) this.last.set(pns, { at, pending: deployments.filter(hasPendingWork) });
  }

  /**
   * The deployments of a platform namespace with a deletion or a savepoint trigger to finish: from a full listing
   * younger than listingReuseMs (a watch poll lists every interval anyway), else from a listing of their own.
   */
  async pendingDeployments(pns: string, signal: AbortSignal): Promise<Deployment[]> {
    const last = this.last.get(pns);
    // Within the bytes budget too: a listing (the poll's or this pass's own) is reused for two budgeted intervals.
    const configured = this.core.options.listingReuseMs ?? 0;
    const reuseMs = configured > 0 && this.core.options.watch ? Math.max(configured, 2 * this.intervalMs(pns)) : configured;
    if (last && performance.now() - last.at <= reuseMs) return last.pending;
    return this.pendingManaged(pns, signal);
  }
}

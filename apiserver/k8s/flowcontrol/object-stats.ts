// The object count and average size of each resource, for the work estimate (width.ts), as kube's storage.Stats that
// kube-apiserver refreshes from etcd. This server stores nothing, so it learns them from the lists it answers: a list
// of all namespaces without selectors, from its first page, gives the count (its items and remainingItemCount); any
// other unselected list gives a lower bound, which raises the count it knows; every list's items give the average
// size (of a few, serialized as sent). In a cluster the garbage collector's and the namespace controller's informers
// list every resource across namespaces, so the count is the whole one soon after start and after each of their
// relists; between them it follows the namespaced lists upward only.

import type { ObjectStatsValue } from './width.js';

/** What one list answered, as the read handler saw it. */
export interface ListedObjects {
  /** kube's GroupResource.String(): `<resource>.<group>`. */
  groupResource: string;
  allNamespaces: boolean;
  selected: boolean;
  /** The list carried no continue token. */
  firstPage: boolean;
  items: number;
  /** remainingItemCount, when the answer carried it. */
  remaining?: number;
  /** Whether the answer continues (a continue token). */
  continues: boolean;
  /** Bytes and count of the items sampled for the average size. */
  sampleBytes: number;
  sampleCount: number;
}

/** kube's GroupResource.String(), the key of a resource's stats. */
export function groupResource(info: { apiGroup?: string; resource?: string }): string {
  return info.apiGroup ? `${info.resource ?? ''}.${info.apiGroup}` : info.resource ?? '';
}

export class ObjectStats {
  private readonly stats = new Map<string, ObjectStatsValue>();

  get(groupResource: string): ObjectStatsValue | undefined {
    return this.stats.get(groupResource);
  }

  record(listed: ListedObjects): void {
    const known = this.stats.get(listed.groupResource);
    const averageBytes = listed.sampleCount > 0 ? Math.round(listed.sampleBytes / listed.sampleCount) : known?.averageBytes ?? 0;
    if (listed.selected || !listed.firstPage) {
      if (known && listed.sampleCount > 0) this.stats.set(listed.groupResource, { ...known, averageBytes });
      return;
    }
    const total = listed.items + (listed.remaining ?? 0);
    const whole = listed.allNamespaces && (!listed.continues || listed.remaining !== undefined);
    const objectCount = whole ? total : Math.max(total, known?.objectCount ?? 0);
    this.stats.set(listed.groupResource, { objectCount, averageBytes });
  }
}

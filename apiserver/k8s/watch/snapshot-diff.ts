// One poll's diff, as a pure function: the objects the hub kept and the scope's new snapshot in, the objects to keep and
// the ADDED/MODIFIED/DELETED events out. An entry whose version is unchanged keeps its kept JSON (the object is not
// built); a changed or new one is built once; an object missing from the snapshot is DELETED with a resourceVersion
// newer than any seen (a deletion has none of its own). The first snapshot of a scope yields no events. The hub
// (watch-hub.ts) does the I/O, the history and the fan-out to watchers. A refresh of a few objects by id (diffRefresh)
// is diffed the same way against those objects alone: the others are left as kept.

import { keep, resourceVersionOf, revive, withResourceVersion, type HubEvent, type Kept } from './watch-hub-events.js';
import type { SnapshotEntry } from './watch-hub-options.js';

export interface DiffHooks {
  /** Called with every resourceVersion the snapshot holds (and each deletion's), to track the greatest seen. */
  see(rv: bigint): void;
  /** The resourceVersion for a deletion, after every entry of the snapshot has been seen. */
  deletionResourceVersion(): bigint;
}

export interface SnapshotDiff {
  next: Map<string, Kept>;
  /** In resourceVersion order, deletions last; empty for a first snapshot. */
  changes: HubEvent[];
}

export function diffSnapshot(before: Map<string, Kept> | undefined, entries: readonly SnapshotEntry[], hooks: DiffHooks): SnapshotDiff {
  const next = new Map<string, Kept>();
  const changes: HubEvent[] = [];
  for (const entry of entries) {
    const kept = before?.get(entry.id);
    const rv = resourceVersionOf(entry.resourceVersion);
    if (kept && kept.version === (entry.version ?? entry.resourceVersion)) {
      next.set(entry.id, kept);
    } else {
      const object = entry.object();
      if (!object) continue;
      next.set(entry.id, keep(object, entry.version));
      if (before) changes.push(kept ? { type: 'MODIFIED', object, previous: kept, rv } : { type: 'ADDED', object, rv });
    }
    hooks.see(rv);
  }
  if (!before) return { next, changes };
  changes.sort((a, b) => (a.rv < b.rv ? -1 : a.rv > b.rv ? 1 : 0));
  for (const [id, kept] of before) {
    if (next.has(id)) continue;
    const rv = hooks.deletionResourceVersion();
    hooks.see(rv);
    changes.push({ type: 'DELETED', object: withResourceVersion(revive(kept), rv), rv });
  }
  return { next, changes };
}

export interface RefreshDiff {
  /** The objects to keep anew (changed or new), and the ids no longer there. */
  set: [string, Kept][];
  removed: string[];
  changes: HubEvent[];
}

/**
 * A refresh of the objects `ids` (WatchHubOptions.refresh): `entries` are those of them the backend shows now; an id
 * asked for and not among them is gone (DELETED where kept). Objects not asked for are not looked at.
 */
export function diffRefresh(before: ReadonlyMap<string, Kept>, ids: readonly string[], entries: readonly SnapshotEntry[], hooks: DiffHooks): RefreshDiff {
  const set: [string, Kept][] = [];
  const changes: HubEvent[] = [];
  const found = new Set<string>();
  for (const entry of entries) {
    found.add(entry.id);
    const kept = before.get(entry.id);
    const rv = resourceVersionOf(entry.resourceVersion);
    hooks.see(rv);
    if (kept && kept.version === (entry.version ?? entry.resourceVersion)) continue;
    const object = entry.object();
    if (!object) continue;
    set.push([entry.id, keep(object, entry.version)]);
    changes.push(kept ? { type: 'MODIFIED', object, previous: kept, rv } : { type: 'ADDED', object, rv });
  }
  changes.sort((a, b) => (a.rv < b.rv ? -1 : a.rv > b.rv ? 1 : 0));
  const removed: string[] = [];
  for (const id of new Set(ids)) {
    const kept = before.get(id);
    if (found.has(id) || !kept) continue;
    const rv = hooks.deletionResourceVersion();
    hooks.see(rv);
    removed.push(id);
    changes.push({ type: 'DELETED', object: withResourceVersion(revive(kept), rv), rv });
  }
  return { set, removed, changes };
}

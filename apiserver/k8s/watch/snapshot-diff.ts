// One poll's diff, as a pure function: the objects the hub kept and the scope's new snapshot in, the objects to keep and
// the ADDED/MODIFIED/DELETED events out. An entry whose version is unchanged keeps its kept JSON (the object is not
// built); a changed or new one is built once; an object missing from the snapshot is DELETED with a resourceVersion
// newer than any seen (a deletion has none of its own). The first snapshot of a scope yields no events. The hub
// (watch-hub.ts) does the I/O, the history and the fan-out to watchers.

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

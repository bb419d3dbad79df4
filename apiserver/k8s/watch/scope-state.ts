// What the watch hub keeps per scope between polls: the objects (as kept JSON), the bounded history that lets a watch
// resume, the watchers, and the poll loop's timers and times (which poll's snapshot the objects are, when a write last
// landed) that decide whether a watch from the current state may be served from what is kept.

import type { EventQueue } from './event-queue.js';
import { deletedBeforeOnce, historyEventBytes, project, type HubEvent, type Kept } from './watch-hub-events.js';
import type { KubeObject } from '../types.js';

export interface Watcher {
  queue: EventQueue;
  filter: (object: KubeObject) => boolean;
}

export class ScopeState {
  objects?: Map<string, Kept>;
  history: HubEvent[] = [];
  /** JSON bytes of the events in history (historyEventBytes). */
  historyBytes = 0;
  /** Every change after floor is in history. */
  floor = 0n;
  highWater = 0n;
  readonly watchers = new Set<Watcher>();
  timer?: NodeJS.Timeout;
  /** A poll notify() asked for, waiting for minGapMs to pass. */
  notified?: NodeJS.Timeout;
  lastStart = -Infinity;
  inflight?: Promise<void>;
  /** When the poll whose snapshot `objects` holds started. */
  objectsSince = -Infinity;
  /** When a write through this server last landed (wrote() or notify()). */
  lastWrite = -Infinity;
  /** Whether the loop has been running since the last snapshot (the state is current). */
  live = false;
  /** The refresh of a few objects (WatchHubOptions.refresh) waiting for its interval, and the one in flight. */
  refreshTimer?: NodeJS.Timeout;
  refreshing?: Promise<void>;

  /**
   * Changes seen (by a poll or a refresh), in resourceVersion order: into the history, bounded by count and bytes
   * (the oldest go first and the floor moves past them, as etcd compacts), and to every watcher through its filter.
   */
  record(changes: readonly HubEvent[], limits: { count: number; bytes: number }): void {
    if (changes.length === 0) return;
    this.history.push(...changes);
    for (const change of changes) this.historyBytes += historyEventBytes(change);
    let drop = 0;
    while (drop < this.history.length && (this.history.length - drop > limits.count || this.historyBytes > limits.bytes)) {
      const e = this.history[drop++]!;
      this.historyBytes -= historyEventBytes(e);
      if (e.rv > this.floor) this.floor = e.rv;
    }
    if (drop > 0) this.history.splice(0, drop);
    const deleted = deletedBeforeOnce();
    for (const watcher of this.watchers) {
      for (const change of changes) {
        const projected = project(change, watcher.filter, deleted);
        if (projected) watcher.queue.push(projected);
      }
    }
  }
}

// What the watch hub keeps per scope between polls: the objects (as kept JSON), the bounded history that lets a watch
// resume, the watchers, and the poll loop's timers and times (which poll's snapshot the objects are, when a write last
// landed) that decide whether a watch from the current state may be served from what is kept.

import type { EventQueue } from './event-queue.js';
import type { HubEvent, Kept } from './watch-hub-events.js';
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
}

// The contract between the watch hub and the storage that feeds it: what a snapshot entry is (an object's identity
// and version, the object built only when needed), the options a storage gives the hub (how to list a scope, how often,
// how much history), and what one watch asks for. Apart from watch-hub.ts so that a storage reads the contract without
// the poll loop.

import type { KubeObject } from '../types.js';

/** One object of a snapshot: its identity and resourceVersion, the object itself built only when needed. */
export interface SnapshotEntry {
  id: string;
  resourceVersion: string;
  /**
   * What the object is built from (default: resourceVersion): a different version is a changed object (rebuilt, and
   * MODIFIED), whether or not its resourceVersion moved.
   */
  version?: string;
  /** undefined: the backend cannot show this object after all (it is left out of the snapshot). */
  object(): KubeObject | undefined;
}

export interface WatchHubOptions {
  /**
   * Every object of the scope as the backend shows it now (objects, or entries that build them on demand). `known`
   * tells which the hub keeps at that version (SnapshotEntry.version): their entries need not be able to build the object.
   */
  snapshot(scope: string, known: (id: string, version: string) => boolean): Promise<readonly (KubeObject | SnapshotEntry)[]>;
  pollIntervalMs?: number;
  /** The interval before a scope's next poll, asked each time (default: pollIntervalMs), e.g. from a bytes budget. */
  intervalMs?(scope: string): number;
  /**
   * The least time between the starts of two polls of a scope, for the polls notify() asks for too (default 0), e.g.
   * a listing's bytes over a bytes budget: a notify sooner than that polls when the gap has passed.
   */
  minGapMs?(scope: string): number;
  /** Events remembered per scope for resuming watches. */
  historyLimit?: number;
  /**
   * JSON bytes of the events remembered per scope (default 8 MiB): a count alone lets a few large objects changing a
   * few times fill the heap (each event holds its object built, several times its JSON), so the oldest go first, as
   * etcd compacts, and a watch resuming from before them gets 410 Expired.
   */
  historyBytesLimit?: number;
  /** The resourceVersion for a deletion, given the greatest seen so far (default: that + 1). */
  nextResourceVersion?(greatestSeen: bigint): bigint;
  /** Bytes of events buffered for one watcher that does not read before it is stopped (EventQueue's default). */
  maxWatcherBytes?: number;
  /** A failed poll keeps the last state; the next interval tries again. */
  onPollError?(scope: string, error: unknown): void;
  /**
   * Between full polls: a few objects of the scope read again by id, e.g. those a write just touched or that are
   * changing on their own, so that watchers see them sooner than the next poll (the storage chooses which ids and
   * keeps the reads within its budget). Run every `intervalMs(scope)` while the scope is watched and that is shorter
   * than the poll interval; `read` answers undefined when nothing needs reading.
   */
  refresh?: {
    intervalMs(scope: string): number;
    read(scope: string, known: (id: string, version: string) => boolean): Promise<RefreshedObjects | undefined>;
  };
}

/** The objects a refresh asked for by id, and those of them the backend shows now (the others are gone). */
export interface RefreshedObjects {
  ids: readonly string[];
  entries: readonly SnapshotEntry[];
}

export interface HubWatchOptions {
  /** The scopes to watch together (one, or all of them for an all-namespaces watch). */
  scopes: string[];
  resourceVersion?: string;
  sendInitialEvents?: boolean;
  allowWatchBookmarks?: boolean;
  /** Which objects this watcher sees (selectors); objects moving out of it are sent as DELETED. */
  filter?: (object: KubeObject) => boolean;
}

// A watch fed by polling: for a backend without a change feed, snapshots of one scope (e.g. one backend namespace)
// are diffed into ADDED/MODIFIED/DELETED events. One poll loop per scope serves every watcher of that scope, and it
// runs only while the scope has watchers, so 1,000 watchers cost the backend what one does. A bounded history per
// scope lets watches resume from a resourceVersion; older ones get 410 Expired and clients re-list.
//
// resourceVersions are decimal integers, comparable across scopes and growing with time. A deletion has no
// resourceVersion of its own in a snapshot; it gets one greater than any seen (nextResourceVersion).
//
// Cost to the backend: the interval is asked per scope before each poll (intervalMs, e.g. a bytes budget over the
// last listing's size, poll-budget.ts), and minGapMs spaces the polls notify() asks for too, so that neither a large
// scope nor a burst of writes lists the backend more often than its budget allows.
//
// Memory: between polls the hub keeps each object as its JSON text plus the metadata selectors need (names, labels);
// a snapshot may hand over entries whose object is built only when its version changed: the entry's `version`, a key
// of everything the object is built from (its resourceVersion unless the backend gives one), so that an object built
// from several backend resources is rebuilt when any of them changes, not only the one carrying the resourceVersion. Watch filters
// therefore see metadata only (label, metadata.name and metadata.namespace selectors, as for custom resources).

import { EventQueue } from './event-queue.js';
import { asEntry, deletedBeforeOnce, eventSize, project, resourceVersionOf, revive } from './watch-hub-events.js';
import { serializedItem } from '../serve/serialized.js';
import type { WatchStream } from '../storage.js';
import { statusErrors } from '../status.js';
import type { KubeObject } from '../types.js';
import type { HubWatchOptions, SnapshotEntry, WatchHubOptions } from './watch-hub-options.js';
import { type DiffHooks, diffSnapshot } from './snapshot-diff.js';
import { type RefreshHost, scheduleRefresh } from './refresh-loop.js';
import { ScopeState, type Watcher } from './scope-state.js';

export { resourceVersionOf };
export type { HubWatchOptions, RefreshedObjects, SnapshotEntry, WatchHubOptions } from './watch-hub-options.js';

export const INITIAL_EVENTS_END_ANNOTATION = 'k8s.io/initial-events-end';

export class WatchHub {
  private readonly scopes = new Map<string, ScopeState>();
  private greatestSeen = 0n;
  private readonly interval: number;
  private readonly historyLimit: number;
  private readonly historyBytesLimit: number;
  private closed = false;

  constructor(private readonly options: WatchHubOptions) {
    this.interval = options.pollIntervalMs ?? 2_000;
    this.historyLimit = options.historyLimit ?? 1_000;
    this.historyBytesLimit = options.historyBytesLimit ?? 8 * 1024 * 1024;
  }

  /** Number of watchers across all scopes (for metrics and tests). */
  get watcherCount(): number {
    let n = 0;
    for (const s of this.scopes.values()) n += s.watchers.size;
    return n;
  }

  /** Whether the scope's poll loop is running. */
  isPolling(scope: string): boolean {
    return this.scopes.get(scope)?.timer !== undefined;
  }

  /**
   * Makes sure the hub holds a snapshot of the scope (polling once if it never has), so that a list of part of the
   * scope, read from the backend by a selector, may carry a resourceVersion a watch resumes from: the first snapshot
   * sets the scope's floor to the newest object of the whole scope, every later poll records its changes in history
   * above that floor, and listResourceVersion is never below it.
   */
  async snapshotted(scope: string): Promise<void> {
    if (!this.state(scope).objects) await this.poll(scope);
  }

  /** The greatest resourceVersion known for these scopes: a list's resourceVersion that a watch can resume from. */
  resourceVersion(scopes: string[]): string {
    return scopes.reduce((max, s) => (this.state(s).highWater > max ? this.state(s).highWater : max), 0n).toString();
  }

  /**
   * The resourceVersion a list of these scopes should carry so that a watch can resume from it: the greater of its
   * items' and what the hub has seen (deletions get resourceVersions no item carries).
   */
  listResourceVersion(scopes: string[], items: readonly (KubeObject | string)[]): string {
    const seen = BigInt(this.resourceVersion(scopes));
    const newest = items.reduce((max, o) => (resourceVersionOf(o) > max ? resourceVersionOf(o) : max), 0n);
    return (newest > seen ? newest : seen).toString();
  }

  /** Whether the hub keeps the object `id` of a scope at this version (SnapshotEntry.version). */
  keeps(scope: string, id: string, version: string): boolean {
    return this.scopes.get(scope)?.objects?.get(id)?.version === version;
  }

  /**
   * The object the hub keeps for `id` in a scope, if it is at this version: a list item standing for it with its
   * JSON text (serialized.ts), so that a list of unchanged objects neither builds nor serializes them again.
   */
  serialized(scope: string, id: string, version: string): KubeObject | undefined {
    const kept = this.scopes.get(scope)?.objects?.get(id);
    return kept && kept.version === version ? serializedItem(kept.skeleton, kept.json) : undefined;
  }

  /**
   * A write through this server landed in a scope: a watch that starts from the current state (resourceVersion
   * unset) is then served from a poll that started after it, even where watchers hear of it later (notify()).
   */
  wrote(scope: string): void {
    const state = this.scopes.get(scope);
    if (state) state.lastWrite = performance.now();
  }

  /** Poll now, e.g. right after a write through this server, so watchers see it without waiting for the interval. */
  notify(scope: string): void {
    const state = this.scopes.get(scope);
    const at = performance.now();
    if (state) state.lastWrite = at;
    if (!state || state.watchers.size === 0 || state.notified) return;
    const wait = (this.options.minGapMs?.(scope) ?? 0) - (at - state.lastStart);
    if (wait <= 0 || state.inflight) {
      // A poll in flight may have listed the backend before the write: one that starts after it is asked for.
      void this.pollStartedAfter(scope, at).catch(() => {});
      return;
    }
    state.notified = setTimeout(() => {
      state.notified = undefined;
      if (!this.closed && state.watchers.size > 0) void this.poll(scope).catch(() => {});
    }, wait);
  }

  async watch(options: HubWatchOptions): Promise<WatchStream> {
    const filter = options.filter ?? (() => true);
    const rv = options.resourceVersion ?? '';
    const initial = options.sendInitialEvents ?? (rv === '' || rv === '0');
    let from: bigint | undefined;
    if (!initial && rv !== '') {
      try {
        from = BigInt(rv);
      } catch {
        throw statusErrors.badRequest(`invalid resource version: ${rv}`);
      }
    }
    for (const scope of options.scopes) {
      const state = this.state(scope);
      // An idle scope's state may be old; "most recent" and consistent starts need a fresh snapshot.
      const needsFresh = !state.objects || (rv !== '0' && !state.live);
      if (needsFresh) await this.poll(scope);
      // Read-your-writes: a consistent start (resourceVersion unset) after a write through this server must show it,
      // as kube-apiserver's does (kubectl wait's watch-list right after an apply), so the kept state must come from
      // a poll that started after the last write (also where the poll just awaited was one already in flight).
      if (initial && rv !== '0' && state.lastWrite >= state.objectsSince) await this.pollStartedAfter(scope, state.lastWrite);
      if (from !== undefined && from < state.floor) {
        throw statusErrors.gone(`too old resource version: ${from} (${state.floor})`);
      }
    }

    const states = options.scopes.map((s) => this.state(s));
    const watcher: Watcher = {
      filter,
      queue: new EventQueue(
        () => this.release(options.scopes, watcher),
        () => this.resourceVersion(options.scopes),
        { maxBytes: this.options.maxWatcherBytes, sizeOf: eventSize },
      ),
    };
    if (initial) {
      for (const state of states) {
        for (const kept of state.objects?.values() ?? []) {
          if (filter(kept.skeleton)) watcher.queue.pushInitial(() => ({ type: 'ADDED', object: revive(kept) }), kept.json.length);
        }
      }
      if (options.sendInitialEvents && options.allowWatchBookmarks) {
        watcher.queue.push({ type: 'BOOKMARK', object: this.bookmark(options.scopes, true) }, true);
      }
    } else if (from !== undefined) {
      const replay = states.flatMap((s) => s.history.filter((e) => e.rv > from!)).sort((a, b) => (a.rv < b.rv ? -1 : a.rv > b.rv ? 1 : 0));
      const deleted = deletedBeforeOnce();
      for (const event of replay) {
        const projected = project(event, filter, deleted);
        if (projected) watcher.queue.push(projected, true);
      }
    }
    for (const [i, scope] of options.scopes.entries()) {
      states[i]!.watchers.add(watcher);
      this.schedule(scope);
    }
    return watcher.queue;
  }

  /** A BOOKMARK object for these scopes; kind and apiVersion are filled in by the watch handler. */
  bookmark(scopes: string[], initialEventsEnd = false): KubeObject {
    const metadata: KubeObject['metadata'] = { resourceVersion: this.resourceVersion(scopes) };
    if (initialEventsEnd) metadata.annotations = { [INITIAL_EVENTS_END_ANNOTATION]: 'true' };
    return { apiVersion: '', kind: '', metadata };
  }

  /** Stops every loop and ends every watch. */
  close(): void {
    this.closed = true;
    for (const state of this.scopes.values()) {
      clearTimeout(state.timer);
      clearTimeout(state.notified);
      clearTimeout(state.refreshTimer);
      state.timer = undefined;
      state.notified = undefined;
      state.refreshTimer = undefined;
      for (const w of [...state.watchers]) w.queue.stop();
    }
  }

  private state(scope: string): ScopeState {
    let state = this.scopes.get(scope);
    if (!state) this.scopes.set(scope, (state = new ScopeState()));
    return state;
  }

  private release(scopes: string[], watcher: Watcher): void {
    for (const scope of scopes) {
      const state = this.state(scope);
      state.watchers.delete(watcher);
      if (state.watchers.size === 0) {
        clearTimeout(state.timer);
        clearTimeout(state.notified);
        clearTimeout(state.refreshTimer);
        state.timer = undefined;
        state.notified = undefined;
        state.refreshTimer = undefined;
        state.live = false;
      }
    }
  }

  /**
   * Polls start one interval apart (not one interval after the last one ended), so a change waits at most the
   * interval plus one poll's duration; a poll slower than the interval is still followed by a quarter-interval pause
   * so that the backend is never listed back to back.
   */
  private schedule(scope: string, lastStart?: number): void {
    const state = this.state(scope);
    if (this.closed || state.timer || state.watchers.size === 0) return;
    state.live = true;
    const interval = this.options.intervalMs?.(scope) ?? this.interval;
    if (this.options.refresh) scheduleRefresh(this.refreshHost, scope);
    const wait = lastStart === undefined ? interval : Math.max(interval / 4, lastStart + interval - performance.now());
    state.timer = setTimeout(() => {
      state.timer = undefined;
      const start = performance.now();
      void this.poll(scope).catch(() => {}).finally(() => this.schedule(scope, start));
    }, wait);
  }

  /** A poll that started after `at`: one in flight that started earlier is waited for, then another is run. */
  private async pollStartedAfter(scope: string, at: number): Promise<void> {
    const state = this.state(scope);
    if (state.inflight && state.lastStart <= at) await state.inflight.catch(() => {});
    if (state.objectsSince > at) return;
    await this.poll(scope);
  }

  /** One snapshot and diff; concurrent callers share the one in flight. */
  private poll(scope: string): Promise<void> {
    const state = this.state(scope);
    if (state.inflight) return state.inflight;
    const start = performance.now();
    state.lastStart = start;
    state.inflight = (async () => {
      try {
        const snapshot = await this.options.snapshot(scope, (id, version) => state.objects?.get(id)?.version === version);
        this.absorb(state, snapshot);
        state.objectsSince = start;
      } catch (err) {
        this.options.onPollError?.(scope, err);
        throw err;
      } finally {
        state.inflight = undefined;
      }
    })();
    return state.inflight;
  }

  private see(state: ScopeState, rv: bigint): void {
    if (rv > this.greatestSeen) this.greatestSeen = rv;
    if (rv > state.highWater) state.highWater = rv;
  }

  private absorb(state: ScopeState, snapshot: readonly (KubeObject | SnapshotEntry)[]): void {
    const first = !state.objects;
    const { next, changes } = diffSnapshot(state.objects, snapshot.map(asEntry), this.diffHooks(state));
    state.objects = next;
    if (first) state.floor = state.highWater;
    else state.record(changes, { count: this.historyLimit, bytes: this.historyBytesLimit });
  }

  /** What the refresh loop (refresh-loop.ts) uses of the hub. */
  private readonly refreshHost: RefreshHost = {
    closed: () => this.closed,
    options: () => this.options,
    state: (scope) => this.state(scope),
    hooks: (state) => this.diffHooks(state),
    limits: () => ({ count: this.historyLimit, bytes: this.historyBytesLimit }),
  };

  private diffHooks(state: ScopeState): DiffHooks {
    return {
      see: (rv) => this.see(state, rv),
      deletionResourceVersion: () => this.options.nextResourceVersion?.(this.greatestSeen) ?? this.greatestSeen + 1n,
    };
  }
}

// Between a scope's full polls, a few objects the storage names are read again by id (WatchHubOptions.refresh), so
// that watchers see an object that is changing (just written, or moving on its own) sooner than the next full poll,
// which may be far off where a bytes budget stretches it. Which ids, and how many per interval, is the storage's
// choice; the hub only applies what was read, as it applies a poll: the same diff, history and fan-out.
//
// A refresh never overtakes a poll: none starts while a poll is in flight, and one that a poll started after is
// dropped (the poll read the backend later), so an object never goes back to an older state in a watch.

import type { DiffHooks } from './snapshot-diff.js';
import { diffRefresh } from './snapshot-diff.js';
import type { ScopeState } from './scope-state.js';
import { asEntry } from './watch-hub-events.js';
import type { WatchHubOptions } from './watch-hub-options.js';

/** What the loop uses of the hub. */
export interface RefreshHost {
  closed(): boolean;
  options(): WatchHubOptions;
  state(scope: string): ScopeState;
  hooks(state: ScopeState): DiffHooks;
  limits(): { count: number; bytes: number };
}

/** The next refresh of a watched scope, one interval from now (none while one waits or runs, or the interval is 0). */
export function scheduleRefresh(host: RefreshHost, scope: string): void {
  const state = host.state(scope);
  const refresh = host.options().refresh;
  if (!refresh || host.closed() || state.refreshTimer || state.refreshing || state.watchers.size === 0) return;
  const interval = refresh.intervalMs(scope);
  if (!(interval > 0) || !Number.isFinite(interval)) return;
  state.refreshTimer = setTimeout(() => {
    state.refreshTimer = undefined;
    state.refreshing = refreshOnce(host, scope)
      .catch((err: unknown) => host.options().onPollError?.(scope, err))
      .finally(() => {
        state.refreshing = undefined;
        scheduleRefresh(host, scope);
      });
  }, interval);
}

async function refreshOnce(host: RefreshHost, scope: string): Promise<void> {
  const state = host.state(scope);
  const refresh = host.options().refresh;
  if (!refresh || !state.objects || state.inflight || state.watchers.size === 0) return;
  const start = performance.now();
  const read = await refresh.read(scope, (id, version) => state.objects?.get(id)?.version === version);
  if (!read || !state.objects || state.inflight || state.lastStart >= start) return;
  const { set, removed, changes } = diffRefresh(state.objects, read.ids, read.entries.map(asEntry), host.hooks(state));
  for (const [id, kept] of set) state.objects.set(id, kept);
  for (const id of removed) state.objects.delete(id);
  state.record(changes, host.limits());
}

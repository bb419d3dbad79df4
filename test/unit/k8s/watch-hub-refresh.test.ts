// Issue 32: between full polls (far apart under a bytes budget) the hub reads a few objects again by id, those the
// storage names (just written, or changing on their own), so that a watch sees them change long before the next
// full poll, resumably, and never going back to an older state when a full poll and a refresh cross.

import t from 'tap';
import type { WatchEvent, WatchStream } from '../../../apiserver/k8s/storage.js';
import type { KubeObject } from '../../../apiserver/k8s/types.js';
import { WatchHub } from '../../../apiserver/k8s/watch/watch-hub.js';
import type { RefreshedObjects } from '../../../apiserver/k8s/watch/watch-hub-options.js';

/** A backend the test sets; `hot` are the ids the storage would name for a refresh. */
function backend() {
  const objects = new Map<string, KubeObject>();
  const hot = new Set<string>();
  let polls = 0;
  let refreshes = 0;
  const put = (name: string, rv: number) => objects.set(name, { apiVersion: 'g/v1', kind: 'K', metadata: { name, namespace: 'ns', uid: name, resourceVersion: String(rv) } });
  const snapshot = async () => {
    polls++;
    return [...objects.values()];
  };
  const refreshed = (): RefreshedObjects | undefined => {
    if (hot.size === 0) return undefined;
    refreshes++;
    const ids = [...hot];
    return { ids, entries: ids.flatMap((id) => { const o = objects.get(id); return o ? [{ id, resourceVersion: o.metadata.resourceVersion!, object: () => o }] : []; }) };
  };
  return { objects, hot, put, snapshot, refreshed, polls: () => polls, refreshes: () => refreshes };
}

async function take(stream: WatchStream, n: number): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  const it = stream[Symbol.asyncIterator]();
  while (events.length < n) {
    const r = await it.next();
    if (r.done) break;
    events.push(r.value);
  }
  return events;
}

const summary = (events: WatchEvent[]) => events.map((e) => `${e.type} ${(e.object as KubeObject).metadata.name ?? ''}@${(e.object as KubeObject).metadata.resourceVersion}`);

t.test('a hot object\'s change, a new object and a deletion reach a watch before the next full poll, resumably', async (t) => {
  const b = backend();
  b.put('a', 1);
  b.put('cold', 2);
  const hub = new WatchHub({ snapshot: b.snapshot, pollIntervalMs: 1e9, refresh: { intervalMs: () => 20, read: async () => b.refreshed() } });
  t.teardown(() => hub.close());
  const stream = await hub.watch({ scopes: ['ns'] });
  t.same(summary(await take(stream, 2)), ['ADDED a@1', 'ADDED cold@2']);
  const polls = b.polls();

  b.put('cold', 3); // not hot: waits for the full poll
  b.hot.add('a');
  b.put('a', 4);
  t.same(summary(await take(stream, 1)), ['MODIFIED a@4'], 'the hot object\'s change, without a full poll');
  b.hot.add('new');
  b.put('new', 5);
  t.same(summary(await take(stream, 1)), ['ADDED new@5'], 'an object written just now and not yet listed is ADDED');
  b.objects.delete('a');
  t.same(summary(await take(stream, 1)), ['DELETED a@6'], 'a hot object gone is DELETED, at a resourceVersion newer than any seen');
  t.equal(b.polls(), polls, 'no full poll meanwhile');
  t.ok(b.refreshes() >= 3);

  const resumed = await hub.watch({ scopes: ['ns'], resourceVersion: '4' });
  t.same(summary(await take(resumed, 2)), ['ADDED new@5', 'DELETED a@6'], 'a watch resuming from a refresh\'s resourceVersion replays what followed');
  b.hot.clear();
  hub.notify('ns');
  t.same(summary(await take(stream, 1)), ['MODIFIED cold@3'], 'the next full poll brings the rest, and nothing the refreshes already sent');
  resumed.stop();
  stream.stop();
});

t.test('a refresh that a full poll overtakes is dropped: the object never goes back to an older state', async (t) => {
  const b = backend();
  b.put('a', 1);
  let release: (() => void) | undefined;
  let holdOnce = true;
  let held: RefreshedObjects | undefined;
  const hub = new WatchHub({
    snapshot: b.snapshot,
    pollIntervalMs: 1e9,
    refresh: {
      intervalMs: () => 20,
      read: async () => {
        const read = b.refreshed();
        if (read && holdOnce) {
          holdOnce = false;
          held = read;
          await new Promise<void>((r) => (release = r));
        }
        return read;
      },
    },
  });
  t.teardown(() => hub.close());
  const stream = await hub.watch({ scopes: ['ns'] });
  t.same(summary(await take(stream, 1)), ['ADDED a@1']);
  b.put('a', 2);
  b.hot.add('a');
  while (!release) await new Promise((r) => setTimeout(r, 5));
  t.same(held?.entries.map((e) => e.resourceVersion), ['2'], 'the refresh read a@2 and is held');
  b.put('a', 3);
  hub.notify('ns');
  t.same(summary(await take(stream, 1)), ['MODIFIED a@3'], 'a full poll after the refresh\'s read');
  release();
  b.hot.clear();
  b.put('a', 4);
  hub.notify('ns');
  t.same(summary(await take(stream, 1)), ['MODIFIED a@4'], 'the held refresh sent nothing: no MODIFIED back to a@2 in between');
  stream.stop();
});

t.test('no refresh while the storage asks none (interval 0), nor once the last watcher left', async (t) => {
  const b = backend();
  b.put('a', 1);
  b.hot.add('a');
  let interval = 0;
  const hub = new WatchHub({ snapshot: b.snapshot, pollIntervalMs: 1e9, refresh: { intervalMs: () => interval, read: async () => b.refreshed() } });
  t.teardown(() => hub.close());
  const idle = await hub.watch({ scopes: ['ns'] });
  await take(idle, 1);
  await new Promise((r) => setTimeout(r, 100));
  t.equal(b.refreshes(), 0, 'interval 0: no refresh');
  idle.stop();
  interval = 10;
  const stream = await hub.watch({ scopes: ['ns'] });
  await take(stream, 1);
  b.put('a', 2);
  t.same(summary(await take(stream, 1)), ['MODIFIED a@2'], 'the interval is asked again when the loop starts again');
  stream.stop();
  await new Promise((r) => setTimeout(r, 50));
  const after = b.refreshes();
  await new Promise((r) => setTimeout(r, 100));
  t.equal(b.refreshes(), after, 'no watcher left: no refresh');
});

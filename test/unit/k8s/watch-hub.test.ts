import t from 'tap';
import type { WatchEvent, WatchStream } from '../../../apiserver/k8s/storage.js';
import type { KubeObject } from '../../../apiserver/k8s/types.js';
import { WatchHub } from '../../../apiserver/k8s/watch/watch-hub.js';

// A backend whose state the test sets; the hub never polls on its own here (huge interval), only on notify/watch.
function backend() {
  const state = new Map<string, Map<string, KubeObject>>();
  const calls = new Map<string, number>();
  const put = (scope: string, name: string, rv: number, labels: Record<string, string> = {}) => {
    if (!state.has(scope)) state.set(scope, new Map());
    state.get(scope)!.set(name, { apiVersion: 'g/v1', kind: 'K', metadata: { name, namespace: scope, uid: `${scope}-${name}`, resourceVersion: String(rv), labels } });
  };
  const remove = (scope: string, name: string) => state.get(scope)?.delete(name);
  const snapshot = async (scope: string) => {
    calls.set(scope, (calls.get(scope) ?? 0) + 1);
    return [...(state.get(scope)?.values() ?? [])];
  };
  return { put, remove, snapshot, calls };
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

async function settle(hub: WatchHub, scope: string) {
  hub.notify(scope);
  await new Promise((r) => setImmediate(r));
}

t.test('diffs snapshots into ADDED, MODIFIED, DELETED; a deletion gets a newer resourceVersion', async (t) => {
  const b = backend();
  b.put('ns', 'a', 10);
  const hub = new WatchHub({ snapshot: b.snapshot, pollIntervalMs: 1e9 });
  t.teardown(() => hub.close());
  const stream = await hub.watch({ scopes: ['ns'] });
  t.same(summary(await take(stream, 1)), ['ADDED a@10'], 'synthetic ADDED for the current state');
  b.put('ns', 'b', 11);
  b.put('ns', 'a', 12);
  await settle(hub, 'ns');
  t.same(summary(await take(stream, 2)), ['ADDED b@11', 'MODIFIED a@12'], 'changes in resourceVersion order');
  b.remove('ns', 'b');
  await settle(hub, 'ns');
  t.same(summary(await take(stream, 1)), ['DELETED b@13']);
  stream.stop();
});

t.test('one poll loop per scope, whatever the number of watchers; it stops when they leave', async (t) => {
  const b = backend();
  b.put('ns', 'a', 1);
  const hub = new WatchHub({ snapshot: b.snapshot, pollIntervalMs: 1e9 });
  t.teardown(() => hub.close());
  const streams = await Promise.all(Array.from({ length: 1000 }, () => hub.watch({ scopes: ['ns'] })));
  t.equal(b.calls.get('ns'), 1, '1,000 watchers started with one snapshot');
  t.ok(hub.isPolling('ns'));
  b.put('ns', 'a', 2);
  await settle(hub, 'ns');
  t.equal(b.calls.get('ns'), 2, 'one snapshot serves every watcher');
  const last = await take(streams[999]!, 2);
  t.same(summary(last), ['ADDED a@1', 'MODIFIED a@2']);
  for (const s of streams) s.stop();
  t.notOk(hub.isPolling('ns'), 'no watchers, no polling');
  t.equal(hub.watcherCount, 0);
});

t.test('a list of part of a scope carries a resourceVersion a watch resumes from once the hub has its snapshot', async (t) => {
  const b = backend();
  b.put('ns', 'mine', 10);
  b.put('ns', 'theirs', 11);
  const hub = new WatchHub({ snapshot: b.snapshot, pollIntervalMs: 1e9 });
  t.teardown(() => hub.close());
  await hub.snapshotted('ns');
  await hub.snapshotted('ns');
  t.equal(b.calls.get('ns'), 1, 'one snapshot, taken once');
  t.notOk(hub.isPolling('ns'), 'and no poll loop for it');
  // A list that read `mine` alone from the backend, then changes on both after it.
  const listed = hub.listResourceVersion(['ns'], ['10']);
  b.put('ns', 'theirs', 12);
  b.put('ns', 'mine', 13);
  const stream = await hub.watch({ scopes: ['ns'], resourceVersion: listed, filter: (o) => o.metadata.name === 'mine' });
  t.same(summary(await take(stream, 1)), ['MODIFIED mine@13'], 'resumed from the list: no 410 although the scope moved past it');
  stream.stop();
});

t.test('resume from a resourceVersion replays history; older than history is 410', async (t) => {
  const b = backend();
  b.put('ns', 'a', 1);
  const hub = new WatchHub({ snapshot: b.snapshot, pollIntervalMs: 1e9, historyLimit: 3 });
  t.teardown(() => hub.close());
  const keep = await hub.watch({ scopes: ['ns'] });
  for (let rv = 2; rv <= 6; rv++) {
    b.put('ns', 'a', rv);
    await settle(hub, 'ns');
  }
  const resumed = await hub.watch({ scopes: ['ns'], resourceVersion: '4' });
  t.same(summary(await take(resumed, 2)), ['MODIFIED a@5', 'MODIFIED a@6']);
  const expired = await hub.watch({ scopes: ['ns'], resourceVersion: '2' }).then(() => undefined, (err: { status?: unknown }) => err.status);
  t.match(expired, { code: 410, reason: 'Expired', message: 'too old resource version: 2 (3)' });
  resumed.stop();
  keep.stop();
});

t.test('history is bounded by bytes as well as by count: a few large objects changing do not fill the heap', async (t) => {
  const b = backend();
  const large = { note: 'x'.repeat(50_000) };
  b.put('ns', 'a', 1, large);
  const hub = new WatchHub({ snapshot: b.snapshot, pollIntervalMs: 1e9, historyBytesLimit: 250_000 });
  t.teardown(() => hub.close());
  const keep = await hub.watch({ scopes: ['ns'] });
  for (let rv = 2; rv <= 6; rv++) {
    b.put('ns', 'a', rv, large);
    await settle(hub, 'ns');
  }
  const resumed = await hub.watch({ scopes: ['ns'], resourceVersion: '4' });
  t.same(summary(await take(resumed, 2)), ['MODIFIED a@5', 'MODIFIED a@6'], 'the newest changes stay within the bound');
  const expired = await hub.watch({ scopes: ['ns'], resourceVersion: '2' }).then(() => undefined, (err: { status?: unknown }) => err.status);
  t.match(expired, { code: 410, reason: 'Expired' }, 'older ones went as a compaction would');
  resumed.stop();
  keep.stop();
});

t.test('a scope left idle keeps its state: resuming after the gap sees what changed meanwhile, deletions included', async (t) => {
  const b = backend();
  b.put('ns', 'a', 1);
  b.put('ns', 'b', 2);
  const hub = new WatchHub({ snapshot: b.snapshot, pollIntervalMs: 1e9 });
  t.teardown(() => hub.close());
  const first = await hub.watch({ scopes: ['ns'] });
  await take(first, 2);
  first.stop();
  b.remove('ns', 'b');
  b.put('ns', 'a', 5);
  const resumed = await hub.watch({ scopes: ['ns'], resourceVersion: '2' });
  t.same(summary(await take(resumed, 2)), ['MODIFIED a@5', 'DELETED b@6']);
  t.equal(hub.listResourceVersion(['ns'], [{ apiVersion: 'g/v1', kind: 'K', metadata: { resourceVersion: '5' } }]), '6', 'a list after the deletion carries its resourceVersion');
  resumed.stop();
});

t.test('per-watcher filters turn selector transitions into ADDED/DELETED', async (t) => {
  const b = backend();
  b.put('ns', 'a', 1, { team: 'x' });
  const hub = new WatchHub({ snapshot: b.snapshot, pollIntervalMs: 1e9 });
  t.teardown(() => hub.close());
  const stream = await hub.watch({ scopes: ['ns'], filter: (o) => o.metadata.labels?.team === 'x' });
  await take(stream, 1);
  b.put('ns', 'a', 2, { team: 'y' });
  await settle(hub, 'ns');
  b.put('ns', 'a', 3, { team: 'x' });
  await settle(hub, 'ns');
  t.same(summary(await take(stream, 2)), ['DELETED a@2', 'ADDED a@3']);
  stream.stop();
});

t.test('sendInitialEvents ends the initial state with the initial-events-end bookmark; scopes merge', async (t) => {
  const b = backend();
  b.put('one', 'a', 1);
  b.put('two', 'b', 2);
  const hub = new WatchHub({ snapshot: b.snapshot, pollIntervalMs: 1e9 });
  t.teardown(() => hub.close());
  const stream = await hub.watch({ scopes: ['one', 'two'], sendInitialEvents: true, allowWatchBookmarks: true });
  const events = await take(stream, 3);
  t.same(summary(events), ['ADDED a@1', 'ADDED b@2', 'BOOKMARK @2']);
  t.same((events[2]!.object as KubeObject).metadata.annotations, { 'k8s.io/initial-events-end': 'true' });
  t.equal(hub.resourceVersion(['one', 'two']), '2');
  t.equal(stream.currentResourceVersion?.(), '2');
  stream.stop();
});

t.test('a failing backend keeps the last state; the error is reported', async (t) => {
  let fail = false;
  const errors: unknown[] = [];
  const hub = new WatchHub({
    snapshot: async () => {
      if (fail) throw new Error('backend down');
      return [];
    },
    pollIntervalMs: 1e9,
    onPollError: (_scope, err) => errors.push(err),
  });
  t.teardown(() => hub.close());
  const stream = await hub.watch({ scopes: ['ns'] });
  fail = true;
  await settle(hub, 'ns');
  t.equal(errors.length, 1);
  t.equal(hub.watcherCount, 1, 'the watch stays open');
  stream.stop();
});

t.test('entries: only new and changed objects are built; an entry that cannot be built is left out', async (t) => {
  const built: string[] = [];
  let rvB = '2';
  let bBuildable = true;
  const object = (name: string, rv: string, labels: Record<string, string> = {}): KubeObject =>
    ({ apiVersion: 'g/v1', kind: 'K', metadata: { name, namespace: 'ns', uid: name, resourceVersion: rv, labels }, spec: { big: name.repeat(100) } });
  const entry = (name: string, rv: string, buildable = true) => ({
    id: name, resourceVersion: rv,
    object: () => {
      built.push(`${name}@${rv}`);
      return buildable ? object(name, rv, { app: name }) : undefined;
    },
  });
  const hub = new WatchHub({ snapshot: async () => [entry('a', '1'), entry('b', rvB, bBuildable)], pollIntervalMs: 1e9 });
  t.teardown(() => hub.close());
  const stream = await hub.watch({ scopes: ['ns'], filter: (o) => o.metadata.labels?.app !== undefined });
  t.same(summary(await take(stream, 2)), ['ADDED a@1', 'ADDED b@2'], 'initial events from the kept objects');
  t.same(built, ['a@1', 'b@2'], 'the first poll builds each object once');
  built.length = 0;
  rvB = '3';
  await settle(hub, 'ns');
  t.same(summary(await take(stream, 1)), ['MODIFIED b@3']);
  t.same(built, ['b@3'], 'an unchanged resourceVersion is not built again');
  const [added] = await take(await hub.watch({ scopes: ['ns'], filter: (o) => o.metadata.labels?.app === 'a' }), 1);
  t.same((added?.object as KubeObject & { spec: { big: string } }).spec.big, 'a'.repeat(100), 'a new watcher gets the whole object back from its kept JSON');
  built.length = 0;
  rvB = '4';
  bBuildable = false;
  await settle(hub, 'ns');
  t.same(summary(await take(stream, 1)), ['DELETED b@4'], 'an entry that cannot be built any more is a deletion');
  stream.stop();
});

t.test('a bytes budget spaces the polls: the interval is asked before each one, and a notify within the gap waits for it', async (t) => {
  const b = backend();
  b.put('ns', 'a', 1);
  const asked: string[] = [];
  const hub = new WatchHub({ snapshot: b.snapshot, pollIntervalMs: 1e9, intervalMs: (scope) => (asked.push(scope), 1e9), minGapMs: () => 300 });
  t.teardown(() => hub.close());
  const w = await hub.watch({ scopes: ['ns'] });
  t.same(asked, ['ns'], 'the interval of the scope is asked when its loop is scheduled');
  const polled = b.calls.get('ns');
  b.put('ns', 'a', 2);
  await settle(hub, 'ns');
  t.equal(b.calls.get('ns'), polled, 'a notify within the gap does not list the backend');
  hub.notify('ns'); // already waiting: no second poll
  const events = await take(w, 2);
  t.same(summary(events), ['ADDED a@1', 'MODIFIED a@2'], 'once the gap has passed the asked-for poll runs');
  t.equal(b.calls.get('ns'), polled! + 1, 'one poll for both notifies');
  w.stop();
});

t.test('read-your-writes: a watch from the current state after a write shows it, while other watchers keep the scope live', async (t) => {
  const b = backend();
  b.put('ns', 'a', 1);
  const hub = new WatchHub({ snapshot: b.snapshot, pollIntervalMs: 1e9 });
  t.teardown(() => hub.close());
  const first = await hub.watch({ scopes: ['ns'] });
  t.same(summary(await take(first, 1)), ['ADDED a@1']);
  // A write through the server (its wake-up of the poll may come later: only wrote() is called).
  b.put('ns', 'created', 2);
  hub.wrote('ns');
  const second = await hub.watch({ scopes: ['ns'], sendInitialEvents: true, allowWatchBookmarks: true });
  const names = (await take(second, 3)).map((e) => `${e.type} ${(e.object as KubeObject).metadata.name ?? ''}`);
  t.same(names, ['ADDED a', 'ADDED created', 'BOOKMARK '], 'the created object is among the initial events (kubectl wait right after an apply)');
  const third = await hub.watch({ scopes: ['ns'], resourceVersion: '0' });
  t.equal(b.calls.get('ns'), 2, 'resourceVersion "0" (any state) and no write since: served from the kept state');
  for (const s of [first, second, third]) s.stop();
});

t.test('a notify while a poll is in flight gets a poll that started after it: the write reaches live watchers', async (t) => {
  const b = backend();
  b.put('ns', 'a', 1);
  let release: (() => void) | undefined;
  let holding = false;
  const hub = new WatchHub({
    snapshot: async (scope) => {
      const listed = await b.snapshot(scope);
      if (holding) await new Promise<void>((r) => (release = r));
      return listed;
    },
    pollIntervalMs: 1e9,
  });
  t.teardown(() => hub.close());
  const w = await hub.watch({ scopes: ['ns'] });
  t.same(summary(await take(w, 1)), ['ADDED a@1']);
  holding = true;
  hub.notify('ns'); // a poll lists the backend before the write and is held
  await new Promise((r) => setImmediate(r));
  holding = false;
  b.put('ns', 'a', 2);
  hub.notify('ns'); // the write's wake-up, while that poll is in flight
  release?.();
  t.same(summary(await take(w, 1)), ['MODIFIED a@2'], 'seen without waiting for the interval');
  w.stop();
});

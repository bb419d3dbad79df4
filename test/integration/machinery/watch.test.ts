import { connect as http2Connect } from 'node:http2';
import t from 'tap';
import { EventQueue } from '../../../apiserver/k8s/watch/event-queue.js';
import { statusErrors } from '../../../apiserver/k8s/status.js';
import { WIDGETS, admin, startHarness, widget, type WatchFrame } from './harness.js';

const h = await startHarness({ historyLimit: 8, bookmarkIntervalMs: 50 });
t.teardown(() => h.close());

const named = (name: string) => (f: WatchFrame) => f.object?.metadata?.name === name;

t.test('W1/W2: a watch without resourceVersion starts with ADDED for what exists, then streams changes; every object typed', async (t) => {
  await h.request(admin, 'POST', WIDGETS, { body: widget('a1') });
  const watch = await h.watch(admin, `${WIDGETS}?watch=true`);
  t.equal(watch.status, 200);
  t.match(watch.headers['content-type'], /^application\/json/);
  t.equal(watch.headers['transfer-encoding'], 'chunked', 'HTTP/1.1: chunked, one frame per event');
  const initial = await watch.until(named('a1'));
  t.equal(initial.at(-1)!.type, 'ADDED');
  await h.request(admin, 'POST', WIDGETS, { body: widget('a2') });
  t.equal((await watch.until(named('a2'))).at(-1)!.type, 'ADDED');
  await h.request(admin, 'PATCH', `${WIDGETS}/a2`, { body: { spec: { replicas: 2 } }, contentType: 'application/merge-patch+json' });
  const modified = (await watch.until(named('a2'))).at(-1)!;
  t.equal(modified.type, 'MODIFIED');
  t.equal(modified.object.spec.replicas, 2);
  await h.request(admin, 'DELETE', `${WIDGETS}/a2`);
  const deleted = (await watch.until(named('a2'))).at(-1)!;
  t.equal(deleted.type, 'DELETED');
  t.equal(deleted.object.kind, 'Widget');
  t.equal(deleted.object.apiVersion, 'test.example.com/v1');
  t.ok(BigInt(deleted.object.metadata.resourceVersion) > BigInt(modified.object.metadata.resourceVersion), 'a deletion gets a newer resourceVersion');
  watch.close();
});

t.test('a watch with nothing to send yet answers its headers at once (clients wait for them)', async (t) => {
  const watch = await h.watch(admin, '/apis/test.example.com/v1/namespaces/empty/widgets?watch=true');
  t.equal(watch.status, 200);
  watch.close();
});

t.test('a change made by the backend itself reaches watchers through polling', async (t) => {
  const watch = await h.watch(admin, `${WIDGETS}?watch=1&fieldSelector=metadata.name%3Da1`);
  await watch.until(named('a1'));
  h.storage.backendChange('default', 'a1', (o) => (o.metadata.labels = { changed: 'outside' }));
  const frame = (await watch.until((f) => f.type === 'MODIFIED')).at(-1)!;
  t.same(frame.object.metadata.labels, { changed: 'outside' });
  h.storage.backendDelete('default', 'a1');
  t.equal((await watch.until((f) => f.type === 'DELETED')).at(-1)!.object.metadata.name, 'a1');
  watch.close();
});

t.test('W2: a watch from a list resourceVersion sees only later changes; selectors apply', async (t) => {
  const keep = await h.watch(admin, `${WIDGETS}?watch=true`); // keeps the poll loop (and history) running
  await h.request(admin, 'POST', WIDGETS, { body: widget('b1', 'default', { image: 'x' }, { labels: { team: 'x' } }) });
  await keep.until(named('b1'));
  const list = await h.request(admin, 'GET', WIDGETS);
  const rv = list.json.metadata.resourceVersion;
  await h.request(admin, 'POST', WIDGETS, { body: widget('b2', 'default', { image: 'x' }, { labels: { team: 'x' } }) });
  await h.request(admin, 'POST', WIDGETS, { body: widget('b3', 'default', { image: 'x' }, { labels: { team: 'y' } }) });
  await keep.until(named('b3'));
  const resumed = await h.watch(admin, `${WIDGETS}?watch=true&resourceVersion=${rv}&labelSelector=team%3Dx`);
  const first = await resumed.next();
  t.equal(first?.type, 'ADDED');
  t.equal(first?.object.metadata.name, 'b2', 'b1 came before the resourceVersion, b3 does not match');
  // Leaving the selector is a DELETED for this watcher.
  await h.request(admin, 'PATCH', `${WIDGETS}/b2`, { body: { metadata: { labels: { team: 'z' } } }, contentType: 'application/merge-patch+json' });
  const left = await resumed.until(named('b2'));
  t.equal(left.at(-1)!.type, 'DELETED');
  resumed.close();
  keep.close();
});

t.test('W2: a resourceVersion older than the history is an ERROR event 410 Expired in a 200 stream (as the watch cache answers); the reflector re-lists', async (t) => {
  const keep = await h.watch(admin, `${WIDGETS}?watch=true`);
  for (let i = 0; i < 12; i++) {
    await h.request(admin, 'POST', WIDGETS, { body: widget(`c${i}`) });
    await keep.until(named(`c${i}`));
  }
  const res = await h.request(admin, 'GET', `${WIDGETS}?watch=true&resourceVersion=1`);
  t.equal(res.status, 200);
  const event = JSON.parse(res.text.trim()) as { type: string; object: { reason: string; code: number; message: string } };
  t.equal(event.type, 'ERROR');
  t.equal(event.object.reason, 'Expired');
  t.equal(event.object.code, 410);
  t.match(event.object.message, /^too old resource version: 1 \(\d+\)$/);
  keep.close();
});

t.test('W3/W4: timeoutSeconds ends the stream; BOOKMARKs carry only kind, apiVersion and resourceVersion', async (t) => {
  const watch = await h.watch(admin, `${WIDGETS}?watch=true&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=0`);
  const bookmark = (await watch.until((f) => f.type === 'BOOKMARK')).at(-1)!;
  t.same(Object.keys(bookmark.object).sort(), ['apiVersion', 'kind', 'metadata']);
  t.same(Object.keys(bookmark.object.metadata), ['resourceVersion']);
  t.equal(bookmark.object.kind, 'Widget');
  let frame: WatchFrame | undefined;
  do frame = await watch.next(); while (frame);
  t.pass('the stream ended');
});

t.test('W5: sendInitialEvents streams the state then the initial-events-end bookmark; without resourceVersionMatch it is 422', async (t) => {
  const watch = await h.watch(admin, `${WIDGETS}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&labelSelector=team`);
  const frames = await watch.until((f) => f.type === 'BOOKMARK');
  t.ok(frames.slice(0, -1).every((f) => f.type === 'ADDED'));
  t.same(frames.slice(0, -1).map((f) => f.object.metadata.name).sort(), ['b1', 'b2', 'b3']);
  t.same(frames.at(-1)!.object.metadata.annotations, { 'k8s.io/initial-events-end': 'true' });
  watch.close();
  const refused = await h.request(admin, 'GET', `${WIDGETS}?watch=1&sendInitialEvents=true`);
  t.equal(refused.status, 422);
  t.equal(refused.json.message, 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
  const onList = await h.request(admin, 'GET', `${WIDGETS}?sendInitialEvents=true`);
  t.equal(onList.status, 422);
});

t.test('T2/T1: watches transform to PartialObjectMetadata and to Table (headers on the first event only)', async (t) => {
  const partial = await h.watch(admin, `${WIDGETS}?watch=true&labelSelector=team`, { accept: 'application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json' });
  const frame = (await partial.until(() => true))[0]!;
  t.equal(frame.object.kind, 'PartialObjectMetadata');
  t.equal(frame.object.apiVersion, 'meta.k8s.io/v1');
  t.notOk('spec' in frame.object);
  partial.close();
  const table = await h.watch(admin, `${WIDGETS}?watch=true&labelSelector=team`, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
  const [one, two] = [await table.next(), await table.next()];
  t.equal(one?.object.kind, 'Table');
  t.ok(one!.object.columnDefinitions.length > 0);
  t.equal(two?.object.columnDefinitions, null, 'later events carry no column definitions (null, as kube-apiserver sends them)');
  t.equal(two?.object.rows.length, 1);
  table.close();
});

t.test('the all-namespaces watch sees every namespace; open watches are counted in /metrics', async (t) => {
  const watch = await h.watch(admin, '/apis/test.example.com/v1/widgets?watch=true&resourceVersion=0');
  await h.request(admin, 'POST', '/apis/test.example.com/v1/namespaces/elsewhere/widgets', { body: widget('e1', 'elsewhere') });
  const frame = (await watch.until(named('e1'))).at(-1)!;
  t.equal(frame.object.metadata.namespace, 'elsewhere');
  const metrics = await h.request(admin, 'GET', '/metrics');
  t.match(metrics.text, /apiserver_longrunning_requests\{group="test.example.com",resource="widgets"\} [1-9]/);
  watch.close();
});

t.test('S3: hundreds of concurrent watches multiplexed over one HTTP/2 connection, all fed by one poll loop', async (t) => {
  const session = http2Connect(`https://localhost:${h.port}`, { ca: h.certs.servingCA.certPem, cert: h.certs.proxy.certPem, key: h.certs.proxy.keyPem });
  t.teardown(() => session.destroy());
  const count = 300;
  const streams = [];
  for (let i = 0; i < count; i++) {
    streams.push(new Promise<string>((resolve, reject) => {
      const stream = session.request({ ':method': 'GET', ':path': `${WIDGETS}?watch=true&fieldSelector=metadata.name%3Dmany`, 'x-remote-user': 'admin', 'x-remote-group': 'system:masters' });
      let text = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        text += chunk;
        if (text.includes('\n')) {
          stream.close();
          resolve(text);
        }
      });
      stream.on('error', reject);
    }));
  }
  // Every watch is registered before the write: each answer then is the ADDED of this one object.
  await t.resolves(async () => {
    while (h.storage.hub.watcherCount < count) await new Promise((r) => setImmediate(r));
  });
  await h.request(admin, 'POST', WIDGETS, { body: widget('many') });
  const texts = await Promise.all(streams);
  t.equal(texts.length, count);
  t.ok(texts.every((x) => JSON.parse(x.split('\n')[0]!).object.metadata.name === 'many'));
});

t.test('W1: an error in the middle of a watch is an ERROR frame carrying a typed Status, then the stream ends', async (t) => {
  const storage = h.storage;
  const original = storage.watch.bind(storage);
  storage.watch = async () => {
    const queue = new EventQueue();
    queue.push({ type: 'ADDED', object: { apiVersion: 'test.example.com/v1', kind: 'Widget', metadata: { name: 'z', resourceVersion: '1' } } });
    return {
      stop: () => queue.stop(),
      async *[Symbol.asyncIterator]() {
        for await (const event of queue) {
          yield event;
          throw statusErrors.gone('too old resource version: 1 (5)');
        }
      },
    };
  };
  const watch = await h.watch(admin, `${WIDGETS}?watch=true`);
  storage.watch = original;
  t.equal((await watch.next())?.type, 'ADDED');
  const error = await watch.next();
  t.same(error, { type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 1 (5)', reason: 'Expired', code: 410 } });
  t.equal(await watch.next(), undefined);
});

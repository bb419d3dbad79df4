import t from 'tap';
import { EventQueue } from '../../../apiserver/k8s/watch/event-queue.js';
import type { WatchEvent } from '../../../apiserver/k8s/storage.js';

const event = (name: string): WatchEvent => ({ type: 'ADDED', object: { apiVersion: 'v1', kind: 'K', metadata: { name } } });

t.test('events pushed before and after the reader waits arrive in order; stop ends after what is queued', async (t) => {
  let stopped = 0;
  const q = new EventQueue(() => stopped++);
  q.push(event('a'));
  const it = q[Symbol.asyncIterator]();
  t.same((await it.next()).value, event('a'));
  const pending = it.next();
  q.push(event('b'));
  t.same((await pending).value, event('b'));
  q.push(event('c'));
  q.stop();
  q.stop();
  t.equal(stopped, 1);
  t.same((await it.next()).value, event('c'));
  t.equal((await it.next()).done, true);
  q.push(event('d'));
  t.equal((await it.next()).done, true, 'nothing after stop');
});

t.test('a reader too far behind is stopped rather than buffered without bound', async (t) => {
  const q = new EventQueue(undefined, undefined, 3);
  for (const n of ['a', 'b', 'c', 'd']) q.push(event(n));
  t.ok(q.stopped);
  const names: string[] = [];
  for await (const e of q) names.push((e.object as { metadata: { name: string } }).metadata.name);
  t.same(names, ['a', 'b', 'c']);
});

t.test('a reader behind by more bytes than allowed is stopped too, whatever the count; reading frees the bytes', async (t) => {
  const sizeOf = (e: WatchEvent) => ((e.object as { metadata: { name: string } }).metadata.name === 'big' ? 600 : 100);
  const q = new EventQueue(undefined, undefined, { maxEvents: 1000, maxBytes: 1000, sizeOf });
  q.push(event('big'), true);
  q.push(event('big'), true);
  t.notOk(q.stopped, 'the events a watch starts with never stop it on their own');
  t.equal(q.buffered, 1200);
  const it = q[Symbol.asyncIterator]();
  await it.next();
  t.equal(q.buffered, 600, 'a read event no longer counts');
  q.push(event('small'));
  t.notOk(q.stopped);
  q.push(event('big'));
  t.ok(q.stopped, 'stopped at 1,300 of 1,000 bytes behind');
});

t.test('a watch\'s initial events are made only as the reader comes to them: a client that drops the watch early costs nothing more', async (t) => {
  const made: string[] = [];
  const recipe = (name: string) => () => {
    made.push(name);
    return event(name);
  };
  const q = new EventQueue();
  for (const n of ['a', 'b', 'c', 'd']) q.pushInitial(recipe(n), 100);
  t.equal(q.buffered, 400, 'their sizes count while they wait');
  t.same(made, [], 'nothing is made before the reader asks');
  const it = q[Symbol.asyncIterator]();
  t.same((await it.next()).value, event('a'));
  t.same(made, ['a']);
  t.equal(q.buffered, 300);
  q.stop();
  await it.return?.();
  t.same(made, ['a'], 'a stopped watch makes none of the rest');

  const waiting = new EventQueue();
  const next = waiting[Symbol.asyncIterator]().next();
  waiting.pushInitial(recipe('e'), 100);
  t.same((await next).value, event('e'), 'a reader already waiting gets it at once');
});

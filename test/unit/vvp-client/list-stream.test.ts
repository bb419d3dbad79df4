// The platform listing read one item at a time: what it builds, and what it refuses to build whatever the platform
// sends (truncated answers, deep nesting, oversized items, huge strings, __proto__ keys, structure inside strings).
import t from 'tap';
import { ListStream, type LeftOutItem } from '../../../apiserver/vvp/list-stream.js';

const bounds = { maxItemBytes: 1024, maxDepth: 20 };

/** Reads `text` in chunks of `chunk` bytes; the items built and those left out. */
function read(text: string | Buffer, chunk = 7, b = bounds) {
  const items: { value: unknown; bytes: number }[] = [];
  const leftOut: LeftOutItem[] = [];
  const stream = new ListStream<unknown>({ item: (value, bytes) => items.push({ value, bytes }), leftOut: (i) => leftOut.push(i) }, b);
  const body = Buffer.isBuffer(text) ? text : Buffer.from(text);
  for (let i = 0; i < body.length; i += chunk) stream.write(body.subarray(i, i + chunk));
  stream.end();
  return { items, leftOut, count: stream.count };
}

const item = (id: string, extra: Record<string, unknown> = {}) => ({ kind: 'Deployment', metadata: { id, name: `n-${id}`, namespace: 'default', resourceVersion: 3 }, spec: { state: 'RUNNING' }, ...extra });

t.test('every item of items is built as JSON.parse would, whatever the chunking; the rest of the answer is dropped', async (t) => {
  const list = { kind: 'ResourceList', before: { items: [1] }, items: [item('a'), item('b', { spec: { n: [1, 2.5, null, true, 'é☃'] } })], after: 'x' };
  for (const chunk of [1, 3, 64, 100_000]) {
    const { items, leftOut } = read(JSON.stringify(list, null, chunk === 3 ? 2 : undefined), chunk);
    t.same(items.map((i) => i.value), list.items, `chunks of ${chunk}`);
    t.same(leftOut, []);
  }
  t.equal(read(JSON.stringify(list)).items[0]!.bytes, Buffer.byteLength(JSON.stringify(list.items[0])), 'bytes of the item as sent');
  t.same(read('{"kind":"ResourceList","items":[]}').items, []);
  t.same(read('{"kind":"ResourceList"}').items, [], 'no items at all');
});

t.test('a truncated or invalid answer is an error, never a partial list taken as whole', async (t) => {
  const text = JSON.stringify({ items: [item('a'), item('b')] });
  t.throws(() => read(text.slice(0, text.length - 1)));
  t.throws(() => read(text.slice(0, 40)));
  t.throws(() => read('{"items":[{"a":1},}'));
  t.throws(() => read('[{"metadata":{}}]'), /not a JSON object/);
});

t.test('an item above the byte bound is left out as it crosses it, named by the metadata seen, and the next ones are read', async (t) => {
  const big = item('big', { spec: { padding: 'x'.repeat(5000) } });
  const { items, leftOut } = read(JSON.stringify({ items: [item('a'), big, item('c')] }), 512);
  t.same(items.map((i) => (i.value as { metadata: { id: string } }).metadata.id), ['a', 'c']);
  t.equal(leftOut.length, 1);
  t.match(leftOut[0], { reason: 'too large', metadata: { id: 'big', name: 'n-big', namespace: 'default', resourceVersion: 3 } });
  t.ok(leftOut[0]!.bytes > bounds.maxItemBytes);
});

t.test('a huge string is buffered only up to the item bound', async (t) => {
  const huge = 'y'.repeat(20 * 1024 * 1024);
  const body = Buffer.from(JSON.stringify({ items: [item('s', { spec: { s: huge } }), item('ok')] }));
  const before = process.memoryUsage().heapUsed;
  let peak = 0;
  const stream = new ListStream<unknown>({ item: () => {}, leftOut: () => {} }, bounds);
  for (let i = 0; i < body.length; i += 65536) {
    stream.write(body.subarray(i, i + 65536));
    peak = Math.max(peak, process.memoryUsage().heapUsed - before);
  }
  stream.end();
  t.equal(stream.count, 1, 'the item after it is read');
  t.ok(peak < 8 * 1024 * 1024, `heap grew by ${Math.round(peak / 1024)} KiB for a 20 MiB string (not the string)`);
});

t.test('an item nested deeper than the bound is left out; the depth costs no stack', async (t) => {
  const deep = `{"metadata":{"id":"deep"},"spec":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
  const { items, leftOut } = read(`{"items":[${deep},${JSON.stringify(item('ok'))}]}`, 4096, { maxItemBytes: 1024 * 1024, maxDepth: 20 });
  t.same(items.map((i) => (i.value as { metadata: { id: string } }).metadata.id), ['ok']);
  t.match(leftOut, [{ reason: 'too deep', metadata: { id: 'deep' } }]);
});

t.test('a __proto__ key is an own property as JSON.parse makes it (no prototype replaced); non-object items are skipped', async (t) => {
  const { items, leftOut } = read('{"items":[{"metadata":{"id":"p"},"spec":{"__proto__":{"polluted":1}}},[1,[2]],3,"s",{"metadata":{"id":"ok"}}]}');
  t.same(items.map((i) => (i.value as { metadata: { id: string } }).metadata.id), ['p', 'ok']);
  const spec = (items[0]!.value as { spec: Record<string, unknown> }).spec;
  t.ok(Object.hasOwn(spec, '__proto__'));
  t.equal(Object.getPrototypeOf(spec), Object.prototype);
  t.equal(({} as Record<string, unknown>).polluted, undefined);
  t.match(leftOut, [{ reason: 'damaged' }], 'the array element');
});

t.test('strings hide structure: braces, brackets, quotes and backslashes inside them, split across chunks', async (t) => {
  const tricky = { metadata: { id: 'q' }, spec: { a: '{[}]"\\', b: '\\"items":[', c: 'é☃\u0000', items: [{ x: 1 }] } };
  for (const chunk of [1, 2, 5]) {
    const { items } = read(JSON.stringify({ items: [tricky, item('z')], 'it"ems': [{ not: 'an item' }] }), chunk);
    t.same(items.map((i) => i.value), [tricky, item('z')], `chunks of ${chunk}`);
  }
});

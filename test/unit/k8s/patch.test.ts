import t from 'tap';
import { thrownStatus } from './thrown.js';
import { applyJsonPatch, deepClone, mergePatch, parseJson, patchSetsResourceVersion } from '../../../apiserver/k8s/fields/patch.js';

t.test('merge patch is RFC 7386', async (t) => {
  // The RFC's own example.
  const target = { title: 'Goodbye!', author: { givenName: 'John', familyName: 'Doe' }, tags: ['example', 'sample'], content: 'This will be unchanged' };
  const patch = { title: 'Hello!', phoneNumber: '+01-123-456-7890', author: { familyName: null }, tags: ['example'] };
  t.same(mergePatch(target, patch), { title: 'Hello!', author: { givenName: 'John' }, tags: ['example'], content: 'This will be unchanged', phoneNumber: '+01-123-456-7890' });
  t.same(mergePatch({ a: 'b' }, { a: { c: null } }), { a: {} });
  t.same(mergePatch({ a: [{ b: 'c' }] }, { a: [1] }), { a: [1] });
  t.same(mergePatch({ a: 'foo' }, null), null);
  t.same(target.author, { givenName: 'John', familyName: 'Doe' }, 'the target is not mutated');
});

t.test('json patch: operations apply; a body that is no list is 400, an unknown op kube-apiserver\'s 422 (conformance case patch/json-patch-unknown-op)', async (t) => {
  t.same(applyJsonPatch({ a: 1, b: [1] }, JSON.stringify([{ op: 'add', path: '/b/-', value: 2 }, { op: 'remove', path: '/a' }])), { b: [1, 2] });
  t.same(applyJsonPatch({ a: { b: 1 } }, JSON.stringify([{ op: 'copy', from: '/a/b', path: '/c' }, { op: 'move', from: '/a', path: '/d' }])), { c: 1, d: { b: 1 } });
  t.match(thrownStatus(() => applyJsonPatch({}, '{"op":"add"}')), { code: 400 });
  t.match(thrownStatus(() => applyJsonPatch({}, '[{"op":"nope","path":"/a"}]')), { code: 422, reason: 'Invalid' });
});

t.test('json patch: an operation that cannot be applied is kube-apiserver\'s generic 422, and nothing changes', async (t) => {
  const document = { a: 1, list: [0] };
  const generic = { code: 422, reason: 'Invalid', message: 'the server rejected our request due to an error in our request', details: {} };
  for (const op of [
    { op: 'test', path: '/a', value: 2 },
    { op: 'test', path: '/missing', value: 1 },
    { op: 'remove', path: '/nothing' },
    { op: 'remove', path: '/list/5' },
    { op: 'replace', path: '/missing/x', value: 2 },
    { op: 'move', from: '/nope', path: '/b' },
    { op: 'copy', from: '/nope', path: '/b' },
    { op: 'add', path: '/missing/deeper', value: 1 },
  ]) {
    t.same(thrownStatus(() => applyJsonPatch(document, JSON.stringify([{ op: 'add', path: '/z', value: 1 }, op]))), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', ...generic }, JSON.stringify(op));
  }
  t.same(document, { a: 1, list: [0] }, 'the live object is not touched by a failed patch');
});

t.test('whether a patch pins the resourceVersion', async (t) => {
  t.ok(patchSetsResourceVersion('application/merge-patch+json', { metadata: { resourceVersion: '5' } }));
  t.notOk(patchSetsResourceVersion('application/merge-patch+json', { spec: {} }));
  t.ok(patchSetsResourceVersion('application/json-patch+json', [{ op: 'replace', path: '/metadata/resourceVersion', value: '5' }]));
  t.notOk(patchSetsResourceVersion('application/json-patch+json', [{ op: 'test', path: '/metadata/resourceVersion', value: '5' }]));
});

t.test('__proto__ keys are refused before anything merges them', async (t) => {
  t.match(thrownStatus(() => parseJson('{"spec":{"__proto__":{"polluted":true}}}')), { code: 400 });
  t.equal(({} as { polluted?: boolean }).polluted, undefined);
});

t.test('deepClone copies a JSON value: equal, in the same key order, sharing nothing that can change', async (t) => {
  const value = { b: 1, a: [{ x: 'y' }, null, 2, [true]], c: { d: { e: 'f' } }, g: undefined };
  const copy = deepClone(value);
  t.same(copy, value);
  t.same(Object.keys(copy), ['b', 'a', 'c', 'g'], 'key order kept, undefined members too');
  (copy.a[0] as { x: string }).x = 'changed';
  copy.c.d.e = 'changed';
  (copy.a[3] as boolean[]).push(false);
  t.same(value, { b: 1, a: [{ x: 'y' }, null, 2, [true]], c: { d: { e: 'f' } }, g: undefined }, 'the original is untouched');
  const parsed = JSON.parse('{"__proto__": {"polluted": true}, "k": 1}') as Record<string, unknown>;
  const cloned = deepClone(parsed);
  t.equal(Object.getPrototypeOf(cloned), Object.prototype, 'a __proto__ key stays a key, never the prototype');
  t.same(Object.keys(cloned), ['__proto__', 'k']);
  t.equal((cloned as { polluted?: boolean }).polluted, undefined);
});

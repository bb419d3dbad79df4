import t from 'tap';
import { thrownStatus } from './thrown.js';
import { applyJsonPatch, mergePatch, parseJson, patchSetsResourceVersion } from '../../../apiserver/k8s/patch.js';

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

t.test('json patch: operations apply; malformed is 400; a failing test is 422', async (t) => {
  t.same(applyJsonPatch({ a: 1, b: [1] }, JSON.stringify([{ op: 'add', path: '/b/-', value: 2 }, { op: 'remove', path: '/a' }])), { b: [1, 2] });
  t.match(thrownStatus(() => applyJsonPatch({}, '{"op":"add"}')), { code: 400 });
  t.match(thrownStatus(() => applyJsonPatch({}, '[{"op":"nope","path":"/a"}]')), { code: 400 });
  t.match(thrownStatus(() => applyJsonPatch({ a: 1 }, '[{"op":"test","path":"/a","value":2}]')), { code: 422, reason: 'Invalid' });
  t.match(thrownStatus(() => applyJsonPatch({}, '[{"op":"replace","path":"/missing/x","value":2}]')), { code: 422 });
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

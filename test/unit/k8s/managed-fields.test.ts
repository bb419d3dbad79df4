import t from 'tap';
import { thrownStatus } from './thrown.js';
import {
  applyConfiguration, fieldsV1ToPaths, leafValues, managerFromUserAgent, pathsToFieldsV1, updateManagedFields,
} from '../../../apiserver/k8s/fields/managed-fields.js';
import type { KubeObject } from '../../../apiserver/k8s/types.js';

const ctx = (manager: string) => ({ manager, apiVersion: 'g/v1', now: new Date('2026-01-01T00:00:00Z') });
const obj = (spec: Record<string, unknown>, metadata: KubeObject['metadata'] = {}): KubeObject => ({ apiVersion: 'g/v1', kind: 'K', metadata: { name: 'x', ...metadata }, spec });

t.test('FieldsV1 round trip, with "." for containers owned as a whole', async (t) => {
  const fields = { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:a': {} } };
  const paths = fieldsV1ToPaths(fields);
  t.same([...paths].sort(), ['["f:metadata","f:labels","f:app"]', '["f:metadata","f:labels"]', '["f:spec","f:a"]']);
  t.same(pathsToFieldsV1(paths), fields);
});

t.test('leaves skip apiVersion, kind and server-owned metadata; lists are atomic', async (t) => {
  const leaves = leafValues(obj({ list: [1, 2], nested: { a: 1 } }, { uid: 'u', resourceVersion: '1', labels: { a: 'b' } }));
  t.same([...leaves.keys()].sort(), ['["f:metadata","f:labels","f:a"]', '["f:spec","f:list"]', '["f:spec","f:nested","f:a"]']);
});

t.test('an update gives the manager what it changed and takes it from the others', async (t) => {
  const created = obj({ a: 1, b: 1 });
  created.metadata.managedFields = updateManagedFields(undefined, created, undefined, ctx('creator'));
  t.same(created.metadata.managedFields, [{ manager: 'creator', operation: 'Update', apiVersion: 'g/v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { '.': {}, 'f:a': {}, 'f:b': {} } } }], 'the map the create added is owned as a whole too (".")');
  const changed = obj({ a: 2, b: 1 });
  const entries = updateManagedFields(created, changed, created.metadata.managedFields, ctx('editor'));
  t.same(entries.map((e) => [e.manager, e.fieldsV1]), [['creator', { 'f:spec': { '.': {}, 'f:b': {} } }], ['editor', { 'f:spec': { 'f:a': {} } }]]);
  const noop = updateManagedFields(changed, obj({ a: 2, b: 1 }), entries, ctx('idle'));
  t.notOk(noop.some((e) => e.manager === 'idle'), 'no entry for a manager that changed nothing');
  const removed = updateManagedFields(changed, obj({ a: 2 }), entries, ctx('remover'));
  t.same(removed.map((e) => [e.manager, e.fieldsV1]), [['creator', { 'f:spec': {} }], ['editor', { 'f:spec': { 'f:a': {} } }]], 'a removed field leaves every owner (the creator keeps .spec, as in kube)');
  t.notOk(removed.some((e) => e.manager === 'remover'), 'a removal alone gives its manager no entry');
});

t.test('apply: conflicts only on differing values, force transfers, dropped fields are removed', async (t) => {
  const live = applyConfiguration(undefined, obj({ a: 1, b: 1 }), false, ctx('alice'));
  t.same(live.metadata.managedFields?.[0]?.fieldsV1, { 'f:spec': { 'f:a': {}, 'f:b': {} } });
  t.equal(live.metadata.managedFields?.[0]?.operation, 'Apply');

  const shared = applyConfiguration(live, obj({ a: 1 }), false, ctx('bob'));
  t.equal(shared.metadata.managedFields?.length, 2, 'same value: shared ownership, no conflict');

  t.match(thrownStatus(() => applyConfiguration(live, obj({ a: 2, b: 2 }), false, ctx('bob'))), {
    code: 409, reason: 'Conflict',
    message: 'Apply failed with 2 conflicts: conflicts with "alice":\n- .spec.a\n- .spec.b',
    details: { causes: [{ type: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.a' }, { type: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.b' }] },
  });

  const forced = applyConfiguration(live, obj({ a: 2 }), true, ctx('bob'));
  t.equal(forced.spec && (forced.spec as { a: number }).a, 2);
  t.same(forced.metadata.managedFields?.map((e) => [e.manager, e.fieldsV1]), [['alice', { 'f:spec': { 'f:b': {} } }], ['bob', { 'f:spec': { 'f:a': {} } }]]);

  const dropped = applyConfiguration(forced, obj({}), false, ctx('alice'));
  t.same(dropped.spec, { a: 2 }, 'b was only alice\'s: removed; a is bob\'s: kept');
});

t.test('an Update manager conflicts with an applier, with its apiVersion (never its time) in the message', async (t) => {
  const base = obj({ a: 1 });
  base.metadata.managedFields = updateManagedFields(undefined, base, undefined, ctx('kubectl-edit'));
  t.throws(() => applyConfiguration(base, obj({ a: 3 }), false, ctx('ssa')), {
    message: 'Apply failed with 1 conflict: conflict with "kubectl-edit" using g/v1: .spec.a',
  });
});

t.test('the manager of a write without fieldManager is the user agent up to its first slash', async (t) => {
  t.equal(managerFromUserAgent('kubectl/v1.35.0 (linux/amd64) kubernetes/abc'), 'kubectl');
  t.equal(managerFromUserAgent(undefined), '');
});

const listSchema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        env: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', properties: { name: { type: 'string' }, value: { type: 'string' } } } },
        tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
        args: { type: 'array', items: { type: 'string' } },
      },
    },
  },
};

t.test('list-type map: items owned by key, merged by key, removed by key; conflicts name the item', async (t) => {
  const c = (manager: string) => ({ ...ctx(manager), schema: listSchema });
  const alice = applyConfiguration(undefined, obj({ env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], args: ['x'] }), false, c('alice'));
  t.same(alice.metadata.managedFields?.[0]?.fieldsV1, {
    'f:spec': {
      'f:args': {},
      'f:env': { 'k:{"name":"A"}': { '.': {}, 'f:name': {}, 'f:value': {} }, 'k:{"name":"B"}': { '.': {}, 'f:name': {}, 'f:value': {} } },
    },
  });
  const bob = applyConfiguration(alice, obj({ env: [{ name: 'C', value: '3' }] }), false, c('bob'));
  t.same(bob.spec, { env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }, { name: 'C', value: '3' }], args: ['x'] }, 'bob adds an item without touching alice\'s');
  t.match(thrownStatus(() => applyConfiguration(bob, obj({ env: [{ name: 'A', value: 'other' }] }), false, c('bob'))), {
    code: 409, message: 'Apply failed with 1 conflict: conflict with "alice": .spec.env[name="A"].value',
  });
  const aliceDropsB = applyConfiguration(bob, obj({ env: [{ name: 'A', value: '1' }], args: ['x'] }), false, c('alice'));
  t.same(aliceDropsB.spec, { env: [{ name: 'A', value: '1' }, { name: 'C', value: '3' }], args: ['x'] }, 'the item only alice applied is removed whole');
  const atomic = applyConfiguration(aliceDropsB, obj({ args: ['y'] }), true, c('bob'));
  t.same((atomic.spec as { args: string[] }).args, ['y'], 'a list without list-type is one atomic value');
});

t.test('list-type set and ObjectMeta finalizers/ownerReferences are granular too', async (t) => {
  const c = (manager: string) => ({ ...ctx(manager), schema: listSchema });
  const first = applyConfiguration(undefined, obj({ tags: ['a'] }, { finalizers: ['x.io/a'], ownerReferences: [{ apiVersion: 'v1', kind: 'K', name: 'o', uid: 'u1' }] }), false, c('alice'));
  const second = applyConfiguration(first, obj({ tags: ['b'] }, { finalizers: ['x.io/b'] }), false, c('bob'));
  t.same(second.spec, { tags: ['a', 'b'] });
  t.same(second.metadata.finalizers, ['x.io/a', 'x.io/b']);
  t.same(first.metadata.managedFields?.[0]?.fieldsV1, {
    'f:metadata': { 'f:finalizers': { 'v:"x.io/a"': {} }, 'f:ownerReferences': { 'k:{"uid":"u1"}': { '.': {}, 'f:apiVersion': {}, 'f:kind': {}, 'f:name': {}, 'f:uid': {} } } },
    'f:spec': { 'f:tags': { 'v:"a"': {} } },
  });
  const updated = obj({ tags: ['a', 'b'] }, { finalizers: ['x.io/b'] });
  const entries = updateManagedFields(second, updated, second.metadata.managedFields, c('gc'));
  t.notOk(entries.some((e) => e.manager === 'gc'), 'removing a finalizer owns nothing new');
  t.same(entries.find((e) => e.manager === 'alice')?.fieldsV1, { 'f:spec': { 'f:tags': { 'v:"a"': {} } } }, 'alice lost what was removed');
});

t.test('entries as kube encodes them: "unknown" without a manager, Apply first, then by time and name; an unchanged apply keeps its time', async (t) => {
  const created = obj({ a: 1 });
  created.metadata.managedFields = updateManagedFields(undefined, created, undefined, { ...ctx(''), now: new Date('2026-01-01T00:00:05Z') });
  t.same(created.metadata.managedFields.map((e) => e.manager), ['unknown']);
  const applied = applyConfiguration(created, obj({ a: 1 }), false, ctx('zed'));
  t.same(applied.metadata.managedFields?.map((e) => [e.manager, e.operation, e.time ?? 'none']), [['zed', 'Apply', 'none'], ['unknown', 'Update', '2026-01-01T00:00:05Z']],
    'the apply changed nothing: its new entry has no time; Apply sorts before Update');
  const bare = obj({ a: 1 });
  const first = applyConfiguration(bare, obj({ b: 2 }), false, ctx('alpha'));
  t.same(first.metadata.managedFields?.map((e) => [e.manager, e.fieldsV1]), [
    ['alpha', { 'f:spec': { 'f:b': {} } }], ['before-first-apply', { 'f:spec': { '.': {}, 'f:a': {} } }],
  ], 'fields nobody managed go to before-first-apply');
});

t.test('a metadata value of the wrong type is left for the validator to refuse, never a crash', async (t) => {
  const withUntracked = { ...ctx('editor'), untrackedLabels: ['owner'] };
  const live = obj({ a: 1 }, { labels: { owner: 'x', app: 'y' } });
  for (const labels of [5, 'text', true, null, ['owner']]) {
    const patched = obj({ a: 1 }, { labels: labels as unknown as Record<string, string> });
    t.doesNotThrow(() => updateManagedFields(live, patched, undefined, withUntracked), `labels: ${JSON.stringify(labels)}`);
  }
});

import t from 'tap';
import { ObjectValidator, dropEmptyCollections, parseFieldValidation, pruneUnknownFields } from '../../../apiserver/k8s/strategy/validation.js';
import type { KubeObject } from '../../../apiserver/k8s/types.js';
import { widgetInfo } from '../../support/memory-storage.js';
import { thrownStatus } from './thrown.js';

const widget = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'test.example.com/v1', kind: 'Widget', metadata: { name: 'w', ...metadata }, spec });

t.test('a valid object gets its defaults', async (t) => {
  const o = widget({ image: 'x' });
  t.same(new ObjectValidator(widgetInfo).check(o, 'Strict'), { warnings: [] });
  t.equal((o.spec as { replicas: number }).replicas, 1);
});

t.test('schema causes in the words of kube-apiserver\'s structural-schema validation', async (t) => {
  const status = thrownStatus(() => new ObjectValidator(widgetInfo).check(widget({ replicas: 'x', color: 'pink', tags: [1] }, { labels: { a: 1 } }), 'Warn'));
  t.equal(status?.code, 422);
  t.same(status?.details?.causes, [
    { type: 'FieldValueInvalid', field: 'metadata.labels.a', message: 'Invalid value: 1: must be a string' },
    { type: 'FieldValueRequired', message: 'Required value', field: 'spec.image' },
    { type: 'FieldValueTypeInvalid', field: 'spec.replicas', message: 'Invalid value: "string": spec.replicas in body must be of type integer: "string"' },
    { type: 'FieldValueNotSupported', message: 'Unsupported value: "pink": supported values: "red", "green", "blue"', field: 'spec.color' },
    { type: 'FieldValueTypeInvalid', field: 'spec.tags[0]', message: 'Invalid value: "integer": spec.tags[0] in body must be of type string: "integer"' },
  ]);
});

t.test('unknown fields: Strict 400, Warn warnings, Ignore silent; all pruned', async (t) => {
  const v = new ObjectValidator(widgetInfo);
  t.match(thrownStatus(() => v.check(widget({ image: 'x', extra: 1 }, { bogus: 1 }), 'Strict')), { code: 400, message: 'strict decoding error: unknown field "spec.extra", unknown field "metadata.bogus"' });
  const warned = widget({ image: 'x', extra: 1 });
  t.same(v.check(warned, 'Warn').warnings, ['unknown field "spec.extra"']);
  t.notOk('extra' in (warned.spec as object));
  t.same(v.check(widget({ image: 'x', extra: 1 }), 'Ignore').warnings, []);
  t.same(v.check(widget({ image: 'x', settings: { free: 'form' } }), 'Strict').warnings, [], 'additionalProperties maps are known');
  t.equal(parseFieldValidation(undefined), 'Warn');
  t.match(thrownStatus(() => parseFieldValidation('Loose', 'PatchOptions')), {
    code: 422, reason: 'Invalid', message: 'PatchOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loose": supported values: "", "Ignore", "Strict", "Warn"',
    details: { group: 'meta.k8s.io', kind: 'PatchOptions', causes: [{ field: 'fieldValidation', type: 'FieldValueNotSupported' }] },
  }, 'kube answers 422 for the options, as for dryRun');
});

t.test('x-kubernetes-preserve-unknown-fields keeps everything below it', async (t) => {
  const unknown: string[] = [];
  const value = { a: { anything: 1 }, b: 2 };
  pruneUnknownFields(value, { type: 'object', properties: { a: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }, '', unknown);
  t.same(value, { a: { anything: 1 } });
  t.same(unknown, ['b']);
});

t.test('undeclared fields the live object already has are the storage\'s: not reported, not pruned', async (t) => {
  const v = new ObjectValidator(widgetInfo);
  const live = widget({ image: 'x', backendOnly: 'kept' });
  const next = widget({ image: 'y', backendOnly: 'kept', clientTypo: 1 });
  t.match(thrownStatus(() => v.check(structuredClone(next), 'Strict', live)), { code: 400, message: 'strict decoding error: unknown field "spec.clientTypo"' });
  const warned = structuredClone(next);
  t.same(v.check(warned, 'Warn', live).warnings, ['unknown field "spec.clientTypo"']);
  t.equal((warned.spec as { backendOnly: string }).backendOnly, 'kept');
});

t.test('empty metadata collections are dropped as kube drops them; an empty value of the wrong type is left to be refused', async (t) => {
  const meta: Record<string, unknown> = { labels: {}, annotations: {}, finalizers: [], ownerReferences: null };
  dropEmptyCollections(meta);
  t.same(meta, {}, 'labels {}, annotations {}, finalizers [] and a null ownerReferences are gone');
  const wrong: Record<string, unknown> = { labels: [], annotations: [], finalizers: {} };
  dropEmptyCollections(wrong);
  t.same(wrong, { labels: [], annotations: [], finalizers: {} }, 'labels [] is not an empty map: validation refuses it');
});

t.test('numbers: type, the format\'s range ("<nil>"), bounds, enum — several causes per field, in kube-openapi\'s order', async (t) => {
  const info = { ...widgetInfo, schema: { type: 'object', properties: { spec: { type: 'object', properties: {
    n: { type: 'integer', format: 'int32', minimum: 1, maximum: 2147483647 }, s: { type: 'string', enum: ['A', 'B'] },
  } } } } };
  const causes = (spec: Record<string, unknown>) => thrownStatus(() => new ObjectValidator(info).check(widget(spec), 'Warn'))?.details?.causes;
  t.same(causes({ n: 0 }), [{ type: 'FieldValueInvalid', field: 'spec.n', message: 'Invalid value: 0: spec.n in body should be greater than or equal to 1' }]);
  t.same(causes({ n: 2 ** 31 }), [
    { type: 'FieldValueInvalid', field: '<nil>', message: 'Invalid value: "": Checked value must be of type integer with format int32 in spec.n' },
    { type: 'FieldValueInvalid', field: 'spec.n', message: 'Invalid value: 2147483648: spec.n in body should be less than or equal to 2147483647' },
  ]);
  t.same(causes({ n: 1.5 }), [
    { type: 'FieldValueTypeInvalid', field: 'spec.n', message: 'Invalid value: "float64": spec.n in body must be of type int32: "float64"' },
    { type: 'FieldValueInvalid', field: '<nil>', message: 'Invalid value: "": Checked value must be of type integer with format int32 in spec.n' },
  ]);
  t.same(causes({ s: 3 }), [
    { type: 'FieldValueTypeInvalid', field: 'spec.s', message: 'Invalid value: "integer": spec.s in body must be of type string: "integer"' },
    { type: 'FieldValueNotSupported', field: 'spec.s', message: 'Unsupported value: 3: supported values: "A", "B"' },
  ]);
});

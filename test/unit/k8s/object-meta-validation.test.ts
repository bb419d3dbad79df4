// Expected texts are what kube-apiserver v1.37.2 answered for the same metadata on a custom resource.
import t from 'tap';
import { TOTAL_ANNOTATION_SIZE_LIMIT, objectMetaCauses } from '../../../apiserver/k8s/strategy/object-meta-validation.js';
import { isQualifiedName, isValidLabelValue } from '../../../apiserver/k8s/strategy/name-validation.js';

const NAME_PART = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const SUBDOMAIN = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const invalid = (field: string, value: string, message: string) => ({ type: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${message}` });

t.test('valid metadata has no causes', async (t) => {
  t.same(objectMetaCauses({
    name: 'a.b-c', labels: { app: 'web', 'example.com/Tier': 'Front_end.1', empty: '' },
    annotations: { 'Example.COM/Note': 'anything at all: spaces, ü, {}' }, finalizers: ['example.com/cleanup'],
  }), []);
});

t.test('label keys are qualified names, values ≤ 63 bytes of the label alphabet; every cause at metadata.labels', async (t) => {
  t.same(objectMetaCauses({ labels: { 'bad key!': 'v', k: 'bad value!', k2: 'v'.repeat(64) } }), [
    invalid('metadata.labels', 'bad key!', NAME_PART),
    invalid('metadata.labels', 'bad value!', LABEL_VALUE),
    invalid('metadata.labels', 'v'.repeat(64), 'must be no more than 63 bytes'),
  ]);
});

t.test('qualified names: prefix and name part rules, in kube-apiserver\'s order', async (t) => {
  t.same(isQualifiedName('ex.com/'), ['name part must be non-empty', NAME_PART]);
  t.same(isQualifiedName('/z'), ['prefix part must be non-empty']);
  t.same(isQualifiedName('Ex.Com/x'), [`prefix part ${SUBDOMAIN}`]);
  t.same(isQualifiedName(`${'a'.repeat(254)}/y`), ['prefix part must be no more than 253 bytes']);
  t.same(isQualifiedName('b'.repeat(64)), ['name part must be no more than 63 bytes']);
  t.same(isQualifiedName('a/b/c'), [
    "a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
  ]);
  t.same(isValidLabelValue(''), []);
  t.same(isValidLabelValue('ü'), [LABEL_VALUE]);
});

t.test('annotation keys are qualified names in any case; values are free; the total is at most 256 KiB', async (t) => {
  t.same(objectMetaCauses({ annotations: { 'Bad Key': 'x', 'UPPER.ok/Yes': 'x' } }), [invalid('metadata.annotations', 'Bad Key', NAME_PART)]);
  t.same(objectMetaCauses({ annotations: { big: 'x'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT - 3) } }), [], 'exactly at the limit (key + value)');
  t.same(objectMetaCauses({ annotations: { big: 'x'.repeat(300_000) } }), [
    { type: 'FieldValueTooLong', field: 'metadata.annotations', message: 'Too long: may not be more than 262144 bytes' },
  ]);
});

t.test('names and finalizers', async (t) => {
  t.same(objectMetaCauses({ name: 'UP' }), [invalid('metadata.name', 'UP', SUBDOMAIN)]);
  t.same(objectMetaCauses({ name: 'a'.repeat(254) }), [invalid('metadata.name', 'a'.repeat(254), 'must be no more than 253 characters')]);
  t.same(objectMetaCauses({ finalizers: ['bad finalizer!'] }), [invalid('metadata.finalizers', 'bad finalizer!', NAME_PART)]);
});

t.test('wrong types are refused before the syntax is looked at', async (t) => {
  t.same(objectMetaCauses({ labels: { a: 1 }, annotations: 'x', finalizers: [1] }), [
    { type: 'FieldValueInvalid', field: 'metadata.labels.a', message: 'Invalid value: 1: must be a string' },
    { type: 'FieldValueInvalid', field: 'metadata.annotations', message: 'Invalid value: must be a map of strings' },
    { type: 'FieldValueInvalid', field: 'metadata.finalizers', message: 'Invalid value: must be a list of strings' },
  ]);
  t.same(objectMetaCauses('m'), [{ type: 'FieldValueInvalid', field: 'metadata', message: 'Invalid value: must be an object' }]);
});

// A strict JSON or merge patch with an unknown or duplicate field: kube-apiserver's 422 at `patch`, quoting the
// patched object with its keys sorted (as Go marshals a map), not the 400 of a create or an update.
import t from 'tap';
import { asStrictPatchError, sortedJson, strictPatchError } from '../../../apiserver/k8s/fields/strict-patch.js';
import { statusErrors } from '../../../apiserver/k8s/status.js';
import type { KubeObject } from '../../../apiserver/k8s/types.js';

const patched = { kind: 'K', apiVersion: 'g/v1', metadata: { name: 'a' }, spec: { z: 1, bogus: 1 }, status: { live: true } } as unknown as KubeObject;

t.test('Go map order: keys sorted at every depth', async (t) => {
  t.equal(sortedJson({ b: [{ d: 1, c: 2 }], a: 'x' }), '{"a":"x","b":[{"c":2,"d":1}]}');
});

t.test('the 422 quotes the patched object without status, with every strict error', async (t) => {
  const err = strictPatchError(patched, ['duplicate field "spec.z"']);
  const object = '{"apiVersion":"g/v1","kind":"K","metadata":{"name":"a"},"spec":{"bogus":1,"z":1}}';
  const message = `Invalid value: ${JSON.stringify(object)}: strict decoding error: duplicate field "spec.z"`;
  t.match(err.status, { code: 422, reason: 'Invalid', message: ` "" is invalid: patch: ${message}`, details: { causes: [{ type: 'FieldValueInvalid', field: 'patch', message }] } });
});

t.test('validation\'s strict 400 becomes the 422; other errors pass unchanged', async (t) => {
  const strict = statusErrors.badRequest('K in version "v1" cannot be handled as a K: strict decoding error: unknown field "spec.bogus"');
  t.match((asStrictPatchError(strict, patched, []) as { status: { message: string } }).status.message, /strict decoding error: unknown field "spec.bogus"$/);
  const other = statusErrors.badRequest('something else');
  t.equal(asStrictPatchError(other, patched, []), other);
});

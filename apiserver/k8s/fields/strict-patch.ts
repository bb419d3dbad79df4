// fieldValidation=Strict on a JSON or merge patch, as kube-apiserver's patch handler answers it: the patched object
// is decoded strictly, and an unknown or duplicate field is a 422 whose one cause, at `patch`, quotes the patched
// object (as Go's json.Marshal writes it: keys sorted) — not the 400 a create or an update answers. An apply patch
// answers as create does (checked elsewhere).

import { isPlainObject } from './patch.js';
import { type StatusError, isStatusError, statusFailure } from '../status.js';
import type { KubeObject } from '../types.js';

const STRICT = 'strict decoding error: ';

/** JSON with every object's keys sorted, as Go marshals a map. */
export function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (isPlainObject(value)) return `{${Object.keys(value).sort().filter((k) => value[k] !== undefined).map((k) => `${JSON.stringify(k)}:${sortedJson(value[k])}`).join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** The 422 for strict errors (`unknown field "spec.x"`, `duplicate field "spec.y"`) found in `patched`. */
export function strictPatchError(patched: KubeObject, errors: string[]): StatusError {
  const { status: _status, ...object } = patched;
  const message = `Invalid value: ${JSON.stringify(sortedJson(object))}: ${STRICT}${errors.join(', ')}`;
  return statusFailure(422, 'Invalid', ` "" is invalid: patch: ${message}`, { causes: [{ type: 'FieldValueInvalid', message, field: 'patch' }] });
}

/** A strict-decoding 400 of validation turned into the patch's 422; any other error unchanged. */
export function asStrictPatchError(err: unknown, patched: KubeObject, duplicates: string[]): unknown {
  if (!isStatusError(err) || err.code !== 400) return err;
  const text = err.status.message ?? '';
  const at = text.indexOf(STRICT);
  if (at < 0) return err;
  return strictPatchError(patched, [...duplicates, ...text.slice(at + STRICT.length).split(', ')]);
}

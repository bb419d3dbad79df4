// ValidateOwnerReferences (k8s.io/apimachinery/pkg/api/validation/objectmeta.go), in its paths and words: every
// reference names an apiVersion, a kind, a name and a uid, and at most one is the controller. Without it a reference
// with no uid is stored and the garbage collector, which matches owners by uid, never sees the owner; two controllers
// make every controller that adopts by ownerReference disagree about who owns the object.

import { isPlainObject } from '../fields/patch.js';
import type { StatusCause } from '../types.js';

/** BannedOwners: kube refuses these kinds as owners. */
const BANNED_OWNERS = new Set(['/v1, Kind=Event']);

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The reference as Go's json.Marshal of metav1.OwnerReference writes it (field order, omitempty). */
function goJson(ref: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { apiVersion: str(ref.apiVersion), kind: str(ref.kind), name: str(ref.name), uid: str(ref.uid) };
  if (typeof ref.controller === 'boolean') out.controller = ref.controller;
  if (typeof ref.blockOwnerDeletion === 'boolean') out.blockOwnerDeletion = ref.blockOwnerDeletion;
  return out;
}

/** schema.ParseGroupVersion: '' or `v`, `g/v`; more than one slash is an error. */
function versionOf(apiVersion: string): { group: string; version: string } | undefined {
  const [first = '', second, ...rest] = apiVersion.split('/');
  if (second === undefined) return { group: '', version: first };
  return rest.length === 0 ? { group: first, version: second } : undefined;
}

function referenceCauses(ref: Record<string, unknown>, field: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const apiVersion = str(ref.apiVersion);
  const gv = versionOf(apiVersion);
  const required = (child: string): StatusCause => ({ type: 'FieldValueRequired', field: `${field}.${child}`, message: 'Required value: must not be empty' });
  if (apiVersion === '') causes.push(required('apiVersion'));
  else if (!gv || gv.version === '') {
    causes.push({ type: 'FieldValueInvalid', field: `${field}.apiVersion`, message: `Invalid value: ${JSON.stringify(apiVersion)}: must be <group>/<version> or <version>` });
  }
  if (str(ref.kind) === '') causes.push(required('kind'));
  if (str(ref.name) === '') causes.push(required('name'));
  if (str(ref.uid) === '') causes.push(required('uid'));
  const gvk = `${gv?.group ?? ''}/${gv?.version ?? ''}, Kind=${str(ref.kind)}`;
  if (BANNED_OWNERS.has(gvk)) {
    causes.push({ type: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(goJson(ref))}: ${gvk} is disallowed from being an owner` });
  }
  return causes;
}

/** The causes for `metadata.ownerReferences`; a value that is not a list of objects is left to the decoder's checks. */
export function ownerReferenceCauses(refs: unknown): StatusCause[] {
  if (!Array.isArray(refs) || !refs.every(isPlainObject)) return [];
  const field = 'metadata.ownerReferences';
  const causes: StatusCause[] = [];
  let firstController = '';
  refs.forEach((ref, i) => {
    causes.push(...referenceCauses(ref, `${field}[${i}]`));
    if (ref.controller !== true) return;
    const current = `${str(ref.kind)}/${str(ref.name)}`;
    if (firstController === '') firstController = current;
    else {
      causes.push({
        type: 'FieldValueInvalid', field,
        message: `Invalid value: ${JSON.stringify(refs.map(goJson))}: Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
      });
    }
  });
  return causes;
}

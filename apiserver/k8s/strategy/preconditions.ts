// Preconditions of a write, checked by the storage against its own read of the object (one read, one check), in
// kube-apiserver's wording.

import { statusErrors, type ResourceRef } from '../status.js';
import type { DeletePreconditions } from '../storage.js';
import type { KubeObject } from '../types.js';

/** A DELETE's preconditions (DeleteOptions.preconditions) against the live object: 409 Conflict when one fails. */
export function checkDeletePreconditions(ref: ResourceRef, preconditions: DeletePreconditions | undefined, live: KubeObject): void {
  // The generic store checks a delete's preconditions in storage (etcd3's Preconditions.Check): its words, and the
  // Kind (the object's) in the Status, where a write's conflicts name the resource.
  const byKind: ResourceRef = live.kind ? { ...ref, resource: live.kind } : ref;
  const uid = preconditions?.uid;
  if (uid && uid !== live.metadata.uid) {
    throw statusErrors.conflict(byKind, `the UID in the precondition (${uid}) does not match the UID in record (${live.metadata.uid ?? ''}). The object might have been deleted and then recreated`);
  }
  const rv = preconditions?.resourceVersion;
  if (rv && rv !== live.metadata.resourceVersion) {
    throw statusErrors.conflict(byKind, `the ResourceVersion in the precondition (${rv}) does not match the ResourceVersion in record (${live.metadata.resourceVersion ?? ''}). The object might have been modified`);
  }
}

/**
 * A PUT naming a UID names the live object's, or it is a 409 Conflict — in kube's words, which are those of its
 * storage's precondition check (a StorageError naming the object's etcd key, `/registry/<group>/<resource>/...`).
 */
export function checkUid(ref: ResourceRef, uid: string | undefined, liveUid: string | undefined, namespace?: string): void {
  if (uid && uid !== liveUid) {
    const key = ['/registry', ref.group, ref.resource, ...(namespace ? [namespace] : []), ref.name].filter((s): s is string => Boolean(s)).join('/');
    throw statusErrors.conflict(ref, `StorageError: invalid object, Code: 4, Key: ${key}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: ${uid}, UID in object meta: ${liveUid ?? ''}`);
  }
}

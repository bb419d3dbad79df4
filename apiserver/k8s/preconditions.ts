// Preconditions of a write, checked by the storage against its own read of the object (one read, one check), in
// kube-apiserver's wording.

import { statusErrors, type ResourceRef } from './status.js';
import type { DeletePreconditions } from './storage.js';
import type { KubeObject } from './types.js';

/** A DELETE's preconditions (DeleteOptions.preconditions) against the live object: 409 Conflict when one fails. */
export function checkDeletePreconditions(ref: ResourceRef, preconditions: DeletePreconditions | undefined, live: KubeObject): void {
  checkUid(ref, preconditions?.uid, live.metadata.uid);
  const rv = preconditions?.resourceVersion;
  if (rv && rv !== live.metadata.resourceVersion) {
    throw statusErrors.conflict(ref, `Precondition failed: ResourceVersion in precondition: ${rv}, ResourceVersion in object meta: ${live.metadata.resourceVersion ?? ''}`);
  }
}

/** A write or delete naming a UID names the live object's, or it is a 409 Conflict. */
export function checkUid(ref: ResourceRef, uid: string | undefined, liveUid: string | undefined): void {
  if (uid && uid !== liveUid) {
    throw statusErrors.conflict(ref, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${liveUid ?? ''}`);
  }
}

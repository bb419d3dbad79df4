// What the background pass may have to finish on a deployment, decided from its record alone (every deployment of
// every listing is asked, so nothing more than two annotations is decoded).

import type { Deployment } from '../../vvp/index.js';
import { ANNOTATION, decodeKubePart, type NonceRecord, type RestoreRecord } from '../trust/annotations.js';
import { restorePending } from './restore-nonce.js';
import { isPendingTrigger } from './savepoint-nonce.js';

function decoded<K extends 'savepointNonce' | 'restore'>(a: Deployment['metadata']['annotations'], field: K) {
  try {
    return decodeKubePart(a, field);
  } catch {
    return undefined;
  }
}

/** A deletion mark, the savepoint nonce record and the restore record (each absent if damaged). */
export function pendingWork(d: Deployment): { deleting: boolean; nonce: NonceRecord | undefined; restore: RestoreRecord | undefined } {
  const a = d.metadata.annotations ?? {};
  const deletion = a[ANNOTATION.deletion];
  return { deleting: deletion !== undefined && deletion !== 'null', nonce: decoded(a, 'savepointNonce'), restore: decoded(a, 'restore') };
}

/** A deletion mark, a savepoint nonce triggered without a savepoint yet, or a restore not done: work for the background pass. */
export function hasPendingWork(d: Deployment): boolean {
  const { deleting, nonce, restore } = pendingWork(d);
  return deleting || isPendingTrigger(nonce) || restorePending(restore);
}

// What the background pass may have to finish on a deployment, decided from its record alone (every deployment of
// every listing is asked, so nothing more than two annotations is decoded).

import type { Deployment } from '../vvp/index.js';
import { ANNOTATION, decodeKubePart, type NonceRecord } from './annotations.js';
import { isPendingTrigger } from './savepoint-nonce.js';

/** A deletion mark, and the savepoint nonce record (absent if damaged). */
export function pendingWork(d: Deployment): { deleting: boolean; nonce: NonceRecord | undefined } {
  const a = d.metadata.annotations ?? {};
  const deletion = a[ANNOTATION.deletion];
  let nonce: NonceRecord | undefined;
  try {
    nonce = decodeKubePart(a, 'savepointNonce');
  } catch {
    nonce = undefined;
  }
  return { deleting: deletion !== undefined && deletion !== 'null', nonce };
}

/** A deletion mark, or a savepoint nonce triggered without a savepoint yet: work for the background pass. */
export function hasPendingWork(d: Deployment): boolean {
  const { deleting, nonce } = pendingWork(d);
  return deleting || isPendingTrigger(nonce);
}

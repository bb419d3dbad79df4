import { isStatusError } from '../../../apiserver/k8s/status.js';
import type { Status } from '../../../apiserver/k8s/types.js';

/** The Status a call throws (undefined if it throws nothing or something else). */
export function thrownStatus(fn: () => unknown): Status | undefined {
  try {
    fn();
  } catch (err) {
    return isStatusError(err) ? err.status : undefined;
  }
  return undefined;
}

// The error a promise is expected to reject with (a StatusError, for the storages' tests); its fulfilment fails the test.
import { isStatusError, type StatusError } from '../../apiserver/k8s/status.js';
import type { Status } from '../../apiserver/k8s/types.js';

export async function rejection(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    return err as StatusError;
  }
  throw new Error('expected a rejection');
}

/** The Status a promise rejects with, or undefined when it fulfils (for checks that may pass); other errors rethrown. */
export async function statusOf(p: Promise<unknown>): Promise<Status | undefined> {
  try {
    await p;
  } catch (err) {
    if (isStatusError(err)) return err.status;
    throw err;
  }
  return undefined;
}

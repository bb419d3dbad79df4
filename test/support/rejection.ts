// The error a promise is expected to reject with (a StatusError, for the storages' tests); its fulfilment fails the test.
import type { StatusError } from '../../apiserver/k8s/status.js';

export async function rejection(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    return err as StatusError;
  }
  throw new Error('expected a rejection');
}

// Kubernetes resourceVersions derived from the platform, so that every replica computes the same one for the same
// platform state and versions of different objects compare by time:
//
//   RV = latestPlatformTimestampMillis * 1000 + (progress mod 1000)
//
// latestPlatformTimestamp is the newest of every platform timestamp the object is built from (the deployment's
// modifiedAt and status transition time, the current job's and last savepoint's modifiedAt, …), so a change the
// platform makes to the status alone gives a new RV too. The suffix separates writes within one millisecond: for a
// VvpDeployment, `progress` is the sum of its inputs' own resourceVersions and lifecycle steps (view-inputs.ts), so a
// child-only change whose timestamps are no newer than the deployment's still moves the RV forward.
// Numbers stay below 2^53 until the year 2255.

import { type ResourceRef, statusErrors } from '../../k8s/index.js';
import { millis } from './time.js';

const SUFFIX = 1000;

/** The RV of an object built from platform data with these timestamps and the deployment's own resourceVersion. */
export function deriveResourceVersion(platformResourceVersion: number, timestamps: readonly (string | undefined)[]): string {
  const latest = Math.max(0, ...timestamps.map(millis));
  const suffix = ((platformResourceVersion % SUFFIX) + SUFFIX) % SUFFIX;
  return String(latest * SUFFIX + suffix);
}

/** The RV as a number, or undefined when it is not one of ours (not a non-negative decimal integer). */
export function parseResourceVersion(rv: string | undefined): number | undefined {
  if (rv === undefined || !/^(0|[1-9][0-9]{0,15})$/.test(rv)) return undefined;
  return Number(rv);
}

/** A list's RV: not older than any of its items, so a watch from it misses no later change. */
export function listResourceVersion(itemVersions: readonly (string | undefined)[]): string {
  let max = 0;
  for (const rv of itemVersions) max = Math.max(max, parseResourceVersion(rv) ?? 0);
  return String(max);
}

/**
 * An update's precondition: when the client sent a resourceVersion, it must be the object's current one. The write
 * then carries the platform's own resourceVersion, so a race between two replicas is refused by the platform too.
 */
export function checkResourceVersion(given: string | undefined, current: string, ref: ResourceRef): void {
  if (given === undefined || given === '') return;
  if (given !== current) {
    throw statusErrors.conflict(ref, 'the object has been modified; please apply your changes to the latest version and try again');
  }
}

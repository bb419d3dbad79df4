// Structural helpers over plain JSON values: merge (as the platform's PATCH merges) and containment.

import { deepClone, deepEqual, isPlainObject, setOwn } from '../../k8s/index.js';

/** The machinery's equality of JSON values (a key whose value is undefined is absent), for the modules beside this one. */
export { deepEqual };

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** `over` merged onto `base`: objects recursively, everything else (arrays included) replaced. Inputs are not changed. */
export function deepMerge<T>(base: T, over: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(over)) return deepClone(over === undefined ? base : over) as T;
  // Each value is copied once (base's keys first, in their order; then over's new keys).
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(base)) setOwn(out, key, !Object.hasOwn(over, key) || over[key] === undefined ? deepClone(value) : deepMerge(value, over[key]));
  for (const [key, value] of Object.entries(over)) if (value !== undefined && !Object.hasOwn(base, key)) setOwn(out, key, deepClone(value));
  return out as T;
}

/**
 * The paths where `actual` does not carry `desired`: every field of `desired` must be in `actual` with the same
 * value; objects are compared field by field, arrays and scalars as a whole. Fields only in `actual` are fine.
 */
export function missingPaths(desired: unknown, actual: unknown, path = ''): string[] {
  if (desired === undefined) return [];
  if (isPlainObject(desired)) {
    if (!isPlainObject(actual)) return [path || '.'];
    return Object.entries(desired).flatMap(([k, v]) => missingPaths(v, actual[k], path ? `${path}.${k}` : k));
  }
  return deepEqual(desired, actual) ? [] : [path || '.'];
}


// Structural helpers over plain JSON values: merge (as the platform's PATCH merges) and containment.

import { deepClone, deepEqual, isPlainObject, setOwn } from '../../k8s/index.js';

/** The machinery's equality and copy of JSON values (a key whose value is undefined is absent), for the modules beside this one. */
export { deepClone, deepEqual };

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

/** The items of a non-empty list of objects each with its own `name` (volumeMounts, envVars, …), by name; else undefined. */
function byName(list: unknown): Map<string, unknown> | undefined {
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const out = new Map<string, unknown>();
  for (const item of list) {
    if (!isPlainObject(item) || typeof item.name !== 'string' || out.has(item.name)) return undefined;
    out.set(item.name, item);
  }
  return out;
}

/**
 * The paths where `actual` does not carry `desired`: every field of `desired` must be in `actual` with the same
 * value; objects are compared field by field, scalars and lists as a whole, except lists of named items
 * (volumeMounts, envVars, imagePullSecrets): each desired item must be there, by name, carried as an object is.
 * Fields only in `actual` are fine, and so are items only in `actual`: a platform that merges its defaults' list
 * items into a list a write gave (rather than replacing them, which the emulator does; unpublished for VVP 3) adds
 * items as it adds default fields.
 */
export function missingPaths(desired: unknown, actual: unknown, path = ''): string[] {
  if (desired === undefined) return [];
  if (isPlainObject(desired)) {
    if (!isPlainObject(actual)) return [path || '.'];
    return Object.entries(desired).flatMap(([k, v]) => missingPaths(v, actual[k], path ? `${path}.${k}` : k));
  }
  const wanted = byName(desired);
  if (wanted && Array.isArray(actual)) {
    const present = new Map(actual.filter(isPlainObject).map((item) => [item.name, item] as const));
    return [...wanted].flatMap(([name, item]) => {
      const at = `${path}[name=${name}]`;
      return present.has(name) ? missingPaths(item, present.get(name), at) : [at];
    });
  }
  return deepEqual(desired, actual) ? [] : [path || '.'];
}

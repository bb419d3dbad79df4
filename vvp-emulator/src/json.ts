// JSON helpers as the platform applies them: clone, merge patch (RFC 7386), the overlay of deployment defaults, and a
// canonical form to compare values by.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** RFC 7386 JSON merge patch: objects merge recursively, `null` removes a key, arrays and scalars replace. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value) as Json;
  }
  return result;
}

/** Layering of defaults: like a merge patch, but `null` in a layer means "no opinion", not "remove". */
export function overlay(base: unknown, layer: unknown): unknown {
  if (layer === undefined || layer === null) return clone(base);
  if (!isObject(layer) || !isObject(base)) return clone(layer);
  const result: JsonObject = clone(base);
  for (const [key, value] of Object.entries(layer)) {
    if (value === null) continue;
    result[key] = overlay(result[key], value) as Json;
  }
  return result;
}

/** A canonical string for change detection (key order does not matter). */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

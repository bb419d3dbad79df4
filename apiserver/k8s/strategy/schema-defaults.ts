// A CRD's structural-schema defaults, applied where kube-apiserver applies them: when the request body is decoded
// (and a patch's result, which kube decodes again), so before mutating admission. Mutating webhooks and
// MutatingAdmissionPolicies therefore read a defaulted field (`object.spec.x` with `default:` in the schema) as they do
// on a CRD. The validator's own defaulting (validation.ts, after mutating admission) stays: it defaults again what a
// mutation removed, as kube defaults a webhook's patched object. Pure; knows only the resource's schema.
// k8s.io/apiextensions-apiserver pkg/apiserver/schema/defaulting/algorithm.go Default.

import { deepClone, isPlainObject } from '../fields/patch.js';

type SchemaNode = Record<string, unknown>;

const node = (v: unknown): SchemaNode | undefined => (isPlainObject(v) ? v : undefined);

/** A null where the schema does not allow null is pruned before defaulting (isNonNullableNull). */
function missingOrNonNullableNull(value: Record<string, unknown>, key: string, schema: SchemaNode): boolean {
  return !(key in value) || (value[key] === null && schema.nullable !== true);
}

/** Fills, in place, every field the schema gives a `default:` that `value` lacks, at every depth it has. */
export function applySchemaDefaults(value: unknown, schema: SchemaNode | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    for (const item of value) applySchemaDefaults(item, node(schema.items));
    return;
  }
  if (!isPlainObject(value)) return;
  const properties = node(schema.properties) ?? {};
  for (const [key, declared] of Object.entries(properties)) {
    const property = node(declared);
    if (property && property.default !== undefined && missingOrNonNullableNull(value, key, property)) {
      value[key] = deepClone(property.default);
    }
  }
  const additional = node(schema.additionalProperties);
  for (const [key, child] of Object.entries(value)) {
    const declared = node(properties[key]);
    if (declared) applySchemaDefaults(child, declared);
    else if (additional) applySchemaDefaults(child, additional);
  }
}

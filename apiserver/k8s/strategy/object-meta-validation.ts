// The ObjectMeta rules kube-apiserver applies to every object (k8s.io/apimachinery/pkg/api/validation/objectmeta.go),
// as field causes with its paths and wording: the name, labels, annotations (keys and total size), finalizers and
// ownerReferences.

import { ownerReferenceCauses } from './owner-reference-validation.js';
import { isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from './name-validation.js';
import { isPlainObject } from '../fields/patch.js';
import type { StatusCause } from '../types.js';

/** TotalAnnotationSizeLimitB: the sum of the lengths of every annotation key and value, in bytes. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

function quote(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

function invalid(field: string, value: unknown, messages: string[]): StatusCause[] {
  return messages.map((m) => ({ type: 'FieldValueInvalid', field, message: `Invalid value: ${quote(value)}: ${m}` }));
}

/** A map of strings, or the causes that say why not (then its keys and values are not checked further). */
function stringMapCauses(map: unknown, field: string): StatusCause[] {
  if (!isPlainObject(map)) return [{ type: 'FieldValueInvalid', field, message: 'Invalid value: must be a map of strings' }];
  return Object.entries(map).filter(([, v]) => typeof v !== 'string')
    .map(([k, v]) => ({ type: 'FieldValueInvalid', field: `${field}.${k}`, message: `Invalid value: ${quote(v)}: must be a string` }));
}

/** ValidateLabels: every cause is at `metadata.labels` itself, naming the bad key or value. */
function labelCauses(labels: Record<string, string>, field: string): StatusCause[] {
  return Object.entries(labels).flatMap(([k, v]) => [...invalid(field, k, isQualifiedName(k)), ...invalid(field, v, isValidLabelValue(v))]);
}

/** ValidateAnnotations: keys are qualified names in any case; all keys and values together at most 256 KiB. */
function annotationCauses(annotations: Record<string, string>, field: string): StatusCause[] {
  const causes = Object.keys(annotations).flatMap((k) => invalid(field, k, isQualifiedName(k.toLowerCase())));
  const size = Object.entries(annotations).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) {
    causes.push({ type: 'FieldValueTooLong', field, message: `Too long: may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes` });
  }
  return causes;
}

export function objectMetaCauses(metadata: unknown): StatusCause[] {
  if (!isPlainObject(metadata)) return [{ type: 'FieldValueInvalid', field: 'metadata', message: 'Invalid value: must be an object' }];
  const causes: StatusCause[] = [];
  const name = metadata.name;
  if (typeof name === 'string' && name !== '') causes.push(...invalid('metadata.name', name, isDNS1123Subdomain(name)));
  for (const [key, rules] of [['labels', labelCauses], ['annotations', annotationCauses]] as const) {
    const map = metadata[key];
    if (map === undefined || map === null) continue;
    const field = `metadata.${key}`;
    const typeCauses = stringMapCauses(map, field);
    causes.push(...(typeCauses.length > 0 ? typeCauses : rules(map as Record<string, string>, field)));
  }
  causes.push(...ownerReferenceCauses(metadata.ownerReferences));
  const finalizers = metadata.finalizers;
  if (finalizers !== undefined && finalizers !== null) {
    if (!Array.isArray(finalizers) || !finalizers.every((f) => typeof f === 'string')) {
      causes.push({ type: 'FieldValueInvalid', field: 'metadata.finalizers', message: 'Invalid value: must be a list of strings' });
    } else {
      for (const f of finalizers) causes.push(...invalid('metadata.finalizers', f, isQualifiedName(f)));
    }
  }
  return causes;
}

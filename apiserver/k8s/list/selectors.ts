// Label and field selectors in the syntax of k8s.io/apimachinery pkg/labels and pkg/fields, parsed into the
// storage contract's requirements, and matched against objects.

import type { FieldRequirement, LabelRequirement } from '../storage.js';
import type { KubeObject } from '../types.js';
import { statusErrors } from '../status.js';
import { parseLabelSelectorAsKube } from './label-selector-parser.js';

/** Field selectors every resource supports (like CRDs): the rest are refused with 400. */
export const SUPPORTED_FIELD_LABELS = ['metadata.name', 'metadata.namespace'] as const;

const labelKey = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string): string {
  if (!labelKey.test(key) || key.length > 317) {
    throw statusErrors.badRequest(`unable to parse requirement: invalid label key "${key}"`);
  }
  return key;
}

function checkValue(value: string): string {
  if (!labelValue.test(value) || value.length > 63) {
    throw statusErrors.badRequest(`unable to parse requirement: invalid label value: "${value}"`);
  }
  return value;
}

/** Parses `a=b,c!=d,e in (x,y),f notin (z),g,!h` with kube's parser and words. Throws 400 on a malformed selector. */
export function parseLabelSelector(selector: string | undefined): LabelRequirement[] {
  if (!selector) return [];
  return parseLabelSelectorAsKube(selector, { key: checkKey, value: checkValue, syntax: (message) => statusErrors.badRequest(message) });
}

function unescapeFieldValue(value: string): string {
  return value.replace(/\\([\\,=])/g, '$1');
}

/** A field selector may name only SUPPORTED_FIELD_LABELS (what kube-apiserver supports for custom resources): else 400. */
export function checkFieldLabel(field: string): string {
  if (!(SUPPORTED_FIELD_LABELS as readonly string[]).includes(field)) throw statusErrors.badRequest(`field label not supported: ${field}`);
  return field;
}

/** Parses `metadata.name=x,metadata.namespace!=y`; only SUPPORTED_FIELD_LABELS are accepted. */
export function parseFieldSelector(selector: string | undefined): FieldRequirement[] {
  if (!selector) return [];
  // Split on commas not escaped by a backslash.
  const parts = selector.split(/(?<!\\),/).map((p) => p.trim()).filter((p) => p !== '');
  return parts.map((part): FieldRequirement => {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw statusErrors.badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    const field = checkFieldLabel(m[1]!.trim());
    return { field, operator: m[2] === '!=' ? 'NotEquals' : 'Equals', value: unescapeFieldValue(m[3]!) };
  });
}

export function matchesLabels(labels: Record<string, string> | undefined, requirements: LabelRequirement[]): boolean {
  const l = labels ?? {};
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const value = l[r.key];
    switch (r.operator) {
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      case 'Equals':
      case 'In': return has && r.values.includes(value!);
      case 'NotEquals':
      case 'NotIn': return !has || !r.values.includes(value!);
    }
    return false;
  });
}

function fieldValue(object: KubeObject, field: string): string {
  if (field === 'metadata.name') return object.metadata.name ?? '';
  if (field === 'metadata.namespace') return object.metadata.namespace ?? '';
  return '';
}

export function matchesFields(object: KubeObject, requirements: FieldRequirement[]): boolean {
  return requirements.every((r) => (fieldValue(object, r.field) === r.value) === (r.operator === 'Equals'));
}

export function matchesSelectors(object: KubeObject, selectors: { labelSelector: LabelRequirement[]; fieldSelector: FieldRequirement[] }): boolean {
  return matchesLabels(object.metadata.labels, selectors.labelSelector) && matchesFields(object, selectors.fieldSelector);
}

/** The name a fieldSelector pins a list/watch to (`metadata.name=x`), as requestinfo.go uses it for authorization. */
export function exactName(requirements: FieldRequirement[]): string | undefined {
  const named = requirements.filter((r) => r.field === 'metadata.name' && r.operator === 'Equals');
  return named.length === 1 ? named[0]!.value : undefined;
}

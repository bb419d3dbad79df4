// List options applied to VvpDeployments: Kubernetes label and field selectors, and limit/continue paging.

import type { LabelRequirement, ListOptions } from '../k8s/storage.js';
import type { KubeObject } from '../k8s/types.js';

export function byNamespaceAndName(a: KubeObject, b: KubeObject): number {
  const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name ?? ''}`;
  const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export function matchesLabels(labels: Record<string, string>, requirements: LabelRequirement[]): boolean {
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const value = labels[r.key];
    switch (r.operator) {
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      case 'Equals':
      case 'In': return has && r.values.includes(value ?? '');
      case 'NotEquals':
      case 'NotIn': return !has || !r.values.includes(value ?? '');
    }
    return false;
  });
}

export function matchesFields(o: KubeObject, requirements: ListOptions['fieldSelector']): boolean {
  return requirements.every((r) => {
    const actual = r.field === 'metadata.name' ? o.metadata.name : r.field === 'metadata.namespace' ? o.metadata.namespace : undefined;
    return r.operator === 'Equals' ? actual === r.value : actual !== r.value;
  });
}

export function encodeContinue(key: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after: key })).toString('base64url');
}

export function decodeContinue(token: string): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: number; after?: unknown };
    return parsed.v === 1 && typeof parsed.after === 'string' ? parsed.after : undefined;
  } catch {
    return undefined;
  }
}


// List order and limit/continue paging of VvpDeployments.

import type { KubeObject } from '../k8s/index.js';


export function byNamespaceAndName(a: KubeObject, b: KubeObject): number {
  const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name ?? ''}`;
  const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
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


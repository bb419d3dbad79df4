// List order and limit/continue paging of VvpDeployments.

import { type KubeObject, type ListOptions, type ListResult, statusErrors } from '../k8s/index.js';

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


function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

/** One page of a list in namespace/name order, after the continue token's key, at most `limit` long. */
export function page(items: readonly KubeObject[], options: Pick<ListOptions, 'limit' | 'continue'> & Partial<Pick<ListOptions, 'labelSelector' | 'fieldSelector'>>, resourceVersion: string): ListResult {
  let rest = [...items].sort(byNamespaceAndName);
  if (options.continue) {
    const after = decodeContinue(options.continue);
    if (after === undefined) throw statusErrors.badRequest('invalid continue token');
    rest = rest.filter((o) => keyOf(o) > after);
  }
  const metadata: ListResult['metadata'] = { resourceVersion };
  if (options.limit && options.limit > 0 && rest.length > options.limit) {
    const remaining = rest.length - options.limit;
    rest = rest.slice(0, options.limit);
    metadata.continue = encodeContinue(keyOf(rest[rest.length - 1]!));
    // As kube-apiserver: the count is only known, and only sent, for a list without selectors.
    if (!options.labelSelector?.length && !options.fieldSelector?.length) metadata.remainingItemCount = remaining;
  }
  return { items: rest, metadata };
}

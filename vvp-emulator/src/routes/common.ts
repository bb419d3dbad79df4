// What every route reads the same way: the namespace path parameter and the caller's access to it.

import type { FastifyRequest } from 'fastify';
import type { EmulatorContext } from '../context.js';
import type { NamespaceState } from '../store/store.js';

export interface RouteOptions {
  ctx: EmulatorContext;
}

export type NamespaceParams = { namespace: string };

/** The namespace named in the path (`{namespace}` on AppManager paths, `{ns}` on Platform paths). */
export function namespaceOf(ctx: EmulatorContext, request: FastifyRequest): NamespaceState {
  const params = request.params as { namespace?: string; ns?: string };
  return ctx.store.namespace(params.namespace ?? params.ns ?? '');
}

export function list<T>(kind: string, items: T[]): { kind: string; apiVersion: 'v1'; metadata: Record<string, never>; items: T[] } {
  return { kind, apiVersion: 'v1', metadata: {}, items };
}

// API tokens and namespace roles (viewer < editor < owner) as the platform checks them, so that the client's use of
// per-object tokens is tested against a platform that refuses what it should.

import { ApiError } from './errors.js';
import type { Role } from './types.js';

/** Who is calling: resolved from the bearer token. */
export interface Principal {
  /** A display name for logs and messages, never the secret. */
  name: string;
  role: Role;
  /** The namespace the token is for, or '*' for every namespace. */
  namespace: string;
  /** Extension (write protection): the Kubernetes operator instance this token acts as. */
  operatorInstance?: string;
  admin: boolean;
}

const rank: Record<Role, number> = { viewer: 1, editor: 2, owner: 3 };

export const roles: Role[] = ['viewer', 'editor', 'owner'];
export const isRole = (value: string): value is Role => value in rank;

export class TokenRegistry {
  private readonly bySecret = new Map<string, Principal>();

  add(secret: string, principal: Principal): void {
    this.bySecret.set(secret, principal);
  }

  remove(secret: string): void {
    this.bySecret.delete(secret);
  }

  find(authorization: string | undefined): Principal | undefined {
    const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    return match ? this.bySecret.get((match[1] ?? '').trim()) : undefined;
  }

  clear(): void {
    this.bySecret.clear();
  }

  /** Drops every token of a namespace (the namespace was deleted). */
  removeNamespace(namespace: string): void {
    for (const [secret, principal] of this.bySecret) if (principal.namespace === namespace) this.bySecret.delete(secret);
  }
}

/** 401 without a known token; 403 when its role in `namespace` is weaker than `role`. */
export function authorize(principal: Principal | undefined, namespace: string | undefined, role: Role): Principal {
  if (!principal) throw new ApiError(401, 'Unauthorized: send a valid API token as "Authorization: Bearer <token>"');
  if (namespace !== undefined && principal.namespace !== '*' && principal.namespace !== namespace) {
    throw new ApiError(403, `Forbidden: token "${principal.name}" has no role in namespace "${namespace}"`);
  }
  if (rank[principal.role] < rank[role]) {
    throw new ApiError(403, `Forbidden: this needs role ${role}${namespace ? ` in namespace "${namespace}"` : ''}; token "${principal.name}" has role ${principal.role}`);
  }
  return principal;
}

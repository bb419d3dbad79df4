// Authorization checks a storage or handler makes on top of the request's own, for the same user: kube-apiserver's
// `create` when an update creates (handlers/update.go, patch.go: withAuthorization with createAuthorizerAttributes),
// and the extra checks a resource needs, in the manner of CertificateSigningRequest approval (a SubjectAccessReview
// for verb `approve` on `signers`). They go through the request's Authorizer, so they share its cache and the
// system:masters shortcut; a denial is kube-apiserver's 403 wording, optionally followed by what to grant.

import type { RequestInfo } from '../serve/requestinfo.js';
import { statusErrors } from '../status.js';
import type { RequestContext, ResourceInfo } from '../storage.js';
import type { UserInfo } from '../types.js';
import { type Authorizer, forbidden } from './authorizer.js';

/** What a SubjectAccessReview's resourceAttributes hold; version and subresource are rarely needed. */
export interface ResourceAttributes {
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  version?: string;
}

/** The requesting user's rights, bound to that user. */
export interface UserAccess {
  readonly user: UserInfo;
  /** Whether the user may; throws (500) only when the authorizer cannot answer. */
  allowed(attributes: ResourceAttributes): Promise<boolean>;
  /** Throws kube-apiserver's 403 when the user may not; `hint` (e.g. the RBAC rule to add) ends the message. */
  require(attributes: ResourceAttributes, hint?: string): Promise<void>;
}

function requestInfoOf(a: ResourceAttributes): RequestInfo {
  return {
    isResourceRequest: true, path: '', verb: a.verb, apiGroup: a.group, apiVersion: a.version ?? '', resource: a.resource,
    namespace: a.namespace ?? '', subresource: a.subresource ?? '', name: a.name ?? '',
  };
}

export function userAccess(authorizer: Authorizer, user: UserInfo): UserAccess {
  const decide = async (attributes: ResourceAttributes) => {
    try {
      return await authorizer.authorize({ user, info: requestInfoOf(attributes) });
    } catch {
      throw statusErrors.internal('the authorizer could not be asked');
    }
  };
  return {
    user,
    allowed: async (attributes) => (await decide(attributes)).allowed,
    require: async (attributes, hint) => {
      const decision = await decide(attributes);
      if (decision.allowed) return;
      const reason = [decision.reason, hint].filter(Boolean).join('; ');
      throw forbidden({ user, info: requestInfoOf(attributes) }, reason || undefined);
    },
  };
}

/**
 * kube-apiserver's second authorization when a PUT or an apply creates the object: verb `create` on the same
 * resource and name. Without the user's access at hand it fails closed, as kube-apiserver does without an authorizer.
 */
export async function authorizeCreateOnUpdate(ctx: RequestContext, info: Pick<ResourceInfo, 'group' | 'resource'>, namespace: string | undefined, name: string): Promise<void> {
  if (!ctx.access) throw statusErrors.internal('no authorizer provided, unable to authorize a create on update');
  await ctx.access.require({ verb: 'create', group: info.group, resource: info.resource, namespace, name });
}

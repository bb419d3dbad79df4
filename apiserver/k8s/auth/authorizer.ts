// Authorization delegated to kube-apiserver with SubjectAccessReview, cached briefly, like k8s.io/apiserver's
// DelegatingAuthorizerConfig (allow and deny cached 10 s; system:masters always allowed). The cache forgets the least
// recently used decisions first; a SubjectAccessReview that does not answer in time refuses the request (503).

import type { RequestInfo } from '../serve/requestinfo.js';
import { DEFAULT_REVIEW_TIMEOUT_MS, ReviewCache, withReviewTimeout } from './review-cache.js';
import { statusErrors, type StatusError } from '../status.js';
import type { UserInfo } from '../types.js';

export interface Attributes {
  user: UserInfo;
  info: RequestInfo;
}

export interface Decision {
  allowed: boolean;
  reason?: string;
}

export interface Authorizer {
  authorize(attributes: Attributes): Promise<Decision>;
}

export interface SubjectAccessReviewSpec {
  user: string;
  uid?: string;
  groups: string[];
  extra: Record<string, string[]>;
  resourceAttributes?: { namespace?: string; verb: string; group?: string; version?: string; resource?: string; subresource?: string; name?: string };
  nonResourceAttributes?: { path: string; verb: string };
}

export interface SubjectAccessReviewResult {
  allowed: boolean;
  denied?: boolean;
  reason?: string;
}

/** POST authorization.k8s.io/v1 subjectaccessreviews; the real one talks to kube-apiserver. */
export interface SubjectAccessReviewer {
  review(spec: SubjectAccessReviewSpec): Promise<SubjectAccessReviewResult>;
}

export function subjectAccessReviewSpec({ user, info }: Attributes): SubjectAccessReviewSpec {
  const spec: SubjectAccessReviewSpec = { user: user.username, groups: user.groups, extra: user.extra };
  if (user.uid) spec.uid = user.uid;
  if (info.isResourceRequest) {
    spec.resourceAttributes = {
      verb: info.verb,
      group: info.apiGroup ?? '',
      version: info.apiVersion ?? '',
      resource: info.resource ?? '',
      namespace: info.namespace ?? '',
      subresource: info.subresource ?? '',
      name: info.name ?? '',
    };
  } else {
    spec.nonResourceAttributes = { path: info.path, verb: info.verb };
  }
  return spec;
}

export interface SubjectAccessReviewAuthorizerOptions {
  allowTtlMs?: number;
  denyTtlMs?: number;
  alwaysAllowGroups?: string[];
  maxCacheEntries?: number;
  /** How long a SubjectAccessReview may take before the request is refused. */
  timeoutMs?: number;
  now?: () => number;
}

export class SubjectAccessReviewAuthorizer implements Authorizer {
  private readonly cache;

  constructor(private readonly reviewer: SubjectAccessReviewer, private readonly options: SubjectAccessReviewAuthorizerOptions = {}) {
    this.cache = new ReviewCache<Decision>(options.maxCacheEntries ?? 10_000, options.now ?? Date.now);
  }

  async authorize(attributes: Attributes): Promise<Decision> {
    const alwaysAllow = this.options.alwaysAllowGroups ?? ['system:masters'];
    if (attributes.user.groups.some((g) => alwaysAllow.includes(g))) return { allowed: true };
    const spec = subjectAccessReviewSpec(attributes);
    const key = JSON.stringify(spec);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const result = await withReviewTimeout('SubjectAccessReview', this.options.timeoutMs ?? DEFAULT_REVIEW_TIMEOUT_MS, () => this.reviewer.review(spec));
    const decision: Decision = { allowed: result.allowed && !result.denied };
    if (result.reason) decision.reason = result.reason;
    const ttl = decision.allowed ? this.options.allowTtlMs ?? 10_000 : this.options.denyTtlMs ?? 10_000;
    this.cache.set(key, decision, ttl);
    return decision;
  }
}

/** kube-apiserver's 403 (responsewriters.Forbidden with apierrors.NewForbidden). */
export function forbidden({ user, info }: Attributes, reason?: string): StatusError {
  let message: string;
  if (!info.isResourceRequest) {
    message = `User "${user.username}" cannot ${info.verb} path "${info.path}"`;
  } else {
    const resource = info.subresource ? `${info.resource ?? ''}/${info.subresource}` : info.resource ?? '';
    message = info.namespace
      ? `User "${user.username}" cannot ${info.verb} resource "${resource}" in API group "${info.apiGroup ?? ''}" in the namespace "${info.namespace}"`
      : `User "${user.username}" cannot ${info.verb} resource "${resource}" in API group "${info.apiGroup ?? ''}" at the cluster scope`;
  }
  if (reason) message = `${message}: ${reason}`;
  const group = info.isResourceRequest ? info.apiGroup ?? '' : '';
  const resource = info.isResourceRequest ? info.resource ?? '' : '';
  let full: string;
  if (!resource && !group) full = `forbidden: ${message}`;
  else {
    const qualified = group ? `${resource}.${group}` : resource;
    full = info.name ? `${qualified} "${info.name}" is forbidden: ${message}` : `${qualified} is forbidden: ${message}`;
  }
  const err = statusErrors.forbidden(full, resource ? { group, resource, name: info.name } : undefined);
  if (!resource) delete err.status.details;
  return err;
}

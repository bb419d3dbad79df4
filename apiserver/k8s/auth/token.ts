// Bearer tokens sent directly (not through the aggregator, which strips Authorization), checked with TokenReview and
// cached for a short time like k8s.io/apiserver (10 s), least recently used answers forgotten first (review-cache.ts).
// Tokens are never logged; the cache is keyed by their hash. A TokenReview that does not answer in time fails closed.

import { createHash } from 'node:crypto';
import type { UserInfo } from '../types.js';
import { type AuthenticationRequest, type Authenticator, headerValues } from './authenticator.js';
import { DEFAULT_REVIEW_TIMEOUT_MS, ReviewCache, withReviewTimeout } from './review-cache.js';

export interface TokenReviewResult {
  authenticated: boolean;
  user?: UserInfo;
}

/** POST authentication.k8s.io/v1 tokenreviews; the real one talks to kube-apiserver. */
export interface TokenReviewer {
  review(token: string, audiences: string[]): Promise<TokenReviewResult>;
}

export interface TokenAuthenticatorOptions {
  audiences?: string[];
  cacheTtlMs?: number;
  /** Bounds memory under a flood of distinct bad tokens. */
  maxCacheEntries?: number;
  /** How long a TokenReview may take before the request is refused. */
  timeoutMs?: number;
  now?: () => number;
}

export class TokenAuthenticator implements Authenticator {
  private readonly cache;
  private readonly ttl: number;

  constructor(private readonly reviewer: TokenReviewer, private readonly options: TokenAuthenticatorOptions = {}) {
    this.ttl = options.cacheTtlMs ?? 10_000;
    this.cache = new ReviewCache<TokenReviewResult>(options.maxCacheEntries ?? 10_000, options.now ?? Date.now);
  }

  async authenticate(request: AuthenticationRequest): Promise<UserInfo | undefined> {
    const header = headerValues(request, 'authorization')[0];
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) return undefined;
    const token = m[1]!;
    const key = createHash('sha256').update(token).digest('hex');
    let result = this.cache.get(key);
    if (!result) {
      const timeout = this.options.timeoutMs ?? DEFAULT_REVIEW_TIMEOUT_MS;
      result = await withReviewTimeout('TokenReview', timeout, () => this.reviewer.review(token, this.options.audiences ?? []));
      this.cache.set(key, result, this.ttl);
    }
    return result.authenticated ? result.user : undefined;
  }
}

// Bearer tokens sent directly (not through the aggregator, which strips Authorization), checked with TokenReview and
// cached for a short time like k8s.io/apiserver (10 s). Tokens are never logged; the cache is keyed by their hash.

import { createHash } from 'node:crypto';
import type { UserInfo } from '../types.js';
import { type AuthenticationRequest, type Authenticator, headerValues } from './authenticator.js';

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
  now?: () => number;
}

export class TokenAuthenticator implements Authenticator {
  private readonly cache = new Map<string, { expires: number; result: TokenReviewResult }>();
  private readonly ttl: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly reviewer: TokenReviewer, private readonly options: TokenAuthenticatorOptions = {}) {
    this.ttl = options.cacheTtlMs ?? 10_000;
    this.maxEntries = options.maxCacheEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  async authenticate(request: AuthenticationRequest): Promise<UserInfo | undefined> {
    const header = headerValues(request, 'authorization')[0];
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) return undefined;
    const token = m[1]!;
    const key = createHash('sha256').update(token).digest('hex');
    const cached = this.cache.get(key);
    let result: TokenReviewResult;
    if (cached && cached.expires > this.now()) {
      result = cached.result;
    } else {
      result = await this.reviewer.review(token, this.options.audiences ?? []);
      if (this.cache.size >= this.maxEntries) this.cache.clear();
      this.cache.set(key, { expires: this.now() + this.ttl, result });
    }
    return result.authenticated ? result.user : undefined;
  }
}

// What TokenReview and SubjectAccessReview answers share: a cache that forgets the least recently used answers and
// every answer after its TTL (never all at once, so a flood of random tokens costs the flooder, not everyone's
// cached decisions), and a deadline on the review call, after which the request fails closed.

import { LRUCache } from 'lru-cache';

/** k8s.io/apiserver's webhook authenticator and authorizer time out after 10 s too. */
export const DEFAULT_REVIEW_TIMEOUT_MS = 10_000;

export class ReviewTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = 'ReviewTimeoutError';
  }
}

/** At most `maxEntries` answers, least recently used evicted first; each forgotten after its own TTL. */
export class ReviewCache<V> {
  private readonly entries: LRUCache<string, { expires: number; value: V }>;

  constructor(maxEntries: number, private readonly now: () => number = Date.now) {
    this.entries = new LRUCache({ max: maxEntries });
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires > this.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V, ttlMs: number): void {
    this.entries.set(key, { expires: this.now() + ttlMs, value });
  }
}

/** `call()`, or a ReviewTimeoutError after `ms`: the caller refuses the request rather than waiting without end. */
export async function withReviewTimeout<T>(what: string, ms: number, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ReviewTimeoutError(what, ms)), ms);
  });
  try {
    return await Promise.race([call(), expired]);
  } finally {
    clearTimeout(timer);
  }
}

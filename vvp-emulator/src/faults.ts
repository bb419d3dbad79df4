// Faults a test plants in the emulator (an error status, a delay, a closed connection for matching requests) and a count
// of the requests it served: how the tests show the client copes with a platform that fails, without a fake.

import { newId } from './ids.js';

/** A fault injected on the requests that match it (admin API). */
export interface Fault {
  id: string;
  /** HTTP method to match, or undefined for any. */
  method?: string;
  /** Glob (`*` = any characters) on the request path, e.g. `/api/v1/namespaces/*\/deployments*`. */
  path?: string;
  /** Exact route pattern as the request counter reports it, e.g. `/api/v1/namespaces/:namespace/deployments/:name`. */
  route?: string;
  latencyMs?: number;
  /** Answer with this status (and the platform's error body). */
  status?: number;
  /** Probability (0..1) that a matching request fails; without `status` or `closeConnection` it fails with 500. */
  errorRate?: number;
  /** With `status` (e.g. 429 or 503): the Retry-After header, in seconds, of the injected answer. */
  retryAfterSeconds?: number;
  /** Destroy the connection without an answer. */
  closeConnection?: boolean;
  /** Matching requests left before the fault removes itself; undefined = forever. */
  remaining?: number;
  message?: string;
  /** The shape of the injected error (errors.ts), over the emulator's. */
  shape?: 'vvp' | 'problem+json';
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

export class FaultRegistry {
  private faults: (Fault & { pattern?: RegExp })[] = [];

  add(input: Omit<Fault, 'id'>): Fault {
    const fault = { ...input, id: newId(), ...(input.path ? { pattern: globToRegExp(input.path) } : {}) };
    this.faults.push(fault);
    return this.view(fault);
  }

  list(): Fault[] {
    return this.faults.map((f) => this.view(f));
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length !== before;
  }

  clear(): void {
    this.faults = [];
  }

  get empty(): boolean {
    return this.faults.length === 0;
  }

  /** The faults that apply to a request, counting down those with a limited number of uses. */
  take(method: string, path: string, route: string | undefined): Fault[] {
    const hits = this.faults.filter(
      (f) =>
        (!f.method || f.method.toUpperCase() === method) &&
        (!f.pattern || f.pattern.test(path)) &&
        (!f.route || f.route === route),
    );
    for (const f of hits) if (f.remaining !== undefined) f.remaining--;
    this.faults = this.faults.filter((f) => f.remaining === undefined || f.remaining > 0);
    return hits.map((f) => this.view(f));
  }

  private view(fault: Fault & { pattern?: RegExp }): Fault {
    const { pattern: _pattern, ...rest } = fault;
    return rest;
  }
}

/** One platform request as answered: its path with the query, and the bytes of its body. */
export interface LoggedRequest {
  /** Counts every request logged since start (never reset), so a client can tell which came after a point. */
  seq: number;
  method: string;
  url: string;
  status: number;
  bytes: number;
}

/** How many answered requests the log keeps (the oldest go first). */
const LOG_LIMIT = 2_000;

/**
 * Requests received per route (method + route pattern), so tests can prove what a client did or did not call, and
 * the last answered requests with their query and size, to tell what it read.
 */
export class RequestCounter {
  private counts = new Map<string, number>();
  private total = 0;
  private writes = 0;
  private recent: LoggedRequest[] = [];

  private loggedCount = 0;

  log(entry: Omit<LoggedRequest, 'seq'>): void {
    this.recent.push({ seq: ++this.loggedCount, ...entry });
    if (this.recent.length > LOG_LIMIT) this.recent.splice(0, this.recent.length - LOG_LIMIT);
  }

  /** The last answered requests, oldest first. */
  logged(): LoggedRequest[] {
    return [...this.recent];
  }

  count(method: string, route: string): void {
    const key = `${method} ${route}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.total++;
    if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') this.writes++;
  }

  snapshot(): { total: number; writes: number; routes: Record<string, number> } {
    return { total: this.total, writes: this.writes, routes: Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b))) };
  }

  reset(): void {
    this.recent = [];
    this.counts = new Map();
    this.total = 0;
    this.writes = 0;
  }
}

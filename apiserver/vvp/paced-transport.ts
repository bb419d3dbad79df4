// Platform calls at the pace the platform can take. Every call first gets one of the instance's call slots
// (call-gate.ts, fair between flows), and a platform that answers 429, or 503 with Retry-After, slows this server
// down: no new call to that instance starts before the time it asked for. A read that was refused that way is sent
// again once that time has passed, as long as the call's budget (the platform request timeout, counted from the first
// attempt, including the wait for a slot) allows; otherwise the refusal goes back to the caller with its Retry-After,
// which a user sees as 429 TooManyRequests. A write is never sent again here: a platform that answered 429 may still
// have acted (behind a proxy that gave up, say), and only the caller can re-read and decide.

import { performance } from 'node:perf_hooks';
import { CallGate } from './call-gate.js';
import { VvpError } from './errors.js';
import type { HttpCall, HttpResult, Transport } from './http.js';

/** The flow of calls made outside any user's request (polls, the event mirror, the lease holder's pass). */
export const BACKGROUND_FLOW = 'background';
/** How long to hold back after a 429 that named no Retry-After. */
const DEFAULT_BACKOFF_MS = 1_000;
/** Attempts of one read refused for load, the first included. */
const MAX_READ_ATTEMPTS = 4;

export interface PacedCall extends HttpCall {
  /** Whose call this is, for fair sharing of the slots; default BACKGROUND_FLOW. */
  flow?: string;
}

export class PacedTransport {
  readonly gate: CallGate;

  constructor(private readonly transport: Transport, maxConcurrentCalls: number, private readonly budgetMs: number, onGate?: (running: number, waiting: number) => void) {
    this.gate = new CallGate(maxConcurrentCalls, onGate);
  }

  async call(call: PacedCall): Promise<HttpResult> {
    const deadline = performance.now() + this.budgetMs;
    for (let attempt = 1; ; attempt++) {
      const left = deadline - performance.now();
      const held = this.gate.pausedForMs;
      if (held > left) {
        // The platform asked for no calls for longer than this call may wait: its refusal, as it would answer again.
        throw new VvpError({
          kind: 'http', status: 429, method: call.method, route: call.route, retryAfterSeconds: Math.ceil(held / 1000),
          message: `it asked for no calls for ${Math.ceil(held / 1000)} s more (Retry-After)`,
        });
      }
      const ticket = await this.gate.acquire(call.flow ?? BACKGROUND_FLOW, Math.max(0, left), call.signal);
      if (ticket === 'aborted') throw new VvpError({ kind: 'aborted', message: `${call.method} ${call.route} was aborted`, method: call.method, route: call.route });
      if (ticket === 'timeout') {
        throw new VvpError({
          kind: 'timeout', method: call.method, route: call.route,
          message: `${call.method} ${call.route} found all ${this.gate.limit} platform call slots busy for ${Math.round(this.budgetMs)} ms`,
        });
      }
      let backoffMs: number | undefined;
      try {
        return await this.transport.call(call);
      } catch (err) {
        backoffMs = overloadBackoffMs(err);
        if (backoffMs === undefined) throw err;
        this.gate.pause(backoffMs);
        const retry = call.method === 'GET' && attempt < MAX_READ_ATTEMPTS && performance.now() + backoffMs < deadline;
        if (!retry) throw err;
      } finally {
        ticket.release();
      }
      if (!(await sleep(backoffMs, call.signal))) {
        throw new VvpError({ kind: 'aborted', message: `${call.method} ${call.route} was aborted`, method: call.method, route: call.route });
      }
    }
  }

  close(): void {
    this.transport.close();
  }
}

/** How long the platform asked to be left alone, when its answer says it is overloaded; undefined otherwise. */
export function overloadBackoffMs(err: unknown): number | undefined {
  if (!(err instanceof VvpError) || err.kind !== 'http') return undefined;
  if (err.status === 429) return err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : DEFAULT_BACKOFF_MS;
  // A 503 without Retry-After is an outage, not load shedding: it is answered at once (the outage paths handle it).
  if (err.status === 503 && err.retryAfterSeconds !== undefined) return err.retryAfterSeconds * 1000;
  return undefined;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

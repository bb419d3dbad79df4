// The platform protected on its own terms: at most `limit` calls to one platform instance run at once, whatever the
// number of users and background passes asking. Callers name a flow (a tenant, or "background" work); a call that
// finds every slot taken waits in its flow's queue, and a freed slot goes to the next flow in turn (round robin over
// the flows that wait), so one flow's burst of hundreds of calls delays another flow's call by at most one turn
// rather than by the whole burst. When the platform itself refuses for load (429/503 with Retry-After), no new call
// is started before that time: the platform is asked to do less, not the same again at once. The end of such a pause
// is checked on a monotonic clock, and again whenever its timer fires: Node counts a timer from the event loop's
// cached time, so it may fire a few milliseconds before the pause ends by the clock — and a waiter nobody woke again
// would wait out its whole budget (a 504 for a read that only had to wait a second).

import { performance } from 'node:perf_hooks';

/** Why a call did not get a slot. */
export type GateRefusal = 'aborted' | 'timeout';

export interface GateTicket {
  /** Gives the slot back; idempotent. */
  release(): void;
}

interface Waiter {
  grant: () => void;
}

export class CallGate {
  private running = 0;
  /** Waiting calls per flow, in arrival order; a flow is in the map only while it has waiters. */
  private readonly flows = new Map<string, Waiter[]>();
  private pausedUntil = 0;
  private pauseTimer: NodeJS.Timeout | undefined;
  /** Highest number of calls that ran at once, for tests and the bench. */
  peak = 0;

  constructor(
    readonly limit: number,
    private readonly onChange?: (running: number, waiting: number) => void,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  get inFlight(): number { return this.running; }

  get waiting(): number {
    let n = 0;
    for (const q of this.flows.values()) n += q.length;
    return n;
  }

  /** Waits for a slot for `flow`, at most `waitLimitMs`; an aborted signal gives up the place. */
  acquire(flow: string, waitLimitMs: number, signal?: AbortSignal): Promise<GateTicket | GateRefusal> {
    if (signal?.aborted) return Promise.resolve('aborted');
    if (this.running < this.limit && this.flows.size === 0 && !this.paused()) return Promise.resolve(this.take());
    return new Promise((resolve) => {
      const queue = this.flows.get(flow) ?? [];
      const leave = (outcome: GateRefusal): void => {
        const i = queue.indexOf(waiter);
        if (i < 0) return;
        queue.splice(i, 1);
        if (queue.length === 0 && this.flows.get(flow) === queue) this.flows.delete(flow);
        cleanup();
        this.changed();
        resolve(outcome);
      };
      const onAbort = (): void => leave('aborted');
      const timer = setTimeout(() => leave('timeout'), waitLimitMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        grant: () => {
          cleanup();
          resolve(this.take());
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
      this.flows.set(flow, queue);
      this.changed();
      this.dispatch();
    });
  }

  /** The platform asked to be left alone for `ms`: no call starts before then (calls already running go on). */
  pause(ms: number): void {
    const until = this.clock() + ms;
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    this.wakeAtPauseEnd();
  }

  /** Dispatches when the pause ends: a timer, set again if it fires early (see the top of this file). */
  private wakeAtPauseEnd(): void {
    clearTimeout(this.pauseTimer);
    const left = this.pausedUntil - this.clock();
    if (left <= 0) return;
    this.pauseTimer = setTimeout(() => this.dispatch(), Math.ceil(left) + 1);
    this.pauseTimer.unref();
  }

  /** Milliseconds until calls may start again after a platform's Retry-After; 0 when not held back. */
  get pausedForMs(): number {
    return Math.max(0, this.pausedUntil - this.clock());
  }

  private paused(): boolean {
    return this.clock() < this.pausedUntil;
  }

  private take(): GateTicket {
    this.running++;
    this.peak = Math.max(this.peak, this.running);
    this.changed();
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.running--;
        this.changed();
        this.dispatch();
      },
    };
  }

  /** Hands free slots out, one flow at a time: the flow served goes to the back of the line (Map order). */
  private dispatch(): void {
    if (this.paused()) {
      if (this.flows.size > 0) this.wakeAtPauseEnd();
      return;
    }
    while (this.running < this.limit && this.flows.size > 0 && !this.paused()) {
      const [flow, queue] = this.flows.entries().next().value as [string, Waiter[]];
      const waiter = queue.shift()!;
      this.flows.delete(flow);
      if (queue.length > 0) this.flows.set(flow, queue);
      waiter.grant();
    }
  }

  private changed(): void {
    try {
      this.onChange?.(this.running, this.waiting);
    } catch {
      // Metrics must never stall the gate.
    }
  }
}

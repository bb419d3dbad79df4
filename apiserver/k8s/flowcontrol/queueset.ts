// Fair queuing of one priority level, after k8s.io/apiserver fairqueuing/queueset/queueset.go: a request is dealt a
// hand of queues by its flow (shuffle-sharding.ts), joins the one with the least waiting work, and is rejected when
// all seats are taken and that queue is full; seats are handed to the waiting queue whose oldest request would finish
// first in virtual time (R: seat-seconds of service each active queue has had), so a flow with many requests waits
// behind flows with few. Queues that stay busy longer than estimated are charged the difference when a request ends.
// A priority level of queues < 1 (limitResponse Reject) runs or rejects at once; an exempt one runs everything.
// Borrowing (borrowing-levels.ts) changes the concurrency limit live and reads the seat demand reported here.

import { dealHand } from './shuffle-sharding.js';

/** kube's initial estimate of a request's service time (queueset.go). */
const ESTIMATED_SERVICE_SECONDS = 0.003;

export interface QueuingConfig {
  /** Queues of the level; 0: reject at once when full (Reject); -1: exempt (never limited). */
  queues: number;
  handSize: number;
  queueLengthLimit: number;
  /** Seats of the level: its current concurrency limit (nominal, then as borrowing adjusts it). */
  concurrencyLimit: number;
}

export type RejectReason = 'queue-full' | 'concurrency-limit' | 'time-out' | 'cancelled';

export interface Ticket {
  /** True when the request waited in a queue before it got its seats. */
  queued: boolean;
  /** Gives the seats back; idempotent. */
  finish(): void;
}

interface Waiting {
  seats: number;
  flowSchema: string;
  arrivalR: number;
  queue: Queue;
  settle: (outcome: Ticket | RejectReason) => void;
  timer?: NodeJS.Timeout;
}

class Queue {
  waiting: Waiting[] = [];
  executing = 0;
  seatsInUse = 0;
  nextDispatchR = 0;
  get waitingSeats(): number { return this.waiting.reduce((sum, w) => sum + w.seats, 0); }
  get idle(): boolean { return this.waiting.length === 0 && this.executing === 0; }
}

export interface QueueSetObserver {
  /** Called after every change of the waiting/executing counts, per flow schema. */
  onChange?(flowSchema: string, waitingDelta: number, executingDelta: number, seatsDelta: number): void;
  /** Called after every change of the seats in use plus the seats waiting (kube's seatDemandIntegrator). */
  onSeatDemand?(seats: number): void;
}

export class QueueSet {
  private queues: Queue[] = [];
  private currentR = 0;
  private lastRealSeconds: number;
  private robinIndex = -1;
  private enqueues = 0;
  seatsInUse = 0;
  seatsWaiting = 0;
  executing = 0;
  waiting = 0;

  /** `now`: a clock in seconds (tests pass their own). */
  constructor(private config: QueuingConfig, private readonly observer: QueueSetObserver = {}, private readonly now: () => number = () => performance.now() / 1000) {
    this.lastRealSeconds = now();
    this.reconfigure(config);
  }

  reconfigure(config: QueuingConfig): void {
    this.config = config;
    while (this.queues.length < config.queues) this.queues.push(new Queue());
    while (this.queues.length > Math.max(0, config.queues) && this.queues.at(-1)!.idle) this.queues.pop();
    this.dispatchAsMuchAsPossible();
  }

  get concurrencyLimit(): number { return this.config.concurrencyLimit; }

  /** A new current limit (kube's UpdateConfig on a borrowing adjustment): a raised one dispatches at once. */
  setConcurrencyLimit(concurrencyLimit: number): void {
    if (concurrencyLimit === this.config.concurrencyLimit) return;
    this.syncTime();
    this.reconfigure({ ...this.config, concurrencyLimit });
  }

  private noteDemand(): void {
    this.observer.onSeatDemand?.(this.seatsInUse + this.seatsWaiting);
  }

  /**
   * Asks for `seats`; resolves with a ticket once they are granted, or with why not. `waitLimitMs` bounds the wait in
   * a queue; `abort` (the client went away) takes a waiting request out.
   */
  start(seats: number, hash: bigint, flowSchema: string, waitLimitMs: number, abort?: AbortSignal): Promise<Ticket | RejectReason> {
    this.syncTime();
    if (this.config.queues < 1) {
      if (!this.canAccommodate(seats)) return Promise.resolve('concurrency-limit');
      return Promise.resolve(this.execute(seats, flowSchema, undefined, false));
    }
    const queue = this.queues[this.shuffleShard(hash)]!;
    if (this.seatsInUse >= this.config.concurrencyLimit && queue.waiting.length >= this.config.queueLengthLimit) {
      return Promise.resolve('queue-full');
    }
    return new Promise((resolve) => {
      if (queue.idle) queue.nextDispatchR = this.currentR;
      const entry: Waiting = { seats, flowSchema, arrivalR: this.currentR, queue, settle: resolve };
      queue.waiting.push(entry);
      this.waiting++;
      this.seatsWaiting += seats;
      this.observer.onChange?.(flowSchema, 1, 0, 0);
      this.noteDemand();
      this.boundNextDispatch(queue);
      const drop = (reason: RejectReason) => {
        const i = queue.waiting.indexOf(entry);
        if (i < 0) return;
        queue.waiting.splice(i, 1);
        this.waiting--;
        this.seatsWaiting -= seats;
        this.observer.onChange?.(flowSchema, -1, 0, 0);
        this.noteDemand();
        clearTimeout(entry.timer);
        this.trimQueues();
        resolve(reason);
      };
      entry.timer = setTimeout(() => drop('time-out'), waitLimitMs);
      abort?.addEventListener('abort', () => drop('cancelled'), { once: true });
      this.dispatchAsMuchAsPossible();
    });
  }

  private shuffleShard(hash: bigint): number {
    const hand = dealHand(hash, this.config.queues, Math.min(this.config.handSize, this.config.queues));
    const offset = this.enqueues++ % hand.length;
    let best = hand[offset]!;
    let least = Infinity;
    for (let i = 0; i < hand.length; i++) {
      const index = hand[(offset + i) % hand.length]!;
      const work = this.queues[index]!.waitingSeats * ESTIMATED_SERVICE_SECONDS;
      if (work < least) { least = work; best = index; }
    }
    return best;
  }

  private canAccommodate(seats: number): boolean {
    if (this.config.queues < 0) return true;
    if (seats > this.config.concurrencyLimit) return this.executing === 0;
    return this.seatsInUse + seats <= this.config.concurrencyLimit;
  }

  private execute(seats: number, flowSchema: string, queue: Queue | undefined, queued: boolean): Ticket {
    const started = this.now();
    this.executing++;
    this.seatsInUse += seats;
    if (queue) { queue.executing++; queue.seatsInUse += seats; }
    this.observer.onChange?.(flowSchema, 0, 1, seats);
    this.noteDemand();
    let done = false;
    return {
      queued,
      finish: () => {
        if (done) return;
        done = true;
        this.syncTime();
        this.executing--;
        this.seatsInUse -= seats;
        this.observer.onChange?.(flowSchema, 0, -1, -seats);
        this.noteDemand();
        if (queue) {
          queue.executing--;
          queue.seatsInUse -= seats;
          const actual = this.now() - started;
          queue.nextDispatchR -= seats * (ESTIMATED_SERVICE_SECONDS - actual);
          this.boundNextDispatch(queue);
        }
        this.trimQueues();
        this.dispatchAsMuchAsPossible();
      },
    };
  }

  private dispatchAsMuchAsPossible(): void {
    while (this.waiting > 0 && (this.config.queues < 0 || this.seatsInUse < this.config.concurrencyLimit) && this.dispatchOne());
  }

  /** The waiting queue whose oldest request has the least virtual finish time gets its seats, if they fit. */
  private dispatchOne(): boolean {
    let minFinish = Infinity;
    let minQueue: Queue | undefined;
    let minIndex = this.robinIndex;
    for (let n = 0; n < this.queues.length; n++) {
      this.robinIndex = (this.robinIndex + 1) % this.queues.length;
      const queue = this.queues[this.robinIndex]!;
      const oldest = queue.waiting[0];
      if (!oldest) continue;
      const finish = queue.nextDispatchR + oldest.seats * ESTIMATED_SERVICE_SECONDS;
      if (finish < minFinish) { minFinish = finish; minQueue = queue; minIndex = this.robinIndex; }
    }
    const oldest = minQueue?.waiting[0];
    if (!minQueue || !oldest || !this.canAccommodate(oldest.seats)) return false;
    this.robinIndex = minIndex;
    minQueue.waiting.shift();
    this.waiting--;
    this.seatsWaiting -= oldest.seats;
    clearTimeout(oldest.timer);
    this.observer.onChange?.(oldest.flowSchema, -1, 0, 0);
    const ticket = this.execute(oldest.seats, oldest.flowSchema, minQueue, true);
    minQueue.nextDispatchR += oldest.seats * ESTIMATED_SERVICE_SECONDS;
    this.boundNextDispatch(minQueue);
    oldest.settle(ticket);
    return true;
  }

  private boundNextDispatch(queue: Queue): void {
    const oldest = queue.waiting[0];
    if (oldest && queue.nextDispatchR < oldest.arrivalR) queue.nextDispatchR = oldest.arrivalR;
  }

  /** Advances R by the real time passed times the seats each active queue is served at (getVirtualTimeRatio). */
  private syncTime(): void {
    const now = this.now();
    const elapsed = now - this.lastRealSeconds;
    this.lastRealSeconds = now;
    let active = 0;
    let requested = 0;
    for (const queue of this.queues) {
      requested += queue.seatsInUse + queue.waitingSeats;
      if (!queue.idle) active++;
    }
    if (active > 0) this.currentR += elapsed * Math.min(requested, this.config.concurrencyLimit) / active;
  }

  /** Queues beyond a shrunk configuration go once they are idle. */
  private trimQueues(): void {
    const desired = Math.max(0, this.config.queues);
    while (this.queues.length > desired && this.queues.at(-1)!.idle) this.queues.pop();
    if (this.robinIndex >= this.queues.length) this.robinIndex = -1;
  }

  get idle(): boolean { return this.executing === 0 && this.waiting === 0; }
}

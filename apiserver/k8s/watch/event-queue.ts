// A push → pull bridge for watch events: producers push, the watch handler pulls with for-await. A watcher that
// stops reading is stopped once it is behind by more than a number of events or of bytes, whichever comes first.
// A watch's initial events are queued as recipes (pushInitial) and made only when the reader pulls them: a watch
// starting over 10,000 objects holds references, not 10,000 objects, and a client that drops it after the headers
// (a reconnect loop) costs no more than the events its socket took.

import type { WatchEvent, WatchStream } from '../storage.js';

export interface EventQueueLimits {
  /** Events buffered for a watcher that does not read (default 10,000). */
  maxEvents?: number;
  /** Their size (default 32 MiB), as `sizeOf` tells it. */
  maxBytes?: number;
  /** An event's size in bytes (its JSON, as far as the producer knows it; default 1 KiB). */
  sizeOf?: (event: WatchEvent) => number;
}

export const DEFAULT_MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

export class EventQueue implements WatchStream {
  private readonly buffer: (WatchEvent | (() => WatchEvent))[] = [];
  private readonly sizes: number[] = [];
  private bufferedBytes = 0;
  private readonly maxEvents: number;
  private readonly maxBytes: number;
  private readonly sizeOf: (event: WatchEvent) => number;
  private waiting?: (result: IteratorResult<WatchEvent>) => void;
  private closed = false;

  /**
   * A watcher more than `limits` behind is stopped (kube-apiserver closes unresponsive watchers too): its client
   * re-watches from the last resourceVersion it saw, instead of this process buffering without bound.
   */
  constructor(
    private readonly onStop: () => void = () => {},
    private readonly resourceVersion?: () => string | undefined,
    limits: EventQueueLimits | number = {},
  ) {
    const l = typeof limits === 'number' ? { maxEvents: limits } : limits;
    this.maxEvents = l.maxEvents ?? 10_000;
    this.maxBytes = l.maxBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.sizeOf = l.sizeOf ?? (() => 1024);
  }

  /** Bytes buffered for the reader now. */
  get buffered(): number {
    return this.bufferedBytes;
  }

  get stopped(): boolean {
    return this.closed;
  }

  /**
   * `initial`: one of the events a watch starts with (its initial list or replay), buffered before the reader can
   * start; they count towards the bytes but never stop the watch on their own.
   */
  push(event: WatchEvent, initial = false): void {
    if (this.closed) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: event, done: false });
      return;
    }
    const size = this.sizeOf(event);
    if (!initial && (this.buffer.length >= this.maxEvents || this.bufferedBytes + size > this.maxBytes)) {
      this.stop();
      return;
    }
    this.buffer.push(event);
    this.sizes.push(size);
    this.bufferedBytes += size;
  }

  /**
   * One of the events a watch starts with, made only when the reader comes to it; `size` is its JSON's size as far as
   * the producer knows it. Like push(…, true), it never stops the watch on its own.
   */
  pushInitial(make: () => WatchEvent, size: number): void {
    if (this.closed) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: make(), done: false });
      return;
    }
    this.buffer.push(make);
    this.sizes.push(size);
    this.bufferedBytes += size;
  }

  /** Ends the stream after the events already queued. */
  stop(): void {
    if (this.closed) return;
    this.closed = true;
    this.onStop();
    if (this.waiting && this.buffer.length === 0) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  currentResourceVersion(): string | undefined {
    return this.resourceVersion?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    return {
      next: () => {
        const queued = this.buffer.shift();
        if (queued) {
          this.bufferedBytes -= this.sizes.shift() ?? 0;
          return Promise.resolve({ value: typeof queued === 'function' ? queued() : queued, done: false });
        }
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
      return: () => {
        this.stop();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

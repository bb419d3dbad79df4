// A push → pull bridge for watch events: producers push, the watch handler pulls with for-await.

import type { WatchEvent, WatchStream } from './storage.js';

export class EventQueue implements WatchStream {
  private readonly buffer: WatchEvent[] = [];
  private waiting?: (result: IteratorResult<WatchEvent>) => void;
  private closed = false;

  /**
   * A watcher more than `maxBuffered` events behind is stopped (kube-apiserver closes unresponsive watchers too): its
   * client re-watches from the last resourceVersion it saw, instead of this process buffering without bound.
   */
  constructor(
    private readonly onStop: () => void = () => {},
    private readonly resourceVersion?: () => string | undefined,
    private readonly maxBuffered = 10_000,
  ) {}

  get stopped(): boolean {
    return this.closed;
  }

  push(event: WatchEvent): void {
    if (this.closed) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: event, done: false });
    } else if (this.buffer.length >= this.maxBuffered) {
      this.stop();
    } else {
      this.buffer.push(event);
    }
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
        const event = this.buffer.shift();
        if (event) return Promise.resolve({ value: event, done: false });
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

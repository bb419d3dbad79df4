// Platform reads kept for a short time, and only while what they belong to is unchanged: a GET repeated within the
// poll interval reads the deployment itself again, but not its jobs, savepoints and Autopilot state.

export class RecentReads<T> {
  private readonly entries = new Map<string, { at: number; version: string; value: T }>();
  private lastSweep = 0;

  constructor(private readonly maxAgeMs: number, private readonly clock: () => number = () => performance.now()) {}

  /** Whether a read of `key` younger than the maximum age is kept (whatever version it belongs to). */
  has(key: string): boolean {
    const e = this.entries.get(key);
    return e !== undefined && this.clock() - e.at <= this.maxAgeMs;
  }

  /** The kept read of `key`, if it is young enough and was made for this `version` of its owner. */
  get(key: string, version: string): T | undefined {
    const e = this.entries.get(key);
    return e && e.version === version && this.clock() - e.at <= this.maxAgeMs ? e.value : undefined;
  }

  /** Keeps a read that started at `at` (a read's age counts from before the platform answered). */
  set(key: string, version: string, value: T, at: number): void {
    if (this.maxAgeMs <= 0) return;
    this.entries.set(key, { at, version, value });
    const now = this.clock();
    if (now - this.lastSweep > this.maxAgeMs) {
      this.lastSweep = now;
      for (const [k, e] of this.entries) if (now - e.at > this.maxAgeMs) this.entries.delete(k);
    }
  }

  /** The kept read of `key` for version `from` stands for version `to` too, as old as it was. */
  carry(key: string, from: string, to: string): void {
    const e = this.entries.get(key);
    if (e && e.version === from) this.entries.set(key, { ...e, version: to });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  now(): number {
    return this.clock();
  }
}

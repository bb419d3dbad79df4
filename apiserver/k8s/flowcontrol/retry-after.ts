// The Retry-After of a rejected request, per priority level: kube's dropped_requests_tracker.go. It starts at 1 s,
// doubles (at most once per its own length, up to 32 s) while the level keeps dropping at least 3 requests per
// second of it, and shrinks by a second when fewer than one per second were dropped.

const MAX_RETRY_AFTER = 32;

class DroppedRequestsStats {
  private history: Array<{ second: number; count: number }> = [];
  private currentSecond = 0;
  private currentCount = 0;
  private updatedAt = 0;
  retryAfter = 1;

  record(second: number): void {
    if (second === this.currentSecond) {
      this.currentCount++;
      return;
    }
    this.history.push({ second: this.currentSecond, count: this.currentCount });
    const keep = Math.min(2 * this.retryAfter, MAX_RETRY_AFTER);
    this.history = this.history.filter((h) => second - h.second <= keep);
    this.currentSecond = second;
    this.currentCount = 1;
    this.update(second);
  }

  private update(second: number): void {
    let dropped = 0;
    for (const h of this.history) if (second - h.second <= this.retryAfter) dropped += h.count;
    if (second - this.updatedAt >= this.retryAfter && dropped >= 3 * this.retryAfter) {
      this.retryAfter = Math.min(this.retryAfter * 2, MAX_RETRY_AFTER);
      this.updatedAt = second;
      return;
    }
    if (dropped < this.retryAfter && this.retryAfter > 1) this.retryAfter--;
  }
}

export class DroppedRequestsTracker {
  private readonly levels = new Map<string, DroppedRequestsStats>();

  constructor(private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000)) {}

  recordDropped(priorityLevel: string): void {
    let stats = this.levels.get(priorityLevel);
    if (!stats) this.levels.set(priorityLevel, stats = new DroppedRequestsStats());
    stats.record(this.nowSeconds());
  }

  retryAfterSeconds(priorityLevel: string): number {
    return this.levels.get(priorityLevel)?.retryAfter ?? 1;
  }
}

// The watch's reads one by one between full listings (issue 32): the deployments this server just wrote or that are
// in a transition (decide/hot-set.ts chooses them) are read by id every hot interval, each with what its view is
// built from (the deployment, its jobs, savepoints and Autopilot state, as a listing builds it), and handed to the
// watch hub's refresh (k8s/watch/refresh-loop.ts). They run only while the full listing comes less often than they
// do, and they spend the same bytes budget: at most HOT_READ_SHARE of it per interval, and what they spent delays the
// next full listing (listing.ts counts it in the poll interval), so the platform reads no more bytes per second
// than the budget allows.

import { ASSUMED_READ_BYTES, HotSet, hotReadsPerInterval, inTransition } from '../decide/hot-set.js';
import { NEVER, type StorageCore } from '../flows/core.js';
import type { ManagedEntry } from './namespace-reader.js';

/** Hot reads at once, per platform namespace. */
const CONCURRENT_READS = 8;
/** A written deployment stays hot for this many hot intervals, whatever its first reads show. */
const WRITE_HOLD_INTERVALS = 10;

export class HotReads {
  private readonly sets = new Map<string, HotSet>();
  /** Per platform namespace: bytes the hot reads spent since the last full poll was scheduled. */
  private readonly spent = new Map<string, number>();
  /** Per platform namespace: the interval of the full poll, as last decided. */
  private readonly fullIntervals = new Map<string, number>();
  /** The bytes of one hot read, averaged over the reads so far. */
  private bytesPerRead = ASSUMED_READ_BYTES;

  constructor(private readonly core: StorageCore) {}

  /** The hot interval: the configured one, else the configured poll interval (the full listing may come later). */
  get intervalMs(): number {
    const watch = this.core.options.watch;
    return watch?.hotReadIntervalMs ?? watch?.pollIntervalMs ?? 0;
  }

  private hot(pns: string): HotSet {
    let set = this.sets.get(pns);
    if (!set) this.sets.set(pns, (set = new HotSet(WRITE_HOLD_INTERVALS * this.intervalMs)));
    return set;
  }

  /** A write through this server landed on deployment `id`. */
  wrote(pns: string, id: string): void {
    this.hot(pns).wrote(id, performance.now());
  }

  /** A full listing that started at `startedAt` saw these deployments in a transition. */
  listed(pns: string, transitioning: readonly string[], startedAt: number): void {
    this.hot(pns).listed(transitioning, startedAt);
  }

  /** Whether this view shows a deployment in a transition (decide/hot-set.ts). */
  readonly inTransition = inTransition;

  /** The full poll's interval was decided: the hot reads run while it is longer than theirs. */
  fullPollInterval(pns: string, ms: number): void {
    this.fullIntervals.set(pns, ms);
  }

  /** The interval of the hot reads of a platform namespace; 0 while the full listing comes as often. */
  refreshIntervalMs(pns: string): number {
    const hot = this.intervalMs;
    return hot > 0 && (this.fullIntervals.get(pns) ?? 0) > hot ? hot : 0;
  }

  /** The bytes spent since the last call (they count in the next full poll's budget). */
  takeSpent(pns: string): number {
    const bytes = this.spent.get(pns) ?? 0;
    this.spent.delete(pns);
    return bytes;
  }

  /**
   * One round of hot reads: the ids read (a read that failed is left out: it says nothing of its deployment) and the
   * entries of those still there; undefined when none is hot.
   */
  async read(pns: string): Promise<{ ids: string[]; entries: ManagedEntry[] } | undefined> {
    const set = this.hot(pns);
    const count = hotReadsPerInterval(this.core.options.watch?.pollBytesBudget ?? 0, this.intervalMs, this.bytesPerRead);
    const chosen = set.choose(performance.now(), count);
    if (chosen.length === 0) return undefined;
    const ids: string[] = [];
    const entries: ManagedEntry[] = [];
    let bytes = 0;
    let failure: unknown;
    const queue = [...chosen];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          const read = await this.core.reader.deploymentEntry(pns, id, NEVER);
          bytes += read.bytes;
          ids.push(id);
          if (read.entry) entries.push(read.entry);
          set.read(id, !read.entry ? 'gone' : read.entry.view && inTransition(read.entry.view) ? 'transition' : 'rest', performance.now());
        } catch (err) {
          failure ??= err; // not read: the next round or the next full listing tries again
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENT_READS, chosen.length) }, worker));
    this.spent.set(pns, (this.spent.get(pns) ?? 0) + bytes);
    if (ids.length === 0 && failure !== undefined) throw failure;
    if (ids.length > 0) this.bytesPerRead = Math.max(1, Math.round((this.bytesPerRead * 3 + bytes / ids.length) / 4));
    return { ids, entries };
  }
}

// Which deployments a watch reads one by one between two full listings of their platform namespace (issue 32). The
// platform has no change feed, so a watch lists the namespace; under the bytes budget a listing of 10,000 deployments
// comes only every few seconds, and a change waits for it. But changes are not spread evenly: they follow a write
// through this server (the job reaches RUNNING seconds after a create), or a deployment in a transition moves on
// (a job STARTING or TERMINATING, a savepoint in flight, a savepoint nonce or a deletion pending). Those few are the
// "hot set": read by id every short interval (a GET is a few KB), while the listing keeps its budgeted interval for
// the rest. Pure: the set's state and the choice of ids here; the reads and the clock are listing.ts's.
//
// - A written id stays hot for `holdMs` after the write, then as long as its last read shows a transition: the
//   platform reacts to a write a moment after answering it, so the first read may still show it at rest.
// - An id a full listing or a hot read shows in a transition is hot until one shows it at rest (or gone).
// - When the budget allows fewer reads than there are hot ids, the written ones go first, then the ones read least
//   recently, so that every hot id gets its turn.

import type { Deployment, Job, Savepoint } from '../../vvp/index.js';
import { hasPendingWork } from './pending-work.js';

/** The part of one deployment's view the transition is decided from. */
export interface TransitionInputs {
  deployment: Deployment;
  job?: Job;
  savepoints?: readonly Savepoint[];
}

/**
 * Whether the deployment is expected to change without a write: the platform moving it towards its desired state, a
 * job starting or stopping, a savepoint in flight or being deleted, or work this server's background pass finishes.
 * A FAILED or FINISHED deployment is at rest, whatever its desired state.
 */
export function inTransition({ deployment: d, job, savepoints }: TransitionInputs): boolean {
  const observed = d.status?.state;
  if (observed === 'TRANSITIONING') return true;
  if (observed !== 'FAILED' && observed !== 'FINISHED' && observed !== undefined && d.spec.state !== observed) return true;
  const jobState = job?.status?.state;
  if (jobState === 'STARTING' || jobState === 'STANDBY' || jobState === 'TERMINATING') return true;
  if (observed === 'RUNNING' && job !== undefined && jobState !== 'STARTED') return true;
  if ((savepoints ?? []).some((s) => {
    const state = s.status?.state ?? 'STARTED';
    return state === 'STARTED' || state === 'PENDING_DELETION' || state === 'DELETING';
  })) return true;
  return hasPendingWork(d);
}

/** Of the bytes budget per second, the share hot reads may spend; the full listing waits for what they spent. */
export const HOT_READ_SHARE = 0.5;
/** At most this many hot reads per interval, budget or not: the platform serves other clients too. */
export const MAX_HOT_READS = 200;
/** The bytes of one hot read (a deployment, its jobs and savepoints) assumed before one was measured. */
export const ASSUMED_READ_BYTES = 6_000;

/**
 * How many deployments to read one by one in one interval of `intervalMs`: the share of the budget (bytes/s; 0 or
 * less: none) those reads may spend, over the bytes one read costs, at most MAX_HOT_READS.
 */
export function hotReadsPerInterval(budgetBytesPerSecond: number, intervalMs: number, bytesPerRead: number): number {
  if (!(budgetBytesPerSecond > 0)) return MAX_HOT_READS;
  const allowed = (budgetBytesPerSecond * intervalMs * HOT_READ_SHARE) / 1000;
  return Math.max(0, Math.min(MAX_HOT_READS, Math.floor(allowed / Math.max(1, bytesPerRead))));
}

/** Written ids kept before those past their hold are dropped on a write. */
const PRUNE_ABOVE = 256;

/** The hot set of one platform namespace. */
export class HotSet {
  /** Written id → until when it stays hot whatever its reads show. */
  private readonly written = new Map<string, number>();
  /** Ids last seen in a transition (by a full listing or a hot read). */
  private transitioning = new Set<string>();
  /** Id → when it was last read one by one. */
  private readonly lastRead = new Map<string, number>();
  /** Written ids kept before a write prunes them (PRUNE_ABOVE, or twice what the last prune left). */
  private pruneAbove = PRUNE_ABOVE;

  constructor(private readonly holdMs: number) {}

  /** The ids held (written, or seen in a transition), whether or not past their hold: what the set costs in memory. */
  get held(): number {
    return new Set([...this.written.keys(), ...this.transitioning]).size;
  }

  /** A write through this server landed on `id` at `now`. */
  wrote(id: string, now: number): void {
    this.written.set(id, now + this.holdMs);
    // Unwatched, nothing reads the set: the written ids past their hold go here, so that they never pile up. The
    // bound doubles over what a prune leaves (ids still held), so a burst of writes within the hold is not a scan per
    // write (that scan was 3% of the server's CPU per write at 1,000 writes, bench measure 11).
    if (this.written.size > this.pruneAbove) {
      this.ids(now);
      this.pruneAbove = Math.max(PRUNE_ABOVE, 2 * this.written.size);
    }
  }

  /** A full listing that started at `startedAt` found these ids in a transition (and every other at rest). */
  listed(transitioning: Iterable<string>, startedAt: number): void {
    const next = new Set(transitioning);
    // A hot read newer than the listing knows better.
    for (const id of this.transitioning) if (!next.has(id) && (this.lastRead.get(id) ?? -Infinity) > startedAt) next.add(id);
    this.transitioning = next;
    for (const id of this.lastRead.keys()) if (!next.has(id) && !this.written.has(id)) this.lastRead.delete(id);
  }

  /** A hot read of `id` at `now`: gone (deleted, or no longer this server's), in a transition, or at rest. */
  read(id: string, seen: 'gone' | 'transition' | 'rest', now: number): void {
    if (seen === 'gone') {
      this.written.delete(id);
      this.transitioning.delete(id);
      this.lastRead.delete(id);
      return;
    }
    this.lastRead.set(id, now);
    if (seen === 'transition') this.transitioning.add(id);
    else this.transitioning.delete(id);
  }

  /** The hot ids at `now` (written ids past their hold and at rest leave the set). */
  ids(now: number): string[] {
    for (const [id, until] of this.written) if (until <= now && !this.transitioning.has(id)) this.written.delete(id);
    return [...new Set([...this.written.keys(), ...this.transitioning])];
  }

  /** At most `count` hot ids to read now: written ones first, then those read least recently. */
  choose(now: number, count: number): string[] {
    if (count <= 0) return [];
    const ids = this.ids(now);
    if (ids.length <= count) return ids;
    const rank = (id: string) => (this.written.has(id) ? 0 : 1);
    return ids
      .map((id) => ({ id, rank: rank(id), at: this.lastRead.get(id) ?? -Infinity }))
      .sort((a, b) => a.rank - b.rank || a.at - b.at)
      .slice(0, count)
      .map((c) => c.id);
  }
}

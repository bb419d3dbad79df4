// Classification and admission of one request, as apf_controller.go's startRequest: the first matching FlowSchema
// (rule.ts) names the priority level; the flow within it (ByUser, ByNamespace or none) picks the queues
// (shuffle-sharding.ts) of the level's QueueSet (queueset.ts), whose seats levels.ts sized. The configuration is
// re-derived from the cluster's objects whenever they change; a level that stays keeps its queues and waiters. Every
// borrowing period (kube's 10 s) and on every change, the levels' current limits are recomputed from their seat
// demand (borrowing-levels.ts) and set on their queue sets, as kube's updateBorrowing does. Exempt requests run in
// the exempt level's queue set too: never held back, but their seats count, as the exempt level's demand.

import type { ObjectSource } from '../admission/index.js';
import { BORROWING_ADJUSTMENT_PERIOD_MS, type BorrowingOutcome } from './borrowing.js';
import { BorrowingLevels } from './borrowing-levels.js';
import { type LevelPlan, planLevels } from './levels.js';
import { QueueSet, type QueueSetObserver, type RejectReason, type Ticket } from './queueset.js';
import { DroppedRequestsTracker } from './retry-after.js';
import { flowDistinguisher, orderedFlowSchemas, selectFlowSchema } from './rule.js';
import { hashFlowID } from './shuffle-sharding.js';
import type { FlowSchema, PriorityLevelConfiguration, RequestDigest } from './types.js';
import { ObjectStats, groupResource } from './object-stats.js';
import { type WidthRequest, requestSeats } from './width.js';

export interface Classification {
  flowSchema: string;
  flowSchemaUid: string;
  priorityLevel: string;
  priorityLevelUid: string;
  distinguisher: string;
  exempt: boolean;
  /** The seats this request takes while it executes. */
  seats: number;
}

export interface FlowControlObserver extends QueueSetObserver {
  onLevels?(plans: LevelPlan[]): void;
  onBorrowing?(outcome: BorrowingOutcome): void;
}

export interface FlowControllerOptions {
  /** How often the current limits are recomputed once startBorrowing() ran (kube: 10 s). */
  borrowingPeriodMs?: number;
  /** A clock in seconds (tests pass their own). */
  now?: () => number;
}

interface Level {
  plan: LevelPlan;
  queues: QueueSet;
}

export class FlowController {
  private schemas: FlowSchema[] = [];
  private levels = new Map<string, Level>();
  private seen = '';
  private readonly borrowing: BorrowingLevels;
  private readonly now: () => number;
  private timer?: NodeJS.Timeout;
  readonly dropped = new DroppedRequestsTracker();
  /** The resources' object counts and sizes that requests' seats are estimated from (the read handler records them). */
  readonly objectStats = new ObjectStats();

  constructor(
    private readonly flowSchemas: ObjectSource<FlowSchema>,
    private readonly priorityLevels: ObjectSource<PriorityLevelConfiguration>,
    readonly totalSeats: number,
    private readonly observer: (level: string) => FlowControlObserver = () => ({}),
    private readonly options: FlowControllerOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now() / 1000);
    this.borrowing = new BorrowingLevels(this.now);
  }

  /** Recomputes the current limits every borrowing period until stop(). */
  startBorrowing(): void {
    this.timer ??= setInterval(() => this.adjustBorrowing(), this.options.borrowingPeriodMs ?? BORROWING_ADJUSTMENT_PERIOD_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One borrowing adjustment (the timer's; tests call it directly). */
  adjustBorrowing(): void {
    this.refresh();
    this.applyBorrowing(this.borrowing.adjust());
  }

  /** A level's current concurrency limit. */
  currentLimit(priorityLevel: string): number | undefined {
    this.refresh();
    return this.levels.get(priorityLevel)?.queues.concurrencyLimit;
  }

  private applyBorrowing(outcome: BorrowingOutcome | undefined): void {
    if (!outcome) return;
    for (const adjusted of outcome.levels) this.levels.get(adjusted.name)?.queues.setConcurrencyLimit(adjusted.currentCL);
    this.observer('').onBorrowing?.(outcome);
  }

  private refresh(): void {
    const seen = `${this.flowSchemas.generation}/${this.priorityLevels.generation}`;
    if (seen === this.seen) return;
    this.seen = seen;
    const plans = planLevels(this.priorityLevels.list(), this.totalSeats);
    const levels = new Map<string, Level>();
    for (const plan of plans.values()) {
      const existing = this.levels.get(plan.name);
      if (existing) {
        existing.plan = plan;
        existing.queues.reconfigure({ ...plan.queuing, concurrencyLimit: existing.queues.concurrencyLimit });
        levels.set(plan.name, existing);
      } else {
        const observer: FlowControlObserver = { ...this.observer(plan.name), onSeatDemand: (seats) => this.borrowing.demand(plan.name)?.set(seats) };
        levels.set(plan.name, { plan, queues: new QueueSet(plan.queuing, observer, this.now) });
      }
    }
    // A level that went away keeps serving what it already admitted (their tickets hold it); new requests cannot reach it.
    this.levels = levels;
    this.schemas = orderedFlowSchemas(this.flowSchemas.list(), (name) => levels.has(name));
    this.observer('').onLevels?.([...plans.values()]);
    this.applyBorrowing(this.borrowing.configure([...plans.values()].map((plan) => ({ name: plan.name, exempt: plan.exempt, limits: plan.limits }))));
  }

  /** The request's flow schema, level and flow; its seats from kube's work estimate of `width` (its list options). */
  classify(digest: RequestDigest, width: WidthRequest = { ...digest.info, query: {} }): Classification & { hash: bigint } {
    this.refresh();
    const fs = selectFlowSchema(this.schemas, digest);
    const level = this.levels.get(fs.spec!.priorityLevelConfiguration.name)!;
    const numQueues = level.plan.queuing.queues;
    const distinguisher = !level.plan.exempt && numQueues > 1 ? flowDistinguisher(fs, digest) : '';
    return {
      flowSchema: fs.metadata?.name ?? '', flowSchemaUid: fs.metadata?.uid ?? '',
      priorityLevel: level.plan.name, priorityLevelUid: level.plan.uid,
      distinguisher, exempt: level.plan.exempt,
      seats: requestSeats(width, this.objectStats.get(groupResource(digest.info)), level.plan.exempt ? 0 : level.plan.maxSeats),
      hash: numQueues > 1 ? hashFlowID(fs.metadata?.name ?? '', distinguisher) : 0n,
    };
  }

  /** Waits for the request's seats (at most waitLimitMs); a rejection is recorded for the level's Retry-After. */
  async admit(c: Classification & { hash: bigint }, waitLimitMs: number, abort?: AbortSignal): Promise<Ticket | RejectReason> {
    const level = this.levels.get(c.priorityLevel);
    if (!level) return { queued: false, finish: () => undefined };
    const outcome = await level.queues.start(c.seats, c.hash, c.flowSchema, waitLimitMs, abort);
    if (typeof outcome === 'string' && outcome !== 'cancelled') this.dropped.recordDropped(c.priorityLevel);
    return outcome;
  }

  retryAfterSeconds(priorityLevel: string): number {
    return this.dropped.retryAfterSeconds(priorityLevel);
  }
}

// Borrowing of seats between priority levels (KEP-1040's borrowing, flowcontrol v1), ported from kube's
// apf_controller.go (finishQueueSetReconfigsLocked, seatDemandStats.update, updateBorrowingLocked; v0.37.2). A
// level's nominal limit is its share of the server's seats; it may lend `lendablePercent` of it and borrow up to
// `borrowingLimitPercent` of it on top (no limit when unset). Every adjustment period each level's seat demand (seats
// in use + seats waiting, integrated over the period) is smoothed, and the current limits are re-divided fairly
// (conc-alloc.ts) between the limited levels, after the exempt level has taken what it used. Pure arithmetic: the
// controller owns the integrators, the timer and the queue sets.

import { type AllocProblemItem, computeConcurrencyAllocation } from './conc-alloc.js';
import type { IntegratorResults } from './integrator.js';

/** How often the current limits are recomputed (kube's borrowingAdjustmentPeriod). */
export const BORROWING_ADJUSTMENT_PERIOD_MS = 10_000;
/** The decay of smoothed seat demand: a half-life of 5 minutes at 10 s periods (seatDemandSmoothingCoefficient). */
export const SEAT_DEMAND_SMOOTHING_COEFFICIENT = 0.977;

/** Go's math.Round: halves away from zero. */
const goRound = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));

export interface LevelLimits {
  nominalCL: number;
  lendableCL: number;
  borrowingCL: number;
  /** The least this level's current limit may be: nominal less what it lends. */
  minCL: number;
  /** The most: nominal plus what it may borrow. */
  maxCL: number;
}

/** A level's limits out of `serverCL` seats, its `shares` out of `shareSum` (finishQueueSetReconfigsLocked). */
export function levelLimits(serverCL: number, shares: number, shareSum: number, lendablePercent?: number, borrowingLimitPercent?: number): LevelLimits {
  const nominalCL = shareSum > 0 ? Math.ceil(serverCL * shares / shareSum) : 0;
  const lendableCL = lendablePercent === undefined ? 0 : goRound(nominalCL * lendablePercent / 100);
  const borrowingCL = borrowingLimitPercent === undefined ? serverCL : goRound(nominalCL * borrowingLimitPercent / 100);
  return { nominalCL, lendableCL, borrowingCL, minCL: nominalCL - lendableCL, maxCL: nominalCL + borrowingCL };
}

/** A new level's current limit before its first adjustment. */
export function initialCurrentLimit(limits: LevelLimits): number {
  return limits.nominalCL - Math.floor(limits.lendableCL / 2);
}

export interface SeatDemandStats {
  avg: number;
  stdDev: number;
  highWatermark: number;
  /** max(avg + stdDev, A × previous smoothed + (1 − A) × (avg + stdDev)). */
  smoothed: number;
}

export const NO_SEAT_DEMAND: SeatDemandStats = { avg: 0, stdDev: 0, highWatermark: 0, smoothed: 0 };

/** seatDemandStats.update: the high watermark always; the rest only when time passed. */
export function nextSeatDemandStats(stats: SeatDemandStats, obs: IntegratorResults): SeatDemandStats {
  const highWatermark = goRound(obs.max);
  if (obs.duration <= 0) return { ...stats, highWatermark };
  const stdDev = Number.isNaN(obs.deviation) ? 0 : obs.deviation;
  const envelope = obs.average + stdDev;
  const smoothed = Math.max(envelope, SEAT_DEMAND_SMOOTHING_COEFFICIENT * stats.smoothed + (1 - SEAT_DEMAND_SMOOTHING_COEFFICIENT) * envelope);
  return { avg: obs.average, stdDev, highWatermark, smoothed };
}

export interface BorrowingLevel extends LevelLimits {
  name: string;
  exempt: boolean;
  currentCL: number;
  stats: SeatDemandStats;
  /** The level's seat demand over the period just ended. */
  observed: IntegratorResults;
}

export interface LevelAdjustment {
  name: string;
  currentCL: number;
  stats: SeatDemandStats;
  /** The allocation target (smoothed demand, at least the minimum current limit). */
  target: number;
}

export interface BorrowingOutcome {
  levels: LevelAdjustment[];
  fairFrac: number;
  /** Set when the fair allocation failed and the limited levels kept their current limits (kube's backstop). */
  error?: string;
}

/**
 * updateBorrowingLocked: the new current limit of every level. The exempt level takes at least its high watermark;
 * when what remains of `nominalCLSum` does not cover the limited levels' minimum current limits they share it
 * proportionally; otherwise the fair allocation decides. Undefined when there is no limited level at all.
 */
export function adjustCurrentLimits(nominalCLSum: number, levels: BorrowingLevel[]): BorrowingOutcome | undefined {
  const items: AllocProblemItem[] = [];
  const stats = new Map<string, SeatDemandStats>();
  const minCurrent = new Map<string, number>();
  const itemOf = new Map<string, number>();
  let minCLSum = 0;
  let minCurrentCLSum = 0;
  let remainingServerCL = nominalCLSum;
  for (const level of levels) {
    const s = nextSeatDemandStats(level.stats, level.observed);
    stats.set(level.name, s);
    if (level.exempt) {
      const minCurrentCL = Math.max(level.minCL, s.highWatermark);
      minCurrent.set(level.name, minCurrentCL);
      remainingServerCL -= minCurrentCL;
    } else {
      // At least the lesser of its high watermark and its nominal limit, and never below what it keeps (KEP-1040).
      const minCurrentCL = Math.max(level.minCL, Math.min(level.nominalCL, s.highWatermark));
      minCurrent.set(level.name, minCurrentCL);
      itemOf.set(level.name, items.length);
      items.push({ lowerBound: minCurrentCL, upperBound: level.maxCL, target: Math.max(minCurrentCL, s.smoothed) });
      minCLSum += level.minCL;
      minCurrentCLSum += minCurrentCL;
    }
  }
  if (items.length === 0 && nominalCLSum > 0) return undefined;
  let allocs: number[] = [];
  let shareFrac = 0;
  let fairFrac = 0;
  let error: string | undefined;
  if (remainingServerCL <= minCLSum) {
    // Every limited level gets its minimum.
  } else if (remainingServerCL <= minCurrentCLSum) {
    shareFrac = (remainingServerCL - minCLSum) / (minCurrentCLSum - minCLSum);
  } else {
    const allocation = computeConcurrencyAllocation(nominalCLSum, items);
    if ('error' in allocation) {
      error = allocation.error;
      allocs = levels.filter((l) => !l.exempt).map((l) => l.currentCL);
    } else {
      ({ allocs, fairProp: fairFrac } = allocation);
    }
  }
  const adjusted = levels.map((level): LevelAdjustment => {
    const idx = itemOf.get(level.name);
    const minCurrentCL = minCurrent.get(level.name)!;
    let currentCL: number;
    if (idx === undefined) currentCL = minCurrentCL;
    else if (remainingServerCL <= minCLSum) currentCL = level.minCL;
    else if (remainingServerCL <= minCurrentCLSum) currentCL = level.minCL + goRound((minCurrentCL - level.minCL) * shareFrac);
    else currentCL = goRound(allocs[idx]!);
    // kube reports items[idx].target, which for the exempt level is another level's; here it is its own minimum.
    return { name: level.name, currentCL, stats: stats.get(level.name)!, target: idx === undefined ? minCurrentCL : items[idx]!.target };
  });
  return { levels: adjusted, fairFrac, ...(error ? { error } : {}) };
}

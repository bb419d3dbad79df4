// The priority levels of the cluster's configuration at this server's size, as apf_controller.go digests them: each
// Limited level gets ceil(totalSeats × its nominalConcurrencyShares / the sum of all levels' shares) seats (the exempt
// level's shares count in the sum, as upstream); missing mandatory levels (exempt, catch-all) are imagined; a level
// whose spec is broken is left out, and so are the schemas naming it. Each level's limits for borrowing (what it may
// lend, lendablePercent; what it may borrow, borrowingLimitPercent) come from borrowing.ts; its queue set starts at
// the nominal limit, and borrowing adjusts it. A level keeps its queues across changes.

import { type LevelLimits, levelLimits } from './borrowing.js';
import type { QueuingConfig } from './queueset.js';
import type { PriorityLevelConfiguration } from './types.js';

/** kube's v1 default for a Limited level without nominalConcurrencyShares. */
const DEFAULT_SHARES = 30;

export const MANDATORY_EXEMPT_LEVEL: PriorityLevelConfiguration = {
  metadata: { name: 'exempt' },
  spec: { type: 'Exempt', exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } },
};
export const MANDATORY_CATCH_ALL_LEVEL: PriorityLevelConfiguration = {
  metadata: { name: 'catch-all' },
  spec: { type: 'Limited', limited: { nominalConcurrencyShares: 5, lendablePercent: 0, limitResponse: { type: 'Reject' } } },
};

export interface LevelPlan {
  name: string;
  uid: string;
  exempt: boolean;
  queuing: QueuingConfig;
  /** The most seats one request may take in this level. */
  maxSeats: number;
  /** Nominal, lower and upper concurrency limits (borrowing.ts). */
  limits: LevelLimits;
}

/** plSpecCommons: what a level may lend and borrow, in percent of its nominal limit (unset: nothing; no limit). */
function lendingPercents(pl: PriorityLevelConfiguration): [number | undefined, number | undefined] {
  if (pl.spec?.type === 'Exempt') return [pl.spec.exempt?.lendablePercent, undefined];
  return [pl.spec?.limited?.lendablePercent, pl.spec?.limited?.borrowingLimitPercent];
}

function shares(pl: PriorityLevelConfiguration): number {
  if (pl.spec?.type === 'Exempt') return pl.spec.exempt?.nominalConcurrencyShares ?? 0;
  return pl.spec?.limited?.nominalConcurrencyShares ?? DEFAULT_SHARES;
}

/** Why kube would ignore this level (queueSetCompleterForPL), or undefined when it is usable. */
export function brokenLevel(pl: PriorityLevelConfiguration): string | undefined {
  const spec = pl.spec;
  if (!spec || !pl.metadata?.name) return 'no spec';
  if ((spec.type === 'Limited') !== (spec.limited !== undefined)) return 'broken union structure at the top, for Limited';
  if ((spec.type === 'Exempt') !== (spec.exempt !== undefined)) return 'broken union structure at the top, for Exempt';
  if ((spec.type === 'Exempt') !== (pl.metadata.name === 'exempt')) return 'non-alignment between name and type';
  const response = spec.limited?.limitResponse;
  if (spec.limited && (response?.type === 'Reject') !== (response?.queuing === undefined)) return 'broken union structure for limit response';
  const q = response?.queuing;
  if (q && (!(q.queues! > 0) || !(q.handSize! > 0) || q.handSize! > q.queues! || Math.ceil(Math.log2(q.queues!) * q.handSize!) > 60)) return 'invalid queuing configuration';
  return undefined;
}

/** The usable levels (with the mandatory ones supplied) and the seats each gets out of `totalSeats`. */
export function planLevels(levels: PriorityLevelConfiguration[], totalSeats: number): Map<string, LevelPlan> {
  const usable = levels.filter((pl) => brokenLevel(pl) === undefined);
  const names = new Set(usable.map((pl) => pl.metadata!.name!));
  if (!names.has('exempt')) usable.push(MANDATORY_EXEMPT_LEVEL);
  if (!names.has('catch-all')) usable.push(MANDATORY_CATCH_ALL_LEVEL);
  const shareSum = usable.reduce((sum, pl) => sum + shares(pl), 0);
  const plans = new Map<string, LevelPlan>();
  for (const pl of usable) {
    const name = pl.metadata!.name!;
    const limits = levelLimits(totalSeats, shares(pl), shareSum, ...lendingPercents(pl));
    const seats = limits.nominalCL;
    const exempt = pl.spec!.type === 'Exempt';
    const q = pl.spec!.limited?.limitResponse?.queuing;
    const queuing: QueuingConfig = exempt
      ? { queues: -1, handSize: 0, queueLengthLimit: 0, concurrencyLimit: seats }
      : { queues: q?.queues ?? 0, handSize: q?.handSize ?? 0, queueLengthLimit: q?.queueLengthLimit ?? 0, concurrencyLimit: seats };
    // A request may take all of its level's nominal seats. kube caps it at 15% of them (apf_controller.go's
    // priorityLevelMaxSeatsPercent, and at most seats ÷ handSize): there a seat is one goroutine of many cores, and a
    // LIST served from the watch cache costs little more than a GET. Here the seats share one event loop, and a LIST
    // costs what its bytes say (1,000 deployments ~50–100 ms of CPU against ~0.5 ms for a GET, bench measure 11): at
    // kube's cap it took 4 of `global-default`'s 25 seats and, with what idle levels lend, ~75 ran at once
    // (docs/operate.md, "Flow control"; a documented difference).
    const maxSeats = Math.max(1, seats);
    plans.set(name, { name, uid: pl.metadata?.uid ?? '', exempt, queuing, maxSeats, limits });
  }
  return plans;
}

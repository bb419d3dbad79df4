// The state borrowing keeps per priority level between adjustments — its limits, its seat-demand integrator, its
// smoothed demand and its current limit — as kube's priorityLevelState holds them: a level that stays across a
// configuration change keeps its integrator, demand and current limit; a new one starts at nominal less half what it
// lends. Each adjustment (the controller's timer, and every configuration change, as kube's) reads and resets the
// integrators and applies borrowing.ts's answer.

import { type BorrowingOutcome, type LevelLimits, NO_SEAT_DEMAND, type SeatDemandStats, adjustCurrentLimits, initialCurrentLimit } from './borrowing.js';
import { Integrator } from './integrator.js';

export interface BorrowingLevelConfig {
  name: string;
  exempt: boolean;
  limits: LevelLimits;
}

interface LevelState extends BorrowingLevelConfig {
  demand: Integrator;
  stats: SeatDemandStats;
  currentCL: number;
}

export class BorrowingLevels {
  private states = new Map<string, LevelState>();
  private nominalCLSum = 0;

  /** `now`: a clock in seconds. */
  constructor(private readonly now: () => number) {}

  /** Takes a new configuration (every level of it) and adjusts at once. */
  configure(levels: BorrowingLevelConfig[]): BorrowingOutcome | undefined {
    const states = new Map<string, LevelState>();
    for (const level of levels) {
      const existing = this.states.get(level.name);
      states.set(level.name, existing
        ? { ...existing, ...level }
        : { ...level, demand: new Integrator(this.now), stats: NO_SEAT_DEMAND, currentCL: initialCurrentLimit(level.limits) });
    }
    this.states = states;
    this.nominalCLSum = levels.reduce((sum, level) => sum + level.limits.nominalCL, 0);
    return this.adjust();
  }

  /** Where a level's queue set reports its seat demand (seats in use + seats waiting). */
  demand(name: string): Integrator | undefined {
    return this.states.get(name)?.demand;
  }

  currentLimit(name: string): number | undefined {
    return this.states.get(name)?.currentCL;
  }

  adjust(): BorrowingOutcome | undefined {
    const states = [...this.states.values()];
    const outcome = adjustCurrentLimits(this.nominalCLSum, states.map((s) => ({ ...s.limits, name: s.name, exempt: s.exempt, currentCL: s.currentCL, stats: s.stats, observed: s.demand.reset() })));
    for (const adjusted of outcome?.levels ?? []) {
      const state = this.states.get(adjusted.name)!;
      state.stats = adjusted.stats;
      state.currentCL = adjusted.currentCL;
    }
    return outcome;
  }
}

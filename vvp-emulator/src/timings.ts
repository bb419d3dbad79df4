/** How long each step of the emulated lifecycle takes, in milliseconds. */
export interface Timings {
  /** Delay between a write and the controller noticing it (and between controller steps). */
  reactionMs: number;
  jobStartMs: number;
  jobStopMs: number;
  savepointMs: number;
  /** How long a finite job (artifact marked `finite`) runs before it FINISHES. */
  jobFinishMs: number;
  /** How long a failing job (artifact marked `fail-running`) runs before it FAILS. */
  jobFailMs: number;
  /** How often an ACTIVE Autopilot rescales a running job. */
  autopilotIntervalMs: number;
  /**
   * How long before its job is STARTED the deployment reports RUNNING (0: at the same moment, one write). With more, the
   * deployment turns RUNNING first and the job starts later without the deployment being written, an order a real
   * platform shows; at least jobStartMs: RUNNING as soon as the job is created.
   */
  runningLeadMs: number;
}

export const timingPresets: Record<'fast' | 'realistic', Timings> = {
  fast: {
    reactionMs: 10,
    jobStartMs: 150,
    jobStopMs: 80,
    savepointMs: 80,
    jobFinishMs: 500,
    jobFailMs: 500,
    autopilotIntervalMs: 1000,
    runningLeadMs: 0,
  },
  realistic: {
    reactionMs: 1000,
    jobStartMs: 15000,
    jobStopMs: 4000,
    savepointMs: 5000,
    jobFinishMs: 60000,
    jobFailMs: 45000,
    autopilotIntervalMs: 120000,
    runningLeadMs: 0,
  },
};

export const timingKeys = Object.keys(timingPresets.fast) as (keyof Timings)[];

/** A speed factor of 2 halves every duration; 0.5 doubles them. */
export function scaled(timings: Timings, speed: number): Timings {
  const result = { ...timings };
  for (const key of timingKeys) result[key] = Math.max(0, Math.round(timings[key] / speed));
  return result;
}

/** What the emulated AppManager controller remembers about a deployment between steps (persisted with it). */
export interface Runtime {
  phase: Phase;
  activeJobId?: string;
  /** Canonical form of the template the active job was started from: a different one means an upgrade. */
  runningTemplate?: string;
  jobCreationAttempts: number;
  savepointAttempts: number;
  /** FAILED or FINISHED: nothing happens until the user changes the spec. */
  halted: boolean;
  /** Parallelism set by Autopilot at runtime; the deployment spec keeps its own. */
  runtimeParallelism?: number;
  autopilot?: { targetParallelism: number; stage: 'stopping' | 'starting' };
  autopilotDueAt?: number;
  /** When the running job will end by itself (finite job, or a job that fails). */
  jobEnd?: { at: number; outcome: 'FINISHED' | 'FAILED' };
  userSavepointFailures: number;
  faults: TransitionFaults;
}

export type Phase =
  | { kind: 'idle' }
  | { kind: 'starting'; jobId: string; dueAt: number; runningAt?: number }
  | { kind: 'savepointing'; savepointId: string; jobId: string; purpose: 'suspend' | 'upgrade'; dueAt: number }
  | { kind: 'stopping'; jobId: string; next: 'CANCELLED' | 'SUSPENDED' | 'RESTART'; dueAt: number };

/** Failures and delays set through the admin API for one deployment; -1 means "always". */
export interface TransitionFaults {
  jobStartFailures?: number;
  savepointFailures?: number;
  jobFailsAfterMs?: number;
  jobFinishesAfterMs?: number;
  extraDelayMs?: number;
  /** This deployment's runningLeadMs (timings.ts), over the global one. */
  runningLeadMs?: number;
}

export const newRuntime = (): Runtime => ({
  phase: { kind: 'idle' },
  jobCreationAttempts: 0,
  savepointAttempts: 0,
  halted: false,
  userSavepointFailures: 0,
  faults: {},
});

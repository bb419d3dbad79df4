// When a write through this server wakes the watch poll (writer.ts). A wake-up is a full read of the platform
// namespace (every deployment, job, savepoint and Autopilot policy of it), so waking it on every write made a burst
// of writes re-read the namespace back to back: O(deployments) per write, the platform asked for ever more as the
// namespace grew (issue 17: one full namespace read per 5–10 creates with 8 writers). Paced, a burst costs at most
// one read per window and the platform namespace; the last write of a burst is still seen within one window.

/** The share of the watch poll interval a write waits at most before its watchers see it (1 s interval: 250 ms). */
export const WRITE_WAKE_FRACTION = 0.25;

/**
 * How long to wait before waking the poll for a write at `nowMs`: 0 (at once) when the last wake-up was at least
 * `windowMs` ago or never, else until the window ends (writes meanwhile join that one wake-up). Pure.
 */
export function wakeDelay(nowMs: number, lastWakeMs: number | undefined, windowMs: number): number {
  if (lastWakeMs === undefined || nowMs - lastWakeMs >= windowMs) return 0;
  return lastWakeMs + windowMs - nowMs;
}

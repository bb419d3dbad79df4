// The parallelism Autopilot actually runs a deployment at, read from its policy status: Autopilot rescales the job
// behind the deployment's back, so the spec's parallelism alone would report the wrong figure.

import type { AutopilotPolicyStatus } from './types.js';

/**
 * The runtime parallelism in an Autopilot status: the plain `runtimeParallelism` field where the platform adds one,
 * else the `runtimeParallelism` in the autoscaler's metrics JSON. The swagger leaves both unspecified.
 */
export function runtimeParallelismOf(status: AutopilotPolicyStatus): number | undefined {
  if (isParallelism(status.runtimeParallelism)) return status.runtimeParallelism;
  const metrics = status.autoscalerStatus?.metrics;
  if (typeof metrics !== 'string' || !metrics.includes('runtimeParallelism')) return undefined;
  try {
    const parsed = JSON.parse(metrics) as { runtimeParallelism?: unknown };
    return isParallelism(parsed.runtimeParallelism) ? parsed.runtimeParallelism : undefined;
  } catch {
    return undefined;
  }
}

function isParallelism(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

// Autopilot's rescaling as the platform shows it: the parallelism the job runs at, which moves away from the spec.

import type { NamespaceState } from '../store/store.js';
import type { Deployment } from '../types.js';
import type { Runtime } from './runtime.js';

/** Set on a deployment while Autopilot moves it through CANCELLED to restart it at a new parallelism. */
export const rescalingAnnotation = 'autopilot.ververica.platform/rescaling-to-parallelism';

/**
 * The emulated Autopilot's choice: double the runtime parallelism until maxParallelism, then drop back to
 * minParallelism. Deterministic, so tests can predict it; real Autopilot decides from metrics.
 */
export function nextAutopilotParallelism(ns: NamespaceState, deployment: Deployment, runtime: Runtime): number {
  const config = ns.autopilot.get(deployment.metadata.id)?.autoscalerConfig ?? {};
  const current = runtime.runtimeParallelism ?? deployment.spec.template.spec.parallelism ?? 1;
  const min = Math.max(1, config.minParallelism ?? 1);
  const max = Math.max(min, config.maxParallelism ?? Math.max(2, current * 2));
  return current >= max ? min : Math.min(max, Math.max(min, current * 2));
}

export function runtimeParallelism(ns: NamespaceState, deployment: Deployment): number {
  return ns.runtimes.get(deployment.metadata.id)?.runtimeParallelism ?? deployment.spec.template.spec.parallelism ?? 1;
}

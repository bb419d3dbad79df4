// Markers a test writes into a deployment's artifact (jar URI) to make its job fail, fail N times, or start slowly:
// how the tests drive a job's life without a Flink cluster.

import type { Deployment } from '../types.js';

/**
 * Failure modes a test can ask for through the artifact itself (jarUri, sqlScript, or any artifact field):
 * `fail-start[-N]`, `fail-savepoint[-N]`, `fail-running`, `finite`. Without N the failure is permanent (-1).
 */
export interface ArtifactMarkers {
  jobStartFailures?: number;
  savepointFailures?: number;
  failsWhileRunning: boolean;
  finite: boolean;
}

function counted(text: string, marker: string): number | undefined {
  const match = new RegExp(`(?:^|[^a-z0-9])${marker}(?:-(\\d+))?(?![a-z0-9])`).exec(text);
  if (!match) return undefined;
  return match[1] === undefined ? -1 : Number(match[1]);
}

function flagged(text: string, marker: string): boolean {
  return new RegExp(`(?:^|[^a-z0-9])${marker}(?![a-z0-9])`).test(text);
}

export function artifactMarkers(deployment: Deployment): ArtifactMarkers {
  const text = JSON.stringify(deployment.spec.template?.spec?.artifact ?? {}).toLowerCase();
  return {
    jobStartFailures: counted(text, 'fail-start'),
    savepointFailures: counted(text, 'fail-savepoint'),
    failsWhileRunning: flagged(text, 'fail-running'),
    finite: flagged(text, 'finite'),
  };
}

/** Whether attempt number `attempt` (1-based) fails, given "fails N times" (-1: always). */
export function attemptFails(failures: number | undefined, attempt: number): boolean {
  return failures === -1 || (failures !== undefined && attempt <= failures);
}

// Savepoints and checkpoint locations as the platform derives them from a deployment's Flink configuration.

import { newId, nowIso } from '../ids.js';
import type { NamespaceState } from '../store/store.js';
import type { Deployment, Savepoint, SavepointOrigin } from '../types.js';

export function savepointDirectory(deployment: Deployment): string | undefined {
  const dir = deployment.spec.template.spec.flinkConfiguration?.['state.savepoints.dir'];
  return dir ? dir.replace(/\/+$/, '') : undefined;
}

export function checkpointDirectory(deployment: Deployment): string {
  const dir = deployment.spec.template.spec.flinkConfiguration?.['state.checkpoints.dir'] ?? savepointDirectory(deployment) ?? 's3://vvp-emulator/checkpoints';
  return dir.replace(/\/+$/, '');
}

export function newSavepoint(
  ns: NamespaceState,
  deployment: Deployment | undefined,
  jobId: string | undefined,
  origin: SavepointOrigin,
  state: 'STARTED' | 'COMPLETED',
): Savepoint {
  const now = nowIso();
  return {
    kind: 'Savepoint',
    apiVersion: 'v1',
    metadata: {
      id: newId(),
      namespace: ns.name,
      createdAt: now,
      modifiedAt: now,
      ...(deployment ? { deploymentId: deployment.metadata.id } : {}),
      ...(jobId ? { jobId } : {}),
      origin,
      annotations: deployment
        ? { 'com.dataartisans.appmanager.controller.deployment.spec.version': String(deployment.metadata.resourceVersion) }
        : {},
      resourceVersion: 1,
    },
    spec: {},
    status: { state },
  };
}

// Shared builders for the VvpDeployment unit tests: a platform deployment, its job, savepoints and view as the
// platform shows them, the Kubernetes record the server keeps on it, and a manifest as a user writes it. Each
// builder's defaults describe one consistent object (top-speed in flink, platform deployment d-1 in default,
// RUNNING with job j-1); a test overrides only what its story is about.

import { ANNOTATION, type KubeParts } from '../../apiserver/vvpdeployment/trust/annotations.js';
import type { PlatformView } from '../../apiserver/vvpdeployment/read/platform-view.js';
import type { VvpDeployment } from '../../apiserver/vvpdeployment/types.js';
import type { Deployment, Job, Savepoint } from '../../apiserver/vvp/types.js';

export const CREATED = '2026-11-24T10:00:00Z';
export const MODIFIED = '2026-11-24T10:30:00Z';

export function deployment(over: Partial<Deployment['spec']> = {}, status: Deployment['status'] = { state: 'RUNNING', running: { jobId: 'j-1', transitionTime: '2026-11-24T10:05:00Z' } }): Deployment {
  return {
    metadata: {
      id: 'd-1', name: 'top-speed', namespace: 'default', resourceVersion: 3, createdAt: CREATED, modifiedAt: MODIFIED,
      displayName: 'Top Speed', labels: { team: 'a', 'ververica.platform/managed-by': 'op-1' }, annotations: { [ANNOTATION.generation]: '2' },
    },
    spec: {
      state: 'RUNNING', upgradeStrategy: { kind: 'STATEFUL' }, maxJobCreationAttempts: 4,
      template: { spec: { artifact: { kind: 'JAR', jarUri: 's3://job.jar' }, parallelism: 2, flinkConfiguration: { a: '1' } } },
      ...over,
    },
    status,
  };
}

export function job(id: string, state: Job['status'] extends infer S ? S extends { state: infer X } ? X : never : never, extra: Partial<Job> = {}): Job {
  const started = state === 'STARTING' ? {} : { started: { startedAt: '2026-11-24T10:04:30Z' } };
  return { metadata: { id, namespace: 'default', createdAt: '2026-11-24T10:04:00Z' }, status: { state, ...started }, ...extra };
}

export function parts(over: Partial<KubeParts> = {}, specOver: Partial<KubeParts['spec']> = {}): KubeParts {
  return {
    namespace: 'flink', name: 'top-speed', generation: 2, creationTimestamp: CREATED,
    spec: {
      syncingMode: 'PATCH',
      deployment: { metadata: { name: 'top-speed', namespace: 'default', labels: { team: 'a' } }, spec: { state: 'RUNNING', template: { spec: { parallelism: 2, flinkConfiguration: { a: '1' } } } } },
      ...specOver,
    },
    projectedMode: 'PATCH',
    ...over,
  };
}

export function view(over: Partial<PlatformView> = {}): PlatformView {
  return { deployment: deployment(), job: job('j-1', 'STARTED'), autopilot: { mode: 'AUTOPILOT_MODE_DISABLED' }, ...over };
}

export function savepoint(id: string, state: 'STARTED' | 'COMPLETED' | 'FAILED', nonce?: number): Savepoint {
  return {
    metadata: { id, namespace: 'default', createdAt: '2026-11-24T10:40:00Z', modifiedAt: '2026-11-24T10:41:00Z', origin: 'USER_REQUEST',
      annotations: nonce === undefined ? {} : { [ANNOTATION.savepointNonce]: String(nonce) } },
    status: { state, ...(state === 'FAILED' ? { failure: { message: 'disk full' } } : {}) },
  };
}

/** A VvpDeployment as a user writes it: RUNNING on target vvp-jobs, a JAR, parallelism 2, with kubectl's last-applied annotation. */
export function manifest(name = 'top-speed', spec: Partial<VvpDeployment['spec']> = {}, namespace = 'flink'): VvpDeployment {
  return {
    apiVersion: 'ververica.platform/v1', kind: 'VvpDeployment',
    metadata: { name, namespace, labels: { app: 'speed' }, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"x":1}\n' } },
    spec: {
      syncingMode: 'PATCH',
      deployment: { spec: { state: 'RUNNING', deploymentTargetName: 'vvp-jobs', template: { spec: { artifact: { kind: 'JAR', jarUri: 's3://b/job.jar' }, parallelism: 2 } } } },
      ...spec,
    },
  };
}

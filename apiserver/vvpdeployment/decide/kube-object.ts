// Platform state → the Kubernetes object: the VvpDeployment a platform deployment (with its job, savepoints and
// Autopilot state) and its Kubernetes record read as, status and conditions included. Pure, and the hot path of every
// read: lists build it for each item that changed. The other direction, intent → platform writes, is mapping.ts.

import type { KubeObject } from '../../k8s/index.js';
import type { KubeParts } from '../trust/annotations.js';
import { computeConditions } from './conditions.js';
import { childObjectName } from '../instance/owned-children.js';
import { latestSavepoint, viewTimestamps, type PlatformView } from '../read/platform-view.js';
import { deriveResourceVersion } from './resource-version.js';
import { viewProgress } from '../read/view-inputs.js';
import { restoredFrom } from './restore-nonce.js';
import { API_VERSION, KIND, type VvpDeployment, type VvpDeploymentStatus } from '../types.js';

/** The current parallelism the template asks for. */
function templateParallelism(view: PlatformView): number | undefined {
  return view.deployment.spec.template?.spec?.parallelism;
}

function buildStatus(view: PlatformView, parts: KubeParts): VvpDeploymentStatus {
  const d = view.deployment;
  const status: VvpDeploymentStatus = {
    deploymentId: d.metadata.id,
    observedGeneration: parts.generation,
    conditions: computeConditions(view, parts),
  };
  if (d.status?.state) status.state = d.status.state;
  if (view.job) {
    const j = view.job;
    status.job = { id: j.metadata.id, name: childObjectName(parts.name, j.metadata.id) };
    if (j.status?.state) status.job.state = j.status.state;
    if (j.status?.started?.startedAt) status.job.startedAt = j.status.started.startedAt;
  }
  const desired = templateParallelism(view);
  const runtime = view.autopilot?.mode === 'AUTOPILOT_MODE_ACTIVE' ? view.autopilot.runtimeParallelism : undefined;
  if (desired !== undefined || runtime !== undefined) {
    status.parallelism = {};
    if (desired !== undefined) status.parallelism.desired = desired;
    if (runtime !== undefined) status.parallelism.runtime = runtime;
  }
  const sp = latestSavepoint(view);
  if (sp) {
    status.lastSavepoint = { id: sp.metadata.id, name: childObjectName(parts.name, sp.metadata.id) };
    if (sp.spec?.savepointLocation) status.lastSavepoint.location = sp.spec.savepointLocation;
    if (sp.status?.state) status.lastSavepoint.state = sp.status.state;
    if (sp.metadata.origin) status.lastSavepoint.origin = sp.metadata.origin;
  }
  if (parts.savepointNonce) status.observedSavepointNonce = parts.savepointNonce.nonce;
  if (parts.restartNonce) status.observedRestartNonce = parts.restartNonce.nonce;
  if (parts.restore) status.observedRestoreNonce = parts.restore.nonce;
  const from = restoredFrom(view, parts.restore);
  if (from) status.restoredFrom = from;
  return status;
}

/** The resourceVersion of the object built from this view (cheap: no Kubernetes record decoded). */
export function viewResourceVersion(view: PlatformView): string {
  return deriveResourceVersion(viewProgress(view), viewTimestamps(view));
}

/** The Kubernetes object for a platform deployment that carries a Kubernetes record (see decodeKubeParts). */
export function toVvpDeployment(view: PlatformView, parts: KubeParts): VvpDeployment {
  const d = view.deployment;
  const metadata: KubeObject['metadata'] = {
    name: parts.name,
    namespace: parts.namespace,
    uid: d.metadata.id,
    resourceVersion: viewResourceVersion(view),
    generation: parts.generation,
    creationTimestamp: parts.creationTimestamp || d.metadata.createdAt,
  };
  if (parts.labels !== undefined) metadata.labels = parts.labels;
  if (parts.annotations !== undefined) metadata.annotations = parts.annotations;
  if (parts.finalizers !== undefined) metadata.finalizers = parts.finalizers;
  if (parts.ownerReferences !== undefined) metadata.ownerReferences = parts.ownerReferences;
  if (parts.generateName !== undefined) metadata.generateName = parts.generateName;
  if (parts.managedFields !== undefined) metadata.managedFields = parts.managedFields;
  if (parts.deletion) metadata.deletionTimestamp = parts.deletion.timestamp;
  return { apiVersion: API_VERSION, kind: KIND, metadata, spec: parts.spec, status: buildStatus(view, parts) };
}

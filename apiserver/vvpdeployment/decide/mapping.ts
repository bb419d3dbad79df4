// Kubernetes intent → platform writes: the body of a create, the body and method of an update, and the events they
// make. Pure: the storage does the calls. The other direction, platform state → the Kubernetes object, is kube-object.ts.

import type { DeploymentWrite, StringMap } from '../../vvp/index.js';
import {
  RESTART_ANNOTATION, encodeKubeParts, mergeMetadata, withoutReserved,
  type FailureMark, type KubeParts, type NonceRecord,
} from '../trust/annotations.js';
import { deepClone, deepEqual, deepMerge } from './json.js';
import { latestSavepoint, type PlatformView } from '../read/platform-view.js';
import { kubeTime } from './time.js';
import type { DeploymentDefinition, VvpDeployment } from '../types.js';

/** A Kubernetes Event the storage should record on the object (and on the platform where it accepts events). */
export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** What makes this event unique for its reason (a nonce, a generation): the seed of its deterministic name (events.ts). */
  key?: string;
}

/** The platform annotations the platform itself sets; a PUT carries them over instead of wiping them. */
const PLATFORM_OWN_ANNOTATION = /^com\.dataartisans\./;

function platformMetadataBody(def: DeploymentDefinition, labels: StringMap, annotations: StringMap): NonNullable<DeploymentWrite['metadata']> {
  const meta: NonNullable<DeploymentWrite['metadata']> = {};
  if (def.metadata?.name !== undefined) meta.name = def.metadata.name;
  if (def.metadata?.namespace !== undefined) meta.namespace = def.metadata.namespace;
  if (def.metadata?.displayName !== undefined) meta.displayName = def.metadata.displayName;
  meta.labels = labels;
  meta.annotations = annotations;
  return meta;
}

function kubePartsOf(obj: VvpDeployment): Pick<KubeParts, 'labels' | 'annotations' | 'managedFields' | 'finalizers' | 'ownerReferences' | 'generateName'> {
  const m = obj.metadata;
  return {
    labels: m.labels, annotations: m.annotations, managedFields: m.managedFields, finalizers: m.finalizers, ownerReferences: m.ownerReferences,
    ...(m.generateName ? { generateName: m.generateName } : {}),
  };
}

export interface CreatePlan {
  /** POST body of the new platform deployment. */
  body: DeploymentWrite;
  parts: KubeParts;
  /** An external savepoint to register right after creation (the body then starts CANCELLED). */
  registerSavepoint?: string;
  /** The desired state to set once the savepoint is registered, when the body had to start CANCELLED. */
  stateAfterRegistration?: string;
  events: PlannedEvent[];
}

/** The platform deployment to create for a (defaulted, validated) VvpDeployment. */
export function planCreate(obj: VvpDeployment, instanceId: string, now: Date): CreatePlan {
  const spec = obj.spec;
  const at = kubeTime(now);
  const initial = (nonce: number | undefined): NonceRecord | undefined =>
    nonce === undefined ? undefined : { nonce, outcome: 'Initial', at };
  const location = spec.initialSavepointSpec?.savepointLocation;
  const parts: KubeParts = {
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name ?? '',
    spec,
    generation: 1,
    // The machinery's, when it set one (the time admission saw); else now.
    creationTimestamp: obj.metadata.creationTimestamp ?? at,
    ...kubePartsOf(obj),
    savepointNonce: initial(spec.savepointNonce),
    restartNonce: initial(spec.restartNonce),
    ...(spec.restoreNonce === undefined ? {} : { restore: { nonce: spec.restoreNonce, outcome: 'Initial' as const, at } }),
    initialSavepoint: location ? { location } : undefined,
    projectedMode: spec.syncingMode,
  };
  // PATCH mode: initFields first, spec.deployment over it; PUT mode has no initFields (validation refuses them).
  const def: DeploymentDefinition = spec.syncingMode === 'PATCH' ? deepMerge(spec.initFields ?? {}, spec.deployment) : deepClone(spec.deployment);
  const reserved = encodeKubeParts(parts, instanceId);
  const body: DeploymentWrite = {
    kind: 'Deployment',
    apiVersion: 'v1',
    metadata: platformMetadataBody(def, mergeMetadata(def.metadata?.labels, reserved.labels), mergeMetadata(def.metadata?.annotations, reserved.annotations)),
    spec: def.spec ?? {},
  };
  const plan: CreatePlan = { body, parts, events: [] };
  const desiredState = body.spec?.state;
  if (location) {
    plan.registerSavepoint = location;
    if (desiredState !== undefined && desiredState !== 'CANCELLED') {
      plan.stateAfterRegistration = desiredState;
      body.spec = { ...body.spec, state: 'CANCELLED' };
    }
  }
  plan.events.push({
    type: 'Normal', reason: 'Created', key: 'created',
    message: `Kubernetes API server created platform deployment ${def.metadata?.namespace}/${def.metadata?.name} (mode=${spec.syncingMode})`,
  });
  return plan;
}

export interface UpdatePlan {
  /** undefined: nothing changed that the platform holds, so no write at all. */
  body?: DeploymentWrite;
  method: 'PATCH' | 'PUT';
  parts: KubeParts;
  /** spec.deployment (or a restart) is projected onto the platform spec by this write. */
  projected: boolean;
  /** Take a savepoint for this nonce once the write succeeded. */
  triggerSavepoint?: number;
  registerSavepoint?: string;
  events: PlannedEvent[];
}

function templateAnnotations(userAnnotations: StringMap | undefined, current: StringMap | undefined, restart: string | undefined): StringMap | undefined {
  const carried = restart ?? current?.[RESTART_ANNOTATION];
  if (userAnnotations === undefined && carried === undefined) return undefined;
  return { ...withoutReserved(userAnnotations), ...(carried === undefined ? {} : { [RESTART_ANNOTATION]: carried }) };
}

function isAutopilotActive(view: PlatformView): boolean {
  return view.autopilot?.mode === 'AUTOPILOT_MODE_ACTIVE';
}

/**
 * Autopilot scales a job by moving the platform's spec.state through CANCELLED and back; projecting RUNNING in the
 * middle of that would fight it, so the state is left alone while Autopilot has it elsewhere.
 */
export function autopilotHoldsState(view: PlatformView, desiredState: string | undefined): boolean {
  return isAutopilotActive(view) && desiredState === 'RUNNING' && view.deployment.spec.state !== 'RUNNING';
}

/**
 * Whether a projection gives the platform deployment another spec: the platform then acts on it, a FAILED
 * deployment included. PUT mode compares what the user asked for (the platform adds its defaults).
 */
function changesPlatformSpec(view: PlatformView, old: KubeParts, spec: VvpDeployment['spec'], restartValue: string | undefined): boolean {
  if (restartValue !== undefined) return true;
  const desired = spec.deployment.spec ?? {};
  if (spec.syncingMode === 'PUT') return !deepEqual(desired, old.spec.deployment?.spec ?? {});
  return !deepEqual(deepMerge(view.deployment.spec, desired), view.deployment.spec);
}

function failureMark(view: PlatformView, generation: number, at: string): FailureMark {
  const mark: FailureMark = { generation, at, resourceVersion: view.deployment.metadata.resourceVersion + 1 };
  if (view.job) mark.jobId = view.job.metadata.id;
  const savepoint = latestSavepoint(view);
  if (savepoint) mark.savepointId = savepoint.metadata.id;
  return mark;
}

/** What an update of a VvpDeployment writes to the platform. `obj` is defaulted and validated; `old` is the stored record. */
export function planUpdate(view: PlatformView, old: KubeParts, obj: VvpDeployment, instanceId: string, now: Date): UpdatePlan {
  const at = kubeTime(now);
  const spec = obj.spec;
  const d = view.deployment;
  const running = d.status?.state === 'RUNNING';
  const events: PlannedEvent[] = [];
  const parts: KubeParts = {
    ...old,
    ...kubePartsOf(obj),
    spec,
    generation: deepEqual(spec, old.spec) ? old.generation : old.generation + 1,
  };
  const plan: UpdatePlan = { method: 'PATCH', parts, projected: false, events };

  let restartValue: string | undefined;
  if (spec.restartNonce !== undefined && spec.restartNonce !== old.restartNonce?.nonce) {
    const strategy = d.spec.upgradeStrategy?.kind;
    if (!running) {
      parts.restartNonce = { nonce: spec.restartNonce, outcome: 'Blocked', at, message: `the deployment is ${d.status?.state ?? 'not running'}, not RUNNING` };
    } else if (strategy === 'NONE') {
      parts.restartNonce = { nonce: spec.restartNonce, outcome: 'Blocked', at, message: 'upgradeStrategy NONE: the platform does not restart a running job on a template change' };
    } else {
      parts.restartNonce = { nonce: spec.restartNonce, outcome: 'Triggered', at };
      if (d.status?.running?.jobId) parts.restartNonce.fromJobId = d.status.running.jobId;
      restartValue = String(spec.restartNonce);
    }
    const r = parts.restartNonce;
    events.push(r.outcome === 'Triggered'
      ? { type: 'Normal', reason: 'RestartTriggered', key: String(r.nonce), message: `Kubernetes API server triggered job restart (restartNonce=${r.nonce})` }
      : { type: 'Warning', reason: 'RestartBlocked', key: String(r.nonce), message: `restartNonce=${r.nonce} not acted on: ${r.message}` });
  }

  if (spec.savepointNonce !== undefined && spec.savepointNonce !== old.savepointNonce?.nonce) {
    if (running) {
      parts.savepointNonce = { nonce: spec.savepointNonce, outcome: 'Triggered', at };
      plan.triggerSavepoint = spec.savepointNonce;
    } else {
      parts.savepointNonce = {
        nonce: spec.savepointNonce, outcome: 'Blocked', at, message: `the deployment is ${d.status?.state ?? 'not running'}, not RUNNING`,
      };
      events.push({ type: 'Warning', reason: 'SavepointBlocked', key: String(spec.savepointNonce), message: `savepointNonce=${spec.savepointNonce} not acted on: ${parts.savepointNonce.message}` });
    }
  }

  const location = spec.initialSavepointSpec?.savepointLocation;
  if (location && location !== old.initialSavepoint?.location) {
    parts.initialSavepoint = { location };
    plan.registerSavepoint = location;
  }

  const definitionChanged = !deepEqual(spec.deployment, old.spec.deployment);
  plan.projected = definitionChanged || restartValue !== undefined;
  const currentUserLabels = withoutReserved(d.metadata.labels);
  const currentUserAnnotations = withoutReserved(d.metadata.annotations);

  if (plan.projected) {
    parts.projectedMode = spec.syncingMode;
    parts.supersededFailure = d.status?.state === 'FAILED' && changesPlatformSpec(view, old, spec, restartValue)
      ? failureMark(view, parts.generation, at) : undefined;
    const reserved = encodeKubeParts(parts, instanceId);
    const def = spec.deployment;
    const currentTemplateAnnotations = d.spec.template?.metadata?.annotations;
    if (spec.syncingMode === 'PUT') {
      plan.method = 'PUT';
      const platformOwn = Object.fromEntries(Object.entries(d.metadata.annotations ?? {}).filter(([k]) => PLATFORM_OWN_ANNOTATION.test(k)));
      const desiredSpec = deepClone(def.spec ?? {});
      const tmplAnn = templateAnnotations(desiredSpec.template?.metadata?.annotations, currentTemplateAnnotations, restartValue);
      if (tmplAnn) desiredSpec.template = { ...desiredSpec.template, metadata: { ...desiredSpec.template?.metadata, annotations: tmplAnn } };
      if (autopilotHoldsState(view, desiredSpec.state)) desiredSpec.state = d.spec.state;
      plan.body = {
        kind: 'Deployment',
        apiVersion: 'v1',
        metadata: {
          ...platformMetadataBody(def, mergeMetadata(def.metadata?.labels, reserved.labels),
            { ...platformOwn, ...mergeMetadata(def.metadata?.annotations, reserved.annotations) }),
          name: d.metadata.name,
          namespace: d.metadata.namespace,
        },
        spec: desiredSpec,
      };
    } else {
      const desiredSpec = definitionChanged ? deepClone(def.spec ?? {}) : {};
      if (restartValue !== undefined) {
        desiredSpec.template = deepMerge(desiredSpec.template ?? {}, { metadata: { annotations: { [RESTART_ANNOTATION]: restartValue } } });
      }
      if (autopilotHoldsState(view, desiredSpec.state)) delete desiredSpec.state;
      const meta = platformMetadataBody({ metadata: { displayName: def.metadata?.displayName } },
        mergeMetadata(definitionChanged ? { ...currentUserLabels, ...def.metadata?.labels } : currentUserLabels, reserved.labels),
        mergeMetadata(definitionChanged ? { ...currentUserAnnotations, ...def.metadata?.annotations } : currentUserAnnotations, reserved.annotations));
      plan.body = { metadata: meta, spec: desiredSpec };
    }
    const oldState = old.spec.deployment?.spec?.state;
    const newState = def.spec?.state;
    const stateChange = oldState !== newState && newState !== undefined ? ` including state change: ${oldState ?? d.spec.state} → ${newState}` : '';
    if (definitionChanged) {
      events.push({ type: 'Normal', reason: 'Projected', key: String(parts.generation), message: `Kubernetes API server projected deployment config (mode=${spec.syncingMode})${stateChange}` });
    }
    if (autopilotHoldsState(view, def.spec?.state)) {
      events.push({ type: 'Warning', reason: 'AutopilotOverride', key: String(parts.generation), message: `Autopilot is scaling the job (platform state ${d.spec.state}); the desired state RUNNING was not projected` });
    }
  } else {
    const reserved = encodeKubeParts(parts, instanceId);
    const before = encodeKubeParts(old, instanceId);
    if (!deepEqual(reserved, before)) {
      plan.body = { metadata: { labels: mergeMetadata(currentUserLabels, reserved.labels), annotations: mergeMetadata(currentUserAnnotations, reserved.annotations) } };
    }
  }
  if (plan.body?.metadata) plan.body.metadata.resourceVersion = d.metadata.resourceVersion;
  return plan;
}

// The Platform API's objects (`/namespaces/v1`, `/autopilot/v1alpha1`): namespaces with their role bindings, and
// Autopilot policies with their status. Its answers are wrapped in one field, which the client unwraps. Split from
// types.ts, which re-exports them all.

import type { StringMap } from './types.js';

// ---------------------------------------------------------------------------------------------------------------
// Platform API: namespaces (responses are wrapped, e.g. `{"namespace": {…}}`; the client unwraps them)

export type NamespaceLifecyclePhase =
  | 'LIFECYCLE_PHASE_INVALID'
  | 'LIFECYCLE_PHASE_ACTIVE'
  | 'LIFECYCLE_PHASE_TERMINATING'
  | 'UNRECOGNIZED';

export interface RoleBinding {
  role: string;
  members?: string[];
}

export interface Namespace {
  /** `namespaces/<name>` on a real platform; some platforms give the bare name. */
  name: string;
  lifecyclePhase?: NamespaceLifecyclePhase;
  roleBindings?: RoleBinding[];
  createTime?: string;
  previewSessionClusterName?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Platform API: Autopilot (responses are wrapped, e.g. `{"policy": {…}}`; the client unwraps them)

export type AutopilotMode =
  | 'AUTOPILOT_MODE_INVALID'
  | 'AUTOPILOT_MODE_DISABLED'
  | 'AUTOPILOT_MODE_MONITORING'
  | 'AUTOPILOT_MODE_ACTIVE'
  | 'UNRECOGNIZED';

export interface AutopilotPolicy {
  name?: string;
  mode: AutopilotMode;
  autoscalerConfig?: {
    minParallelism?: number;
    maxParallelism?: number;
    targetUtilization?: number;
    cooldownMinutes?: number;
    extraConfig?: StringMap;
  };
  libraConfig?: {
    cooldownMinutes?: number;
    extraConfig?: StringMap;
    policies?: string;
  };
  modifyTime?: string;
}

export interface AutopilotPolicyStatus {
  status?: 'POLICY_STATUS_INVALID' | 'POLICY_STATUS_OK' | 'POLICY_STATUS_ERROR' | 'UNRECOGNIZED';
  autoscalerStatus?: {
    lastActionTime?: string;
    updateTime?: string;
    message?: string;
    /** Free-form in the swagger (a JSON string); the emulator puts `{"runtimeParallelism": n, …}` in it. */
    metrics?: string;
    sourceStatus?: unknown[];
  };
  libraStatus?: unknown;
  /** Extension (emulator, VVP 3 runtime scaling): the parallelism the job runs with, which the spec may not show. */
  runtimeParallelism?: number;
  /** Extension: the deployment spec's parallelism, for comparison. */
  specParallelism?: number;
  [extra: string]: unknown;
}

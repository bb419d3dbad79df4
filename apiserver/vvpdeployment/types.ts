// The VvpDeployment object as Kubernetes clients see it (ververica.platform/v1), field names as in the VVP 3 operator.

import type { KubeObject } from '../k8s/index.js';
import type { DeepPartial, DeploymentSpec, StringMap } from '../vvp/index.js';

export const GROUP = 'ververica.platform';
export const VERSION = 'v1';
export const KIND = 'VvpDeployment';
export const API_VERSION = `${GROUP}/${VERSION}`;

export type SyncingMode = 'PATCH' | 'PUT';
export type DeletionPolicy = 'Cancel' | 'Suspend' | 'Orphan';

/** The platform identity and user metadata of the platform deployment. */
export interface PlatformMetadata {
  name?: string;
  namespace?: string;
  displayName?: string;
  labels?: StringMap;
  annotations?: StringMap;
}

/** A (partial) platform deployment definition: what `spec.deployment` and `spec.initFields` hold. */
export interface DeploymentDefinition {
  metadata?: PlatformMetadata;
  spec?: DeepPartial<DeploymentSpec>;
}

export interface VvpDeploymentSpec {
  syncingMode: SyncingMode;
  deployment: DeploymentDefinition;
  initFields?: DeploymentDefinition;
  savepointNonce?: number;
  restartNonce?: number;
  /** A VvpSavepoint of the same namespace to restore from when restoreNonce changes (restore-nonce.ts). */
  restoreSavepointName?: string;
  restoreNonce?: number;
  initialSavepointSpec?: { savepointLocation?: string };
  deletionPolicy?: DeletionPolicy;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** metav1.Condition */
export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

export interface VvpDeploymentStatus {
  /** The platform instance holding the deployment (its ververica.platform/owner label). */
  platformInstance?: string;
  deploymentId?: string;
  observedGeneration?: number;
  state?: string;
  job?: { id?: string; name?: string; state?: string; startedAt?: string };
  parallelism?: { desired?: number; runtime?: number };
  lastSavepoint?: { id?: string; name?: string; location?: string; state?: string; origin?: string };
  observedSavepointNonce?: number;
  observedRestartNonce?: number;
  observedRestoreNonce?: number;
  restoredFrom?: { savepointName?: string; location?: string; at?: string };
  conditions: Condition[];
}

export interface VvpDeployment extends KubeObject {
  spec: VvpDeploymentSpec;
  status?: VvpDeploymentStatus;
}

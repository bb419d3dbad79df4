// Where the Kubernetes-only parts of a VvpDeployment live: in the platform deployment's own labels and annotations,
// under the reserved prefix k8s.ververica.platform/. Labels carry what lookups select on; annotations carry the rest,
// JSON-encoded so that every value round-trips exactly. Users never see reserved keys in spec.deployment.metadata.

import { createHash } from 'node:crypto';
import type { ManagedFieldsEntry, OwnerReference } from '../../k8s/index.js';
import type { StringMap } from '../../vvp/index.js';
import type { DeletionPolicy, SyncingMode, VvpDeploymentSpec } from '../types.js';

export const RESERVED_PREFIX = 'k8s.ververica.platform/';
/** Marks a platform deployment as managed by one server instance; the platform write-protects such deployments. */
export const MANAGED_BY_LABEL = 'ververica.platform/managed-by';
/** The VVP 3 operator's owner label on the Kubernetes object; must equal the instance id when present. */
export const OWNER_LABEL = 'ververica.platform/owner';
/** In the platform template's annotations: changing it makes the platform upgrade (restart) a running job. */
export const RESTART_ANNOTATION = `${RESERVED_PREFIX}restart-nonce`;
/**
 * On a savepoint, beside the nonce (ANNOTATION.savepointNonce): the `at` of the nonce record it was triggered for, so
 * that the savepoint of an interrupted trigger is recognised even when a nonce value is used again later.
 */
export const SAVEPOINT_TRIGGER_ANNOTATION = `${RESERVED_PREFIX}savepoint-nonce-at`;

/**
 * The restore record (restore-nonce.ts). Kept apart from ANNOTATION: record-signature.ts signs every ANNOTATION key
 * always and this one only when set, so records written before it existed keep verifying.
 */
export const RESTORE_ANNOTATION = `${RESERVED_PREFIX}restore`;

export const LABEL = {
  namespace: `${RESERVED_PREFIX}namespace`,
  /** The Kubernetes name, or `h-<hash>` when the name does not fit a label value. */
  name: `${RESERVED_PREFIX}name`,
} as const;

export const ANNOTATION = {
  namespace: `${RESERVED_PREFIX}namespace`,
  name: `${RESERVED_PREFIX}name`,
  spec: `${RESERVED_PREFIX}spec`,
  generation: `${RESERVED_PREFIX}generation`,
  creationTimestamp: `${RESERVED_PREFIX}creation-timestamp`,
  labels: `${RESERVED_PREFIX}labels`,
  annotations: `${RESERVED_PREFIX}annotations`,
  managedFields: `${RESERVED_PREFIX}managed-fields`,
  finalizers: `${RESERVED_PREFIX}finalizers`,
  ownerReferences: `${RESERVED_PREFIX}owner-references`,
  deletion: `${RESERVED_PREFIX}deletion`,
  savepointNonce: `${RESERVED_PREFIX}savepoint-nonce`,
  restartNonce: `${RESERVED_PREFIX}restart-nonce`,
  initialSavepoint: `${RESERVED_PREFIX}initial-savepoint`,
  projectedMode: `${RESERVED_PREFIX}projected-mode`,
  supersededFailure: `${RESERVED_PREFIX}superseded-failure`,
  generateName: `${RESERVED_PREFIX}generate-name`,
} as const;

export function isReservedKey(key: string): boolean {
  return key.startsWith(RESERVED_PREFIX) || key === MANAGED_BY_LABEL;
}

/** A nonce the server has acted on, and what came of it. */
export interface NonceRecord {
  nonce: number;
  outcome: 'Initial' | 'Triggered' | 'Blocked' | 'Failed';
  /** Server time of the action (the platform's clock is not known at write time). */
  at: string;
  savepointId?: string;
  /** For a restart: the job that was running when it was triggered; the restart is done once another job runs. */
  fromJobId?: string;
  /** A savepoint Triggered without a savepointId: when a settling replica last claimed it (savepoint-nonce.ts). */
  attemptAt?: string;
  message?: string;
}

/** A restoreNonce acted on: which savepoint, and how far the restore got (restore-nonce.ts). */
export interface RestoreRecord {
  nonce: number;
  /** Initial: present at creation, not acted on; Triggered: restarting; Registered: the next start restores it. */
  outcome: 'Initial' | 'Triggered' | 'Registered' | 'Blocked' | 'Failed';
  at: string;
  savepointName?: string;
  location?: string;
  /** The platform savepoint of this deployment the restore starts from (registered for it, or its own). */
  savepointId?: string;
  /** The job running when the restart was written; done once another job has started from `location`. */
  fromJobId?: string;
  /** The platform's upgradeStrategy the restart replaced by STATELESS; put back once the new job runs. */
  upgradeStrategyToRestore?: string;
  /** Recorded by the background pass: when the job restored from the savepoint started, and which job. */
  restoredAt?: string;
  jobId?: string;
  message?: string;
}

/**
 * The FAILED platform state a projection was written over, told by what the platform's acting on the change would
 * renew: its resourceVersion (every status transition is a write), the latest job and the latest savepoint. While
 * the platform still shows that failure it has not acted on the new spec yet, and the object reads in progress
 * rather than failed (conditions.ts).
 */
export interface FailureMark {
  generation: number;
  /** Server time of the write. */
  at: string;
  /** The platform resourceVersion the write itself makes (it is conditional on the one read, and adds one). */
  resourceVersion?: number;
  jobId?: string;
  savepointId?: string;
}

export interface DeletionRecord {
  timestamp: string;
  policy: DeletionPolicy;
  /** Why the last attempt to finish the deletion could not proceed (PlatformRefused, SavepointFailed, …). */
  blockedReason?: string;
  blockedMessage?: string;
}

/** Everything of a VvpDeployment that the platform deployment does not hold natively. */
export interface KubeParts {
  namespace: string;
  name: string;
  spec: VvpDeploymentSpec;
  generation: number;
  creationTimestamp: string;
  labels?: StringMap;
  annotations?: StringMap;
  managedFields?: ManagedFieldsEntry[];
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  /** metadata.generateName as the object was created with (kept, as kube keeps it). */
  generateName?: string;
  deletion?: DeletionRecord;
  savepointNonce?: NonceRecord;
  restartNonce?: NonceRecord;
  initialSavepoint?: { location: string; savepointId?: string };
  /** The syncing mode of the last projection of spec.deployment onto the platform. */
  projectedMode?: SyncingMode;
  /** Set by a projection that changed the spec of a FAILED platform deployment. */
  supersededFailure?: FailureMark;
  restore?: RestoreRecord;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Kubernetes object names may be 253 characters; label values only 63. */
export function nameLabelValue(name: string): string {
  if (name.length <= 63 && LABEL_VALUE.test(name)) return name;
  return `h-${createHash('sha256').update(name).digest('hex').slice(0, 40)}`;
}

/** The platform labelSelector (equality only) of deployments managed by `instanceId`, optionally one Kubernetes object. */
export function managedSelector(instanceId: string, namespace?: string, name?: string): StringMap {
  const selector: StringMap = { [MANAGED_BY_LABEL]: instanceId };
  if (namespace !== undefined) selector[LABEL.namespace] = namespace;
  if (name !== undefined) selector[LABEL.name] = nameLabelValue(name);
  return selector;
}

export function isManagedBy(labels: StringMap | undefined, instanceId: string): boolean {
  return labels?.[MANAGED_BY_LABEL] === instanceId;
}

/** The reserved labels and annotations that store `parts` on a deployment managed by `instanceId`. */
export function encodeKubeParts(parts: KubeParts, instanceId: string): { labels: StringMap; annotations: StringMap } {
  const labels: StringMap = {
    [MANAGED_BY_LABEL]: instanceId,
    [LABEL.namespace]: parts.namespace,
    [LABEL.name]: nameLabelValue(parts.name),
  };
  const annotations: StringMap = {
    [ANNOTATION.namespace]: parts.namespace,
    [ANNOTATION.name]: parts.name,
    [ANNOTATION.spec]: JSON.stringify(parts.spec),
    [ANNOTATION.generation]: String(parts.generation),
    [ANNOTATION.creationTimestamp]: parts.creationTimestamp,
  };
  // Absent parts are written as "null" rather than left out: a PATCH merges maps, so a missing key would keep its old value.
  const json = (key: string, value: unknown): void => {
    annotations[key] = value === undefined ? 'null' : JSON.stringify(value);
  };
  json(ANNOTATION.labels, parts.labels);
  json(ANNOTATION.annotations, parts.annotations);
  json(ANNOTATION.managedFields, parts.managedFields);
  json(ANNOTATION.finalizers, parts.finalizers);
  json(ANNOTATION.ownerReferences, parts.ownerReferences);
  json(ANNOTATION.deletion, parts.deletion);
  json(ANNOTATION.savepointNonce, parts.savepointNonce);
  json(ANNOTATION.restartNonce, parts.restartNonce);
  json(ANNOTATION.initialSavepoint, parts.initialSavepoint);
  json(ANNOTATION.supersededFailure, parts.supersededFailure);
  // Written only when set: records of deployments created without it keep their shape.
  if (parts.generateName !== undefined) json(ANNOTATION.generateName, parts.generateName);
  annotations[ANNOTATION.projectedMode] = parts.projectedMode ?? '';
  json(RESTORE_ANNOTATION, parts.restore);
  return { labels, annotations };
}

export class MalformedRecordError extends Error {
  constructor(readonly key: string, detail: string) {
    super(`platform annotation ${key}: ${detail}`);
    this.name = 'MalformedRecordError';
  }
}

function parseJson<T>(annotations: StringMap, key: string): T | undefined {
  const raw = annotations[key];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw new MalformedRecordError(key, 'not valid JSON');
  }
}

/** One part of the record, read without decoding the rest; throws MalformedRecordError when it is not JSON. */
export function decodeKubePart<K extends 'deletion' | 'savepointNonce' | 'restore'>(annotations: StringMap | undefined, field: K): KubeParts[K] | undefined {
  return parseJson<KubeParts[K] | null>(annotations ?? {}, field === 'restore' ? RESTORE_ANNOTATION : ANNOTATION[field as 'deletion' | 'savepointNonce']) ?? undefined;
}

/**
 * The Kubernetes parts stored on a platform deployment, or undefined when it carries none (not created through
 * Kubernetes). Throws MalformedRecordError when the record is there but damaged.
 */
export function decodeKubeParts(annotations: StringMap | undefined): KubeParts | undefined {
  const a = annotations ?? {};
  const namespace = a[ANNOTATION.namespace];
  const name = a[ANNOTATION.name];
  if (namespace === undefined || name === undefined) return undefined;
  const spec = parseJson<VvpDeploymentSpec>(a, ANNOTATION.spec);
  if (spec === undefined || typeof spec !== 'object' || spec === null) throw new MalformedRecordError(ANNOTATION.spec, 'missing');
  const generation = Number(a[ANNOTATION.generation] ?? '1');
  if (!Number.isInteger(generation) || generation < 1) throw new MalformedRecordError(ANNOTATION.generation, 'not a positive integer');
  const parts: KubeParts = {
    namespace,
    name,
    spec,
    generation,
    creationTimestamp: a[ANNOTATION.creationTimestamp] ?? '',
  };
  const assign = <K extends keyof KubeParts>(field: K, key: string): void => {
    const value = parseJson<KubeParts[K] | null>(a, key);
    if (value !== undefined && value !== null) parts[field] = value;
  };
  assign('labels', ANNOTATION.labels);
  assign('annotations', ANNOTATION.annotations);
  assign('managedFields', ANNOTATION.managedFields);
  assign('finalizers', ANNOTATION.finalizers);
  assign('ownerReferences', ANNOTATION.ownerReferences);
  assign('deletion', ANNOTATION.deletion);
  assign('savepointNonce', ANNOTATION.savepointNonce);
  assign('restartNonce', ANNOTATION.restartNonce);
  assign('initialSavepoint', ANNOTATION.initialSavepoint);
  assign('supersededFailure', ANNOTATION.supersededFailure);
  assign('restore', RESTORE_ANNOTATION);
  assign('generateName', ANNOTATION.generateName);
  const mode = a[ANNOTATION.projectedMode];
  if (mode === 'PATCH' || mode === 'PUT') parts.projectedMode = mode;
  return parts;
}

/** A label or annotation map without the reserved keys: what users see and write in spec.deployment.metadata. */
export function withoutReserved(map: StringMap | undefined): StringMap | undefined {
  if (map === undefined) return undefined;
  const out: StringMap = {};
  for (const [key, value] of Object.entries(map)) if (!isReservedKey(key)) out[key] = value;
  return out;
}

/** A full platform label or annotation map: the user's own keys plus the reserved ones. */
export function mergeMetadata(user: StringMap | undefined, reserved: StringMap): StringMap {
  return { ...withoutReserved(user), ...reserved };
}

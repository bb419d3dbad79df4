// What admission decides on: one write, described as k8s.io/apiserver's admission.Attributes describes it, and the
// AdmissionReview request webhooks receive for it (admission/v1, the fields kube-apiserver fills in).

import { randomUUID } from 'node:crypto';
import type { KubeObject, UserInfo } from '../types.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface GroupVersionKind { group: string; version: string; kind: string }
export interface GroupVersionResource { group: string; version: string; resource: string }

export interface AdmissionAttributes {
  /** Unique per request; the AdmissionReview's uid. */
  uid: string;
  operation: Operation;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  /** '' for the main resource. */
  subResource: string;
  name: string;
  /** '' for cluster-scoped resources. */
  namespace: string;
  /** The object after the change (none for DELETE); mutating admission replaces it. */
  object?: KubeObject;
  /** The live object (UPDATE, DELETE). */
  oldObject?: KubeObject;
  userInfo: UserInfo;
  dryRun: boolean;
  /** CreateOptions, UpdateOptions or DeleteOptions as sent to webhooks (kind and apiVersion included). */
  options: Record<string, unknown>;
  signal?: AbortSignal;
}

export type AttributesInput = Omit<AdmissionAttributes, 'uid' | 'subResource'> & { subResource?: string };

export function admissionAttributes(input: AttributesInput): AdmissionAttributes {
  return { uid: randomUUID(), subResource: '', ...input };
}

/** The options object of an operation, as meta.k8s.io/v1 names it. */
export function operationOptions(operation: Operation, fields: Record<string, unknown>): Record<string, unknown> {
  const kind = operation === 'CREATE' ? 'CreateOptions' : operation === 'UPDATE' ? 'UpdateOptions' : 'DeleteOptions';
  const present = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== ''));
  return { kind, apiVersion: 'meta.k8s.io/v1', ...present };
}

/** admission/v1 AdmissionRequest. */
export function admissionRequest(a: AdmissionAttributes): Record<string, unknown> {
  const request: Record<string, unknown> = {
    uid: a.uid,
    kind: a.kind,
    resource: a.resource,
    requestKind: a.kind,
    requestResource: a.resource,
    name: a.name,
    operation: a.operation,
    userInfo: userInfoJson(a.userInfo),
    object: a.object ?? null,
    oldObject: a.oldObject ?? null,
    dryRun: a.dryRun,
    options: a.options,
  };
  if (a.subResource) {
    request.subResource = a.subResource;
    request.requestSubResource = a.subResource;
  }
  if (a.namespace) request.namespace = a.namespace;
  return request;
}

export function userInfoJson(user: UserInfo): Record<string, unknown> {
  const json: Record<string, unknown> = { username: user.username };
  if (user.uid) json.uid = user.uid;
  if (user.groups.length) json.groups = user.groups;
  if (Object.keys(user.extra).length) json.extra = user.extra;
  return json;
}

// Every change to a deployment, job or savepoint goes through these: a new resourceVersion and modifiedAt, and the
// platform event that a real platform writes for it.

import { newId, nowIso } from '../ids.js';
import { clone } from '../json.js';
import type { Deployment, Job, Savepoint, VvpEvent } from '../types.js';
import { bumped, type NamespaceState } from './store.js';

/** Writes a new version of a deployment, made from a copy of the current one by `change`. */
export function updateDeployment(ns: NamespaceState, current: Deployment, change: (next: Deployment) => void): Deployment {
  // Always start from the stored version: callers may hold one that an earlier step already replaced.
  const next = clone(ns.deployments.getById(current.metadata.id) ?? current);
  change(next);
  next.metadata = bumped(next.metadata);
  ns.deployments.put(next);
  return next;
}

export function updateJob(ns: NamespaceState, current: Job, change: (next: Job) => void): Job {
  const next = clone(ns.jobs.get(current.metadata.id) ?? current);
  change(next);
  next.metadata = bumped(next.metadata);
  ns.putJob(next);
  return next;
}

export function updateSavepoint(ns: NamespaceState, current: Savepoint, change: (next: Savepoint) => void): Savepoint {
  const next = clone(ns.savepoints.get(current.metadata.id) ?? current);
  change(next);
  next.metadata = bumped(next.metadata);
  ns.putSavepoint(next);
  return next;
}

export interface EventInput {
  name: string;
  message: string;
  deployment?: Deployment;
  jobId?: string;
  type?: string;
}

export function emitEvent(ns: NamespaceState, input: EventInput): VvpEvent {
  const event: VvpEvent = {
    kind: 'Event',
    apiVersion: 'v1',
    metadata: {
      id: newId(),
      name: input.name,
      namespace: ns.name,
      createdAt: nowIso(),
      resourceVersion: 1,
      ...(input.deployment ? { deploymentId: input.deployment.metadata.id, resourceName: input.deployment.metadata.name } : {}),
      ...(input.jobId ? { jobId: input.jobId } : {}),
    },
    spec: { message: input.message, ...(input.type ? { type: input.type } : {}) },
  };
  ns.addEvent(event);
  return event;
}

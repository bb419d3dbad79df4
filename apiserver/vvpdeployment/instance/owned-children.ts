// What the child resources (VvpSavepoint and VvpJob, in platform-resources/) are built from: the deployments this
// server manages in a platform namespace, as owners, and the namespace's savepoints or jobs. A listing of the
// VvpDeployments (a watch poll, a list) reads all three already; a read of children within `maxAgeMs` of it reuses
// that read instead of asking the platform again, and each full read is announced (subscribe) so that a child kind's
// watch polls from it at once: watching savepoints beside deployments costs no more calls and lags no more.
// Owners come from the Kubernetes record the server wrote (decodeKubeParts), never from labels alone.

import type { Deployment, Job, Savepoint } from '../../vvp/index.js';
import { decodeKubeParts } from '../trust/annotations.js';

/** A managed deployment as the owner of its savepoints and jobs: its Kubernetes identity and its platform one. */
export interface ManagedOwner {
  namespace: string;
  name: string;
  /** The VvpDeployment's uid (the platform deployment id). */
  uid: string;
  platformNamespace: string;
  platformName: string;
}

export type ChildKind = 'savepoints' | 'jobs';

/** The owners of one platform namespace and the children of one kind, by owning deployment id. */
export interface OwnedChildren<K extends ChildKind = ChildKind> {
  owners: Map<string, ManagedOwner>;
  items: K extends 'savepoints' ? Savepoint[] : Job[];
}

interface NamespaceRead {
  at: number;
  owners: Map<string, ManagedOwner>;
  savepoints: Savepoint[];
  jobs: Job[];
}

/** Adds one managed deployment to `owners` (a deployment read one at a time, reader.ts). */
export function addManagedOwner(d: Deployment, owners: Map<string, ManagedOwner>, warn: (message: string, fields?: Record<string, unknown>) => void): void {
  try {
    const parts = decodeKubeParts(d.metadata.annotations);
    if (!parts) return;
    owners.set(d.metadata.id, { namespace: parts.namespace, name: parts.name, uid: d.metadata.id, platformNamespace: d.metadata.namespace, platformName: d.metadata.name });
  } catch (err) {
    warn('skipping the children of a platform deployment with a damaged Kubernetes record', { deployment: `${d.metadata.namespace}/${d.metadata.name}`, error: (err as Error).message });
  }
}

/** The last full read of each platform namespace (deployments, jobs and savepoints together), for reuse. */
export class NamespaceReads {
  private readonly last = new Map<string, NamespaceRead>();
  private readonly listeners = new Set<(pns: string) => void>();

  constructor(private readonly clock: () => number = () => performance.now()) {}

  now(): number {
    return this.clock();
  }

  /** A read that started at `at`; an older one never replaces a newer one. */
  record(pns: string, at: number, owners: Map<string, ManagedOwner>, savepoints: Savepoint[], jobs: Job[]): void {
    const previous = this.last.get(pns);
    if (!previous || previous.at <= at) this.last.set(pns, { at, owners, savepoints, jobs });
    for (const listener of this.listeners) listener(pns);
  }

  /** Called after every full read of a platform namespace (a child kind's watch hub polls from it at once). */
  subscribe(listener: (pns: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  recent<K extends ChildKind>(pns: string, kind: K, maxAgeMs: number): OwnedChildren<K> | undefined {
    const read = this.last.get(pns);
    if (!read || this.clock() - read.at > maxAgeMs) return undefined;
    return { owners: read.owners, items: read[kind] as OwnedChildren<K>['items'] };
  }
}

/** The label on a VvpSavepoint or VvpJob naming its VvpDeployment (`kubectl get vvpsavepoints -l …=<name>`). */
export const DEPLOYMENT_LABEL = 'ververica.platform/deployment';

const MAX_NAME = 253;

/**
 * The Kubernetes name of a deployment's savepoint or job: `<deployment>-<platform id>`, the deployment's name
 * shortened when both would not fit 253 characters. VvpDeployment status links to its latest savepoint and current
 * job by this name.
 */
export function childObjectName(deploymentName: string, id: string): string {
  const room = MAX_NAME - id.length - 1;
  const prefix = deploymentName.length <= room ? deploymentName : deploymentName.slice(0, room).replace(/[-.]+$/, '');
  return `${prefix}-${id}`;
}

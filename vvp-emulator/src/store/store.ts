// The emulator's state, one NamespaceState per platform namespace (deployments, jobs, savepoints, events, targets),
// with the bounded histories a platform keeps. Everything a route or the controller changes goes through it.

import { notFound } from '../errors.js';
import { newId, nowIso } from '../ids.js';
import type { JsonObject } from '../json.js';
import type { Runtime } from '../lifecycle/runtime.js';
import type {
  ApiToken,
  AutopilotPolicy,
  Deployment,
  DeploymentDefaults,
  DeploymentTarget,
  Job,
  Namespace,
  ObjectMetadata,
  Savepoint,
  SessionCluster,
  VvpEvent,
} from '../types.js';
import { DeploymentIndex } from './deployment-index.js';

/** Events kept per deployment; older ones are dropped (VVP keeps events best-effort too). */
export const maxEventsPerDeployment = 500;
/** Terminated jobs kept per deployment as history. */
export const maxJobsPerDeployment = 50;

export function newMetadata(namespace: string, name: string): ObjectMetadata {
  const now = nowIso();
  return { id: newId(), name, namespace, labels: {}, annotations: {}, createdAt: now, modifiedAt: now, resourceVersion: 1 };
}

/** The metadata of the next version of an object: every write bumps resourceVersion and modifiedAt. */
export function bumped<M extends { resourceVersion: number; modifiedAt?: string }>(metadata: M): M {
  return { ...metadata, resourceVersion: metadata.resourceVersion + 1, modifiedAt: nowIso() };
}

export class NamespaceState {
  readonly deployments = new DeploymentIndex();
  readonly jobs = new Map<string, Job>();
  readonly jobsByDeployment = new Map<string, string[]>();
  readonly savepoints = new Map<string, Savepoint>();
  readonly savepointsByDeployment = new Map<string, string[]>();
  /** Events by deployment id ('' for events of no deployment), oldest first. */
  readonly events = new Map<string, VvpEvent[]>();
  readonly targets = new Map<string, DeploymentTarget>();
  readonly sessionClusters = new Map<string, SessionCluster>();
  readonly tokens = new Map<string, ApiToken>();
  readonly autopilot = new Map<string, AutopilotPolicy>();
  readonly runtimes = new Map<string, Runtime>();

  constructor(
    public namespace: Namespace,
    public defaults: DeploymentDefaults,
  ) {}

  get name(): string {
    return this.namespace.name.replace(/^namespaces\//, '');
  }

  putJob(job: Job): void {
    const ids = this.jobsByDeployment.get(job.metadata.deploymentId) ?? [];
    if (!this.jobs.has(job.metadata.id)) {
      ids.push(job.metadata.id);
      while (ids.length > maxJobsPerDeployment) this.jobs.delete(ids.shift() ?? '');
      this.jobsByDeployment.set(job.metadata.deploymentId, ids);
    }
    this.jobs.set(job.metadata.id, job);
  }

  jobsOf(deploymentId: string): Job[] {
    return (this.jobsByDeployment.get(deploymentId) ?? []).flatMap((id) => this.jobs.get(id) ?? []);
  }

  putSavepoint(savepoint: Savepoint): void {
    const key = savepoint.metadata.deploymentId ?? '';
    if (!this.savepoints.has(savepoint.metadata.id)) {
      const ids = this.savepointsByDeployment.get(key) ?? [];
      ids.push(savepoint.metadata.id);
      this.savepointsByDeployment.set(key, ids);
    }
    this.savepoints.set(savepoint.metadata.id, savepoint);
  }

  savepointsOf(deploymentId: string): Savepoint[] {
    return (this.savepointsByDeployment.get(deploymentId) ?? []).flatMap((id) => this.savepoints.get(id) ?? []);
  }

  addEvent(event: VvpEvent): void {
    const key = event.metadata.deploymentId ?? '';
    const list = this.events.get(key) ?? [];
    list.push(event);
    if (list.length > maxEventsPerDeployment) list.splice(0, list.length - maxEventsPerDeployment);
    this.events.set(key, list);
  }

  /** Forgets a deployment and everything that belongs to it. */
  removeDeployment(deployment: Deployment): void {
    const id = deployment.metadata.id;
    this.deployments.remove(deployment);
    for (const jobId of this.jobsByDeployment.get(id) ?? []) this.jobs.delete(jobId);
    this.jobsByDeployment.delete(id);
    for (const savepointId of this.savepointsByDeployment.get(id) ?? []) this.savepoints.delete(savepointId);
    this.savepointsByDeployment.delete(id);
    this.events.delete(id);
    this.autopilot.delete(id);
    this.runtimes.delete(id);
  }
}

export class Store {
  readonly namespaces = new Map<string, NamespaceState>();

  constructor(public globalDefaults: DeploymentDefaults) {}

  namespace(name: string): NamespaceState {
    const state = this.namespaces.get(name);
    if (!state) throw notFound(`Namespace "${name}" does not exist`);
    return state;
  }

  addNamespace(name: string, defaultsSpec: JsonObject, roleBindings: Namespace['roleBindings'] = []): NamespaceState {
    const namespace: Namespace = {
      name: `namespaces/${name}`,
      createTime: nowIso(),
      lifecyclePhase: 'LIFECYCLE_PHASE_ACTIVE',
      roleBindings,
    };
    const defaults: DeploymentDefaults = {
      kind: 'DeploymentDefaults',
      apiVersion: 'v1',
      metadata: newMetadata(name, 'default'),
      spec: defaultsSpec,
    };
    const state = new NamespaceState(namespace, defaults);
    this.namespaces.set(name, state);
    return state;
  }
}

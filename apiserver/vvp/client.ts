// The Ververica Platform client: every AppManager and Platform API call the product makes, typed, with the token of the
// call, the listing bounds and the platform's errors turned into VvpError. One place, so that no other room builds a
// URL or reads a platform answer itself.

import { asUnsupportedCall } from './errors.js';
import { runtimeParallelismOf } from './autopilot.js';
import { type CallOptions, PlatformCalls, type TokenSource } from './calls.js';
import { Transport, type CallRecord, type VvpLogger } from './http.js';
import { PacedTransport } from './paced-transport.js';
import { ListStream, type ListStreamBounds, type ListStreamVisitor } from './list-stream.js';
import { VVP_ROUTES as R, formatLabelSelector, queryString, segment as s } from './routes.js';
import type {
  AutopilotPolicy,
  AutopilotPolicyStatus,
  Deployment,
  DeploymentDefaults,
  DeploymentTarget,
  DeploymentTargetWrite,
  DeploymentWrite,
  Event,
  EventWrite,
  Job,
  Namespace,
  ResourceList,
  Savepoint,
  SessionCluster,
  SessionClusterPatch,
  StringMap,
  SystemInformation,
} from './types.js';

export interface VvpClientOptions {
  /** `http://host:port` or `https://host:port`, optionally with a path prefix the platform is served under. */
  baseUrl: string;
  /** The API token used when a call names none: fixed, or a source that follows a rotating token (token-source.ts). */
  token?: string | TokenSource;
  /** Total time for one call, connect to last byte. Default 10 s. */
  timeoutMs?: number;
  /** PEM CA bundle(s) to trust for an https platform. */
  ca?: string | Buffer | (string | Buffer)[];
  /** Pooled connections to the platform. Default 64. */
  maxSockets?: number;
  logger?: VvpLogger;
  /** Called once per HTTP exchange (a retried read counts twice), e.g. to feed Prometheus. */
  onCall?: (call: CallRecord) => void;
  /** Calls to this platform running at once; further calls wait, fairly between flows (call-gate.ts). Default 32. */
  maxConcurrentCalls?: number;
  /** The flow of a call whose options name none (e.g. the user of the request being served); unset: background. */
  flowOf?: () => string | undefined;
  /** Called when the number of running or waiting calls changes, e.g. to feed Prometheus. */
  onCallSlots?: (running: number, waiting: number) => void;
}

export interface DeploymentListQuery {
  /** `k=v,k2=v2`, or a map of labels that must all match. */
  labelSelector?: string | StringMap;
}

export interface SavepointTrigger {
  deploymentId: string;
  annotations?: StringMap;
}

export interface SavepointRegistration extends SavepointTrigger {
  /** The external snapshot's URI; the platform records it with origin COPIED. */
  savepointLocation: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/**
 * Concurrent calls per platform instance. The AppManager's limits are not published: it is a Spring Boot service
 * whose requests each hold one of its database connections (HikariCP's default pool: 10), so calls beyond a few
 * dozen only queue inside the platform, where nobody is fair. 32 keeps it busy and leaves the queue here.
 */
export const DEFAULT_MAX_CONCURRENT_CALLS = 32;

/**
 * The Ververica Platform AppManager and Platform REST APIs, as the product uses them. Every method throws
 * `VvpError` on failure, and none repeats a write (see Transport for the one read retry).
 */
export class VvpClient {
  private readonly transport: PacedTransport;
  private readonly calls: PlatformCalls;

  constructor(options: VvpClientOptions) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const limit = options.maxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_CALLS;
    // The socket pool never holds a call back: the gate does, fairly.
    const http = new Transport({ ...options, timeoutMs, maxSockets: Math.max(limit, options.maxSockets ?? 0) });
    this.transport = new PacedTransport(http, limit, timeoutMs, options.onCallSlots);
    const token = options.token;
    this.calls = new PlatformCalls(this.transport, typeof token === 'object' ? token : { current: () => token, reread: () => false }, options.flowOf ?? (() => undefined));
  }

  /** The highest number of calls that ran at once (tests, the bench). */
  get peakConcurrentCalls(): number {
    return this.transport.gate.peak;
  }

  /** Closes pooled connections; calls after this open new ones. */
  close(): void {
    this.transport.close();
  }

  // Deployments (addressed by name, as VVP ≥ 2.4 does). `name` may be the deployment's id instead: VVP ≥ 2.4 looks a
  // UUID up as an id first. Destructive calls pass the id they were decided on, so a deployment created under the
  // same name in between is never the one deleted or changed (the call answers 404 instead).

  listDeployments(ns: string, query: DeploymentListQuery = {}, opts?: CallOptions): Promise<ResourceList<Deployment>> {
    const selector = query.labelSelector === undefined ? undefined : formatLabelSelector(query.labelSelector);
    const q = queryString({ labelSelector: selector === '' ? undefined : selector });
    return this.calls.list(R.deployments, `/api/v1/namespaces/${s(ns)}/deployments${q}`, opts);
  }

  /**
   * The same list, read one deployment at a time as the answer arrives (list-stream.ts): `visitor.item` sees each
   * deployment within the bounds, `visitor.leftOut` the others. Resolves with the number of deployments and the
   * answer's bytes once all are seen.
   */
  async streamDeployments(ns: string, query: DeploymentListQuery, visitor: ListStreamVisitor<Deployment>, bounds: ListStreamBounds, opts?: CallOptions): Promise<{ items: number; bytes: number }> {
    const selector = query.labelSelector === undefined ? undefined : formatLabelSelector(query.labelSelector);
    const q = queryString({ labelSelector: selector === '' ? undefined : selector });
    let bytes = 0;
    const { json } = await this.calls.send('GET', R.deployments, `/api/v1/namespaces/${s(ns)}/deployments${q}`, undefined, opts, () => {
      const stream = new ListStream(visitor, bounds);
      bytes = 0;
      return {
        write: (chunk) => {
          bytes += chunk.length;
          stream.write(chunk);
        },
        end: () => {
          stream.end();
          return stream.count;
        },
      };
    });
    return { items: json as number, bytes };
  }

  getDeployment(ns: string, name: string, opts?: CallOptions): Promise<Deployment> {
    return this.calls.object('GET', R.deployment, deploymentPath(ns, name), undefined, opts);
  }

  createDeployment(ns: string, deployment: DeploymentWrite, opts?: CallOptions): Promise<Deployment> {
    return this.calls.object('POST', R.deployments, `/api/v1/namespaces/${s(ns)}/deployments`, deployment, opts);
  }

  /** Merges the fields present; a `metadata.resourceVersion` in the body asks the platform to refuse a stale write. */
  patchDeployment(ns: string, name: string, patch: DeploymentWrite, opts?: CallOptions): Promise<Deployment> {
    return this.writeDeployment('PATCH', ns, name, patch, opts);
  }

  /** Creates or replaces; omitted fields are reset to the platform's defaults. */
  putDeployment(ns: string, name: string, deployment: DeploymentWrite, opts?: CallOptions): Promise<Deployment> {
    return this.writeDeployment('PUT', ns, name, deployment, opts);
  }

  /** The platform refuses unless the desired state is CANCELLED or SUSPENDED. Undefined when it answers 204. */
  async deleteDeployment(ns: string, name: string, opts?: CallOptions): Promise<Deployment | undefined> {
    const { json } = await this.calls.send('DELETE', R.deployment, deploymentPath(ns, name), undefined, opts);
    return json === undefined ? undefined : this.calls.expectObject<Deployment>(json, 'DELETE', R.deployment);
  }

  /** The swagger allows 204 without a body; then the stored object is read back so callers always get it. */
  private async writeDeployment(method: 'PATCH' | 'PUT', ns: string, name: string, body: DeploymentWrite, opts?: CallOptions): Promise<Deployment> {
    const { json } = await this.calls.send(method, R.deployment, deploymentPath(ns, name), body, opts);
    if (json === undefined) return this.getDeployment(ns, name, opts);
    return this.calls.expectObject<Deployment>(json, method, R.deployment);
  }

  getDeploymentDefaults(ns: string, opts?: CallOptions): Promise<DeploymentDefaults> {
    return this.calls.object('GET', R.deploymentDefaults, `/api/v1/namespaces/${s(ns)}/deployment-defaults`, undefined, opts);
  }

  listDeploymentTargets(ns: string, opts?: CallOptions): Promise<ResourceList<DeploymentTarget>> {
    return this.calls.list(R.deploymentTargets, `/api/v1/namespaces/${s(ns)}/deployment-targets`, opts);
  }

  // Jobs, savepoints, events

  listJobs(ns: string, query: { deploymentId?: string } = {}, opts?: CallOptions): Promise<ResourceList<Job>> {
    return this.calls.list(R.jobs, `/api/v1/namespaces/${s(ns)}/jobs${queryString({ deploymentId: query.deploymentId })}`, opts);
  }

  getJob(ns: string, jobId: string, opts?: CallOptions): Promise<Job> {
    return this.calls.object('GET', R.job, `/api/v1/namespaces/${s(ns)}/jobs/${s(jobId)}`, undefined, opts);
  }

  listSavepoints(ns: string, query: { deploymentId?: string; jobId?: string } = {}, opts?: CallOptions): Promise<ResourceList<Savepoint>> {
    const q = queryString({ deploymentId: query.deploymentId, jobId: query.jobId });
    return this.calls.list(R.savepoints, `/api/v1/namespaces/${s(ns)}/savepoints${q}`, opts);
  }

  getSavepoint(ns: string, savepointId: string, opts?: CallOptions): Promise<Savepoint> {
    return this.calls.object('GET', R.savepoint, `/api/v1/namespaces/${s(ns)}/savepoints/${s(savepointId)}`, undefined, opts);
  }

  /** Asks the platform to take a savepoint of the deployment's running job (origin USER_REQUEST). */
  triggerSavepoint(ns: string, trigger: SavepointTrigger, opts?: CallOptions): Promise<Savepoint> {
    const metadata: SavepointMetadataWrite = { deploymentId: trigger.deploymentId };
    if (trigger.annotations) metadata.annotations = trigger.annotations;
    return this.calls.object('POST', R.savepoints, `/api/v1/namespaces/${s(ns)}/savepoints`, { metadata }, opts);
  }

  /** Registers an existing snapshot so that the deployment can restore from it (origin COPIED). */
  registerSavepoint(ns: string, registration: SavepointRegistration, opts?: CallOptions): Promise<Savepoint> {
    const metadata: SavepointMetadataWrite = { deploymentId: registration.deploymentId };
    if (registration.annotations) metadata.annotations = registration.annotations;
    const body = { metadata, spec: { savepointLocation: registration.savepointLocation } };
    return this.calls.object('POST', R.savepoints, `/api/v1/namespaces/${s(ns)}/savepoints`, body, opts);
  }

  listEvents(ns: string, query: { deploymentId?: string; jobId?: string } = {}, opts?: CallOptions): Promise<ResourceList<Event>> {
    const q = queryString({ deploymentId: query.deploymentId, jobId: query.jobId });
    return this.calls.list(R.events, `/api/v1/namespaces/${s(ns)}/events${q}`, opts);
  }

  /**
   * Appends an event to the platform's event list. This is a VVP 3 extension: a VVP 2 platform has no such call
   * and answers 404 or 405 (501 behind some gateways); those come back as a VvpError with `unsupported: true`.
   */
  async createEvent(ns: string, event: EventWrite, opts?: CallOptions): Promise<Event> {
    try {
      return await this.calls.object<Event>('POST', R.events, `/api/v1/namespaces/${s(ns)}/events`, event, opts);
    } catch (err) {
      throw asUnsupportedCall(err);
    }
  }

  getSystemInfo(opts?: CallOptions): Promise<SystemInformation> {
    return this.calls.object('GET', R.systemInfo, '/api/v1/status/system-info', undefined, opts);
  }

  // Platform API: namespaces and Autopilot (responses wrapped in one field, unwrapped here)

  async listNamespaces(opts?: CallOptions): Promise<Namespace[]> {
    const body = await this.calls.object<{ namespaces?: Namespace[] }>('GET', R.namespaces, '/namespaces/v1/namespaces', undefined, opts);
    return Array.isArray(body.namespaces) ? body.namespaces : [];
  }

  async getNamespace(ns: string, opts?: CallOptions): Promise<Namespace> {
    const body = await this.calls.object<{ namespace?: Namespace }>('GET', R.namespace, `/namespaces/v1/namespaces/${s(ns)}`, undefined, opts);
    return this.calls.unwrap(body.namespace, 'GET', R.namespace, 'namespace');
  }

  async listAutopilotPolicies(ns: string, opts?: CallOptions): Promise<AutopilotPolicy[]> {
    const body = await this.calls.object<{ policies?: AutopilotPolicy[] }>('GET', R.autopilotPolicies, `/autopilot/v1alpha1/namespaces/${s(ns)}`, undefined, opts);
    return Array.isArray(body.policies) ? body.policies : [];
  }

  async getAutopilotPolicy(ns: string, deploymentId: string, opts?: CallOptions): Promise<AutopilotPolicy> {
    const path = `/autopilot/v1alpha1/namespaces/${s(ns)}/deployments/${s(deploymentId)}/autopilotpolicy`;
    const body = await this.calls.object<{ policy?: AutopilotPolicy }>('GET', R.autopilotPolicy, path, undefined, opts);
    return this.calls.unwrap(body.policy, 'GET', R.autopilotPolicy, 'policy');
  }

  async getAutopilotPolicyStatus(ns: string, deploymentId: string, opts?: CallOptions): Promise<AutopilotPolicyStatus> {
    const path = `/autopilot/v1alpha1/namespaces/${s(ns)}/deployments/${s(deploymentId)}/autopilotpolicy:status`;
    const body = await this.calls.object<{ status?: AutopilotPolicyStatus }>('GET', R.autopilotPolicyStatus, path, undefined, opts);
    return this.calls.unwrap(body.status, 'GET', R.autopilotPolicyStatus, 'status');
  }

  /**
   * The parallelism the deployment's job runs with as Autopilot set it at runtime (VVP 3 scales the job without
   * touching the deployment spec). Undefined when the platform does not say; then the running job's
   * `spec.parallelism` is the best answer.
   */
  async getRuntimeParallelism(ns: string, deploymentId: string, opts?: CallOptions): Promise<number | undefined> {
    return runtimeParallelismOf(await this.getAutopilotPolicyStatus(ns, deploymentId, opts));
  }

  // Deployment targets by name, and session clusters (read-only here)

  getDeploymentTarget(ns: string, name: string, opts?: CallOptions): Promise<DeploymentTarget> {
    return this.calls.object('GET', R.deploymentTarget, `/api/v1/namespaces/${s(ns)}/deployment-targets/${s(name)}`, undefined, opts);
  }

  createDeploymentTarget(ns: string, target: DeploymentTargetWrite, opts?: CallOptions): Promise<DeploymentTarget> {
    return this.calls.object('POST', R.deploymentTargets, `/api/v1/namespaces/${s(ns)}/deployment-targets`, target, opts);
  }

  /** The platform answers 409 while a deployment or session cluster runs on the target. 204 means it is gone. */
  async deleteDeploymentTarget(ns: string, name: string, opts?: CallOptions): Promise<DeploymentTarget | undefined> {
    const { json } = await this.calls.send('DELETE', R.deploymentTarget, `/api/v1/namespaces/${s(ns)}/deployment-targets/${s(name)}`, undefined, opts);
    return json === undefined ? undefined : this.calls.expectObject<DeploymentTarget>(json, 'DELETE', R.deploymentTarget);
  }

  listSessionClusters(ns: string, opts?: CallOptions): Promise<ResourceList<SessionCluster>> {
    return this.calls.list(R.sessionClusters, `/api/v1/namespaces/${s(ns)}/sessionclusters`, opts);
  }

  getSessionCluster(ns: string, name: string, opts?: CallOptions): Promise<SessionCluster> {
    return this.calls.object('GET', R.sessionCluster, `/api/v1/namespaces/${s(ns)}/sessionclusters/${s(name)}`, undefined, opts);
  }

  /** A merge patch of the session cluster (e.g. `{spec: {state: 'STOPPED'}}`); a 204 is answered by reading it back. */
  async patchSessionCluster(ns: string, name: string, patch: SessionClusterPatch, opts?: CallOptions): Promise<SessionCluster> {
    const { json } = await this.calls.send('PATCH', R.sessionCluster, `/api/v1/namespaces/${s(ns)}/sessionclusters/${s(name)}`, patch, opts);
    if (json === undefined) return this.getSessionCluster(ns, name, opts);
    return this.calls.expectObject<SessionCluster>(json, 'PATCH', R.sessionCluster);
  }
}

type SavepointMetadataWrite = { deploymentId: string; annotations?: StringMap };

function deploymentPath(ns: string, name: string): string {
  return `/api/v1/namespaces/${s(ns)}/deployments/${s(name)}`;
}

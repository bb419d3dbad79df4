// An in-memory Ververica Platform for the VvpDeployment storage's unit tests: the PlatformPort the storage is given,
// with the platform behaviour it relies on (merge PATCH, PUT with defaults, resourceVersion checks, write protection),
// a record of every call, and failures injected per call (`fail`).

import { MANAGED_BY_LABEL } from '../../apiserver/vvpdeployment/trust/annotations.js';
import type { PlatformPort } from '../../apiserver/vvpdeployment/instance/platform-port.js';
import { VvpError } from '../../apiserver/vvp/errors.js';
import type {
  Deployment, DeploymentDefaults, DeploymentTarget, DeploymentTargetWrite, DeploymentWrite, Event, EventWrite, Job, ResourceList, Savepoint, SessionCluster, StringMap,
} from '../../apiserver/vvp/types.js';
import { ListStream, type ListStreamBounds, type ListStreamVisitor } from '../../apiserver/vvp/list-stream.js';

export type Call = { method: string; ns: string; name?: string; body?: unknown; token?: string; selector?: StringMap; query?: Record<string, string | undefined> };

export function httpError(method: string, status: number, message: string): VvpError {
  return new VvpError({ kind: 'http', status, message, method, route: '/api/v1/namespaces/{ns}/deployments/{name}' });
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? structuredClone(target) as Record<string, unknown> : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** An in-memory platform with the behaviour the storage relies on: merge PATCH, PUT with defaults, RV checks, write protection. */
export class FakePlatform {
  deployments = new Map<string, Deployment>();
  jobs: Job[] = [];
  savepoints: Savepoint[] = [];
  events: Event[] = [];
  targets: DeploymentTarget[] = [];
  sessionClusters: SessionCluster[] = [];
  calls: Call[] = [];
  fail?: (call: Call) => VvpError | undefined;
  /** Holds a streamed listing's answer, already read from the platform's state, until the promise settles. */
  holdAnswer?: (call: Call) => Promise<void> | undefined;
  seq = 0;
  private clock = Date.parse('2026-11-24T10:00:00Z');

  tick(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  key(ns: string, name: string): string {
    return `${ns}/${name}`;
  }

  record(call: Call): void {
    this.calls.push(call);
    const err = this.fail?.(call);
    if (err) throw err;
  }

  writes(): Call[] {
    return this.calls.filter((c) => !c.method.startsWith('GET') && !c.method.startsWith('LIST') && c.method !== 'EVENT');
  }

  seed(ns: string, name: string, labels: StringMap = {}): Deployment {
    const at = this.tick();
    const d: Deployment = {
      kind: 'Deployment', apiVersion: 'v1',
      metadata: { id: `d-${++this.seq}`, name, namespace: ns, labels, annotations: {}, resourceVersion: 1, createdAt: at, modifiedAt: at },
      spec: { state: 'CANCELLED', upgradeStrategy: { kind: 'STATEFUL' } },
      status: { state: 'CANCELLED' },
    };
    this.deployments.set(this.key(ns, name), d);
    return d;
  }

  /** The platform moving on by itself: a status reached. */
  settle(ns: string, name: string, state: Deployment['status'] extends infer S ? S extends { state: infer X } ? X : never : never): void {
    const d = this.deployments.get(this.key(ns, name));
    if (!d) throw new Error('no such deployment');
    d.status = { state, ...(state === 'RUNNING' ? { running: { jobId: `j-${d.metadata.id}`, transitionTime: this.tick() } } : {}) };
    d.metadata.modifiedAt = this.tick();
  }

  checkWrite(method: string, current: Deployment | undefined, body: DeploymentWrite, token: string | undefined): void {
    const owner = current?.metadata.labels?.[MANAGED_BY_LABEL];
    if (owner !== undefined && token !== undefined && token !== `token-${owner}`) throw httpError(method, 403, `Deployment "${current?.metadata.name}" is write-protected`);
    const rv = body.metadata?.resourceVersion;
    if (current && typeof rv === 'number' && rv !== current.metadata.resourceVersion) throw httpError(method, 409, `metadata.resourceVersion ${rv} is stale`);
  }

  addTarget(ns: string, name: string, kubernetesNamespace?: string): DeploymentTarget {
    const at = this.tick();
    const target: DeploymentTarget = {
      kind: 'DeploymentTarget', apiVersion: 'v1',
      metadata: { id: `t-${++this.seq}`, name, namespace: ns, createdAt: at, modifiedAt: at, resourceVersion: 1 },
      spec: { kubernetes: kubernetesNamespace ? { namespace: kubernetesNamespace } : {} },
    };
    this.targets.push(target);
    return target;
  }

  addSessionCluster(ns: string, name: string, target: string, state: 'RUNNING' | 'STOPPED' = 'RUNNING'): SessionCluster {
    const at = this.tick();
    const cluster: SessionCluster = {
      kind: 'SessionCluster', apiVersion: 'v1',
      metadata: { id: `sc-${++this.seq}`, name, namespace: ns, createdAt: at, modifiedAt: at, resourceVersion: 1 },
      spec: { state, deploymentTargetName: target, flinkVersion: '1.18' },
      status: { state, ...(state === 'RUNNING' ? { running: { startedAt: at, lastUpdateTime: at } } : {}) },
    };
    this.sessionClusters.push(cluster);
    return cluster;
  }

  client(): PlatformPort {
    return fakeClient(this);
  }
}

function fakeClient(p: FakePlatform): PlatformPort {
    // As VVP ≥ 2.4: a path segment is looked up as a deployment id first, then as a name.
    const get = (ns: string, name: string, method = 'GET'): Deployment => {
      const byId = [...p.deployments.values()].find((x) => x.metadata.namespace === ns && x.metadata.id === name);
      const d = byId ?? p.deployments.get(p.key(ns, name));
      if (!d) throw httpError(method, 404, `Deployment "${name}" does not exist`);
      return d;
    };
    return {
      async listDeployments(ns: string, query: { labelSelector?: StringMap } = {}): Promise<ResourceList<Deployment>> {
        const sel = query.labelSelector ?? {};
        p.record({ method: 'LIST', ns, selector: sel });
        const items = [...p.deployments.values()].filter((d) => d.metadata.namespace === ns && Object.entries(sel).every(([k, v]) => d.metadata.labels?.[k] === v));
        return { items: structuredClone(items) };
      },
      // The listing's answer as the platform sends it, read through the client's own stream parser in small chunks.
      async streamDeployments(ns: string, query: { labelSelector?: StringMap }, visitor: ListStreamVisitor<Deployment>, bounds: ListStreamBounds) {
        const sel = query.labelSelector ?? {};
        const call: Call = { method: 'LIST', ns, selector: sel };
        p.record(call);
        const items = [...p.deployments.values()].filter((d) => d.metadata.namespace === ns && Object.entries(sel).every(([k, v]) => d.metadata.labels?.[k] === v));
        const body = Buffer.from(JSON.stringify({ kind: 'ResourceList', items }));
        await p.holdAnswer?.(call);
        const stream = new ListStream(visitor, bounds);
        for (let i = 0; i < body.length; i += 4096) stream.write(body.subarray(i, i + 4096));
        stream.end();
        return { items: stream.count, bytes: body.length };
      },
      async getDeployment(ns: string, name: string): Promise<Deployment> {
        p.record({ method: 'GET', ns, name });
        return structuredClone(get(ns, name));
      },
      async createDeployment(ns: string, body: DeploymentWrite, opts?: { token?: string }): Promise<Deployment> {
        const name = body.metadata?.name ?? '';
        p.record({ method: 'POST', ns, name, body, token: opts?.token });
        if (p.deployments.has(p.key(ns, name))) throw httpError('POST', 409, `Deployment "${name}" already exists`);
        const at = p.tick();
        const d = {
          kind: 'Deployment', apiVersion: 'v1',
          metadata: { ...structuredClone(body.metadata), id: `d-${++p.seq}`, namespace: ns, resourceVersion: 1, createdAt: at, modifiedAt: at },
          spec: mergePatch({ upgradeStrategy: { kind: 'STATEFUL' }, restoreStrategy: { kind: 'LATEST_STATE' }, maxJobCreationAttempts: 4 }, body.spec ?? {}),
          status: { state: 'CANCELLED' },
        } as Deployment;
        p.deployments.set(p.key(ns, name), d);
        return structuredClone(d);
      },
      async patchDeployment(ns: string, name: string, body: DeploymentWrite, opts?: { token?: string }): Promise<Deployment> {
        p.record({ method: 'PATCH', ns, name, body, token: opts?.token });
        const current = get(ns, name, 'PATCH');
        p.checkWrite('PATCH', current, body, opts?.token);
        const { resourceVersion: _rv, ...meta } = body.metadata ?? {};
        const next = mergePatch(current, { metadata: meta, spec: body.spec ?? {} }) as Deployment;
        next.metadata.resourceVersion = current.metadata.resourceVersion + 1;
        next.metadata.modifiedAt = p.tick();
        p.deployments.set(p.key(ns, current.metadata.name), next);
        return structuredClone(next);
      },
      async putDeployment(ns: string, name: string, body: DeploymentWrite, opts?: { token?: string }): Promise<Deployment> {
        p.record({ method: 'PUT', ns, name, body, token: opts?.token });
        const current = get(ns, name, 'PUT');
        p.checkWrite('PUT', current, body, opts?.token);
        const next = structuredClone(current);
        next.metadata.labels = structuredClone(body.metadata?.labels) as StringMap;
        next.metadata.annotations = structuredClone(body.metadata?.annotations) as StringMap;
        next.spec = mergePatch({ upgradeStrategy: { kind: 'STATEFUL' }, restoreStrategy: { kind: 'LATEST_STATE' }, maxJobCreationAttempts: 4 }, body.spec ?? {}) as Deployment['spec'];
        next.metadata.resourceVersion++;
        next.metadata.modifiedAt = p.tick();
        p.deployments.set(p.key(ns, current.metadata.name), next);
        return structuredClone(next);
      },
      async deleteDeployment(ns: string, name: string, opts?: { token?: string }): Promise<Deployment> {
        p.record({ method: 'DELETE', ns, name, token: opts?.token });
        const current = get(ns, name, 'DELETE');
        if (current.spec.state === 'RUNNING') throw httpError('DELETE', 409, 'a deployment can only be deleted in desired state CANCELLED or SUSPENDED');
        p.deployments.delete(p.key(ns, current.metadata.name));
        return current;
      },
      async listJobs(ns: string, q: { deploymentId?: string } = {}): Promise<ResourceList<Job>> {
        p.record({ method: 'LIST-JOBS', ns, query: { deploymentId: q.deploymentId } });
        return { items: p.jobs.filter((j) => j.metadata.namespace === ns && (!q.deploymentId || j.metadata.deploymentId === q.deploymentId)) };
      },
      async listSavepoints(ns: string, q: { deploymentId?: string } = {}): Promise<ResourceList<Savepoint>> {
        p.record({ method: 'LIST-SAVEPOINTS', ns, query: { deploymentId: q.deploymentId } });
        return { items: p.savepoints.filter((s) => s.metadata.namespace === ns && (!q.deploymentId || s.metadata.deploymentId === q.deploymentId)) };
      },
      async triggerSavepoint(ns: string, trigger: { deploymentId: string; annotations?: StringMap }): Promise<Savepoint> {
        p.record({ method: 'SAVEPOINT', ns, body: trigger });
        const at = p.tick();
        const sp: Savepoint = { metadata: { id: `sp-${++p.seq}`, namespace: ns, deploymentId: trigger.deploymentId, origin: 'USER_REQUEST', annotations: trigger.annotations ?? {}, createdAt: at, modifiedAt: at }, status: { state: 'STARTED' } };
        p.savepoints.push(sp);
        return sp;
      },
      async registerSavepoint(ns: string, reg: { deploymentId: string; savepointLocation: string }): Promise<Savepoint> {
        p.record({ method: 'REGISTER', ns, body: reg });
        const at = p.tick();
        const sp: Savepoint = { metadata: { id: `sp-${++p.seq}`, namespace: ns, deploymentId: reg.deploymentId, origin: 'COPIED', createdAt: at, modifiedAt: at }, spec: { savepointLocation: reg.savepointLocation }, status: { state: 'COMPLETED' } };
        p.savepoints.push(sp);
        return sp;
      },
      async listAutopilotPolicies(ns: string) {
        p.record({ method: 'LIST-AUTOPILOT', ns });
        return [];
      },
      async getAutopilotPolicy(ns: string) {
        p.record({ method: 'GET-AUTOPILOT', ns });
        throw httpError('GET', 404, 'no policy');
      },
      async getAutopilotPolicyStatus() {
        throw httpError('GET', 404, 'no policy');
      },
      async listEvents(ns: string, q: { deploymentId?: string } = {}): Promise<ResourceList<Event>> {
        p.record({ method: 'LIST-EVENTS', ns });
        return { items: p.events.filter((e) => e.metadata.namespace === ns && (!q.deploymentId || e.metadata.deploymentId === q.deploymentId)) };
      },
      async getDeploymentDefaults(ns: string): Promise<DeploymentDefaults> {
        return { spec: { template: { spec: { flinkConfiguration: { 'state.savepoints.dir': `s3://fake/savepoints/${ns}` } } } } };
      },
      async listDeploymentTargets(ns: string): Promise<ResourceList<DeploymentTarget>> {
        p.record({ method: 'LIST-TARGETS', ns });
        return { items: p.targets.filter((x) => x.metadata.namespace === ns) };
      },
      async getDeploymentTarget(ns: string, name: string): Promise<DeploymentTarget> {
        p.record({ method: 'GET-TARGET', ns, name });
        const found = p.targets.find((x) => x.metadata.namespace === ns && x.metadata.name === name);
        if (!found) throw httpError('GET', 404, `DeploymentTarget "${name}" does not exist`);
        return found;
      },
      async createDeploymentTarget(ns: string, target: DeploymentTargetWrite): Promise<DeploymentTarget> {
        p.record({ method: 'CREATE-TARGET', ns, name: target.metadata.name, body: target });
        if (p.targets.some((x) => x.metadata.namespace === ns && x.metadata.name === target.metadata.name)) throw httpError('POST', 409, `DeploymentTarget "${target.metadata.name}" already exists`);
        return p.addTarget(ns, target.metadata.name, target.spec.kubernetes.namespace);
      },
      async deleteDeploymentTarget(ns: string, name: string): Promise<DeploymentTarget | undefined> {
        p.record({ method: 'DELETE-TARGET', ns, name });
        const at = p.targets.findIndex((x) => x.metadata.namespace === ns && x.metadata.name === name);
        if (at < 0) throw httpError('DELETE', 404, `DeploymentTarget "${name}" does not exist`);
        const used = [...p.deployments.values()].find((d) => d.metadata.namespace === ns && d.spec.deploymentTargetName === name);
        if (used) throw httpError('DELETE', 409, `DeploymentTarget "${name}" is used by deployment "${used.metadata.name}" and cannot be deleted`);
        return p.targets.splice(at, 1)[0];
      },
      async listSessionClusters(ns: string): Promise<ResourceList<SessionCluster>> {
        p.record({ method: 'LIST-SESSIONCLUSTERS', ns });
        return { items: p.sessionClusters.filter((x) => x.metadata.namespace === ns) };
      },
      async getSessionCluster(ns: string, name: string): Promise<SessionCluster> {
        p.record({ method: 'GET-SESSIONCLUSTER', ns, name });
        const found = p.sessionClusters.find((x) => x.metadata.namespace === ns && x.metadata.name === name);
        if (!found) throw httpError('GET', 404, `SessionCluster "${name}" does not exist`);
        return found;
      },
      async patchSessionCluster(ns: string, name: string, patch: { spec: { state: 'RUNNING' | 'STOPPED' } }): Promise<SessionCluster> {
        p.record({ method: 'PATCH-SESSIONCLUSTER', ns, name, body: patch });
        const found = p.sessionClusters.find((x) => x.metadata.namespace === ns && x.metadata.name === name);
        if (!found) throw httpError('PATCH', 404, `SessionCluster "${name}" does not exist`);
        found.spec.state = patch.spec.state;
        found.status = { state: patch.spec.state === 'RUNNING' ? 'STARTING' : 'STOPPING' };
        found.metadata.modifiedAt = p.tick();
        found.metadata.resourceVersion = (found.metadata.resourceVersion ?? 0) + 1;
        return found;
      },
      async createEvent(ns: string, event: EventWrite): Promise<Event> {
        p.record({ method: 'EVENT', ns });
        const created: Event = { metadata: { id: `e-${++p.seq}`, namespace: ns, createdAt: p.tick(), ...(event.metadata?.deploymentId ? { deploymentId: event.metadata.deploymentId } : {}), name: 'EXTERNAL' }, spec: { message: event.spec?.message ?? '' } };
        p.events.push(created);
        return created;
      },
    };
}

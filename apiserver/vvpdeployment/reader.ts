// Reading the platform: where a Kubernetes object's platform deployment is, and everything its status is built from.

import type { CallOptions, VvpClient } from '../vvp/client.js';
import type { AutopilotPolicy, AutopilotPolicyStatus, Deployment, Job, Savepoint } from '../vvp/types.js';
import { ANNOTATION, decodeKubeParts, isManagedBy, managedSelector, type KubeParts } from './annotations.js';
import { isPlatformStatus } from './errors.js';
import { newestFirst, type AutopilotView, type PlatformView } from './platform-view.js';

export interface PlatformReaderOptions {
  client: VvpClient;
  instanceId: string;
  platformNamespaces: readonly string[];
  /** Maps a platform failure to the error to throw (a Kubernetes Status) for the object `name`. */
  toStatusError: (err: unknown, name: string | undefined) => unknown;
  warn: (message: string, fields?: Record<string, unknown>) => void;
}

interface Location {
  platformNamespace: string;
  platformName: string;
}

interface PlatformNamespaceData {
  jobs: Map<string, Job>;
  savepoints: Map<string, Savepoint[]>;
  autopilot: (d: Deployment) => Promise<AutopilotView | undefined>;
}

export class PlatformReader {
  /** Kubernetes namespace/name → platform namespace/name: a hint, verified on every use. */
  private readonly locations = new Map<string, Location>();

  constructor(private readonly options: PlatformReaderOptions) {}

  private async platform<T>(name: string | undefined, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw this.options.toStatusError(err, name);
    }
  }

  private warn(message: string, fields?: Record<string, unknown>): void {
    this.options.warn(message, fields);
  }

  static key(namespace: string, name: string): string {
    return `${namespace}/${name}`;
  }

  private owns(d: Deployment, namespace: string, name: string): boolean {
    const a = d.metadata.annotations ?? {};
    return isManagedBy(d.metadata.labels, this.options.instanceId) && a[ANNOTATION.namespace] === namespace && a[ANNOTATION.name] === name;
  }

  /**
   * The platform deployment of a Kubernetes object: first where the cache says, else by a labelSelector query per
   * served platform namespace (never a scan of every deployment).
   */
  async locate(namespace: string, name: string, signal: AbortSignal): Promise<Deployment | undefined> {
    const key = PlatformReader.key(namespace, name);
    const cached = this.locations.get(key);
    const opts: CallOptions = { signal };
    if (cached) {
      try {
        const d = await this.options.client.getDeployment(cached.platformNamespace, cached.platformName, opts);
        if (this.owns(d, namespace, name)) return d;
      } catch (err) {
        if (!isPlatformStatus(err, 404)) throw this.options.toStatusError(err, name);
      }
      this.locations.delete(key);
    }
    const selector = managedSelector(this.options.instanceId, namespace, name);
    const found = await Promise.all(this.options.platformNamespaces.map((pns) =>
      this.platform(name, () => this.options.client.listDeployments(pns, { labelSelector: selector }, opts))));
    const d = found.flatMap((l) => l.items).find((x) => this.owns(x, namespace, name));
    if (d) this.remember(d);
    return d;
  }

  remember(d: Deployment): void {
    const a = d.metadata.annotations ?? {};
    const ns = a[ANNOTATION.namespace];
    const name = a[ANNOTATION.name];
    if (ns !== undefined && name !== undefined) {
      this.locations.set(PlatformReader.key(ns, name), { platformNamespace: d.metadata.namespace, platformName: d.metadata.name });
    }
  }

  forget(namespace: string, name: string): void {
    this.locations.delete(PlatformReader.key(namespace, name));
  }

  private async autopilotView(pns: string, d: Deployment, policy: AutopilotPolicy | undefined, signal: AbortSignal): Promise<AutopilotView | undefined> {
    const client = this.options.client;
    try {
      const p = policy ?? await client.getAutopilotPolicy(pns, d.metadata.id, { signal });
      const view: AutopilotView = { mode: p.mode };
      if (p.modifyTime) view.since = p.modifyTime;
      if (p.mode === 'AUTOPILOT_MODE_ACTIVE') {
        const status = await client.getAutopilotPolicyStatus(pns, d.metadata.id, { signal });
        const runtime = runtimeParallelism(status);
        if (runtime !== undefined) view.runtimeParallelism = runtime;
        if (status.autoscalerStatus?.lastActionTime) view.since = status.autoscalerStatus.lastActionTime;
      }
      return view;
    } catch (err) {
      if (isPlatformStatus(err, 404)) return { mode: 'AUTOPILOT_MODE_DISABLED', ...(d.metadata.createdAt ? { since: d.metadata.createdAt } : {}) };
      this.warn('Autopilot state unreadable', { deployment: d.metadata.name, error: (err as Error).message });
      return undefined;
    }
  }

  /** Jobs, savepoints and Autopilot of one platform namespace, fetched once for many deployments. */
  private async namespaceData(pns: string, signal: AbortSignal): Promise<PlatformNamespaceData> {
    const client = this.options.client;
    const [jobs, savepoints, policies] = await Promise.all([
      this.platform(undefined, () => client.listJobs(pns, {}, { signal })),
      this.platform(undefined, () => client.listSavepoints(pns, {}, { signal })),
      client.listAutopilotPolicies(pns, { signal }).catch(() => undefined),
    ]);
    const latestJob = new Map<string, Job>();
    for (const j of newestFirst(jobs.items)) {
      const id = j.metadata.deploymentId;
      if (id && !latestJob.has(id)) latestJob.set(id, j);
    }
    const byDeployment = new Map<string, Savepoint[]>();
    for (const s of savepoints.items) {
      const id = s.metadata.deploymentId;
      if (id) byDeployment.set(id, [...(byDeployment.get(id) ?? []), s]);
    }
    const policyOf = new Map<string, AutopilotPolicy>();
    for (const p of policies ?? []) {
      const id = /deployments\/([^/]+)\/autopilotpolicy$/.exec(p.name ?? '')?.[1];
      if (id) policyOf.set(id, p);
    }
    return {
      jobs: latestJob,
      savepoints: byDeployment,
      autopilot: (d) => {
        if (policies === undefined) return this.autopilotView(pns, d, undefined, signal);
        const p = policyOf.get(d.metadata.id) ?? { mode: 'AUTOPILOT_MODE_DISABLED' as const, ...(d.metadata.createdAt ? { modifyTime: d.metadata.createdAt } : {}) };
        return this.autopilotView(pns, d, p, signal);
      },
    };
  }

  async loadView(d: Deployment, signal: AbortSignal): Promise<PlatformView> {
    const client = this.options.client;
    const pns = d.metadata.namespace;
    const name = d.metadata.name;
    const [jobs, savepoints, autopilot] = await Promise.all([
      this.platform(name, () => client.listJobs(pns, { deploymentId: d.metadata.id }, { signal })),
      this.platform(name, () => client.listSavepoints(pns, { deploymentId: d.metadata.id }, { signal })),
      this.autopilotView(pns, d, undefined, signal),
    ]);
    const view: PlatformView = { deployment: d, savepoints: savepoints.items };
    const job = newestFirst(jobs.items)[0];
    if (job) view.job = job;
    if (autopilot) view.autopilot = autopilot;
    return view;
  }


  /** The managed deployments of one platform namespace (optionally of one Kubernetes namespace), with their views. */
  async namespaceViews(pns: string, kubeNamespace: string | undefined, signal: AbortSignal): Promise<{ view: PlatformView; parts: KubeParts }[]> {
    const selector = managedSelector(this.options.instanceId, kubeNamespace);
    const list = await this.platform(undefined, () => this.options.client.listDeployments(pns, { labelSelector: selector }, { signal }));
    const managed = list.items.filter((d) => isManagedBy(d.metadata.labels, this.options.instanceId));
    if (managed.length === 0) return [];
    const data = await this.namespaceData(pns, signal);
    const out: { view: PlatformView; parts: KubeParts }[] = [];
    await Promise.all(managed.map(async (d) => {
      let parts: KubeParts | undefined;
      try {
        parts = decodeKubeParts(d.metadata.annotations);
      } catch (err) {
        this.warn('skipping a platform deployment with a damaged Kubernetes record', { deployment: `${d.metadata.namespace}/${d.metadata.name}`, error: (err as Error).message });
      }
      if (!parts) return;
      this.remember(d);
      const view: PlatformView = { deployment: d, savepoints: data.savepoints.get(d.metadata.id) ?? [] };
      const job = data.jobs.get(d.metadata.id);
      if (job) view.job = job;
      const autopilot = await data.autopilot(d);
      if (autopilot) view.autopilot = autopilot;
      out.push({ view, parts });
    }));
    return out;
  }
}

function runtimeParallelism(status: AutopilotPolicyStatus): number | undefined {
  if (typeof status.runtimeParallelism === 'number') return status.runtimeParallelism;
  const metrics = status.autoscalerStatus?.metrics;
  if (typeof metrics !== 'string') return undefined;
  try {
    const parsed = JSON.parse(metrics) as { runtimeParallelism?: unknown };
    return typeof parsed.runtimeParallelism === 'number' ? parsed.runtimeParallelism : undefined;
  } catch {
    return undefined;
  }
}

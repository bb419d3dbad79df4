// Reading the platform: where a Kubernetes object's platform deployment is, and everything its status is built from.

import {
  type AutopilotPolicy, type Deployment, isVvpHttpError, type Job, runtimeParallelismOf, type Savepoint,
} from '../../vvp/index.js';
import { ANNOTATION, isManagedBy, managedSelector } from '../trust/annotations.js';
import { type ChildKind, type ManagedOwner, NamespaceReads, type OwnedChildren, addManagedOwner } from '../instance/owned-children.js';
import { viewResourceVersion } from '../decide/kube-object.js';
import { newestFirst, type AutopilotView, type PlatformView } from './platform-view.js';
import type { PlatformPort } from '../instance/platform-port.js';
import { LISTING_BOUNDS, OversizedDeployments } from '../decide/size-limit.js';
import { RecentReads } from './recent-reads.js';
import { surroundingsAtRest, viewInputs } from './view-inputs.js';

export interface PlatformReaderOptions {
  client: PlatformPort;
  instanceId: string;
  platformNamespaces: readonly string[];
  /** Maps a platform failure to the error to throw (a Kubernetes Status) for the object `name`. */
  toStatusError: (err: unknown, name: string | undefined) => unknown;
  warn: (message: string, fields?: Record<string, unknown>) => void;
  /**
   * How long a GET may reuse the jobs, savepoints and Autopilot state read for an unchanged deployment (the watch
   * poll interval: no staler than a watch); 0 reads them on every GET.
   */
  surroundingsMaxAgeMs?: number;
  /** Whether a managed deployment's record is this server's own (record-signature.ts); others are not looked at. */
  trusts?: (d: Deployment) => boolean;
  /** The bytes of every full listing of a platform namespace's managed deployments (the poll's bytes budget). */
  listed?: (pns: string, bytes: number) => void;
}

interface Location {
  platformNamespace: string;
  platformName: string;
  id: string;
}

/** What is read of a deployment besides itself; Autopilot `absent` when the platform has no policy for it. */
interface Surroundings {
  job?: Job;
  savepoints: Savepoint[];
  autopilot: AutopilotView | 'absent' | undefined;
}

interface PlatformNamespaceData {
  allJobs: Job[];
  allSavepoints: Savepoint[];
  jobs: Map<string, Job>;
  savepoints: Map<string, Savepoint[]>;
  /** Synchronous unless the platform must be asked (no policy list, or an active policy's status). */
  autopilot: (d: Deployment) => AutopilotView | 'absent' | undefined | Promise<AutopilotView | 'absent' | undefined>;
}

/** One managed deployment of a namespace read: what identifies it, and its view where the scan kept it. */
export interface ManagedEntry {
  id: string;
  resourceVersion: string;
  /** Everything the object is built from (view-inputs.ts): what tells a changed object, its children's changes included. */
  version: string;
  namespace: string;
  name: string;
  view?: PlatformView;
}

/** What a namespace read keeps and reports, deployment by deployment (namespaceViews). */
export interface NamespaceScan {
  /** Whether to keep this deployment's view (default: every one). */
  keep?(entry: ManagedEntry): boolean;
  /** Each managed deployment read, with its Kubernetes namespace (while it is read; it is not kept). */
  deployment?(d: Deployment, namespace: string): void;
  /** The bytes of the deployments listing. */
  listed?(bytes: number): void;
}

export class PlatformReader {
  /** Kubernetes namespace/name → platform namespace/name: a hint, verified on every use. */
  private readonly locations = new Map<string, Location>();
  /** Surroundings by deployment id, for the deployment version they were read with. */
  private readonly recent: RecentReads<Surroundings>;
  /** The last full read of each platform namespace, which the child resources' reads reuse (owned-children.ts). */
  private readonly namespaceReads = new NamespaceReads();
  private readonly oversized = new OversizedDeployments((message, fields) => this.warn(message, fields));
  /** Platform namespaces whose last full read found managed deployments (their jobs and savepoints are read first). */
  private readonly lastManaged = new Set<string>();
  /** Per platform namespace, the owners of the last full read by deployment id, with the version they were read at. */
  private readonly ownersRead = new Map<string, Map<string, { version: string; owner: ManagedOwner | undefined }>>();

  constructor(private readonly options: PlatformReaderOptions) {
    this.recent = new RecentReads(options.surroundingsMaxAgeMs ?? 0);
  }

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
    return isManagedBy(d.metadata.labels, this.options.instanceId) && a[ANNOTATION.namespace] === namespace && a[ANNOTATION.name] === name
      && (this.options.trusts?.(d) ?? true);
  }

  /**
   * The platform deployment of a Kubernetes object: first where the cache says, else by a labelSelector query per
   * served platform namespace (never a scan of every deployment).
   */
  async locate(namespace: string, name: string, signal: AbortSignal): Promise<Deployment | undefined> {
    const key = PlatformReader.key(namespace, name);
    const cached = this.locations.get(key);
    if (cached) {
      const d = await this.deploymentAt(cached, name, signal);
      if (d && this.owns(d, namespace, name)) return d;
      this.locations.delete(key);
    }
    return this.search(namespace, name, signal);
  }

  /**
   * A Kubernetes object's platform deployment with everything its status is built from. Where the cache knows the
   * deployment, all of it is read at once (one round trip to the platform), then checked to belong together. With
   * `reuse`, surroundings read recently for the same deployment version are not read again (GET; writes never reuse).
   */
  async read(namespace: string, name: string, signal: AbortSignal, reuse = false): Promise<PlatformView | undefined> {
    const key = PlatformReader.key(namespace, name);
    const cached = this.locations.get(key);
    if (cached && reuse && this.recent.has(cached.id)) {
      const d = await this.deploymentAt(cached, name, signal);
      if (d && this.owns(d, namespace, name)) {
        const kept = d.metadata.id === cached.id ? this.recent.get(d.metadata.id, versionOf(d)) : undefined;
        return kept && surroundingsAtRest(d, kept) ? viewOf(d, kept) : this.loadView(this.remember(d), signal);
      }
      this.locations.delete(key);
    } else if (cached) {
      const at = this.recent.now();
      const [d, surroundings] = await Promise.all([
        this.deploymentAt(cached, name, signal),
        this.surroundings(cached.platformNamespace, cached.id, signal).catch((err: unknown) => ({ failed: err })),
      ]);
      if (d && this.owns(d, namespace, name)) {
        if (d.metadata.id !== cached.id) return this.loadView(this.remember(d), signal);
        if ('failed' in surroundings) throw this.options.toStatusError(surroundings.failed, name);
        this.keepRecent(d, surroundings, at);
        return viewOf(d, surroundings);
      }
      this.locations.delete(key);
    }
    const d = await this.search(namespace, name, signal);
    return d ? this.loadView(d, signal) : undefined;
  }

  /** The deployment where the cache says it is; undefined when it is gone from there. */
  private async deploymentAt(at: Location, name: string, signal: AbortSignal): Promise<Deployment | undefined> {
    try {
      return await this.options.client.getDeployment(at.platformNamespace, at.platformName, { signal });
    } catch (err) {
      if (isVvpHttpError(err, 404)) return undefined;
      throw this.options.toStatusError(err, name);
    }
  }

  private async search(namespace: string, name: string, signal: AbortSignal): Promise<Deployment | undefined> {
    const selector = managedSelector(this.options.instanceId, namespace, name);
    const found = await Promise.all(this.options.platformNamespaces.map((pns) =>
      this.platform(name, () => this.options.client.listDeployments(pns, { labelSelector: selector }, { signal }))));
    const d = found.flatMap((l) => l.items).find((x) => this.owns(x, namespace, name));
    if (d) this.remember(d);
    return d;
  }

  remember(d: Deployment): Deployment {
    const a = d.metadata.annotations ?? {};
    const ns = a[ANNOTATION.namespace];
    const name = a[ANNOTATION.name];
    if (ns !== undefined && name !== undefined) {
      const known = this.locations.get(PlatformReader.key(ns, name));
      if (known && known.id === d.metadata.id && known.platformName === d.metadata.name && known.platformNamespace === d.metadata.namespace) return d;
      this.locations.set(PlatformReader.key(ns, name), { platformNamespace: d.metadata.namespace, platformName: d.metadata.name, id: d.metadata.id });
    }
    return d;
  }

  /**
   * This server wrote `after` over `before` without touching its jobs, savepoints or Autopilot: what was read around
   * `before` is kept for `after`, so that the next GET does not read it again.
   */
  written(before: Deployment, after: Deployment): void {
    if (before.metadata.id === after.metadata.id) this.recent.carry(after.metadata.id, versionOf(before), versionOf(after));
  }

  /**
   * Keeps what was read around a deployment for the next GET, only while it is at rest (view-inputs.ts): a job that
   * is starting or a savepoint in flight moves on without the deployment changing, so it is read again.
   */
  private keepRecent(d: Deployment, surroundings: Surroundings, at: number): void {
    if (surroundingsAtRest(d, surroundings)) this.recent.set(d.metadata.id, versionOf(d), surroundings, at);
    else this.recent.delete(d.metadata.id);
  }

  forget(namespace: string, name: string): void {
    this.locations.delete(PlatformReader.key(namespace, name));
  }

  private async autopilotView(pns: string, deploymentId: string, policy: AutopilotPolicy | undefined, signal: AbortSignal): Promise<AutopilotView | 'absent' | undefined> {
    const client = this.options.client;
    try {
      const p = policy ?? await client.getAutopilotPolicy(pns, deploymentId, { signal });
      const view: AutopilotView = { mode: p.mode };
      if (p.modifyTime) view.since = p.modifyTime;
      if (p.mode === 'AUTOPILOT_MODE_ACTIVE') {
        const status = await client.getAutopilotPolicyStatus(pns, deploymentId, { signal });
        const runtime = runtimeParallelismOf(status);
        if (runtime !== undefined) view.runtimeParallelism = runtime;
        if (status.autoscalerStatus?.lastActionTime) view.since = status.autoscalerStatus.lastActionTime;
      }
      return view;
    } catch (err) {
      if (isVvpHttpError(err, 404)) return 'absent';
      this.warn('Autopilot state unreadable', { deploymentId, error: (err as Error).message });
      return undefined;
    }
  }

  /** The latest job, the savepoints and the Autopilot state of one deployment. */
  private async surroundings(pns: string, deploymentId: string, signal: AbortSignal): Promise<Surroundings> {
    const client = this.options.client;
    const [jobs, savepoints, autopilot] = await Promise.all([
      client.listJobs(pns, { deploymentId }, { signal }),
      client.listSavepoints(pns, { deploymentId }, { signal }),
      this.autopilotView(pns, deploymentId, undefined, signal),
    ]);
    const job = newestFirst(jobs.items)[0];
    return { ...(job ? { job } : {}), savepoints: savepoints.items, autopilot };
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
      allJobs: jobs.items,
      allSavepoints: savepoints.items,
      jobs: latestJob,
      savepoints: byDeployment,
      autopilot: (d) => {
        if (policies === undefined) return this.autopilotView(pns, d.metadata.id, undefined, signal);
        const p = policyOf.get(d.metadata.id);
        if (!p) return 'absent';
        return p.mode === 'AUTOPILOT_MODE_ACTIVE' ? this.autopilotView(pns, d.metadata.id, p, signal) : { mode: p.mode, ...(p.modifyTime ? { since: p.modifyTime } : {}) };
      },
    };
  }

  async loadView(d: Deployment, signal: AbortSignal): Promise<PlatformView> {
    const at = this.recent.now();
    try {
      const surroundings = await this.surroundings(d.metadata.namespace, d.metadata.id, signal);
      this.keepRecent(d, surroundings, at);
      return viewOf(d, surroundings);
    } catch (err) {
      throw this.options.toStatusError(err, d.metadata.name);
    }
  }

  /**
   * The managed deployments of one platform namespace (optionally of one Kubernetes namespace): each one's identity and
   * resourceVersion, and its view only where `scan.keep` wants it (its record is decoded only when the object is
   * built). The listing is read one deployment at a time (the client's list stream) and each deployment not kept is
   * dropped as soon as its resourceVersion is known, so a poll of 10,000 unchanged deployments never holds them all.
   * The jobs, savepoints and Autopilot policies (they make each resourceVersion) are read beside the deployments when
   * the namespace held managed deployments when last read, else after them, only if there are any.
   */
  async namespaceViews(pns: string, kubeNamespace: string | undefined, signal: AbortSignal, scan: NamespaceScan = {}): Promise<ManagedEntry[]> {
    const selector = managedSelector(this.options.instanceId, kubeNamespace);
    const at = this.namespaceReads.now();
    const full = kubeNamespace === undefined;
    // Read beside the deployments (deployments arriving before it are held until it is there); for one Kubernetes
    // namespace only once a deployment of it is listed, so that an empty namespace costs one selected listing.
    let data: PlatformNamespaceData | undefined;
    const reading = full && this.lastManaged.has(pns) ? this.namespaceData(pns, signal).then((d) => (data = d)) : undefined;
    reading?.catch(() => {});
    const owners = new Map<string, ManagedOwner>();
    const previousOwners = this.ownersRead.get(pns);
    const nextOwners = new Map<string, { version: string; owner: ManagedOwner | undefined }>();
    const early: Deployment[] = [];
    const out: (ManagedEntry | Promise<ManagedEntry | undefined>)[] = [];
    const take = (d: Deployment, surroundings: PlatformNamespaceData): void => {
      const a = d.metadata.annotations ?? {};
      const namespace = a[ANNOTATION.namespace];
      const name = a[ANNOTATION.name];
      if (namespace === undefined || name === undefined) return;
      this.remember(d);
      if (full) {
        // The owner of the children (a decoded record) only when the deployment changed since the last full read.
        const version = String(d.metadata.resourceVersion ?? '');
        const cached = previousOwners?.get(d.metadata.id);
        if (cached?.version === version) {
          if (cached.owner) owners.set(d.metadata.id, cached.owner);
        } else {
          addManagedOwner(d, owners, (m, f) => this.warn(m, f));
        }
        nextOwners.set(d.metadata.id, { version, owner: owners.get(d.metadata.id) });
      }
      scan.deployment?.(d, namespace);
      const job = surroundings.jobs.get(d.metadata.id);
      const base = { ...(job ? { job } : {}), savepoints: surroundings.savepoints.get(d.metadata.id) ?? [] };
      const entry = (autopilot: AutopilotView | 'absent' | undefined): ManagedEntry => {
        const view = viewOf(d, { ...base, autopilot });
        const e: ManagedEntry = { id: d.metadata.id, resourceVersion: viewResourceVersion(view), version: viewInputs(view), namespace, name };
        if (scan.keep?.(e) ?? true) e.view = view;
        return e;
      };
      const autopilot = surroundings.autopilot(d);
      out.push(autopilot instanceof Promise ? autopilot.then(entry) : entry(autopilot));
    };
    const listed = await this.platform(undefined, () => this.options.client.streamDeployments(pns, { labelSelector: selector }, {
      item: (d) => {
        if (!isManagedBy(d.metadata.labels, this.options.instanceId) || !(this.options.trusts?.(d) ?? true)) return;
        if (data) take(d, data);
        else early.push(d);
      },
      leftOut: (item) => this.oversized.leftOut(item),
    }, LISTING_BOUNDS, { signal }));
    scan.listed?.(listed.bytes);
    if (full) this.options.listed?.(pns, listed.bytes);
    if (reading) await reading;
    if (early.length > 0) {
      const surroundings = data ?? await this.namespaceData(pns, signal);
      data = surroundings;
      for (const d of early.splice(0)) take(d, surroundings);
    }
    if (full) {
      if (out.length > 0) this.lastManaged.add(pns);
      else this.lastManaged.delete(pns);
      this.namespaceReads.record(pns, at, owners, data?.allSavepoints ?? [], data?.allJobs ?? []);
      this.ownersRead.set(pns, nextOwners);
    }
    return (await Promise.all(out)).filter((e): e is ManagedEntry => e !== undefined);
  }

  /**
   * The owners and the children of one kind in a platform namespace: from the last full namespace read when it is
   * younger than `maxAgeMs`, else two platform calls (the managed deployments, the children).
   */
  /** Called after every full read of a platform namespace (owned-children.ts). */
  onNamespaceRead(listener: (pns: string) => void): () => void {
    return this.namespaceReads.subscribe(listener);
  }

  async ownedChildren<K extends ChildKind>(pns: string, kind: K, maxAgeMs: number, signal: AbortSignal): Promise<OwnedChildren<K>> {
    const recent = this.namespaceReads.recent(pns, kind, maxAgeMs);
    if (recent) return recent;
    const client = this.options.client;
    const owners = new Map<string, ManagedOwner>();
    // One deployment at a time, as namespaceViews reads them: only the owners are kept, within the same bounds.
    const [listed, items] = await Promise.all([
      this.platform(undefined, () => client.streamDeployments(pns, { labelSelector: managedSelector(this.options.instanceId) }, {
        item: (d) => {
          // Only deployments whose record is this server's own (record-signature.ts) own children, as in namespaceViews.
          if (isManagedBy(d.metadata.labels, this.options.instanceId) && (this.options.trusts?.(d) ?? true)) addManagedOwner(d, owners, (m, f) => this.warn(m, f));
        },
        leftOut: (item) => this.oversized.leftOut(item),
      }, LISTING_BOUNDS, { signal })),
      this.platform(undefined, async (): Promise<{ items: unknown[] }> => (kind === 'jobs' ? client.listJobs(pns, {}, { signal }) : client.listSavepoints(pns, {}, { signal }))),
    ]);
    this.options.listed?.(pns, listed.bytes);
    return { owners, items: items.items as OwnedChildren<K>['items'] };
  }
}

/** What of a deployment, when changed, makes its surroundings worth reading again (a transition moves its job). */
function versionOf(d: Deployment): string {
  const running = d.status?.running;
  return `${d.metadata.resourceVersion ?? ''}|${d.metadata.modifiedAt ?? ''}|${d.status?.state ?? ''}|${running?.jobId ?? ''}|${running?.transitionTime ?? ''}`;
}

function viewOf(d: Deployment, s: Surroundings): PlatformView {
  const view: PlatformView = { deployment: d, savepoints: s.savepoints };
  if (s.job) view.job = s.job;
  // Without a policy, Autopilot is off, and has been since the deployment exists.
  if (s.autopilot === 'absent') view.autopilot = { mode: 'AUTOPILOT_MODE_DISABLED', ...(d.metadata.createdAt ? { since: d.metadata.createdAt } : {}) };
  else if (s.autopilot) view.autopilot = s.autopilot;
  return view;
}


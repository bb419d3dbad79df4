// Reading a whole platform namespace at once: its managed deployments, each with its view (for lists, watch polls and
// the background passes), and the owners of the child resources (jobs, savepoints). A poll of thousands of unchanged
// deployments must not hold them all, so the listing is streamed and a `NamespaceScan` says which views to keep.
// Apart from the reader of one object (reader.ts), which hands it the location cache to fill.

import { type Deployment, isVvpHttpError } from '../../vvp/index.js';
import { ANNOTATION, isManagedBy, managedSelector } from '../trust/annotations.js';
import { type ChildKind, type ManagedOwner, NamespaceReads, type OwnedChildren, addManagedOwner } from '../instance/owned-children.js';
import { viewResourceVersion } from '../decide/kube-object.js';
import { LISTING_BOUNDS, OversizedDeployments } from '../decide/size-limit.js';
import { type PlatformReads, type SurroundingsReader, asStatus } from './surroundings-reader.js';
import { type AutopilotRead, type NamespaceSurroundings, viewOf } from './surroundings.js';
import type { PlatformView } from './platform-view.js';
import { viewInputs } from './view-inputs.js';

/** Above this many owners in one Kubernetes namespace, a list of their children reads the kind's whole listing once. */
const CHILD_CALLS_PER_LIST = 8;

export interface NamespaceReaderOptions extends PlatformReads {
  instanceId: string;
  /** Whether a managed deployment's record is this server's own (record-signature.ts); others are not looked at. */
  trusts?: (d: Deployment) => boolean;
  /** The bytes of every full listing of a platform namespace's managed deployments (the poll's bytes budget). */
  listed?: (pns: string, bytes: number) => void;
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
  /** Each managed deployment's view (while it is read; kept only where `keep` wants it). */
  viewed?(view: PlatformView): void;
}

export class NamespaceReader {
  /** The last full read of each platform namespace, which the child resources' reads reuse (owned-children.ts). */
  private readonly namespaceReads = new NamespaceReads();
  private readonly oversized = new OversizedDeployments((message, fields) => this.options.warn(message, fields));
  /** Platform namespaces whose last full read found managed deployments (their jobs and savepoints are read first). */
  private readonly lastManaged = new Set<string>();
  /** Per platform namespace, the owners of the last full read by deployment id, with the version they were read at. */
  private readonly ownersRead = new Map<string, Map<string, { version: string; owner: ManagedOwner | undefined }>>();

  /** `remember`: each managed deployment read tells the reader of one object where it is. */
  constructor(private readonly options: NamespaceReaderOptions, private readonly surroundings: SurroundingsReader, private readonly remember: (d: Deployment) => void) {}

  private trusted(d: Deployment): boolean {
    return isManagedBy(d.metadata.labels, this.options.instanceId) && (this.options.trusts?.(d) ?? true);
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
    let data: NamespaceSurroundings | undefined;
    const reading = full && this.lastManaged.has(pns) ? this.surroundings.ofNamespace(pns, signal).then((d) => (data = d)) : undefined;
    reading?.catch(() => {});
    const owners = new Map<string, ManagedOwner>();
    const previousOwners = this.ownersRead.get(pns);
    const nextOwners = new Map<string, { version: string; owner: ManagedOwner | undefined }>();
    const early: Deployment[] = [];
    const out: (ManagedEntry | Promise<ManagedEntry | undefined>)[] = [];
    const take = (d: Deployment, surroundings: NamespaceSurroundings): void => {
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
          addManagedOwner(d, owners, (m, f) => this.options.warn(m, f));
        }
        nextOwners.set(d.metadata.id, { version, owner: owners.get(d.metadata.id) });
      }
      scan.deployment?.(d, namespace);
      const job = surroundings.jobs.get(d.metadata.id);
      const base = { ...(job ? { job } : {}), savepoints: surroundings.savepoints.get(d.metadata.id) ?? [] };
      const entry = (autopilot: AutopilotRead): ManagedEntry => {
        const view = viewOf(d, { ...base, autopilot });
        scan.viewed?.(view);
        const e: ManagedEntry = { id: d.metadata.id, resourceVersion: viewResourceVersion(view), version: viewInputs(view), namespace, name };
        if (scan.keep?.(e) ?? true) e.view = view;
        return e;
      };
      const autopilot = surroundings.autopilot(d);
      out.push(autopilot instanceof Promise ? autopilot.then(entry) : entry(autopilot));
    };
    const listed = await asStatus(this.options, undefined, () => this.options.client.streamDeployments(pns, { labelSelector: selector }, {
      item: (d) => {
        if (!this.trusted(d)) return;
        if (data) take(d, data);
        else early.push(d);
      },
      leftOut: (item) => this.oversized.leftOut(item),
    }, LISTING_BOUNDS, { signal }));
    scan.listed?.(listed.bytes);
    if (full) this.options.listed?.(pns, listed.bytes);
    if (reading) await reading;
    if (early.length > 0) {
      const surroundings = data ?? await this.surroundings.ofNamespace(pns, signal);
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
   * One managed deployment by id with its view, built as namespaceViews builds it (a watch's hot reads, hot-set.ts);
   * no entry when it is gone or no longer a deployment of this server's. `bytes`: about what the platform sent.
   */
  async deploymentEntry(pns: string, id: string, signal: AbortSignal): Promise<{ entry?: ManagedEntry; bytes: number }> {
    let d: Deployment;
    try {
      d = await this.options.client.getDeployment(pns, id, { signal });
    } catch (err) {
      if (isVvpHttpError(err, 404)) return { bytes: 0 };
      throw this.options.toStatusError(err, undefined);
    }
    let bytes = JSON.stringify(d).length;
    const a = d.metadata.annotations ?? {};
    const namespace = a[ANNOTATION.namespace];
    const name = a[ANNOTATION.name];
    if (!this.trusted(d) || namespace === undefined || name === undefined) return { bytes };
    this.remember(d);
    const surroundings = await asStatus(this.options, name, () => this.surroundings.ofDeployment(pns, id, signal));
    bytes += JSON.stringify(surroundings.job ?? null).length + JSON.stringify(surroundings.savepoints).length;
    const view = viewOf(d, surroundings);
    return { entry: { id, resourceVersion: viewResourceVersion(view), version: viewInputs(view), namespace, name, view }, bytes };
  }

  /** Called after every full read of a platform namespace (owned-children.ts). */
  onNamespaceRead(listener: (pns: string) => void): () => void {
    return this.namespaceReads.subscribe(listener);
  }

  /**
   * The owners and the children of one kind in a platform namespace: from the last full namespace read when it is
   * younger than `maxAgeMs`, else two platform calls (the managed deployments, the children). For one Kubernetes
   * namespace, its deployments are selected on the platform and only their children are read (ownedChildrenIn).
   */
  async ownedChildren<K extends ChildKind>(pns: string, kind: K, maxAgeMs: number, signal: AbortSignal, kubeNamespace?: string): Promise<OwnedChildren<K>> {
    if (kubeNamespace !== undefined) return this.ownedChildrenIn(pns, kind, kubeNamespace, signal);
    const recent = this.namespaceReads.recent(pns, kind, maxAgeMs);
    if (recent) return recent;
    const [owners, items] = await Promise.all([this.owners(pns, undefined, signal), this.children(pns, kind, {}, signal)]);
    this.options.listed?.(pns, owners.bytes);
    return { owners: owners.owners, items };
  }

  /**
   * The owners of one Kubernetes namespace and their children of one kind: an empty namespace costs one selected
   * listing; a few owners, one call each filtered by deployment id; many, one listing of the kind.
   */
  private async ownedChildrenIn<K extends ChildKind>(pns: string, kind: K, kubeNamespace: string, signal: AbortSignal): Promise<OwnedChildren<K>> {
    const { owners } = await this.owners(pns, kubeNamespace, signal);
    if (owners.size === 0) return { owners, items: [] as OwnedChildren<K>['items'] };
    if (owners.size > CHILD_CALLS_PER_LIST) {
      const all = await this.children(pns, kind, {}, signal);
      return { owners, items: (all as { metadata: { deploymentId?: string } }[]).filter((item) => owners.has(item.metadata.deploymentId ?? '')) as OwnedChildren<K>['items'] };
    }
    const each = await Promise.all([...owners.keys()].map((deploymentId) => this.children(pns, kind, { deploymentId }, signal)));
    return { owners, items: (each as { metadata: { deploymentId?: string } }[][]).flat() as OwnedChildren<K>['items'] };
  }

  /** The managed deployments of a platform namespace (of one Kubernetes namespace when given) as owners, read one at a time. */
  private async owners(pns: string, kubeNamespace: string | undefined, signal: AbortSignal): Promise<{ owners: Map<string, ManagedOwner>; bytes: number }> {
    const owners = new Map<string, ManagedOwner>();
    // Within the same bounds as namespaceViews; only deployments whose record is this server's own (record-signature.ts) own children.
    const listed = await asStatus(this.options, undefined, () => this.options.client.streamDeployments(pns, { labelSelector: managedSelector(this.options.instanceId, kubeNamespace) }, {
      item: (d) => { if (this.trusted(d)) addManagedOwner(d, owners, (m, f) => this.options.warn(m, f)); },
      leftOut: (item) => this.oversized.leftOut(item),
    }, LISTING_BOUNDS, { signal }));
    return { owners, bytes: listed.bytes };
  }

  private async children<K extends ChildKind>(pns: string, kind: K, filter: { deploymentId?: string }, signal: AbortSignal): Promise<OwnedChildren<K>['items']> {
    const client = this.options.client;
    const read = await asStatus(this.options, undefined, async (): Promise<{ items: unknown[] }> =>
      (kind === 'jobs' ? client.listJobs(pns, filter, { signal }) : client.listSavepoints(pns, filter, { signal })));
    return read.items as OwnedChildren<K>['items'];
  }
}

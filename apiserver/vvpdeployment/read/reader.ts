// Reading the platform for one Kubernetes object: where its platform deployment is (a location cache, verified on every
// use, else a label query), and the deployment with everything its status is built from. What surrounds a deployment
// is read by surroundings-reader.ts, a whole platform namespace by namespace-reader.ts; this reader is the door to both.

import { type Deployment, isVvpHttpError } from '../../vvp/index.js';
import { ANNOTATION, isManagedBy, managedSelector } from '../trust/annotations.js';
import type { ChildKind, OwnedChildren } from '../instance/owned-children.js';
import type { PlatformView } from './platform-view.js';
import { RecentReads } from './recent-reads.js';
import { type ManagedEntry, type NamespaceReaderOptions, type NamespaceScan, NamespaceReader } from './namespace-reader.js';
import { SurroundingsReader, asStatus } from './surroundings-reader.js';
import { type Surroundings, versionOf, viewOf } from './surroundings.js';
import { surroundingsAtRest } from './view-inputs.js';

export type { ManagedEntry, NamespaceScan } from './namespace-reader.js';

export interface PlatformReaderOptions extends NamespaceReaderOptions {
  platformNamespaces: readonly string[];
  /**
   * How long a GET may reuse the jobs, savepoints and Autopilot state read for an unchanged deployment (the watch
   * poll interval: no staler than a watch); 0 reads them on every GET.
   */
  surroundingsMaxAgeMs?: number;
}

interface Location {
  platformNamespace: string;
  platformName: string;
  id: string;
}

export class PlatformReader {
  /** Kubernetes namespace/name → platform namespace/name: a hint, verified on every use. */
  private readonly locations = new Map<string, Location>();
  /** Surroundings by deployment id, for the deployment version they were read with. */
  private readonly recent: RecentReads<Surroundings>;
  private readonly surroundings: SurroundingsReader;
  private readonly namespaces: NamespaceReader;

  constructor(private readonly options: PlatformReaderOptions) {
    this.recent = new RecentReads(options.surroundingsMaxAgeMs ?? 0);
    this.surroundings = new SurroundingsReader(options);
    this.namespaces = new NamespaceReader(options, this.surroundings, (d) => this.remember(d));
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
        this.surroundings.ofDeployment(cached.platformNamespace, cached.id, signal).catch((err: unknown) => ({ failed: err })),
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
      asStatus(this.options, name, () => this.options.client.listDeployments(pns, { labelSelector: selector }, { signal }))));
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

  async loadView(d: Deployment, signal: AbortSignal): Promise<PlatformView> {
    const at = this.recent.now();
    try {
      const surroundings = await this.surroundings.ofDeployment(d.metadata.namespace, d.metadata.id, signal);
      this.keepRecent(d, surroundings, at);
      return viewOf(d, surroundings);
    } catch (err) {
      throw this.options.toStatusError(err, d.metadata.name);
    }
  }

  /** The managed deployments of a platform namespace, with the views `scan` keeps (namespace-reader.ts). */
  namespaceViews(pns: string, kubeNamespace: string | undefined, signal: AbortSignal, scan: NamespaceScan = {}): Promise<ManagedEntry[]> {
    return this.namespaces.namespaceViews(pns, kubeNamespace, signal, scan);
  }

  /** One managed deployment by id with its view (namespace-reader.ts). */
  deploymentEntry(pns: string, id: string, signal: AbortSignal): Promise<{ entry?: ManagedEntry; bytes: number }> {
    return this.namespaces.deploymentEntry(pns, id, signal);
  }

  /** Called after every full read of a platform namespace (owned-children.ts). */
  onNamespaceRead(listener: (pns: string) => void): () => void {
    return this.namespaces.onNamespaceRead(listener);
  }

  /** The owners and the children of one kind in a platform namespace (namespace-reader.ts). */
  ownedChildren<K extends ChildKind>(pns: string, kind: K, maxAgeMs: number, signal: AbortSignal, kubeNamespace?: string): Promise<OwnedChildren<K>> {
    return this.namespaces.ownedChildren(pns, kind, maxAgeMs, signal, kubeNamespace);
  }
}

// The VvpDeployment storage, the only one registered for `vvpdeployments`: several Ververica Platform installations
// behind the one API (an aggregated API has one backend per group/version). Each installation is a PlatformInstance
// (platform-instance.ts: its client, platform namespaces, location cache and hub scopes), not a REST storage; this
// storage implements the small interfaces of k8s.io/apiserver's registry/rest, as metrics-server's pkg/api/pod.go
// does, sends every verb to the instance the object belongs to (owner.ts: the `ververica.platform/owner` label) and
// spans lists and watches over all of them. An update that creates goes where the object the request sent names,
// read once before admission: the transform, which runs admission, runs once. The instances share one watch hub, one
// poll loop per instance and platform namespace, so a watch of several instances has one resourceVersion sequence
// (they are time-derived, mapping.ts). What the platform resources use of it they declare (platform-resources/ports.ts).
//
// Outages stay where they are: a failure of one instance answers for the objects of that instance only. A read by
// name that an unavailable instance cannot answer is a 503 unless that instance's last listing showed no object of
// the namespace (occupancy.ts), in which case the others' answer stands.

import {
  type Creater, type DeleteOptions, type DeleteResult, type Getter, type GracefulDeleter, type KubeObject, type Lister,
  type ListOptions, type ListResult, type RequestContext, highestResourceVersion, listPage, type ResourceInfo, type SentObject, type Storage, type Strategic,
  statusErrors, type TableConvertor, type Updater, type UpdateTransform, WatchHub, type WatchOptions, type WatchStream,
  isStatusError,
} from '../k8s/index.js';
import { NEVER } from './flows/core.js';
import { ownerChangedInAdmission, ownerOf, refusalsWith, sentOwner, withOwner } from './decide/owner.js';
import { APIKEY_SECRET_ANNOTATION, type VvpDeploymentStorageOptions } from './options.js';
import { PlatformInstance } from './instance/platform-instance.js';
import { VvpDeploymentStrategy } from './strategy.js';
import { vvpDeploymentInfo } from './schema.js';
import { tableCells, tableColumns } from './table.js';
import { KIND, type VvpDeployment } from './types.js';
import type { ChildKind, OwnedChildren } from './instance/owned-children.js';
import type { PlatformCatalog } from './instance/platform-catalog.js';

/** Hub scope of an instance's platform namespace: `<instanceId>/<platform namespace>` (ids hold no `/`). */
function scopeName(instanceId: string, platformNamespace: string): string {
  return `${instanceId}/${platformNamespace}`;
}

export { APIKEY_SECRET_ANNOTATION };

export interface VvpDeploymentStorageSetup {
  /** One instance's options per platform instance (their instanceIds differ); `watch` of the first sets the hub's timing. */
  instances: VvpDeploymentStorageOptions[];
}

export class VvpDeploymentStorage implements Storage, Strategic, Getter, Lister, Creater, Updater, GracefulDeleter, TableConvertor {
  readonly info: ResourceInfo;
  /** Defaults and validation over every instance (the owner label routes), run by the machinery before validating admission. */
  readonly strategy: VvpDeploymentStrategy;
  /** PUT and server-side apply of a missing object create it. */
  readonly allowCreateOnUpdate = true;
  readonly tableColumns = tableColumns;
  /** Present only with a watch hub, so that discovery lists the watch verb only when it is served. */
  readonly watch?: (ctx: RequestContext, options: WatchOptions) => Promise<WatchStream>;
  private readonly storages: ReadonlyMap<string, PlatformInstance>;
  private readonly hub: WatchHub | undefined;
  private readonly ids: string[];
  private readonly firstInstance: VvpDeploymentStorageOptions;

  constructor(options: VvpDeploymentStorageSetup) {
    const first = options.instances[0];
    if (!first) throw new Error('at least one platform instance must be served');
    this.firstInstance = first;
    this.ids = options.instances.map((o) => o.instanceId);
    if (new Set(this.ids).size !== this.ids.length) throw new Error(`platform instance ids must differ: ${this.ids.join(', ')}`);
    const watch = first.watch;
    const storages = new Map<string, PlatformInstance>();
    // A hub scope is `<instanceId>/<platformNamespace>` (scopeName): the instance's storage and its namespace.
    const scoped = (scope: string) => {
      const at = scope.indexOf('/');
      return { instanceId: scope.slice(0, at), storage: storages.get(scope.slice(0, at)), pns: scope.slice(at + 1) };
    };
    this.hub = watch && new WatchHub({
      snapshot: (scope, known) => {
        const { storage, pns } = scoped(scope);
        if (!storage) throw new Error(`no platform instance for watch scope ${scope}`);
        return storage.snapshot(pns, known);
      },
      pollIntervalMs: watch.pollIntervalMs,
      intervalMs: (scope) => {
        const { storage, pns } = scoped(scope);
        return storage?.pollIntervalMs(pns) ?? watch.pollIntervalMs;
      },
      minGapMs: (scope) => {
        const { storage, pns } = scoped(scope);
        return storage?.pollGapMs(pns) ?? 0;
      },
      onPollError: (scope, err) => {
        const { instanceId, pns } = scoped(scope);
        options.instances.find((o) => o.instanceId === instanceId)?.watch?.onPollError?.(pns, err);
      },
    });
    for (const o of options.instances) {
      const sharedWatch = this.hub && { hub: this.hub, scopeOf: (pns: string) => scopeName(o.instanceId, pns) };
      storages.set(o.instanceId, new PlatformInstance({ ...o, ...(sharedWatch ? { sharedWatch } : {}) }));
    }
    this.storages = storages;
    const one = storages.get(first.instanceId)!;
    this.info = { ...vvpDeploymentInfo, group: first.group ?? vvpDeploymentInfo.group };
    this.strategy = new VvpDeploymentStrategy(options.instances);
    if (this.hub) this.watch = (_ctx, watchOptions) => this.watchAll(one, watchOptions);
  }

  private get all(): PlatformInstance[] {
    return [...this.storages.values()];
  }

  private storage(instanceId: string): PlatformInstance {
    const s = this.storages.get(instanceId);
    if (!s) throw new Error(`no platform instance ${instanceId}`);
    return s;
  }

  /**
   * Asks every instance; the answers of those that have the object (`found`), else the failure to answer. An
   * instance's failure counts as "not here" where its occupancy says the namespace held nothing there; a 404 always.
   */
  private async fromEvery<T>(namespace: string, ask: (s: PlatformInstance) => Promise<T | undefined>): Promise<T[]> {
    const settled = await Promise.allSettled(this.all.map(async (s) => {
      try {
        return await ask(s);
      } catch (err) {
        if (isStatusError(err) && err.code === 404) return undefined;
        if (s.answersEmpty(err, namespace)) return undefined;
        throw err;
      }
    }));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    const found = settled.flatMap((r) => (r.status === 'fulfilled' && r.value !== undefined ? [r.value] : []));
    if (found.length > 0) return found;
    if (failed) throw failed.reason;
    return [];
  }

  /**
   * The only instance an object without an owner label can belong to (owner.ts: while one instance is served, the
   * label may be left out), undefined when that takes asking the instances.
   */
  private get sole(): PlatformInstance | undefined {
    const decision = ownerOf({ metadata: {} }, this.ids);
    return 'owner' in decision ? this.storage(decision.owner) : undefined;
  }

  /** The instance holding `namespace/name`, undefined when none does. */
  private async owner(ctx: RequestContext, namespace: string, name: string): Promise<PlatformInstance | undefined> {
    const sole = this.sole;
    if (sole) return sole;
    const [holder] = await this.fromEvery(namespace, async (s) => ((await s.holds(namespace, name, ctx.signal)) ? s : undefined));
    return holder;
  }

  private invalid(object: Pick<KubeObject, 'metadata'>, decision: ReturnType<typeof ownerOf>): string {
    if ('owner' in decision) return decision.owner;
    throw statusErrors.invalid(this.info.group, KIND, object.metadata.name ?? '', [decision.cause]);
  }

  async get(ctx: RequestContext, namespace: string | undefined, name: string): Promise<VvpDeployment> {
    const sole = this.sole;
    if (sole) return sole.get(ctx, namespace, name);
    const [found] = await this.fromEvery(namespace ?? '', (s) => s.get(ctx, namespace, name));
    if (!found) throw statusErrors.notFound({ group: this.info.group, resource: this.info.resource, name });
    return found;
  }

  async list(ctx: RequestContext, options: ListOptions): Promise<ListResult> {
    const lists = await Promise.all(this.all.map((s) => s.listAll(ctx, options.namespace)));
    return listPage(lists.flatMap((l) => l.items), options, highestResourceVersion(lists.map((l) => l.resourceVersion)));
  }

  async create(ctx: RequestContext, object: KubeObject): Promise<VvpDeployment> {
    const decision = ownerOf(object, this.ids);
    if ('cause' in decision) throw statusErrors.invalid(this.info.group, KIND, object.metadata.name ?? '', refusalsWith(decision.cause, object, this.firstInstance));
    const owner = decision.owner;
    const namespace = object.metadata.namespace ?? '';
    const name = object.metadata.name ?? '';
    const elsewhere = await this.elsewhere(ctx, namespace, name, owner);
    if (elsewhere) throw statusErrors.alreadyExists({ group: this.info.group, resource: this.info.resource, name }, `it lives on platform instance "${elsewhere.instanceId}"`);
    return this.storage(owner).create(ctx, withOwner(object, owner));
  }

  /** Another instance than `owner` holding `namespace/name` (none to ask while one instance is served). */
  private async elsewhere(ctx: RequestContext, namespace: string, name: string, owner: string): Promise<PlatformInstance | undefined> {
    const others = this.all.filter((s) => s.instanceId !== owner);
    const [holder] = await this.fromEvery(namespace, async (s) => (others.includes(s) && await s.holds(namespace, name, ctx.signal) ? s : undefined));
    return holder;
  }

  async update(ctx: RequestContext, namespace: string | undefined, name: string, transform: UpdateTransform, sent?: SentObject): Promise<VvpDeployment> {
    const ns = namespace ?? '';
    const holder = await this.owner(ctx, ns, name);
    // Where it lives, or, for an update that creates, the instance the sent object names (read here, once, before
    // admission). When it names none the first instance reads, and the transform's answer is refused below (or is a
    // 404 for a patch) after admission, as a create's would be.
    const named = sentOwner(sent, this.ids);
    const target = holder ?? (named ? this.storage(named) : this.all[0]!);
    const liveOwner = holder?.instanceId;
    return target.update(ctx, ns, name, async (live) => {
      const desired = await transform(live);
      if (!live) {
        const owner = this.invalid(desired, ownerOf(desired, this.ids));
        if (owner !== target.instanceId) this.invalid(desired, { cause: ownerChangedInAdmission(owner, named) });
        return withOwner(desired, owner);
      }
      return withOwner(desired, this.invalid(desired, ownerOf(desired, this.ids, liveOwner ?? target.instanceId)));
    });
  }

  async delete(ctx: RequestContext, namespace: string | undefined, name: string, options: DeleteOptions): Promise<DeleteResult> {
    const sole = this.sole;
    if (sole) return sole.delete(ctx, namespace, name, options);
    // Only the instance holding the object writes; the others read, find nothing (404) and write nothing.
    const [result] = await this.fromEvery(namespace ?? '', (s) => s.delete(ctx, namespace, name, options));
    if (!result) throw statusErrors.notFound({ group: this.info.group, resource: this.info.resource, name });
    return result;
  }

  /**
   * One watch over every instance's scopes. When an unavailable instance fails it, a namespaced watch is tried again
   * without the instances whose last listing showed no object of the namespace.
   */
  private async watchAll(any: PlatformInstance, options: WatchOptions): Promise<WatchStream> {
    const allEmpty = (err: unknown, ns: string | undefined) => this.all.every((s) => s.answersEmpty(err, ns));
    try {
      return await any.watchAcross(options, this.all.flatMap((s) => s.watchScopes), allEmpty);
    } catch (err) {
      const ns = options.namespace;
      const holding = this.all.filter((s) => !s.answersEmpty(err, ns));
      if (ns === undefined || holding.length === this.all.length) throw err;
      return any.watchAcross(options, holding.flatMap((s) => s.watchScopes), allEmpty);
    }
  }

  /**
   * The child resources' door to their owners (platform-resources/ports.ts: OwnerPort, CatalogPort) across every instance. Their
   * scopes are the platform namespaces with one instance, `<instance>/<platform namespace>` with several.
   */
  childScopes(): string[] {
    return [...this.storages].flatMap(([id, s]) => s.platformNamespaces.map((pns) => this.childScope(id, pns)));
  }

  ownedChildren<K extends ChildKind>(scope: string, kind: K, maxAgeMs: number, signal: AbortSignal): Promise<OwnedChildren<K>> {
    const { storage, platformNamespace } = this.ofChildScope(scope);
    return storage.ownedChildren(platformNamespace, kind, maxAgeMs, signal);
  }

  pollIntervalMs(scope: string): number {
    const { storage, platformNamespace } = this.ofChildScope(scope);
    return storage.pollIntervalMs(platformNamespace);
  }

  pollGapMs(scope: string): number {
    const { storage, platformNamespace } = this.ofChildScope(scope);
    return storage.pollGapMs(platformNamespace);
  }

  onNamespaceRead(listener: (scope: string) => void): () => void {
    const stops = [...this.storages].map(([id, s]) => s.onNamespaceRead((pns) => listener(this.childScope(id, pns))));
    return () => { for (const stop of stops) stop(); };
  }

  async triggerSavepoint(...args: Parameters<PlatformInstance['triggerSavepoint']>): ReturnType<PlatformInstance['triggerSavepoint']> {
    const [ctx, namespace, name] = args;
    // No instance holds it: the first answers the 404.
    return ((await this.owner(ctx, namespace, name)) ?? this.all[0]!).triggerSavepoint(...args);
  }

  /** The deployment targets and session clusters of a child scope's instance and its platform namespace there. */
  catalogOf(scope: string): { catalog: PlatformCatalog; platformNamespace: string } {
    const { storage, platformNamespace } = this.ofChildScope(scope);
    return { catalog: storage.catalog, platformNamespace };
  }

  private childScope(instanceId: string, platformNamespace: string): string {
    return this.storages.size === 1 ? platformNamespace : scopeName(instanceId, platformNamespace);
  }

  private ofChildScope(scope: string): { storage: PlatformInstance; platformNamespace: string } {
    if (this.storages.size === 1) return { storage: this.all[0]!, platformNamespace: scope };
    const at = scope.indexOf('/');
    return { storage: this.storage(scope.slice(0, at)), platformNamespace: scope.slice(at + 1) };
  }

  tableCells(object: KubeObject): unknown[] {
    return tableCells(object);
  }

  close(): void {
    this.hub?.close();
    for (const s of this.all) s.close();
  }

  refreshOccupancy(signal: AbortSignal = NEVER, maxAgeMs = 0): Promise<void> {
    return this.each((s) => s.refreshOccupancy(signal, maxAgeMs)).then(() => undefined);
  }

  finishPendingWork(signal: AbortSignal = NEVER): Promise<number> {
    return this.each((s) => s.finishPendingWork(signal)).then((counts) => counts.reduce((a, b) => a + b, 0));
  }

  mirrorPlatformEvents(record: Parameters<PlatformInstance['mirrorPlatformEvents']>[0], signal: AbortSignal = NEVER): Promise<void> {
    return this.each((s) => s.mirrorPlatformEvents(record, signal)).then(() => undefined);
  }

  /** Background work of every instance; one instance's failure does not stop the others' (it is thrown after). */
  private async each<T>(work: (s: PlatformInstance) => Promise<T>): Promise<T[]> {
    const settled = await Promise.allSettled(this.all.map(work));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
  }
}

// The VvpDeployment storage, the only one registered for `vvpdeployments`: several Ververica Platform installations
// behind the one API (an aggregated API has one backend per group/version). Each installation is a PlatformInstance
// (platform-instance.ts: its client, platform namespaces, location cache and hub scopes), not a REST storage; this
// storage implements the small interfaces of k8s.io/apiserver's registry/rest, as metrics-server's pkg/api/pod.go
// does, sends every verb to the instance the object belongs to (owner.ts: the `ververica.platform/owner` label) and
// spans lists and watches over all of them (platform-instances.ts). An update that creates goes where the object the
// request sent names, read once before admission: the transform, which runs admission, runs once. The instances share
// one watch hub, one poll loop per instance and platform namespace, so a watch of several instances has one
// resourceVersion sequence (they are time-derived, mapping.ts). What the platform resources use of it they declare
// (platform-resources/ports.ts).
//
// Outages stay where they are: a failure of one instance answers for the objects of that instance only. A read by
// name that an unavailable instance cannot answer is a 503 unless that instance's last listing showed no object of
// the namespace (occupancy.ts), in which case the others' answer stands.

import {
  type Creater, type DeleteOptions, type DeleteResult, type Getter, type GracefulDeleter, type KubeObject, type Lister,
  type ListOptions, type ListResult, type RequestContext, highestResourceVersion, listPage, type ResourceInfo, type SentObject, type Storage, type Strategic,
  statusErrors, type TableConvertor, type Updater, type UpdateTransform, type WatchOptions, type WatchStream,
} from '../k8s/index.js';
import { NEVER } from './flows/core.js';
import { ownerChangedInAdmission, ownerOf, refusalsWith, sentOwner, withOwner } from './decide/owner.js';
import { APIKEY_SECRET_ANNOTATION } from './options.js';
import type { PlatformInstance } from './instance/platform-instance.js';
import { PlatformInstances, type VvpDeploymentStorageSetup } from './instance/platform-instances.js';
import { VvpDeploymentStrategy } from './strategy.js';
import { vvpDeploymentInfo } from './schema.js';
import { tableCells, tableColumns } from './table.js';
import { KIND, type VvpDeployment } from './types.js';
import type { ChildKind, OwnedChildren } from './instance/owned-children.js';
import type { PlatformCatalog } from './instance/platform-catalog.js';

export { APIKEY_SECRET_ANNOTATION, type VvpDeploymentStorageSetup };

export class VvpDeploymentStorage implements Storage, Strategic, Getter, Lister, Creater, Updater, GracefulDeleter, TableConvertor {
  readonly info: ResourceInfo;
  /** Defaults and validation over every instance (the owner label routes), run by the machinery before validating admission. */
  readonly strategy: VvpDeploymentStrategy;
  /** PUT and server-side apply of a missing object create it. */
  readonly allowCreateOnUpdate = true;
  readonly tableColumns = tableColumns;
  /** Present only with a watch hub, so that discovery lists the watch verb only when it is served. */
  readonly watch?: (ctx: RequestContext, options: WatchOptions) => Promise<WatchStream>;
  private readonly instances: PlatformInstances;

  constructor(options: VvpDeploymentStorageSetup) {
    this.instances = new PlatformInstances(options);
    this.info = { ...vvpDeploymentInfo, group: this.instances.first.group ?? vvpDeploymentInfo.group };
    this.strategy = new VvpDeploymentStrategy(options.instances);
    if (this.instances.hub) this.watch = (_ctx, watchOptions) => this.instances.watchAll(watchOptions);
  }

  private invalid(object: Pick<KubeObject, 'metadata'>, decision: ReturnType<typeof ownerOf>): string {
    if ('owner' in decision) return decision.owner;
    throw statusErrors.invalid(this.info.group, KIND, object.metadata.name ?? '', [decision.cause]);
  }

  async get(ctx: RequestContext, namespace: string | undefined, name: string): Promise<VvpDeployment> {
    const sole = this.instances.sole;
    if (sole) return sole.get(ctx, namespace, name);
    const [found] = await this.instances.fromEvery(namespace ?? '', (s) => s.get(ctx, namespace, name));
    if (!found) throw statusErrors.notFound({ group: this.info.group, resource: this.info.resource, name });
    return found;
  }

  async list(ctx: RequestContext, options: ListOptions): Promise<ListResult> {
    const lists = await Promise.all(this.instances.all.map((s) => s.listAll(ctx, options.namespace)));
    return listPage(lists.flatMap((l) => l.items), options, highestResourceVersion(lists.map((l) => l.resourceVersion)));
  }

  async create(ctx: RequestContext, object: KubeObject): Promise<VvpDeployment> {
    const { ids, first } = this.instances;
    const decision = ownerOf(object, ids);
    if ('cause' in decision) throw statusErrors.invalid(this.info.group, KIND, object.metadata.name ?? '', refusalsWith(decision.cause, object, first));
    const owner = decision.owner;
    const namespace = object.metadata.namespace ?? '';
    const name = object.metadata.name ?? '';
    const elsewhere = await this.instances.elsewhere(ctx, namespace, name, owner);
    if (elsewhere) throw statusErrors.alreadyExists({ group: this.info.group, resource: this.info.resource, name }, `it lives on platform instance "${elsewhere.instanceId}"`);
    return this.instances.get(owner).create(ctx, withOwner(object, owner));
  }

  async update(ctx: RequestContext, namespace: string | undefined, name: string, transform: UpdateTransform, sent?: SentObject): Promise<VvpDeployment> {
    const ns = namespace ?? '';
    const ids = this.instances.ids;
    const holder = await this.instances.holder(ctx, ns, name);
    // Where it lives, or, for an update that creates, the instance the sent object names (read here, once, before
    // admission). When it names none the first instance reads, and the transform's answer is refused below (or is a
    // 404 for a patch) after admission, as a create's would be.
    const named = sentOwner(sent, ids);
    const target = holder ?? (named ? this.instances.get(named) : this.instances.all[0]!);
    const liveOwner = holder?.instanceId;
    return target.update(ctx, ns, name, async (live) => {
      const desired = await transform(live);
      if (!live) {
        const owner = this.invalid(desired, ownerOf(desired, ids));
        if (owner !== target.instanceId) this.invalid(desired, { cause: ownerChangedInAdmission(owner, named) });
        return withOwner(desired, owner);
      }
      return withOwner(desired, this.invalid(desired, ownerOf(desired, ids, liveOwner ?? target.instanceId)));
    });
  }

  async delete(ctx: RequestContext, namespace: string | undefined, name: string, options: DeleteOptions): Promise<DeleteResult> {
    const sole = this.instances.sole;
    if (sole) return sole.delete(ctx, namespace, name, options);
    // Only the instance holding the object writes; the others read, find nothing (404) and write nothing.
    const [result] = await this.instances.fromEvery(namespace ?? '', (s) => s.delete(ctx, namespace, name, options));
    if (!result) throw statusErrors.notFound({ group: this.info.group, resource: this.info.resource, name });
    return result;
  }

  /**
   * The child resources' door to their owners (platform-resources/ports.ts: OwnerPort, CatalogPort) across every instance. Their
   * scopes are the platform namespaces with one instance, `<instance>/<platform namespace>` with several.
   */
  childScopes(): string[] {
    return this.instances.childScopes();
  }

  ownedChildren<K extends ChildKind>(scope: string, kind: K, maxAgeMs: number, signal: AbortSignal, kubeNamespace?: string): Promise<OwnedChildren<K>> {
    const { instance, platformNamespace } = this.instances.ofChildScope(scope);
    return instance.ownedChildren(platformNamespace, kind, maxAgeMs, signal, kubeNamespace);
  }

  pollIntervalMs(scope: string): number {
    const { instance, platformNamespace } = this.instances.ofChildScope(scope);
    return instance.pollIntervalMs(platformNamespace);
  }

  pollGapMs(scope: string): number {
    const { instance, platformNamespace } = this.instances.ofChildScope(scope);
    return instance.pollGapMs(platformNamespace);
  }

  onNamespaceRead(listener: (scope: string) => void): () => void {
    return this.instances.onNamespaceRead(listener);
  }

  async triggerSavepoint(...args: Parameters<PlatformInstance['triggerSavepoint']>): ReturnType<PlatformInstance['triggerSavepoint']> {
    const [ctx, namespace, name] = args;
    // No instance holds it: the first answers the 404.
    return ((await this.instances.holder(ctx, namespace, name)) ?? this.instances.all[0]!).triggerSavepoint(...args);
  }

  /** The deployment targets and session clusters of a child scope's instance and its platform namespace there. */
  catalogOf(scope: string): { catalog: PlatformCatalog; platformNamespace: string } {
    const { instance, platformNamespace } = this.instances.ofChildScope(scope);
    return { catalog: instance.catalog, platformNamespace };
  }

  tableCells(object: KubeObject): unknown[] {
    return tableCells(object);
  }

  close(): void {
    this.instances.close();
  }

  refreshOccupancy(signal: AbortSignal = NEVER, maxAgeMs = 0): Promise<void> {
    return this.instances.each((s) => s.refreshOccupancy(signal, maxAgeMs)).then(() => undefined);
  }

  finishPendingWork(signal: AbortSignal = NEVER): Promise<number> {
    return this.instances.each((s) => s.finishPendingWork(signal)).then((counts) => counts.reduce((a, b) => a + b, 0));
  }

  mirrorPlatformEvents(record: Parameters<PlatformInstance['mirrorPlatformEvents']>[0], signal: AbortSignal = NEVER): Promise<void> {
    return this.instances.each((s) => s.mirrorPlatformEvents(record, signal)).then(() => undefined);
  }
}

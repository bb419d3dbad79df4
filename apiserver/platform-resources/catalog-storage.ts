// A cluster-scoped storage for what the platform offers deployments to run on (its deployment targets, its session
// clusters): get, list and (with a watch hub) watch, answered live from every served platform namespace of every
// platform instance. Each item is named `<scope>.<name>` after the child scope it lives in (vvpdeployment/storage.ts
// childScopes: `<platform namespace>` with one instance, `<instance>/<platform namespace>` with several, the `/`
// written `.`), e.g. `default.vvp-jobs` or `eu.team-a.vvp-jobs`; platform names and namespaces hold no `.`, so the
// name's last segment is the platform name and the rest its scope. Items whose platform name is not a DNS label
// cannot be named so and are not served.
//
// Visibility is the tenancy grant (catalog-visibility.ts): a list shows the granted items only, a watch sends their
// events only, a get of an ungranted name is kube-apiserver's 403 whether or not it exists (the grant is decided
// by name before the platform is asked, so a 403 says nothing about existence).
//
// Platform calls: a list reads the kind's list of each served platform namespace, a get reads the one item; a watch
// polls those lists through this kind's own WatchHub, whose loop runs only while someone watches this kind.

import {
  type Getter, highestResourceVersion, type KubeObject, type Lister, type ListOptions, type ListResult, listPage,
  type RequestContext, selection, type ResourceInfo, type ResourceRef, type SnapshotEntry, type Storage, type TableColumn, type TableConvertor, statusErrors,
  WatchHub, type WatchOptions, type WatchStream,
} from '../k8s/index.js';
import type { CatalogItems, CatalogKind } from '../vvpdeployment/index.js';
import { catalogObjectName, type Place, placeOf } from './catalog-names.js';
import { CatalogVisibility, visibleOnly } from './catalog-visibility.js';
import { CHILD_GROUP, type CatalogOptions } from './options.js';

/** How one kind is read and shown. */
export interface CatalogKindDefinition<K extends CatalogKind> {
  info: ResourceInfo;
  reads: K;
  tableColumns: TableColumn[];
  tableCells(object: KubeObject): unknown[];
  resourceVersion(item: CatalogItems[K]): string;
  toObject(item: CatalogItems[K], place: Place, apiVersion: string): KubeObject;
}

const NEVER: AbortSignal = new AbortController().signal;

export class CatalogStorage<K extends CatalogKind> implements Storage, Getter, Lister, TableConvertor {
  readonly info: ResourceInfo;
  readonly tableColumns: TableColumn[];
  /** Present only with a watch hub, so that discovery lists the watch verb only when it is served. */
  readonly watch?: (ctx: RequestContext, options: WatchOptions) => Promise<WatchStream>;
  protected readonly hub: WatchHub | undefined;
  protected readonly apiVersion: string;
  protected readonly visibility: CatalogVisibility;

  constructor(protected readonly options: CatalogOptions, protected readonly kind: CatalogKindDefinition<K>) {
    if (options.platforms.childScopes().length === 0) throw new Error('at least one platform namespace must be served');
    const group = options.group ?? CHILD_GROUP;
    this.info = { ...kind.info, group };
    this.apiVersion = `${group}/${kind.info.version}`;
    this.tableColumns = kind.tableColumns;
    this.visibility = new CatalogVisibility(options.platforms, kind.reads, group);
    const watch = options.watch;
    if (watch) {
      const hub = new WatchHub({ snapshot: (scope) => this.entries(scope, NEVER), pollIntervalMs: watch.pollIntervalMs, onPollError: watch.onPollError });
      this.hub = hub;
      this.watch = (ctx, watchOptions) => this.watchWith(hub, ctx, watchOptions);
    }
  }

  tableCells(object: KubeObject): unknown[] {
    return this.kind.tableCells(object);
  }

  close(): void {
    this.hub?.close();
  }

  protected get scopes(): string[] {
    return this.options.platforms.childScopes();
  }

  protected ref(name?: string): ResourceRef {
    return { group: this.info.group, resource: this.info.resource, name };
  }

  /** Lets watchers see a change made through this server at once instead of at the next poll. */
  protected changed(scope: string): void {
    this.hub?.notify(scope);
  }

  /** The place `name` stands for, or 404: a name of no served scope names nothing that could exist. */
  protected place(name: string): Place {
    const place = placeOf(name, this.scopes);
    if (!place) throw statusErrors.notFound(this.ref(name));
    return place;
  }

  protected toObject(item: CatalogItems[K], scope: string): KubeObject | undefined {
    const place = placeOf(catalogObjectName(scope, item.metadata.name), [scope]);
    return place && this.kind.toObject(item, place, this.apiVersion);
  }

  private async entries(scope: string, signal: AbortSignal): Promise<SnapshotEntry[]> {
    const { catalog, platformNamespace } = this.options.platforms.catalogOf(scope);
    const items = await catalog.list(platformNamespace, this.kind.reads, this.ref(), signal);
    return items.flatMap((item) => {
      if (placeOf(catalogObjectName(scope, item.metadata.name), [scope]) === undefined) return [];
      let built: KubeObject | undefined;
      return [{ id: item.metadata.id, resourceVersion: this.kind.resourceVersion(item), object: () => (built ??= this.toObject(item, scope)) }];
    });
  }

  async get(ctx: RequestContext, _namespace: string | undefined, name: string): Promise<KubeObject> {
    const place = this.place(name);
    await this.visibility.require(ctx, place, place.platformName, `reading ${this.kind.info.kind} ${name}`);
    const { catalog, platformNamespace } = this.options.platforms.catalogOf(place.scope);
    const object = this.toObject(await catalog.get(platformNamespace, this.kind.reads, place.platformName, this.ref(name), ctx.signal), place.scope);
    if (!object) throw statusErrors.notFound(this.ref(name));
    return object;
  }

  async list(ctx: RequestContext, options: ListOptions): Promise<ListResult> {
    const scopes = this.scopes;
    const read = await Promise.all(scopes.map((scope) => this.entries(scope, ctx.signal)));
    const versions = read.flat().map((e) => e.resourceVersion);
    const resourceVersion = this.hub ? this.hub.listResourceVersion(scopes, versions) : highestResourceVersion(versions);
    const visible = await this.visibility.visible(ctx, read.flat().map((e) => e.object()).filter((o): o is KubeObject => o !== undefined));
    return listPage(visible, options, resourceVersion);
  }

  private async watchWith(hub: WatchHub, ctx: RequestContext, options: WatchOptions): Promise<WatchStream> {
    const stream = await hub.watch({
      scopes: this.scopes,
      resourceVersion: options.resourceVersion,
      sendInitialEvents: options.sendInitialEvents,
      allowWatchBookmarks: options.allowWatchBookmarks,
      filter: selection(options),
    });
    return visibleOnly(stream, this.visibility.forWatch(ctx));
  }
}

// An in-memory Storage implementing every interface of the contract, for the machinery's tests. Its watch goes
// through a WatchHub (one scope for the whole store), so the tests exercise the poll-fed path a real backend uses.
// `backendChange` changes an object behind the API's back, as the platform would.

import { randomUUID } from 'node:crypto';
import { listPage, selection } from '../../apiserver/k8s/list/list-page.js';
import type {
  Creater, DeleteOptions, DeleteResult, Getter, GracefulDeleter, ListOptions, ListResult, Lister, RequestContext, ResourceInfo, Storage,
  TableColumn, TableConvertor, UpdateTransform, Updater, WatchOptions, WatchStream, Watcher,
} from '../../apiserver/k8s/storage.js';
import { checkDeletePreconditions } from '../../apiserver/k8s/strategy/preconditions.js';
import { statusErrors } from '../../apiserver/k8s/status.js';
import type { KubeObject } from '../../apiserver/k8s/types.js';
import { WatchHub } from '../../apiserver/k8s/watch/watch-hub.js';

export const widgetInfo: ResourceInfo = {
  group: 'test.example.com',
  version: 'v1',
  kind: 'Widget',
  listKind: 'WidgetList',
  resource: 'widgets',
  singular: 'widget',
  namespaced: true,
  shortNames: ['wd'],
  categories: ['all'],
  schema: {
    type: 'object',
    description: 'A Widget is a test resource.',
    properties: {
      spec: {
        type: 'object',
        description: 'What the widget should be.',
        required: ['image'],
        properties: {
          image: { type: 'string', description: 'The image to run.' },
          replicas: { type: 'integer', minimum: 0, default: 1, description: 'How many copies.' },
          color: { type: 'string', enum: ['red', 'green', 'blue'], description: 'Its color.' },
          tags: { type: 'array', items: { type: 'string' }, description: 'Free tags.' },
          settings: { type: 'object', additionalProperties: { type: 'string' }, description: 'Free settings.' },
          env: {
            type: 'array',
            description: 'Environment variables, merged by name.',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['name'],
            items: {
              type: 'object',
              required: ['name'],
              properties: { name: { type: 'string', description: 'Variable name.' }, value: { type: 'string', description: 'Variable value.' } },
            },
          },
        },
      },
      status: {
        type: 'object',
        description: 'What the widget is.',
        properties: { phase: { type: 'string', description: 'The phase.' } },
      },
    },
  },
};

const SCOPE = 'all';

export interface MemoryStorageOptions {
  info?: ResourceInfo;
  pollIntervalMs?: number;
  historyLimit?: number;
  allowCreateOnUpdate?: boolean;
}

export class MemoryStorage implements Storage, Getter, Lister, Creater, Updater, GracefulDeleter, Watcher, TableConvertor {
  readonly info: ResourceInfo;
  readonly allowCreateOnUpdate: boolean;
  readonly hub: WatchHub;
  readonly tableColumns: TableColumn[] = [
    { name: 'Color', type: 'string', description: 'Its color.', priority: 0 },
    { name: 'Replicas', type: 'integer', description: 'How many copies.', priority: 0 },
    { name: 'Image', type: 'string', description: 'The image.', priority: 1 },
  ];
  /** Writes that reached the store (dry runs excluded). */
  writes = 0;
  /** Snapshots taken by the watch hub: what watchers cost the backend. */
  snapshots = 0;
  /** Calls of update(), conflicts included. */
  updateCalls = 0;
  /** Calls of get(): reads besides the one each write makes itself. */
  getCalls = 0;
  private readonly objects = new Map<string, KubeObject>();
  private rv = 0n;

  constructor(options: MemoryStorageOptions = {}) {
    this.info = options.info ?? widgetInfo;
    this.allowCreateOnUpdate = options.allowCreateOnUpdate ?? false;
    this.hub = new WatchHub({
      snapshot: async () => {
        this.snapshots++;
        return [...this.objects.values()].map((o) => structuredClone(o));
      },
      pollIntervalMs: options.pollIntervalMs ?? 50,
      historyLimit: options.historyLimit ?? 100,
      nextResourceVersion: (greatest) => {
        this.rv = (greatest > this.rv ? greatest : this.rv) + 1n;
        return this.rv;
      },
    });
  }

  tableCells(object: KubeObject): unknown[] {
    const spec = (object.spec ?? {}) as { color?: string; replicas?: number; image?: string };
    return [spec.color ?? '<none>', spec.replicas ?? 0, spec.image ?? ''];
  }

  private key(namespace: string | undefined, name: string): string {
    return `${namespace ?? ''}/${name}`;
  }

  private ref(name?: string) {
    return { group: this.info.group, resource: this.info.resource, name };
  }

  private nextVersion(): string {
    this.rv += 1n;
    return this.rv.toString();
  }

  private written(): void {
    this.writes++;
    this.hub.notify(SCOPE);
  }

  async get(_ctx: RequestContext, namespace: string | undefined, name: string): Promise<KubeObject> {
    this.getCalls++;
    const object = this.objects.get(this.key(namespace, name));
    if (!object) throw statusErrors.notFound(this.ref(name));
    return structuredClone(object);
  }

  async list(_ctx: RequestContext, options: ListOptions): Promise<ListResult> {
    return listPage([...this.objects.values()].map((o) => structuredClone(o)), options, this.rv.toString());
  }

  async create(ctx: RequestContext, object: KubeObject): Promise<KubeObject> {
    const name = object.metadata.name ?? '';
    const key = this.key(object.metadata.namespace, name);
    if (this.objects.has(key)) throw statusErrors.alreadyExists(this.ref(name));
    const created: KubeObject = structuredClone(object);
    created.metadata.uid = randomUUID();
    created.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    created.metadata.generation = 1;
    created.metadata.resourceVersion = ctx.dryRun ? (this.rv + 1n).toString() : this.nextVersion();
    if (ctx.dryRun) return created;
    this.objects.set(key, created);
    this.written();
    return structuredClone(created);
  }

  async update(ctx: RequestContext, namespace: string | undefined, name: string, transform: UpdateTransform): Promise<KubeObject> {
    this.updateCalls++;
    const key = this.key(namespace, name);
    const read = this.objects.get(key);
    if (!read) {
      const object = await transform(undefined);
      return this.create(ctx, { ...object, metadata: { ...object.metadata, resourceVersion: undefined } });
    }
    const object = await transform(structuredClone(read));
    // As a backend with optimistic concurrency: a change made while the transform ran wins.
    const live = this.objects.get(key);
    if (!live) throw statusErrors.notFound(this.ref(name));
    const rv = object.metadata.resourceVersion;
    if (rv && rv !== live.metadata.resourceVersion) {
      throw statusErrors.conflict(this.ref(name), 'the object has been modified; please apply your changes to the latest version and try again');
    }
    const updated: KubeObject = structuredClone(object);
    updated.metadata.uid = live.metadata.uid;
    updated.metadata.creationTimestamp = live.metadata.creationTimestamp;
    const specChanged = JSON.stringify(live.spec) !== JSON.stringify(updated.spec);
    updated.metadata.generation = (live.metadata.generation ?? 1) + (specChanged ? 1 : 0);
    if (live.metadata.deletionTimestamp) updated.metadata.deletionTimestamp = live.metadata.deletionTimestamp;
    if (ctx.dryRun) return { ...updated, metadata: { ...updated.metadata, resourceVersion: live.metadata.resourceVersion } };
    if (updated.metadata.deletionTimestamp && !(updated.metadata.finalizers ?? []).length) {
      this.objects.delete(key);
      this.nextVersion();
      this.written();
      return updated;
    }
    updated.metadata.resourceVersion = this.nextVersion();
    this.objects.set(key, updated);
    this.written();
    return structuredClone(updated);
  }

  async delete(ctx: RequestContext, namespace: string | undefined, name: string, options: DeleteOptions): Promise<DeleteResult> {
    const key = this.key(namespace, name);
    const live = this.objects.get(key);
    if (!live) throw statusErrors.notFound(this.ref(name));
    checkDeletePreconditions(this.ref(name), options.preconditions, live);
    if (ctx.dryRun) return { object: structuredClone(live), deleted: !(live.metadata.finalizers ?? []).length };
    if ((live.metadata.finalizers ?? []).length > 0) {
      if (!live.metadata.deletionTimestamp) {
        live.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        live.metadata.resourceVersion = this.nextVersion();
        this.written();
      }
      return { object: structuredClone(live), deleted: false };
    }
    this.objects.delete(key);
    this.nextVersion();
    this.written();
    return { object: structuredClone(live), deleted: true };
  }

  async watch(_ctx: RequestContext, options: WatchOptions): Promise<WatchStream> {
    return this.hub.watch({
      scopes: [SCOPE],
      resourceVersion: options.resourceVersion,
      sendInitialEvents: options.sendInitialEvents,
      allowWatchBookmarks: options.allowWatchBookmarks,
      filter: selection(options),
    });
  }

  /** A change made by the backend itself (not through the API). */
  backendChange(namespace: string, name: string, change: (object: KubeObject) => void): void {
    const object = this.objects.get(this.key(namespace, name));
    if (!object) throw new Error(`no ${namespace}/${name}`);
    change(object);
    object.metadata.resourceVersion = this.nextVersion();
  }

  /** A deletion made by the backend itself. */
  backendDelete(namespace: string, name: string): void {
    this.objects.delete(this.key(namespace, name));
  }

  close(): void {
    this.hub.close();
  }
}

// The contract between the generic API machinery and one resource's storage, in the shape of
// k8s.io/apiserver's registry/rest interfaces: a storage implements the small interfaces it can, and the
// installer turns exactly those into routes and discovery verbs. Storages throw StatusError for every
// expected failure; the machinery owns HTTP, content negotiation, patching, server-side apply, dry-run
// orchestration, Table/PartialObjectMetadata conversion and watch encoding.

import type { UserAccess } from './auth/access.js';
import type { StageTimes } from './serve/stage-times.js';
import type { KubeObject, ListMeta, UserInfo } from './types.js';

/** Who asks, and under which request; passed to every storage call. */
export interface RequestContext {
  user: UserInfo;
  /** kube-apiserver's Audit-ID header, for logs. */
  auditId?: string;
  /** True for dryRun=All: the storage validates, defaults and checks conflicts but writes nothing. */
  dryRun: boolean;
  fieldManager?: string;
  /** Aborted when the client goes away or the request times out. */
  signal: AbortSignal;
  /** The requesting user's rights, for checks beyond the request's own (auth/access.ts); unset outside a request. */
  access?: UserAccess;
  /** Set when the server times stages (--server-timing): the answer's Server-Timing header (stage-times.ts). */
  stages?: StageTimes;
  /**
   * Warnings the storage adds to the answer (kube-apiserver's `warning.AddWarning` from a registry): sent as
   * `Warning` headers beside admission's. Set by the handlers of writes; push only once the outcome is known, since
   * a patch may be attempted again after a conflict.
   */
  warnings?: string[];
}

export interface LabelRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Equals' | 'NotEquals';
  values: string[];
}

export interface FieldRequirement {
  field: string;
  operator: 'Equals' | 'NotEquals';
  value: string;
}

export interface ListOptions {
  /** undefined: all namespaces. */
  namespace?: string;
  labelSelector: LabelRequirement[];
  fieldSelector: FieldRequirement[];
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
}

export interface ListResult {
  items: KubeObject[];
  metadata: ListMeta;
}

export interface WatchOptions extends ListOptions {
  allowWatchBookmarks: boolean;
  sendInitialEvents?: boolean;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  /** For ERROR, a Status; for BOOKMARK, an object with only kind, apiVersion and metadata.resourceVersion (+annotations). */
  object: KubeObject | Record<string, unknown>;
}

/** A running watch. Events are pulled with for-await; stop() ends it and releases its resources. */
export interface WatchStream extends AsyncIterable<WatchEvent> {
  stop(): void;
  /**
   * Optional: the resourceVersion up to which this watch has seen every change, for the periodic BOOKMARKs the
   * machinery sends when allowWatchBookmarks is set (without it, the last event's resourceVersion is used).
   */
  currentResourceVersion?(): string | undefined;
}

export interface DeletePreconditions {
  uid?: string;
  resourceVersion?: string;
}

export interface DeleteOptions {
  preconditions?: DeletePreconditions;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
}

export interface DeleteResult {
  /** The object as it is now: with deletionTimestamp while deletion is in progress, or its last state when gone. */
  object: KubeObject;
  /** True when the object is gone; false when deletion has started and finishes later. */
  deleted: boolean;
}

/** What the installer needs to know of a resource to route it, describe it in discovery and build its OpenAPI. */
export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  /** Plural, lower-case: the URL segment. */
  resource: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /**
   * JSON Schema (OpenAPI v3 flavour, with `description` on every field) of the whole object, used for
   * validation of every write, for OpenAPI v2/v3 and for kubectl explain. metadata is described by the machinery.
   */
  schema: Record<string, unknown>;
  /**
   * Serve the status subresource as a CRD with `subresources.status` would: the server computes status, so /status
   * answers the object and a write there changes nothing (handlers/subresources.ts).
   */
  statusSubresource?: boolean;
  /** Labels the server adds to every object itself: tracked by no field manager (managedFields never name them). */
  untrackedLabels?: string[];
}

export interface Storage {
  readonly info: ResourceInfo;
}

export interface Getter {
  get(ctx: RequestContext, namespace: string | undefined, name: string): Promise<KubeObject>;
}

export interface Lister {
  list(ctx: RequestContext, options: ListOptions): Promise<ListResult>;
}

export interface Creater {
  /**
   * Creates the object (already schema-validated and with managedFields computed by the machinery).
   * Returns the created object as the backing system now shows it.
   */
  create(ctx: RequestContext, object: KubeObject): Promise<KubeObject>;
}

/**
 * What an update writes, as a function of the object as the storage has just read it (undefined: there is none):
 * rest.UpdatedObjectInfo. PUT answers its body, PATCH and server-side apply the live object patched. It throws (404,
 * 409, 422 …) when there is nothing to write; the storage then writes nothing.
 */
export type UpdateTransform = (live: KubeObject | undefined) => KubeObject | Promise<KubeObject>;

/**
 * The object a PUT sent, or a server-side apply's configuration, as decoded and before admission: what a storage may
 * read once to decide where an update that creates goes (the transform runs admission and must run only once).
 * Undefined for JSON and merge patches, which never create. Its fields are the client's: read them defensively.
 */
export interface SentObject {
  metadata?: { labels?: unknown };
}

export interface Updater {
  /**
   * Reads the object once and writes what `transform` makes of that read. The written object's
   * `metadata.resourceVersion`, when set, is a precondition against the read: a stale one is a 409 Conflict. When the
   * object does not exist and `transform(undefined)` answers one, it is created (the transform decides whether a
   * create is allowed: PUT when allowCreateOnUpdate, server-side apply always). The machinery retries a PATCH on
   * conflict when the client gave no resourceVersion of its own.
   */
  update(ctx: RequestContext, namespace: string | undefined, name: string, transform: UpdateTransform, sent?: SentObject): Promise<KubeObject>;
  /** Whether PUT of a missing object creates it. */
  readonly allowCreateOnUpdate: boolean;
}

export interface GracefulDeleter {
  /** Deletes the object; its preconditions are checked against the storage's own read (checkDeletePreconditions). */
  delete(ctx: RequestContext, namespace: string | undefined, name: string, options: DeleteOptions): Promise<DeleteResult>;
}

export interface Watcher {
  /**
   * Starts a watch. resourceVersion unset or "0": ADDED for every current object first; a resourceVersion older
   * than the storage remembers: throws statusErrors.gone (410 Expired). With sendInitialEvents, the initial ADDED
   * events end with a BOOKMARK annotated `k8s.io/initial-events-end: "true"`.
   */
  watch(ctx: RequestContext, options: WatchOptions): Promise<WatchStream>;
}

export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  /** 0 = shown always; higher = only with -o wide. */
  priority: number;
}

export interface TableConvertor {
  readonly tableColumns: TableColumn[];
  /** One row's cells, in the order of tableColumns. */
  tableCells(object: KubeObject): unknown[];
}

export function isGetter(s: Storage): s is Storage & Getter { return typeof (s as Partial<Getter>).get === 'function'; }
export function isLister(s: Storage): s is Storage & Lister { return typeof (s as Partial<Lister>).list === 'function'; }
export function isCreater(s: Storage): s is Storage & Creater { return typeof (s as Partial<Creater>).create === 'function'; }
export function isUpdater(s: Storage): s is Storage & Updater { return typeof (s as Partial<Updater>).update === 'function'; }
export function isGracefulDeleter(s: Storage): s is Storage & GracefulDeleter { return typeof (s as Partial<GracefulDeleter>).delete === 'function'; }
export function isWatcher(s: Storage): s is Storage & Watcher { return typeof (s as Partial<Watcher>).watch === 'function'; }
export function isTableConvertor(s: Storage): s is Storage & TableConvertor { return Array.isArray((s as Partial<TableConvertor>).tableColumns); }

// The VvpDeployment storage: every verb answered from and written to Ververica Platform, nothing kept locally
// but a cache of where each object lives on the platform (a hint, verified on every use).

import { randomUUID } from 'node:crypto';
import type {
  Creater, DeleteOptions, DeleteResult, Getter, GracefulDeleter, ListOptions, ListResult, Lister,
  RequestContext, ResourceInfo, Storage, TableConvertor, Updater, WatchOptions, WatchStream,
} from '../k8s/storage.js';
import { statusErrors, type ResourceRef } from '../k8s/status.js';
import { EventQueue } from '../k8s/event-queue.js';
import { INITIAL_EVENTS_END_ANNOTATION, type SnapshotEntry } from '../k8s/watch-hub.js';
import type { KubeObject, StatusCause } from '../k8s/types.js';
import type { CallOptions, VvpClient } from '../vvp/client.js';
import type { Deployment, DeploymentWrite, Savepoint, StringMap } from '../vvp/types.js';
import {
  ANNOTATION, LABEL, MANAGED_BY_LABEL, RESERVED_PREFIX, decodeKubePart, decodeKubeParts, encodeKubeParts, isManagedBy, managedSelector, type KubeParts, type NonceRecord,
} from './annotations.js';
import { deletionStep } from './deletion.js';
import { NamespaceOccupancy } from './occupancy.js';
import { isOverdueTrigger, isPendingTrigger, pendingSavepointStep, savepointTriggerAnnotations } from './savepoint-nonce.js';
import { mirroredEvent, shouldMirror, type MirroredEvent } from './events.js';
import { isPlatformRefusal, isPlatformStatus, toStatusError } from './errors.js';
import { deepEqual, deepMerge } from './json.js';
import { planCreate, planUpdate, toVvpDeployment, viewResourceVersion, type PlannedEvent, type UpdatePlan } from './mapping.js';
import type { PlatformView } from './platform-view.js';
import { PlatformReader } from './reader.js';
import { checkResourceVersion, listResourceVersion } from './resource-version.js';
import { matchesFields, matchesLabels } from '../k8s/selectors.js';
import { byNamespaceAndName, decodeContinue, encodeContinue } from './selectors.js';
import { vvpDeploymentInfo } from './schema.js';
import { tableCells, tableColumns } from './table.js';
import { kubeTime } from './time.js';
import { KIND, VERSION, type VvpDeployment } from './types.js';
import { validateVvpDeployment, validateVvpDeploymentUpdate, withDefaults } from './validation.js';

/** The Kubernetes annotation naming a Secret (in the object's namespace) whose token the object's platform writes use. */
export const APIKEY_SECRET_ANNOTATION = 'apikeySecretName';

export interface VvpDeploymentStorageOptions {
  client: VvpClient;
  instanceId: string;
  /** Platform namespaces served; the first is the default for spec.deployment.metadata.namespace. */
  platformNamespaces: string[];
  /** The platform's URL, as messages show it ("Ververica Platform at <platformName>"; errors.ts adds the name). */
  platformName: string;
  /** The API group served (ververica.platform unless configured to run beside the vendor's CRD). */
  group?: string;
  /**
   * The platform token in a Secret of the object's namespace (apikeySecretName). Throws a StatusError (e.g. 422 or
   * 403) when the Secret is missing or unreadable. Without it, objects carrying the annotation cannot be written.
   */
  resolveToken?: (namespace: string, secretName: string, signal: AbortSignal) => Promise<string>;
  /** Records a Kubernetes Event on the object (the machinery's event recorder). */
  recordEvent?: (object: VvpDeployment, event: PlannedEvent) => void;
  now?: () => Date;
  /** For failures of best-effort follow-up calls; never given tokens. */
  warn?: (message: string, fields?: Record<string, unknown>) => void;
  /**
   * Builds the poll-fed watch hub (the machinery's WatchHub) over this storage's snapshots, one scope per platform
   * namespace: `(snapshot) => new WatchHub({ snapshot, pollIntervalMs })`. Without it the storage serves no watch.
   */
  createWatchHub?: (snapshot: (scope: string) => Promise<readonly SnapshotEntry[]>) => PollingWatchHub;
  /** How long a GET may reuse an unchanged deployment's jobs, savepoints and Autopilot state (see PlatformReader). */
  surroundingsMaxAgeMs?: number;
  /**
   * How long the background passes may work from the last full listing of a platform namespace (a watch poll's)
   * instead of listing every deployment again themselves; 0: they always list.
   */
  listingReuseMs?: number;
  /**
   * How long a savepoint nonce recorded Triggered may go without a savepoint id before another pass triggers it
   * (savepoint-nonce.ts): longer than the main write and the savepoint POST can take. Default 25 s.
   */
  pendingSavepointGraceMs?: number;
}

/** What this storage needs of the machinery's WatchHub (k8s/watch-hub.ts), injected so that the rooms stay apart. */
export interface PollingWatchHub {
  watch(options: {
    scopes: string[];
    resourceVersion?: string;
    sendInitialEvents?: boolean;
    allowWatchBookmarks?: boolean;
    filter?: (object: KubeObject) => boolean;
  }): Promise<WatchStream>;
  /** Poll a scope now, after a write through this server. */
  notify(scope: string): void;
  /** Of the items' resourceVersions and what the hub has seen. */
  listResourceVersion(scopes: string[], resourceVersions: readonly string[]): string;
  /** A list item for the object the hub keeps, when it is at this resourceVersion (its JSON text reused). */
  serialized(scope: string, id: string, resourceVersion: string): KubeObject | undefined;
}

const NEVER: AbortSignal = new AbortController().signal;

export class VvpDeploymentStorage implements Storage, Getter, Lister, Creater, Updater, GracefulDeleter, TableConvertor {
  readonly info: ResourceInfo;
  /** PUT and server-side apply of a missing object create it. */
  readonly allowCreateOnUpdate = true;
  readonly tableColumns = tableColumns;
  private readonly reader: PlatformReader;
  /** Per platform namespace: when it was last listed in full, and the deployments with work pending then. */
  private readonly lastListing = new Map<string, { at: number; pending: Deployment[] }>();
  private readonly now: () => Date;
  private readonly hub: PollingWatchHub | undefined;
  private readonly occupancy: NamespaceOccupancy;
  private readonly pendingSavepointGraceMs: number;
  /** Present only with a watch hub, so that discovery lists the watch verb only when it is served. */
  readonly watch?: (ctx: RequestContext, options: WatchOptions) => Promise<WatchStream>;

  constructor(private readonly options: VvpDeploymentStorageOptions) {
    const group = options.group ?? vvpDeploymentInfo.group;
    this.info = { ...vvpDeploymentInfo, group };
    this.now = options.now ?? (() => new Date());
    this.occupancy = new NamespaceOccupancy(options.platformNamespaces);
    this.pendingSavepointGraceMs = options.pendingSavepointGraceMs ?? 25_000;
    this.reader = new PlatformReader({
      client: options.client,
      instanceId: options.instanceId,
      platformNamespaces: options.platformNamespaces,
      toStatusError: (err, name) => toStatusError(err, { ref: this.ref(name), platform: options.platformName }),
      warn: (message, fields) => this.warn(message, fields),
      surroundingsMaxAgeMs: options.surroundingsMaxAgeMs ?? 0,
    });
    if (options.platformNamespaces.length === 0) throw new Error('at least one platform namespace must be served');
    this.hub = options.createWatchHub?.((scope) => this.entries(scope, NEVER));
    const hub = this.hub;
    if (hub) {
      this.watch = async (_ctx, watchOptions) => {
        const filter = this.listFilter(watchOptions);
        const scopes = [...this.options.platformNamespaces];
        try {
          return await hub.watch({
            scopes,
            resourceVersion: watchOptions.resourceVersion,
            sendInitialEvents: watchOptions.sendInitialEvents,
            allowWatchBookmarks: watchOptions.allowWatchBookmarks,
            filter,
          });
        } catch (err) {
          const rv = watchOptions.resourceVersion ?? '';
          const initial = watchOptions.sendInitialEvents ?? (rv === '' || rv === '0');
          if (initial && this.occupancy.answersEmpty(err, watchOptions.namespace)) return emptyInitialWatch(hub.listResourceVersion(scopes, []), watchOptions);
          throw err;
        }
      };
    }
  }

  /** Label, field and namespace selection of a list or watch; unsupported field selectors are a 400. */
  private listFilter(options: ListOptions): (o: KubeObject) => boolean {
    for (const r of options.fieldSelector) {
      if (r.field !== 'metadata.name' && r.field !== 'metadata.namespace') {
        throw statusErrors.badRequest(`field label not supported: ${r.field}`);
      }
    }
    return (o) => (options.namespace === undefined || o.metadata.namespace === options.namespace)
      && matchesLabels(o.metadata.labels ?? {}, options.labelSelector) && matchesFields(o, options.fieldSelector);
  }

  /** Lets watchers see a write through this server at once instead of at the next poll. */
  private changed(platformNamespace: string): void {
    this.hub?.notify(platformNamespace);
  }

  tableCells(object: KubeObject): unknown[] {
    return tableCells(object);
  }

  private get apiVersion(): string {
    return `${this.info.group}/${VERSION}`;
  }

  private ref(name: string | undefined): ResourceRef {
    return { group: this.info.group, resource: this.info.resource, name };
  }

  /** Runs a platform call, answering its failure as a Kubernetes Status. */
  private async platform<T>(name: string | undefined, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw toStatusError(err, { ref: this.ref(name), platform: this.options.platformName });
    }
  }

  private warn(message: string, fields?: Record<string, unknown>): void {
    this.options.warn?.(message, fields);
  }

  // ---- reading ---------------------------------------------------------------------------------------------

  private toObject(view: PlatformView, parts: KubeParts): VvpDeployment {
    const obj = toVvpDeployment(view, parts);
    obj.apiVersion = this.apiVersion;
    return obj;
  }

  private partsOf(d: Deployment): KubeParts {
    try {
      const parts = decodeKubeParts(d.metadata.annotations);
      if (parts) return parts;
    } catch (err) {
      throw statusErrors.internal(`the Kubernetes record on platform deployment ${d.metadata.namespace}/${d.metadata.name} is damaged: ${(err as Error).message}`);
    }
    throw statusErrors.internal(`platform deployment ${d.metadata.namespace}/${d.metadata.name} carries no Kubernetes record`);
  }

  private async read(namespace: string, name: string, signal: AbortSignal, reuse = false): Promise<{ view: PlatformView; parts: KubeParts; object: VvpDeployment }> {
    const view = await this.reader.read(namespace, name, signal, reuse);
    if (!view) throw statusErrors.notFound(this.ref(name));
    const parts = this.partsOf(view.deployment);
    return { view, parts, object: this.toObject(view, parts) };
  }

  async get(ctx: RequestContext, namespace: string | undefined, name: string): Promise<VvpDeployment> {
    return (await this.read(namespace ?? '', name, ctx.signal, true)).object;
  }

  /**
   * Every VvpDeployment living in one platform namespace (optionally of one Kubernetes namespace), each built only
   * when asked: a watch poll compares resourceVersions and builds the changed objects alone.
   */
  private async entries(platformNamespace: string, signal: AbortSignal, kubeNamespace?: string): Promise<ObjectEntry[]> {
    const full = kubeNamespace === undefined;
    const listed = full ? this.occupancy.listing(platformNamespace) : undefined;
    const startedAt = performance.now();
    const views = await this.reader.namespaceViews(platformNamespace, kubeNamespace, signal);
    listed?.(views.map((v) => v.namespace));
    if (full) this.noteListing(platformNamespace, startedAt, views.map((v) => v.view.deployment));
    return views.map(({ view, namespace, name }) => ({
      id: view.deployment.metadata.id, namespace, name, resourceVersion: viewResourceVersion(view), object: () => this.objectOf(view),
    }));
  }

  /** The object of a managed deployment; undefined (and a warning) when its Kubernetes record is damaged. */
  private objectOf(view: PlatformView): VvpDeployment | undefined {
    const d = view.deployment;
    try {
      const parts = decodeKubeParts(d.metadata.annotations);
      return parts ? this.toObject(view, parts) : undefined;
    } catch (err) {
      this.warn('skipping a platform deployment with a damaged Kubernetes record', { deployment: `${d.metadata.namespace}/${d.metadata.name}`, error: (err as Error).message });
      return undefined;
    }
  }

  private async listFromPlatform(ctx: RequestContext, options: ListOptions): Promise<ListResult> {
    const filter = this.listFilter(options);
    const scopes = [...this.options.platformNamespaces];
    // Whole scopes (every Kubernetes namespace), so that the list's resourceVersion covers what a watch of the same
    // scopes has seen, even for a namespaced list; only the objects of the namespace asked for are built.
    const entries = (await Promise.all(scopes.map(async (pns) => (await this.entries(pns, ctx.signal)).map((entry) => ({ pns, entry }))))).flat();
    // An object the watch hub keeps at the same resourceVersion is the same object: its JSON text is reused.
    const all = entries.filter(({ entry }) => options.namespace === undefined || entry.namespace === options.namespace)
      .flatMap(({ pns, entry }) => this.hub?.serialized(pns, entry.id, entry.resourceVersion) ?? entry.object() ?? [])
      .sort(byNamespaceAndName);
    const versions = entries.map(({ entry }) => entry.resourceVersion);
    const resourceVersion = this.hub ? this.hub.listResourceVersion(scopes, versions) : listResourceVersion(versions);
    let items = all.filter(filter);
    if (options.continue) {
      const after = decodeContinue(options.continue);
      if (after === undefined) throw statusErrors.badRequest('invalid continue token');
      items = items.filter((o) => PlatformReader.key(o.metadata.namespace ?? '', o.metadata.name ?? '') > after);
    }
    const metadata: ListResult['metadata'] = { resourceVersion };
    if (options.limit && options.limit > 0 && items.length > options.limit) {
      const remaining = items.length - options.limit;
      items = items.slice(0, options.limit);
      const last = items[items.length - 1];
      metadata.continue = encodeContinue(PlatformReader.key(last?.metadata.namespace ?? '', last?.metadata.name ?? ''));
      metadata.remainingItemCount = remaining;
    }
    return { items, metadata };
  }

  /**
   * Lists from the platform; while the platform is unavailable, a Kubernetes namespace that held no VvpDeployment
   * when last listed (occupancy.ts) is answered an empty list, so that deleting that namespace can go on.
   */
  async list(ctx: RequestContext, options: ListOptions): Promise<ListResult> {
    try {
      return await this.listFromPlatform(ctx, options);
    } catch (err) {
      if (!this.occupancy.answersEmpty(err, options.namespace)) throw err;
      const scopes = [...this.options.platformNamespaces];
      return { items: [], metadata: { resourceVersion: this.hub ? this.hub.listResourceVersion(scopes, []) : listResourceVersion([]) } };
    }
  }

  /**
   * One listing of the managed deployments per platform namespace, run periodically on every replica; skipped for a
   * namespace listed in full (e.g. by a watch poll) within the last `maxAgeMs`.
   */
  async refreshOccupancy(signal: AbortSignal = NEVER, maxAgeMs = 0): Promise<void> {
    for (const pns of this.options.platformNamespaces) {
      const last = this.lastListing.get(pns);
      if (last && performance.now() - last.at <= maxAgeMs) continue;
      await this.managedDeployments(pns, signal);
    }
  }

  /** Every deployment this instance manages in a platform namespace; the listing refreshes the occupancy too. */
  private async managedDeployments(pns: string, signal: AbortSignal): Promise<Deployment[]> {
    const listed = this.occupancy.listing(pns);
    const startedAt = performance.now();
    const list = await this.platform(undefined, () => this.options.client.listDeployments(pns, { labelSelector: managedSelector(this.options.instanceId) }, { signal }));
    const managed = list.items.filter((d) => isManagedBy(d.metadata.labels, this.options.instanceId));
    listed(managed.map((d) => d.metadata.annotations?.[ANNOTATION.namespace] ?? d.metadata.labels?.[LABEL.namespace] ?? ''));
    this.noteListing(pns, startedAt, managed);
    return managed;
  }

  private noteListing(pns: string, at: number, deployments: readonly Deployment[]): void {
    const previous = this.lastListing.get(pns);
    if (!previous || previous.at <= at) this.lastListing.set(pns, { at, pending: deployments.filter(hasPendingWork) });
  }

  /**
   * The deployments of a platform namespace with a deletion or a savepoint trigger to finish: from a full listing
   * younger than listingReuseMs (a watch poll lists every interval anyway), else from a listing of their own.
   */
  private async pendingDeployments(pns: string, signal: AbortSignal): Promise<Deployment[]> {
    const last = this.lastListing.get(pns);
    const reuseMs = this.options.listingReuseMs ?? 0;
    if (last && performance.now() - last.at <= reuseMs) return last.pending;
    return (await this.managedDeployments(pns, signal)).filter(hasPendingWork);
  }

  // ---- writing ---------------------------------------------------------------------------------------------

  private async writeOptions(ctx: RequestContext, obj: KubeObject, fallback = false): Promise<CallOptions> {
    const secret = obj.metadata.annotations?.[APIKEY_SECRET_ANNOTATION];
    if (secret === undefined) return { signal: ctx.signal };
    if (!this.options.resolveToken) {
      throw statusErrors.internal(`annotation ${APIKEY_SECRET_ANNOTATION} is set, but this server is not configured to read Secrets`);
    }
    try {
      return { signal: ctx.signal, token: await this.options.resolveToken(obj.metadata.namespace ?? '', secret, ctx.signal) };
    } catch (err) {
      // A finishing deletion must not hang on a Secret that went first (namespace deletion removes Secrets early).
      if (fallback) return { signal: ctx.signal };
      throw err;
    }
  }

  private invalid(name: string, causes: StatusCause[]): never {
    throw statusErrors.invalid(this.info.group, KIND, name, causes);
  }

  private emit(object: VvpDeployment, events: PlannedEvent[], platformNamespace?: string, deploymentId?: string): void {
    for (const event of events) {
      try {
        this.options.recordEvent?.(object, event);
      } catch (err) {
        this.warn('recording an event failed', { reason: event.reason, error: (err as Error).message });
      }
      if (platformNamespace && deploymentId) {
        this.options.client.createEvent(platformNamespace, { metadata: { deploymentId, name: 'EXTERNAL' }, spec: { message: event.message } })
          .catch(() => undefined);
      }
    }
  }

  private background(ctx: RequestContext): RequestContext {
    // Follow-up writes after the main one must not be abandoned because the client went away.
    return { ...ctx, signal: NEVER };
  }

  /**
   * The server's own follow-up writes (records, deletion steps). The platform changes a deployment by itself while
   * it works (status transitions bump its resourceVersion), so a 409 is retried on a fresh read: `build` recomputes
   * the body from it (undefined: nothing to write any more). Each write still carries the read's resourceVersion,
   * so a concurrent change of the record by another replica is never overwritten. Throws the platform's error.
   */
  private async patchFresh(d: Deployment, build: (fresh: Deployment) => DeploymentWrite | undefined, opts: CallOptions): Promise<Deployment> {
    const client = this.options.client;
    let current = d;
    for (let attempt = 1; ; attempt++) {
      const body = build(current);
      if (!body) return current;
      body.metadata = { ...body.metadata, resourceVersion: current.metadata.resourceVersion };
      try {
        return await client.patchDeployment(current.metadata.namespace, current.metadata.name, body, opts);
      } catch (err) {
        if (attempt >= 4 || !isPlatformStatus(err, 409)) throw err;
        current = await client.getDeployment(current.metadata.namespace, current.metadata.name, opts);
      }
    }
  }

  private recordBody(fresh: Deployment, change: (parts: KubeParts) => KubeParts): DeploymentWrite {
    return { metadata: { annotations: encodeKubeParts(change(this.partsOf(fresh)), this.options.instanceId).annotations } };
  }

  async create(ctx: RequestContext, input: KubeObject): Promise<VvpDeployment> {
    const namespace = input.metadata.namespace ?? '';
    const named: KubeObject = structuredClone(input);
    if (!named.metadata.name && named.metadata.generateName) named.metadata.name = `${named.metadata.generateName}${randomSuffix()}`;
    const name = named.metadata.name ?? '';
    if (!name) this.invalid('', [{ type: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    const obj = withDefaults(named as VvpDeployment, this.options.platformNamespaces[0] ?? 'default');
    delete obj.status;
    const causes = validateVvpDeployment(obj, { instanceId: this.options.instanceId, platformNamespaces: this.options.platformNamespaces });
    if (causes.length) this.invalid(name, causes);
    if (await this.reader.locate(namespace, name, ctx.signal)) throw statusErrors.alreadyExists(this.ref(name));

    const plan = planCreate(obj, this.options.instanceId, this.now());
    const pns = obj.spec.deployment.metadata?.namespace ?? '';
    const pname = obj.spec.deployment.metadata?.name ?? '';
    if (ctx.dryRun) return this.dryRunCreated(plan.body, plan.parts, pns);

    const opts = await this.writeOptions(ctx, obj);
    // Before the POST: a create whose answer is lost may still have happened.
    this.occupancy.occupy(pns, namespace);
    let d: Deployment;
    try {
      d = await this.options.client.createDeployment(pns, plan.body, opts);
    } catch (err) {
      if (isPlatformStatus(err, 409)) throw await this.explainTaken(pns, pname, name, ctx.signal);
      throw toStatusError(err, { ref: this.ref(name), platform: this.options.platformName });
    }
    this.reader.remember(d);
    if (plan.registerSavepoint) d = await this.registerInitialSavepoint(d, plan.parts, plan.registerSavepoint, plan.stateAfterRegistration, opts, name);
    const view = await this.reader.loadView(d, ctx.signal);
    const created = this.toObject(view, this.partsOf(d));
    this.changed(pns);
    this.emit(created, plan.events, pns, d.metadata.id);
    return created;
  }

  /** Why a platform name is taken: by another VvpDeployment of ours, or by a deployment this server does not manage. */
  private async explainTaken(pns: string, pname: string, name: string, signal: AbortSignal): Promise<unknown> {
    let d: Deployment;
    try {
      d = await this.options.client.getDeployment(pns, pname, { signal });
    } catch (err) {
      return toStatusError(err, { ref: this.ref(name), platform: this.options.platformName });
    }
    const a = d.metadata.annotations ?? {};
    if (isManagedBy(d.metadata.labels, this.options.instanceId)) {
      return statusErrors.alreadyExists(this.ref(name),
        `platform deployment ${pns}/${pname} is already managed by VvpDeployment ${a[ANNOTATION.namespace]}/${a[ANNOTATION.name]}`);
    }
    return statusErrors.alreadyExists(this.ref(name),
      `platform deployment ${pns}/${pname} exists and is not managed by this server (instance "${this.options.instanceId}"); deployments created elsewhere cannot be claimed: choose another spec.deployment.metadata.name`);
  }

  /**
   * Registers spec.initialSavepointSpec right after creation, while the deployment is still CANCELLED, then sets
   * the desired state. If the platform refuses the savepoint, the new deployment is removed again: a refused create
   * leaves nothing behind.
   */
  private async registerInitialSavepoint(d: Deployment, parts: KubeParts, location: string, state: string | undefined, opts: CallOptions, name: string): Promise<Deployment> {
    const client = this.options.client;
    const pns = d.metadata.namespace;
    let savepoint: Savepoint;
    try {
      savepoint = await client.registerSavepoint(pns, { deploymentId: d.metadata.id, savepointLocation: location }, opts);
    } catch (err) {
      await client.deleteDeployment(pns, d.metadata.name, { ...opts, signal: NEVER }).catch((e: unknown) =>
        this.warn('removing a half-created platform deployment failed', { deployment: `${pns}/${d.metadata.name}`, error: (e as Error).message }));
      this.reader.forget(parts.namespace, parts.name);
      throw toStatusError(err, { ref: this.ref(name), platform: this.options.platformName });
    }
    const initialSavepoint = { location, savepointId: savepoint.metadata.id };
    return this.platform(name, () => this.patchFresh(d, (fresh) => {
      const body = this.recordBody(fresh, (p) => ({ ...p, initialSavepoint }));
      if (state) body.spec = { state: state as Deployment['spec']['state'] };
      return body;
    }, { ...opts, signal: NEVER }));
  }

  private dryRunCreated(body: DeploymentWrite, parts: KubeParts, pns: string): VvpDeployment {
    const at = this.now().toISOString();
    const deployment = {
      ...body,
      metadata: { ...body.metadata, id: randomUUID(), namespace: pns, resourceVersion: 1, createdAt: at, modifiedAt: at },
      status: { state: 'CANCELLED' },
    } as Deployment;
    return this.toObject({ deployment, savepoints: [], autopilot: { mode: 'AUTOPILOT_MODE_DISABLED' } }, parts);
  }

  async update(ctx: RequestContext, input: KubeObject): Promise<VvpDeployment> {
    const namespace = input.metadata.namespace ?? '';
    const name = input.metadata.name ?? '';
    const view = await this.reader.read(namespace, name, ctx.signal);
    if (!view) {
      if (this.allowCreateOnUpdate && !input.metadata.resourceVersion) return this.create(ctx, input);
      throw statusErrors.notFound(this.ref(name));
    }
    const d = view.deployment;
    const parts = this.partsOf(d);
    const current = this.toObject(view, parts);
    checkResourceVersion(input.metadata.resourceVersion, current.metadata.resourceVersion ?? '', this.ref(name));
    if (input.metadata.uid && input.metadata.uid !== d.metadata.id) {
      throw statusErrors.conflict(this.ref(name), `Precondition failed: UID in precondition: ${input.metadata.uid}, UID in object meta: ${d.metadata.id}`);
    }

    const obj = structuredClone(input) as VvpDeployment;
    delete obj.status;
    const oldIdentity = parts.spec.deployment?.metadata ?? {};
    obj.spec.deployment ??= {};
    obj.spec.deployment.metadata = { ...obj.spec.deployment.metadata };
    obj.spec.deployment.metadata.name ??= oldIdentity.name;
    obj.spec.deployment.metadata.namespace ??= oldIdentity.namespace;
    const defaulted = withDefaults(obj, this.options.platformNamespaces[0] ?? 'default');
    const causes = [
      ...validateVvpDeployment(defaulted, { instanceId: this.options.instanceId, platformNamespaces: [...this.options.platformNamespaces, oldIdentity.namespace ?? ''] }, false),
      ...validateVvpDeploymentUpdate(defaulted, current),
    ];
    if (parts.deletion && !deepEqual(defaulted.spec.deployment, parts.spec.deployment)) {
      causes.push({ type: 'FieldValueForbidden', field: 'spec.deployment', message: 'Forbidden: the VvpDeployment is being deleted' });
    }
    if (causes.length) this.invalid(name, causes);

    const plan = planUpdate(view, parts, defaulted, this.options.instanceId, this.now());
    if (ctx.dryRun) return this.toObject(simulate(view, plan), plan.parts);
    if (!plan.body) {
      // A retry of a nonce whose trigger was interrupted settles it, as the background pass would.
      if (!isPendingTrigger(parts.savepointNonce)) return current;
      const opts = { ...(await this.writeOptions(ctx, defaulted)), signal: NEVER };
      if (!(await this.settlePendingSavepoint(d, view.savepoints ?? [], opts))) return current;
      return (await this.read(namespace, name, NEVER)).object;
    }

    const opts = await this.writeOptions(ctx, defaulted);
    const client = this.options.client;
    const pns = d.metadata.namespace;
    let written = await this.platform(name, () => plan.method === 'PUT'
      ? client.putDeployment(pns, d.metadata.name, plan.body as DeploymentWrite, opts)
      : client.patchDeployment(pns, d.metadata.name, plan.body as DeploymentWrite, opts));
    const events = [...plan.events];
    written = await this.followUp(written, plan, events, { ...opts, signal: NEVER }, name);

    if (plan.parts.deletion) await this.finishDeletion(this.background(ctx), written).catch(() => undefined);
    const after = await this.reader.read(namespace, name, NEVER);
    if (!after) return { ...current, metadata: { ...current.metadata, deletionTimestamp: current.metadata.deletionTimestamp ?? kubeTime(this.now()) } };
    const updated = this.toObject(after, this.partsOf(after.deployment));
    this.changed(pns);
    this.emit(updated, events, pns, d.metadata.id);
    return updated;
  }

  /** The savepoint of a new savepointNonce and a changed initial savepoint, after the main write; their outcome is recorded in a second write. */
  private async followUp(d: Deployment, plan: UpdatePlan, events: PlannedEvent[], opts: CallOptions, name: string): Promise<Deployment> {
    if (plan.triggerSavepoint === undefined && plan.registerSavepoint === undefined) return d;
    const client = this.options.client;
    const pns = d.metadata.namespace;
    const parts: Pick<KubeParts, 'savepointNonce' | 'initialSavepoint'> = { savepointNonce: plan.parts.savepointNonce, initialSavepoint: plan.parts.initialSavepoint };
    if (plan.triggerSavepoint !== undefined && parts.savepointNonce) {
      const nonce = plan.triggerSavepoint;
      try {
        const sp = await client.triggerSavepoint(pns, { deploymentId: d.metadata.id, annotations: savepointTriggerAnnotations(parts.savepointNonce) }, opts);
        parts.savepointNonce = { ...parts.savepointNonce, savepointId: sp.metadata.id };
        events.push(savepointTriggered(nonce, sp.metadata.id));
      } catch (err) {
        const message = (toStatusError(err, { ref: this.ref(name), platform: this.options.platformName }) as Error).message;
        if (isPlatformRefusal(err)) {
          parts.savepointNonce = { ...parts.savepointNonce, outcome: 'Failed', message };
          events.push(savepointFailed(nonce, message));
        } else {
          // No answer: the savepoint may have been taken. The record stays pending; settlePendingSavepoint adopts or triggers it.
          this.warn('a savepoint trigger got no answer; it is settled after the grace period', { deployment: `${pns}/${d.metadata.name}`, error: message });
        }
      }
    }
    if (plan.registerSavepoint !== undefined) {
      try {
        const sp = await client.registerSavepoint(pns, { deploymentId: d.metadata.id, savepointLocation: plan.registerSavepoint }, opts);
        parts.initialSavepoint = { location: plan.registerSavepoint, savepointId: sp.metadata.id };
      } catch (err) {
        const message = (toStatusError(err, { ref: this.ref(name), platform: this.options.platformName }) as Error).message;
        events.push({ type: 'Warning', reason: 'InitialSavepointNotRegistered', key: plan.registerSavepoint, message });
      }
    }
    try {
      return await this.patchFresh(d, (fresh) => this.recordBody(fresh, (p) => ({ ...p, ...parts })), opts);
    } catch (err) {
      this.warn('recording a nonce outcome failed', { deployment: `${pns}/${d.metadata.name}`, error: (err as Error).message });
      return d;
    }
  }

  // ---- deleting --------------------------------------------------------------------------------------------

  async delete(ctx: RequestContext, namespace: string | undefined, name: string, options: DeleteOptions): Promise<DeleteResult> {
    // The platform changes a deployment by itself (transitions, Autopilot): without a client precondition, a lost
    // race with it is retried on a fresh read rather than answered 409.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deleteOnce(ctx, namespace ?? '', name, options);
      } catch (err) {
        const retry = attempt < 4 && !options.preconditions?.resourceVersion && isPlatformStatus(err, 409);
        if (!retry) throw toStatusError(err, { ref: this.ref(name), platform: this.options.platformName });
      }
    }
  }

  private async deleteOnce(ctx: RequestContext, namespace: string, name: string, options: DeleteOptions): Promise<DeleteResult> {
    const { view, parts, object } = await this.read(namespace, name, ctx.signal);
    const d = view.deployment;
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== d.metadata.id) {
      throw statusErrors.conflict(this.ref(name), `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${d.metadata.id}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== object.metadata.resourceVersion) {
      throw statusErrors.conflict(this.ref(name), `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${object.metadata.resourceVersion}`);
    }
    if (parts.deletion) return this.finishDeletion(ctx, d);
    const policy = parts.spec.deletionPolicy ?? 'Cancel';
    const timestamp = kubeTime(this.now());
    // As kube-apiserver's generic store: setting deletionTimestamp raises the generation.
    const next: KubeParts = { ...parts, generation: parts.generation + 1, deletion: { timestamp, policy } };
    if (ctx.dryRun) {
      return { object: { ...object, metadata: { ...object.metadata, deletionTimestamp: timestamp, generation: next.generation } }, deleted: false };
    }
    const step = deletionStep(policy, view);
    const body: DeploymentWrite = {
      metadata: { annotations: encodeKubeParts(next, this.options.instanceId).annotations, resourceVersion: d.metadata.resourceVersion },
    };
    if (step.setState) body.spec = { state: step.setState };
    const opts = await this.writeOptions(ctx, object);
    // Not mapped here: a platform 409 (VvpError) is retried by delete().
    const marked = await this.options.client.patchDeployment(d.metadata.namespace, d.metadata.name, body, opts);
    this.changed(marked.metadata.namespace);
    return this.finishDeletion(ctx, marked);
  }

  /**
   * Takes a marked deletion one step further: drops the management mark (Orphan) or deletes the platform
   * deployment once it is CANCELLED/SUSPENDED and no finalizers remain. Answers the object as it now is.
   */
  private async finishDeletion(ctx: RequestContext, d: Deployment): Promise<DeleteResult> {
    const parts = this.partsOf(d);
    const del = parts.deletion;
    const view = await this.reader.loadView(d, ctx.signal);
    const object = this.toObject(view, parts);
    if (!del) return { object, deleted: false };
    const policy = parts.spec.deletionPolicy ?? del.policy;
    const step = deletionStep(policy, view);
    if (!step.ready || parts.finalizers?.length) {
      const opts = await this.writeOptions(ctx, object, true);
      const setState = step.setState;
      await this.recordBlocked(ctx, d, parts, () => this.patchFresh(d, (fresh) => {
        const freshDeletion = this.partsOf(fresh).deletion;
        const body: DeploymentWrite = {};
        if (setState && fresh.spec.state !== setState) body.spec = { state: setState };
        // A refusal recorded earlier no longer holds once the platform accepts a step again.
        if (freshDeletion?.blockedReason) {
          const { blockedReason: _r, blockedMessage: _m, ...unblocked } = freshDeletion;
          Object.assign(body, this.recordBody(fresh, (p) => ({ ...p, deletion: unblocked })));
        }
        return body.spec || body.metadata ? body : undefined;
      }, opts));
      return { object, deleted: false };
    }
    const opts = await this.writeOptions(ctx, object, true);
    const client = this.options.client;
    const pns = d.metadata.namespace;
    const ok = await this.recordBlocked(ctx, d, parts, async () => {
      if (policy === 'Orphan') {
        await this.patchFresh(d, (fresh) => ({ metadata: { labels: released(fresh.metadata.labels), annotations: released(fresh.metadata.annotations) } }), opts);
      } else {
        try {
          await client.deleteDeployment(pns, d.metadata.name, opts);
        } catch (err) {
          if (!isPlatformStatus(err, 404)) throw err;
        }
      }
    });
    if (!ok) return { object, deleted: false };
    this.reader.forget(parts.namespace, parts.name);
    const message = policy === 'Orphan'
      ? `Kubernetes API server released platform deployment ${pns}/${d.metadata.name}; it keeps running, unmanaged`
      : `Kubernetes API server deleted platform deployment ${pns}/${d.metadata.name} (policy ${policy})`;
    this.emit(object, [{ type: 'Normal', reason: 'Deleted', key: 'deleted', message }], policy === 'Orphan' ? pns : undefined, d.metadata.id);
    this.changed(pns);
    return { object, deleted: true };
  }

  /** Runs a deletion step; if the platform refuses, records why on the deployment (DeletionBlocked) and answers false. */
  private async recordBlocked(ctx: RequestContext, d: Deployment, parts: KubeParts, step: () => Promise<unknown>): Promise<boolean> {
    try {
      await step();
      return true;
    } catch (err) {
      const status = toStatusError(err, { ref: this.ref(parts.name), platform: this.options.platformName }) as Error & { code?: number };
      const reason = status.code === 503 || status.code === 504 ? 'PlatformUnavailable' : 'PlatformRefused';
      const del = parts.deletion;
      if (del && (del.blockedReason !== reason || del.blockedMessage !== status.message)) {
        const next: KubeParts = { ...parts, deletion: { ...del, blockedReason: reason, blockedMessage: status.message } };
        await this.patchFresh(d, (fresh) => this.recordBody(fresh, (p) => (p.deletion ? { ...p, deletion: { ...p.deletion, blockedReason: reason, blockedMessage: status.message } } : p)),
          { signal: ctx.signal }).catch(() => undefined);
        const object = this.toObject({ deployment: d }, next);
        this.emit(object, [{ type: 'Warning', reason: 'DeletionBlocked', key: `${reason}/${status.message}`, message: `deletion blocked: ${status.message}` }]);
      }
      return false;
    }
  }

  /**
   * The background loop's pass (one replica at a time) over every deployment of this instance: advances pending
   * deletions and settles savepoint nonces whose trigger was interrupted. Both are recorded on the platform, so a
   * restarted or another replica picks them up. Returns the number of objects whose deletion completed.
   */
  async finishPendingWork(signal: AbortSignal = NEVER): Promise<number> {
    const ctx: RequestContext = { user: { username: 'system:vvp-apiserver', groups: [], extra: {} }, dryRun: false, signal };
    let finished = 0;
    for (const pns of this.options.platformNamespaces) {
      for (const d of await this.pendingDeployments(pns, signal)) {
        const { deleting, nonce } = pendingWork(d);
        try {
          if (deleting) {
            if ((await this.finishDeletion(ctx, d)).deleted) finished++;
          } else if (isOverdueTrigger(nonce, this.now(), this.pendingSavepointGraceMs)) {
            const savepoints = await this.options.client.listSavepoints(pns, { deploymentId: d.metadata.id }, { signal });
            const object = this.toObject({ deployment: d }, this.partsOf(d));
            await this.settlePendingSavepoint(d, savepoints.items, await this.writeOptions(ctx, object, true));
          }
        } catch (err) {
          this.warn(deleting ? 'finishing a deletion failed' : 'settling a savepoint nonce failed', { deployment: `${pns}/${d.metadata.name}`, error: (err as Error).message });
        }
      }
    }
    return finished;
  }

  /**
   * Settles a savepointNonce recorded Triggered without a savepoint id (savepoint-nonce.ts): adopts the savepoint of
   * that trigger, or, once overdue, claims the record (a write conditional on the platform resourceVersion, so that
   * one replica wins) and triggers it. Answers whether it settled the record.
   */
  private async settlePendingSavepoint(d: Deployment, savepoints: readonly Savepoint[], opts: CallOptions): Promise<boolean> {
    const parts = this.partsOf(d);
    const record = parts.savepointNonce;
    const step = pendingSavepointStep(record, savepoints, this.now(), this.pendingSavepointGraceMs);
    if (!record || !step || step.action === 'wait') return false;
    const client = this.options.client;
    const pns = d.metadata.namespace;
    let current = d;
    let outcome: Partial<NonceRecord>;
    let event: PlannedEvent;
    if (step.action === 'adopt') {
      outcome = { savepointId: step.savepoint.metadata.id };
      event = savepointTriggered(record.nonce, step.savepoint.metadata.id);
    } else {
      const claim = this.recordBody(d, (p) => ({ ...p, savepointNonce: { ...record, attemptAt: kubeTime(this.now()) } }));
      claim.metadata = { ...claim.metadata, resourceVersion: d.metadata.resourceVersion };
      try {
        current = await client.patchDeployment(pns, d.metadata.name, claim, opts);
      } catch (err) {
        if (isPlatformStatus(err, 409)) return false; // changed meanwhile (another replica's claim): looked at again later
        throw err;
      }
      try {
        const sp = await client.triggerSavepoint(pns, { deploymentId: d.metadata.id, annotations: savepointTriggerAnnotations(record) }, opts);
        outcome = { savepointId: sp.metadata.id };
        event = savepointTriggered(record.nonce, sp.metadata.id);
      } catch (err) {
        // No answer: it may have been taken; adopted, or claimed again, after another grace period.
        if (!isPlatformRefusal(err)) throw err;
        const message = (toStatusError(err, { ref: this.ref(parts.name), platform: this.options.platformName }) as Error).message;
        outcome = { outcome: 'Failed', message };
        event = savepointFailed(record.nonce, message);
      }
    }
    const recorded = await this.patchFresh(current, (fresh) => {
      const now = this.partsOf(fresh).savepointNonce;
      if (!isPendingTrigger(now) || now.nonce !== record.nonce || now.at !== record.at) return undefined;
      const { attemptAt: _claimed, ...settled } = now;
      return this.recordBody(fresh, (p) => ({ ...p, savepointNonce: { ...settled, ...outcome } }));
    }, opts);
    this.emit(this.toObject({ deployment: recorded }, this.partsOf(recorded)), [event], pns, d.metadata.id);
    this.changed(pns);
    return true;
  }

  /**
   * The platform's job and deployment events of every managed deployment, as Kubernetes Events on its object. Each
   * carries a key from the platform event's id, so recording them again (another replica, a restart) writes nothing new.
   * One events list per platform namespace. `wanted(deploymentId, key)` leaves out events already recorded, so that
   * objects are built only for deployments with something new to record.
   */
  async platformEventsToMirror(signal: AbortSignal = NEVER, wanted: (deploymentId: string, key: string) => boolean = () => true): Promise<{ object: VvpDeployment; event: MirroredEvent }[]> {
    const out: { object: VvpDeployment; event: MirroredEvent }[] = [];
    for (const pns of this.options.platformNamespaces) {
      const entries = new Map((await this.entries(pns, signal)).map((e) => [e.id, e]));
      if (entries.size === 0) continue;
      const events = await this.platform(undefined, () => this.options.client.listEvents(pns, {}, { signal }));
      const objects = new Map<string, VvpDeployment | undefined>();
      for (const platformEvent of events.items) {
        const id = platformEvent.metadata.deploymentId ?? '';
        const entry = entries.get(id);
        if (!entry || !shouldMirror(platformEvent, id)) continue;
        const event = mirroredEvent(platformEvent);
        if (!wanted(id, event.key)) continue;
        if (!objects.has(id)) objects.set(id, entry.object());
        const object = objects.get(id);
        if (object) out.push({ object, event });
      }
    }
    return out;
  }
}

/** One VvpDeployment of a platform namespace, the object built only when asked. */
interface ObjectEntry extends SnapshotEntry {
  namespace: string;
  name: string;
  object(): VvpDeployment | undefined;
}

function savepointTriggered(nonce: number, savepointId: string): PlannedEvent {
  return { type: 'Normal', reason: 'SavepointTriggered', key: String(nonce), message: `Kubernetes API server triggered savepoint ${savepointId} (savepointNonce=${nonce})` };
}

function savepointFailed(nonce: number, message: string): PlannedEvent {
  return { type: 'Warning', reason: 'SavepointFailed', key: String(nonce), message: `savepointNonce=${nonce}: ${message}` };
}

/**
 * What the background pass may have to finish on a deployment, read from the deletion mark and the nonce record alone
 * (every deployment of every listing is asked): a deletion mark, and the savepoint nonce record (absent if damaged).
 */
function pendingWork(d: Deployment): { deleting: boolean; nonce: NonceRecord | undefined } {
  const a = d.metadata.annotations ?? {};
  const deletion = a[ANNOTATION.deletion];
  let nonce: NonceRecord | undefined;
  try {
    nonce = decodeKubePart(a, 'savepointNonce');
  } catch {
    nonce = undefined;
  }
  return { deleting: deletion !== undefined && deletion !== 'null', nonce };
}

/** A deletion mark, or a savepoint nonce triggered without a savepoint yet: work for the background pass. */
function hasPendingWork(d: Deployment): boolean {
  const { deleting, nonce } = pendingWork(d);
  return deleting || isPendingTrigger(nonce);
}

/** A watch of a namespace known to be empty while the platform is unavailable: no objects, then it ends. */
function emptyInitialWatch(resourceVersion: string, options: WatchOptions): WatchStream {
  const stream = new EventQueue();
  if (options.sendInitialEvents && options.allowWatchBookmarks) {
    stream.push({ type: 'BOOKMARK', object: { apiVersion: '', kind: '', metadata: { resourceVersion, annotations: { [INITIAL_EVENTS_END_ANNOTATION]: 'true' } } } });
  }
  stream.stop();
  return stream;
}

/** The deployment's labels or annotations without this server's keys, reserved keys set to null (a merge patch removes them). */
function released(map: StringMap | undefined): StringMap {
  const out: Record<string, string | null> = {};
  for (const key of Object.keys(map ?? {})) {
    if (key.startsWith(RESERVED_PREFIX) || key === MANAGED_BY_LABEL) out[key] = null;
  }
  return out as StringMap;
}

/** What the platform deployment would look like after a planned write (dry run). */
function simulate(view: PlatformView, plan: UpdatePlan): PlatformView {
  const d = structuredClone(view.deployment);
  const body = plan.body;
  if (body) {
    const meta = body.metadata ?? {};
    if (plan.method === 'PUT') {
      d.metadata.labels = meta.labels as StringMap;
      d.metadata.annotations = meta.annotations as StringMap;
      d.spec = { ...(body.spec as Deployment['spec']) };
    } else {
      d.metadata.labels = { ...d.metadata.labels, ...(meta.labels as StringMap | undefined) };
      d.metadata.annotations = { ...d.metadata.annotations, ...(meta.annotations as StringMap | undefined) };
      if (body.spec) d.spec = deepMerge(d.spec, body.spec);
    }
  }
  return { ...view, deployment: d };
}

function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (let i = 0; i < 5; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}

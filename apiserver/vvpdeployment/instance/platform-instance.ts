// One Ververica Platform installation behind the VvpDeployment API: its client, the platform namespaces it serves,
// the cache of where each object lives there (a hint, verified on every use), the watch hub scopes of its namespaces
// and the flows that read and write it. Not a REST storage: the one storage registered for `vvpdeployments`
// (storage.ts) sends each verb to the instance an object belongs to. Each operation is handed to the flow that does its
// work (listing.ts, create-flow.ts, update-flow.ts, deletion-flow.ts; writer.ts and savepoint-settler.ts under them;
// background-pass.ts for the lease holder), each beside the pure module it drives.

import type {
  DeleteOptions, DeleteResult, KubeObject, ListedObjects, RequestContext, UpdateTransform, WatchOptions, WatchStream,
} from '../../k8s/index.js';
import { BackgroundPass, type RecordMirrored } from '../flows/background-pass.js';
import { NEVER, StorageCore } from '../flows/core.js';
import type { ChildKind, ManagedOwner, OwnedChildren } from './owned-children.js';
import { CreateFlow } from '../flows/create-flow.js';
import { DeletionFlow } from '../flows/deletion-flow.js';
import { Listing, type ObjectEntry } from '../read/listing.js';
import type { VvpDeploymentStorageOptions } from '../options.js';
import { RestoreFlow } from '../flows/restore-flow.js';
import { SavepointSettler } from '../flows/savepoint-settler.js';
import type { VvpDeployment } from '../types.js';
import type { Savepoint } from '../../vvp/index.js';
import { UpdateFlow } from '../flows/update-flow.js';
import { PlatformWriter } from '../flows/writer.js';
import { PlatformCatalog } from './platform-catalog.js';

export class PlatformInstance {
  private readonly core: StorageCore;
  private readonly listing: Listing;
  private readonly creating: CreateFlow;
  private readonly updating: UpdateFlow;
  private readonly deletion: DeletionFlow;
  private readonly background: BackgroundPass;
  private readonly writer: PlatformWriter;
  /** This instance's deployment targets and session clusters, for VvpDeploymentTarget and VvpSessionCluster (platform-catalog.ts). */
  readonly catalog: PlatformCatalog;

  constructor(options: VvpDeploymentStorageOptions) {
    if (options.platformNamespaces.length === 0) throw new Error('at least one platform namespace must be served');
    this.core = new StorageCore(options);
    this.listing = new Listing(this.core);
    this.catalog = new PlatformCatalog(this.core.options);
    const writer = new PlatformWriter(this.core, this.listing);
    this.writer = writer;
    const settler = new SavepointSettler(this.core, writer);
    this.deletion = new DeletionFlow(this.core, writer);
    this.creating = new CreateFlow(this.core, this.listing, writer);
    const restoring = new RestoreFlow(this.core, writer);
    this.updating = new UpdateFlow(this.core, { writer, creating: this.creating, deletion: this.deletion, settler, restoring });
    this.background = new BackgroundPass(this.core, { listing: this.listing, writer, deletion: this.deletion, settler, restoring });
  }

  /** The platform namespaces this storage serves. */
  get platformNamespaces(): readonly string[] {
    return this.core.options.platformNamespaces;
  }

  async get(ctx: RequestContext, namespace: string | undefined, name: string): Promise<VvpDeployment> {
    return (await this.core.read(namespace ?? '', name, ctx.signal, true)).object;
  }

  /** Every object of `namespace` (undefined: of all), unfiltered and unpaged, for the storage's list. */
  listAll(ctx: RequestContext, namespace: string | undefined): Promise<ListedObjects> {
    return this.listing.listAll(ctx, namespace);
  }

  create(ctx: RequestContext, object: KubeObject): Promise<VvpDeployment> {
    return this.creating.create(ctx, object);
  }

  update(ctx: RequestContext, namespace: string | undefined, name: string, transform: UpdateTransform): Promise<VvpDeployment> {
    return this.updating.update(ctx, namespace ?? '', name, transform);
  }

  delete(ctx: RequestContext, namespace: string | undefined, name: string, options: DeleteOptions): Promise<DeleteResult> {
    return this.deletion.delete(ctx, namespace ?? '', name, options);
  }

  /** The operator instance this storage serves: its `ververica.platform/owner` label value and managed-by mark. */
  get instanceId(): string {
    return this.core.options.instanceId;
  }

  /** The watch hub scopes of the served platform namespaces (storage.ts shares one hub among instances). */
  get watchScopes(): string[] {
    return this.listing.scopes;
  }

  /** A watch of the given scopes of a hub shared by instances; `answersEmpty` decides an outage's empty answer. */
  watchAcross(options: WatchOptions, scopes: string[], answersEmpty: (err: unknown, namespace: string | undefined) => boolean): Promise<WatchStream> {
    if (!this.listing.hub) throw new Error('this instance serves no watch');
    return this.listing.watch(this.listing.hub, options, scopes, answersEmpty);
  }

  /** Every object of a platform namespace, for a shared hub's poll of this storage's scope. */
  snapshot(platformNamespace: string, known?: (id: string, resourceVersion: string) => boolean): Promise<ObjectEntry[]> {
    return this.listing.snapshot(platformNamespace, known);
  }

  /** The interval of the hot reads of a platform namespace (hot-reads.ts), for a shared hub. */
  refreshIntervalMs(platformNamespace: string): number {
    return this.listing.refreshIntervalMs(platformNamespace);
  }

  /** One round of hot reads of a platform namespace, for a shared hub's refresh. */
  refresh(platformNamespace: string): Promise<{ ids: string[]; entries: ObjectEntry[] } | undefined> {
    return this.listing.refresh(platformNamespace);
  }

  /** The poll interval of a platform namespace (the bytes budget of its listing, for a shared hub). */
  pollIntervalMs(platformNamespace: string): number {
    return this.listing.pollIntervalMs(platformNamespace);
  }

  /** The least time between two polls of a platform namespace (the bytes budget, for a shared hub). */
  pollGapMs(platformNamespace: string): number {
    return this.listing.pollGapMs(platformNamespace);
  }

  /** Whether this instance's platform holds the object (a located hint, verified); a Status when it cannot tell. */
  async holds(namespace: string, name: string, signal: AbortSignal): Promise<boolean> {
    return (await this.core.reader.locate(namespace, name, signal)) !== undefined;
  }

  /** A failure of this instance's platform that, for `namespace`, may be answered as "no object here" (occupancy.ts). */
  answersEmpty(err: unknown, namespace: string | undefined): boolean {
    return this.listing.occupancy.answersEmpty(err, namespace);
  }

  /** Stops the watch hub's polls and ends its watches (shutdown). */
  close(): void {
    this.listing.hub?.close();
  }

  /**
   * For the child resources (VvpSavepoint, VvpJob): the managed deployments of a platform namespace as owners and its
   * children of one kind, from a namespace read younger than `maxAgeMs` when there is one (owned-children.ts).
   */
  ownedChildren<K extends ChildKind>(platformNamespace: string, kind: K, maxAgeMs: number, signal: AbortSignal, kubeNamespace?: string): Promise<OwnedChildren<K>> {
    return this.core.reader.ownedChildren(platformNamespace, kind, maxAgeMs, signal, kubeNamespace);
  }

  /** Called after every full read of a platform namespace, whose owners and children ownedChildren then reuses. */
  onNamespaceRead(listener: (platformNamespace: string) => void): () => void {
    return this.core.reader.onNamespaceRead(listener);
  }

  /**
   * Takes a savepoint of the VvpDeployment `namespace/name` (or registers the external one at `location`) with the
   * deployment's own token (apikeySecretName); 404 when no such VvpDeployment, the platform's refusal as a Status.
   * With dryRun, only the owner is checked; the savepoint is undefined.
   */
  async triggerSavepoint(ctx: RequestContext, namespace: string, name: string, location?: string): Promise<{ owner: ManagedOwner; savepoint?: Savepoint }> {
    const { view, object } = await this.core.read(namespace, name, ctx.signal);
    const d = view.deployment;
    const owner: ManagedOwner = { namespace, name, uid: d.metadata.id, platformNamespace: d.metadata.namespace, platformName: d.metadata.name };
    // Registering a location is restoring from it later: the same grants as an initial savepoint there (tenancy.ts).
    if (location !== undefined) await this.core.authorize(ctx, { ...object, spec: { ...object.spec, initialSavepointSpec: { savepointLocation: location } } }, object);
    if (ctx.dryRun) return { owner };
    const options = await this.writer.writeOptions(ctx, object);
    const client = this.core.client;
    const savepoint = await this.core.platform(name, () => (location === undefined
      ? client.triggerSavepoint(d.metadata.namespace, { deploymentId: d.metadata.id }, options)
      : client.registerSavepoint(d.metadata.namespace, { deploymentId: d.metadata.id, savepointLocation: location }, options)));
    this.writer.changed(d.metadata.namespace, d.metadata.id);
    return { owner, savepoint };
  }

  /** For every replica, periodically: one listing per platform namespace not listed in full within `maxAgeMs`. */
  refreshOccupancy(signal: AbortSignal = NEVER, maxAgeMs = 0): Promise<void> {
    return this.listing.refreshOccupancy(signal, maxAgeMs);
  }

  /** For the lease holder's loop: advances pending deletions, settles interrupted savepoint triggers (background-pass.ts). */
  finishPendingWork(signal: AbortSignal = NEVER): Promise<number> {
    return this.background.finishPendingWork(signal);
  }

  /** For the lease holder's loop: the platform's new events recorded as Kubernetes Events (background-pass.ts). */
  mirrorPlatformEvents(record: RecordMirrored, signal: AbortSignal = NEVER): Promise<void> {
    return this.background.mirrorPlatformEvents(record, signal);
  }
}

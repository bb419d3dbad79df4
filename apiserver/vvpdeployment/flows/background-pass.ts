// The background pass (the lease holder's, one replica at a time): finishes what a write left pending on the
// platform (deletions, interrupted savepoint triggers) and finds the platform's own events worth mirroring as
// Kubernetes Events. Everything it acts on is recorded on the platform, so a restarted or other replica goes on.

import type { RequestContext } from '../../k8s/index.js';
import type { StorageCore } from './core.js';
import type { DeletionFlow } from './deletion-flow.js';
import { mirroredEvent, shouldMirror, type MirroredEvent } from '../read/events.js';
import type { Listing } from '../read/listing.js';
import { pendingWork } from '../decide/pending-work.js';
import { isOverdueTrigger } from '../decide/savepoint-nonce.js';
import type { RestoreFlow } from './restore-flow.js';
import { restorePending } from '../decide/restore-nonce.js';
import type { SavepointSettler } from './savepoint-settler.js';
import type { VvpDeployment } from '../types.js';
import type { PlatformWriter } from './writer.js';

/** How long event deployment ids found not managed are not looked for again. */
const FOREIGN_MEMORY_MS = 10 * 60_000;

export interface BackgroundPassParts {
  listing: Listing;
  writer: PlatformWriter;
  deletion: DeletionFlow;
  settler: SavepointSettler;
  restoring: RestoreFlow;
}

/** Records a mirrored event as a Kubernetes Event (the machinery's event recorder). */
export type RecordMirrored = (object: VvpDeployment, event: MirroredEvent) => Promise<unknown>;

export class BackgroundPass {
  /** Mirrored events this replica has recorded; after a restart each is sent once more and kube-apiserver answers 409. */
  private readonly mirrored = new Set<string>();
  /** Deployment ids with platform events that a listing showed are not this instance's (none is listed for them). */
  private readonly foreign = new Set<string>();
  private foreignSince = 0;

  constructor(private readonly core: StorageCore, private readonly flows: BackgroundPassParts) {}

  /**
   * One pass over every deployment of this instance with work pending: advances deletions and settles overdue
   * savepoint nonces. Returns the number of objects whose deletion completed.
   */
  async finishPendingWork(signal: AbortSignal): Promise<number> {
    const core = this.core;
    const { listing, writer, deletion, settler } = this.flows;
    const ctx: RequestContext = { user: { username: 'system:vvp-apiserver', groups: [], extra: {} }, dryRun: false, signal };
    let finished = 0;
    for (const pns of core.options.platformNamespaces) {
      for (const d of await listing.pendingDeployments(pns, signal)) {
        const { deleting, nonce, restore } = pendingWork(d);
        try {
          if (deleting) {
            if ((await deletion.finishDeletion(ctx, d)).deleted) finished++;
          } else if (isOverdueTrigger(nonce, core.now(), settler.graceMs)) {
            const savepoints = await core.client.listSavepoints(pns, { deploymentId: d.metadata.id }, { signal });
            const object = core.toObject({ deployment: d }, core.partsOf(d));
            await settler.settle(d, savepoints.items, await writer.writeOptions(ctx, object, { serverTokenIfUnreadable: true }));
          } else if (restorePending(restore)) {
            await this.flows.restoring.finish(ctx, d, signal);
          }
        } catch (err) {
          core.warn(deleting ? 'finishing a deletion failed' : 'settling a savepoint or restore nonce failed', { deployment: `${pns}/${d.metadata.name}`, error: (err as Error).message });
        }
      }
    }
    return finished;
  }

  /**
   * Records the platform's job and deployment events of every managed deployment as Kubernetes Events on its object,
   * each once per replica. Each carries a key from the platform event's id, so recording it again (another replica, a
   * restart) writes nothing new.
   */
  async mirrorPlatformEvents(record: RecordMirrored, signal: AbortSignal): Promise<void> {
    if (this.mirrored.size > 100_000) this.mirrored.clear();
    // Forgotten now and then, so that a deployment that becomes this instance's (adoption keeps its id) has its events.
    if (this.foreign.size > 100_000 || this.core.now().getTime() - this.foreignSince > FOREIGN_MEMORY_MS) {
      this.foreign.clear();
      this.foreignSince = this.core.now().getTime();
    }
    for (const { object, event } of await this.platformEventsToMirror(signal, (uid, key) => !this.mirrored.has(`${uid}/${key}`))) {
      const id = `${object.metadata.uid}/${event.key}`;
      if (this.mirrored.has(id)) continue;
      await record(object, event);
      this.mirrored.add(id);
    }
  }

  /**
   * One events list per platform namespace. `wanted(deploymentId, key)` leaves out events already recorded, so that
   * objects are built only for deployments with something new to record.
   */
  private async platformEventsToMirror(signal: AbortSignal, wanted: (deploymentId: string, key: string) => boolean): Promise<{ object: VvpDeployment; event: MirroredEvent }[]> {
    const core = this.core;
    const out: { object: VvpDeployment; event: MirroredEvent }[] = [];
    for (const pns of core.options.platformNamespaces) {
      // The events first: only deployments with an event not recorded yet are built, and when there is none the
      // deployments are not listed at all (at 10,000 deployments a listing is tens of MB).
      const events = await core.platform(undefined, () => core.client.listEvents(pns, {}, { signal }));
      const candidates = new Set<string>();
      for (const e of events.items) {
        const id = e.metadata.deploymentId ?? '';
        if (id && !this.foreign.has(id) && shouldMirror(e, id) && wanted(id, mirroredEvent(e).key)) candidates.add(id);
      }
      if (candidates.size === 0) continue;
      const entries = new Map((await this.flows.listing.entries(pns, signal, undefined, (e) => candidates.has(e.id))).map((e) => [e.id, e]));
      // Events of deployments that are not this instance's (deleted ones, others'): not a reason to list again.
      for (const id of candidates) if (!entries.has(id)) this.foreign.add(id);
      if (entries.size === 0) continue;
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

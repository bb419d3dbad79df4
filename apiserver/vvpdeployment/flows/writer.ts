// The writer: what every write of the storage has in common. With which token a write goes out (the object's
// apikeySecretName), how the server's own follow-up writes survive the platform changing a deployment meanwhile
// (patchFresh), how the Kubernetes record is rewritten, how the events of a write are recorded, and how watchers
// learn of it (write-wake.ts).

import { type KubeObject, type RequestContext, statusErrors } from '../../k8s/index.js';
import { type CallOptions, type Deployment, type DeploymentWrite, isVvpError, isVvpHttpError } from '../../vvp/index.js';
import { encodeKubeParts, type KubeParts } from '../trust/annotations.js';
import type { StorageCore } from './core.js';
import type { Listing } from '../read/listing.js';
import type { PlannedEvent } from '../decide/mapping.js';
import { UnusableSecretError, unusableApikeySecret } from '../trust/apikey-secret.js';
import { APIKEY_SECRET_ANNOTATION } from '../options.js';
import type { VvpDeployment } from '../types.js';
import { WRITE_WAKE_FRACTION, wakeDelay } from './write-wake.js';

export class PlatformWriter {
  constructor(private readonly core: StorageCore, private readonly listing: Listing) {}

  /** The call options of a write for `obj`: its Secret's token when it names one (`serverTokenIfUnreadable`: else the server's). */
  async writeOptions(ctx: RequestContext, obj: KubeObject, { serverTokenIfUnreadable = false } = {}): Promise<CallOptions> {
    const secret = obj.metadata.annotations?.[APIKEY_SECRET_ANNOTATION];
    if (secret === undefined) return { signal: ctx.signal };
    const resolveToken = this.core.options.resolveToken;
    if (!resolveToken) {
      throw statusErrors.internal(`annotation ${APIKEY_SECRET_ANNOTATION} is set, but this server is not configured to read Secrets`);
    }
    const namespace = obj.metadata.namespace ?? '';
    try {
      const token = await resolveToken(namespace, secret, ctx.signal);
      return { signal: ctx.signal, token, tokenName: `Secret ${namespace}/${secret} (annotation ${APIKEY_SECRET_ANNOTATION})` };
    } catch (err) {
      // A finishing deletion must not hang on a Secret that went first (namespace deletion removes Secrets early).
      if (serverTokenIfUnreadable) return { signal: ctx.signal };
      if (err instanceof UnusableSecretError) throw unusableApikeySecret(namespace, obj.metadata.name ?? '', secret, this.core.group);
      throw err;
    }
  }

  /** Per served platform namespace: when the watch poll was last woken for a write, and the wake-up pending. */
  private readonly wakes = new Map<string, { last?: number; timer?: NodeJS.Timeout }>();

  /**
   * Lets watchers see a write through this server (to deployment `id`) before the next poll: the poll is woken at
   * once, or, within a window of the last wake-up, once when it ends (write-wake.ts); `id` is read one by one for a
   * while (hot-reads.ts), so that what the platform does next shows before the next full listing.
   */
  changed(platformNamespace: string, id?: string): void {
    this.listing.wrote(platformNamespace, id);
    let wake = this.wakes.get(platformNamespace);
    if (!wake) this.wakes.set(platformNamespace, (wake = {}));
    if (wake.timer) return;
    const pending = wake;
    const windowMs = (this.core.options.watch?.pollIntervalMs ?? 0) * WRITE_WAKE_FRACTION;
    const fire = () => {
      pending.timer = undefined;
      pending.last = performance.now();
      this.listing.changed(platformNamespace);
    };
    const delay = wakeDelay(performance.now(), pending.last, windowMs);
    if (delay === 0) fire();
    else (pending.timer = setTimeout(fire, delay)).unref();
  }

  /**
   * Set when this instance's platform does not accept events (404/405: the VVP 2.4.3 API documents only GET there):
   * asked once, then not again until restart.
   */
  private platformRefusesEvents = false;

  private eventRefused(err: unknown, reason: string): void {
    if (isVvpError(err) && err.unsupported) {
      if (!this.platformRefusesEvents) {
        this.platformRefusesEvents = true;
        this.core.warn('the platform does not accept events; its Events list is not written again until restart', { error: err.message });
      }
      return;
    }
    this.core.warn('appending an event to the platform failed', { reason, error: (err as Error).message });
  }

  /** Records the events of a write as Kubernetes Events, and (with a deployment) appends them to the platform's. */
  emit(object: VvpDeployment, events: PlannedEvent[], platformNamespace?: string, deploymentId?: string): void {
    for (const event of events) {
      try {
        this.core.options.recordEvent?.(object, event);
      } catch (err) {
        this.core.warn('recording an event failed', { reason: event.reason, error: (err as Error).message });
      }
      if (platformNamespace && deploymentId && !this.platformRefusesEvents) {
        this.core.client.createEvent(platformNamespace, { metadata: { deploymentId, name: 'EXTERNAL' }, spec: { message: event.message } })
          .catch((err: unknown) => this.eventRefused(err, event.reason));
      }
    }
  }

  /**
   * The server's own follow-up writes (records, deletion steps). The platform changes a deployment by itself while
   * it works (status transitions bump its resourceVersion), so a 409 is retried on a fresh read: `build` recomputes
   * the body from it (undefined: nothing to write any more). Each write still carries the read's resourceVersion,
   * so a concurrent change of the record by another replica is never overwritten. Throws the platform's error.
   * Addressed by id, as every destructive call: never a new deployment that took the name meanwhile.
   */
  async patchFresh(d: Deployment, build: (fresh: Deployment) => DeploymentWrite | undefined, opts: CallOptions): Promise<Deployment> {
    const client = this.core.client;
    let current = d;
    for (let attempt = 1; ; attempt++) {
      const body = build(current);
      if (!body) return current;
      body.metadata = { ...body.metadata, name: current.metadata.name, resourceVersion: current.metadata.resourceVersion };
      try {
        return await client.patchDeployment(current.metadata.namespace, current.metadata.id, body, opts);
      } catch (err) {
        if (attempt >= 4 || !isVvpHttpError(err, 409)) throw err;
        current = await client.getDeployment(current.metadata.namespace, current.metadata.id, opts);
      }
    }
  }

  /** A write of the deployment's Kubernetes record, changed by `change` from the record it carries now. */
  recordBody(fresh: Deployment, change: (parts: KubeParts) => KubeParts): DeploymentWrite {
    return { metadata: { annotations: encodeKubeParts(change(this.core.partsOf(fresh)), this.core.options.instanceId).annotations } };
  }
}

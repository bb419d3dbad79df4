// The platform instances behind the one VvpDeployment storage, and what spans them: the watch hub they share (one
// scope per instance and platform namespace, `<instanceId>/<platform namespace>`), asking every instance for an
// object and telling "not here" from "could not answer" (occupancy.ts), background work that one instance's failure
// does not stop, and the child resources' scopes (the platform namespace with one instance, prefixed by the instance
// with several). The storage (storage.ts) keeps the verbs and decides which instance each one goes to.

import { type RequestContext, WatchHub, type WatchOptions, type WatchStream, isStatusError } from '../../k8s/index.js';
import { ownerOf } from '../decide/owner.js';
import type { VvpDeploymentStorageOptions } from '../options.js';
import { PlatformInstance } from './platform-instance.js';

export interface VvpDeploymentStorageSetup {
  /** One instance's options per platform instance (their instanceIds differ); `watch` of the first sets the hub's timing. */
  instances: VvpDeploymentStorageOptions[];
}

/** Hub scope of an instance's platform namespace: `<instanceId>/<platform namespace>` (ids hold no `/`). */
function scopeName(instanceId: string, platformNamespace: string): string {
  return `${instanceId}/${platformNamespace}`;
}

function splitScope(scope: string): { instanceId: string; platformNamespace: string } {
  const at = scope.indexOf('/');
  return { instanceId: scope.slice(0, at), platformNamespace: scope.slice(at + 1) };
}

export class PlatformInstances {
  readonly ids: string[];
  /** The first instance's options: its group, and the words of a refusal that names the owner label. */
  readonly first: VvpDeploymentStorageOptions;
  readonly hub: WatchHub | undefined;
  private readonly byId = new Map<string, PlatformInstance>();

  constructor(options: VvpDeploymentStorageSetup) {
    const first = options.instances[0];
    if (!first) throw new Error('at least one platform instance must be served');
    this.first = first;
    this.ids = options.instances.map((o) => o.instanceId);
    if (new Set(this.ids).size !== this.ids.length) throw new Error(`platform instance ids must differ: ${this.ids.join(', ')}`);
    const watch = first.watch;
    const scoped = (scope: string) => {
      const { instanceId, platformNamespace } = splitScope(scope);
      return { instanceId, instance: this.byId.get(instanceId), pns: platformNamespace };
    };
    this.hub = watch && new WatchHub({
      snapshot: (scope, known) => {
        const { instance, pns } = scoped(scope);
        if (!instance) throw new Error(`no platform instance for watch scope ${scope}`);
        return instance.snapshot(pns, known);
      },
      pollIntervalMs: watch.pollIntervalMs,
      intervalMs: (scope) => {
        const { instance, pns } = scoped(scope);
        return instance?.pollIntervalMs(pns) ?? watch.pollIntervalMs;
      },
      minGapMs: (scope) => {
        const { instance, pns } = scoped(scope);
        return instance?.pollGapMs(pns) ?? 0;
      },
      refresh: {
        intervalMs: (scope) => {
          const { instance, pns } = scoped(scope);
          return instance?.refreshIntervalMs(pns) ?? 0;
        },
        read: (scope) => {
          const { instance, pns } = scoped(scope);
          return instance ? instance.refresh(pns) : Promise.resolve(undefined);
        },
      },
      onPollError: (scope, err) => {
        const { instanceId, pns } = scoped(scope);
        options.instances.find((o) => o.instanceId === instanceId)?.watch?.onPollError?.(pns, err);
      },
    });
    for (const o of options.instances) {
      const sharedWatch = this.hub && { hub: this.hub, scopeOf: (pns: string) => scopeName(o.instanceId, pns) };
      this.byId.set(o.instanceId, new PlatformInstance({ ...o, ...(sharedWatch ? { sharedWatch } : {}) }));
    }
  }

  get all(): PlatformInstance[] {
    return [...this.byId.values()];
  }

  get(instanceId: string): PlatformInstance {
    const s = this.byId.get(instanceId);
    if (!s) throw new Error(`no platform instance ${instanceId}`);
    return s;
  }

  /**
   * The only instance an object without an owner label can belong to (owner.ts: while one instance is served, the
   * label may be left out), undefined when that takes asking the instances.
   */
  get sole(): PlatformInstance | undefined {
    const decision = ownerOf({ metadata: {} }, this.ids);
    return 'owner' in decision ? this.get(decision.owner) : undefined;
  }

  /**
   * Asks every instance; the answers of those that have the object (`found`), else the failure to answer. An
   * instance's failure counts as "not here" where its occupancy says the namespace held nothing there; a 404 always.
   */
  async fromEvery<T>(namespace: string, ask: (s: PlatformInstance) => Promise<T | undefined>): Promise<T[]> {
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

  /** The instance holding `namespace/name`, undefined when none does. */
  async holder(ctx: RequestContext, namespace: string, name: string): Promise<PlatformInstance | undefined> {
    const sole = this.sole;
    if (sole) return sole;
    const [holder] = await this.fromEvery(namespace, async (s) => ((await s.holds(namespace, name, ctx.signal)) ? s : undefined));
    return holder;
  }

  /** Another instance than `owner` holding `namespace/name` (none to ask while one instance is served). */
  async elsewhere(ctx: RequestContext, namespace: string, name: string, owner: string): Promise<PlatformInstance | undefined> {
    const others = this.all.filter((s) => s.instanceId !== owner);
    const [holder] = await this.fromEvery(namespace, async (s) => (others.includes(s) && await s.holds(namespace, name, ctx.signal) ? s : undefined));
    return holder;
  }

  /**
   * One watch over every instance's scopes. When an unavailable instance fails it, a namespaced watch is tried again
   * without the instances whose last listing showed no object of the namespace.
   */
  async watchAll(options: WatchOptions): Promise<WatchStream> {
    const any = this.get(this.first.instanceId);
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

  /** Background work of every instance; one instance's failure does not stop the others' (it is thrown after). */
  async each<T>(work: (s: PlatformInstance) => Promise<T>): Promise<T[]> {
    const settled = await Promise.allSettled(this.all.map(work));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
  }

  /** The child resources' scopes: the platform namespaces with one instance, `<instance>/<platform namespace>` with several. */
  childScopes(): string[] {
    return [...this.byId].flatMap(([id, s]) => s.platformNamespaces.map((pns) => this.childScope(id, pns)));
  }

  childScope(instanceId: string, platformNamespace: string): string {
    return this.byId.size === 1 ? platformNamespace : scopeName(instanceId, platformNamespace);
  }

  ofChildScope(scope: string): { instance: PlatformInstance; platformNamespace: string } {
    if (this.byId.size === 1) return { instance: this.all[0]!, platformNamespace: scope };
    const { instanceId, platformNamespace } = splitScope(scope);
    return { instance: this.get(instanceId), platformNamespace };
  }

  onNamespaceRead(listener: (scope: string) => void): () => void {
    const stops = [...this.byId].map(([id, s]) => s.onNamespaceRead((pns) => listener(this.childScope(id, pns))));
    return () => { for (const stop of stops) stop(); };
  }

  close(): void {
    this.hub?.close();
    for (const s of this.all) s.close();
  }
}

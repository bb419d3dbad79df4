// A list+watch cache of one kind of cluster object (client-node's informer), as k8s.io/apiserver's admission plugins
// read namespaces and admission configurations: from a shared informer, never a call per request. The informer stops
// on errors; this restarts it with a growing delay. Objects are kept in their wire form (JSON field names, RFC 3339
// timestamps), which is what webhooks' selectors and CEL expressions read.

import { type KubeConfig, type KubernetesListObject, type KubernetesObject, makeInformer, type Informer, type ObjectCache } from '@kubernetes/client-node';
import type { Logger } from 'pino';

/** How often a kind the cluster does not serve is looked for again. */
const NOT_SERVED_RETRY_MS = 60_000;

export type RawList = () => Promise<KubernetesListObject<KubernetesObject>>;

/** Typed client results hold Date objects; this turns them back into the server's RFC 3339 text. */
export function wireForm<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const original = this[key];
    if (original instanceof Date) return original.toISOString().replace(/\.000Z$/, 'Z');
    return v;
  })) as T;
}

export interface ObjectSource<T> {
  /** Resolves true once the first list has been read; false if that did not happen within timeoutMs. */
  ready(timeoutMs: number): Promise<boolean>;
  get(name: string, namespace?: string): T | undefined;
  list(): T[];
  /** Grows with every change seen; lets consumers cache what they derive from list(). */
  readonly generation: number;
}

export class ClusterCache<T extends KubernetesObject> implements ObjectSource<T> {
  private informer?: Informer<T> & ObjectCache<T>;
  private synced = false;
  private waiters: Array<() => void> = [];
  private stopped = false;
  private retryMs = 1_000;
  private retry?: NodeJS.Timeout;
  generation = 0;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly path: string,
    private readonly listFn: RawList,
    private readonly log: Logger,
  ) {}

  start(): void {
    const list = async () => {
      const result = wireForm(await this.listFn());
      // The informer adds the items right after this promise settles.
      setImmediate(() => this.markSynced());
      return result as KubernetesListObject<T>;
    };
    const informer = makeInformer<T>(this.kubeConfig, this.path, list);
    const changed = () => { this.generation++; this.retryMs = 1_000; };
    informer.on('add', changed);
    informer.on('update', changed);
    informer.on('delete', changed);
    informer.on('error', (err: unknown) => {
      if (this.stopped) return;
      const code = (err as { code?: number }).code ?? (err as { statusCode?: number }).statusCode;
      if (code === 404) {
        // The cluster does not serve this kind (e.g. no ValidatingAdmissionPolicy before Kubernetes 1.30): none exist.
        if (!this.synced) this.log.info({ path: this.path }, 'not served by this cluster; none apply');
        this.markSynced();
        this.retry = setTimeout(() => void informer.start().catch(() => undefined), NOT_SERVED_RETRY_MS);
        return;
      }
      this.log.warn({ path: this.path, err: (err as Error)?.message ?? String(err) }, 'list/watch failed; retrying');
      this.retry = setTimeout(() => void informer.start().catch(() => undefined), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 30_000);
    });
    this.informer = informer;
    void informer.start().catch(() => undefined);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    void this.informer?.stop();
  }

  private markSynced(): void {
    this.generation++;
    if (this.synced) return;
    this.synced = true;
    for (const w of this.waiters.splice(0)) w();
  }

  async ready(timeoutMs: number): Promise<boolean> {
    if (this.synced) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.synced), timeoutMs);
      this.waiters.push(() => { clearTimeout(timer); resolve(true); });
    });
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer?.get(name, namespace);
  }

  list(): T[] {
    return [...(this.informer?.list() ?? [])];
  }
}

/** A fixed set of objects, for tests and for servers run without a cluster. */
export class StaticSource<T extends { metadata?: { name?: string; namespace?: string } }> implements ObjectSource<T> {
  generation = 0;
  constructor(private items: T[] = []) {}
  set(items: T[]): void { this.items = items; this.generation++; }
  async ready(): Promise<boolean> { return true; }
  get(name: string, namespace?: string): T | undefined {
    return this.items.find((o) => o.metadata?.name === name && (o.metadata?.namespace ?? '') === (namespace ?? ''));
  }
  list(): T[] { return this.items; }
}

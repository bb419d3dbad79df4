// One replica at a time does background work, chosen with a coordination.k8s.io/v1 Lease the way client-go's
// leaderelection does: take the Lease when it is free or expired, renew it well before it expires, and stop
// leading as soon as a renewal fails. Writes carry the Lease's resourceVersion, so two replicas never both win.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeRest, microTime } from './kube-rest.js';
import type { Logger } from 'pino';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  leaseDurationSeconds?: number;
  renewIntervalMs?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: { holderIdentity?: string | null; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

function code(err: unknown): number | undefined {
  const c = (err as { code?: unknown }).code;
  return typeof c === 'number' ? c : undefined;
}

export class LeaderElector {
  readonly identity = `${hostname()}_${process.pid}_${randomBytes(4).toString('hex')}`;
  private readonly duration: number;
  private timer?: NodeJS.Timeout;
  private leading = false;
  private stopped = false;

  constructor(private readonly kubeConfig: KubeConfig, private readonly options: LeaderElectionOptions, private readonly log: Logger) {
    this.duration = options.leaseDurationSeconds ?? 15;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    void this.tick();
  }

  /** Stops renewing; a leader gives the Lease up so another replica takes over without waiting for expiry. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading) return;
    this.setLeading(false);
    try {
      const lease = await kubeRest<Lease>(this.kubeConfig, 'GET', this.path);
      if (lease.spec.holderIdentity === this.identity) {
        lease.spec.holderIdentity = null;
        lease.spec.leaseDurationSeconds = 1;
        await kubeRest(this.kubeConfig, 'PUT', this.path, lease);
      }
    } catch {
      // Expiry hands the Lease over anyway.
    }
  }

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.options.namespace)}/leases/${encodeURIComponent(this.options.name)}`;
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.log.info({ lease: `${this.options.namespace}/${this.options.name}`, identity: this.identity, leading }, leading ? 'started leading' : 'stopped leading');
    if (leading) this.options.onStartedLeading();
    else this.options.onStoppedLeading();
  }

  private async tick(): Promise<void> {
    try {
      this.setLeading(await this.tryAcquireOrRenew());
    } catch (err) {
      this.log.warn({ code: code(err), err: (err as Error).message }, 'lease renewal failed');
      this.setLeading(false);
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.options.renewIntervalMs ?? (this.duration * 1000) / 3);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name } = this.options;
    const now = new Date();
    let lease: Lease;
    try {
      lease = await kubeRest<Lease>(this.kubeConfig, 'GET', this.path);
    } catch (err) {
      if (code(err) !== 404) throw err;
      await kubeRest(this.kubeConfig, 'POST', `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`, {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace },
        spec: { holderIdentity: this.identity, leaseDurationSeconds: this.duration, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
      } satisfies Lease);
      return true;
    }
    const spec = lease.spec ?? {};
    const renewed = spec.renewTime ? Date.parse(spec.renewTime) : 0;
    const expired = renewed + (spec.leaseDurationSeconds ?? this.duration) * 1000 < now.getTime();
    const mine = spec.holderIdentity === this.identity;
    if (!mine && spec.holderIdentity && !expired) return false;
    lease.spec = {
      ...spec,
      holderIdentity: this.identity,
      leaseDurationSeconds: this.duration,
      renewTime: microTime(now),
      ...(mine ? {} : { acquireTime: microTime(now), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }),
    };
    try {
      await kubeRest(this.kubeConfig, 'PUT', this.path, lease);
      return true;
    } catch (err) {
      if (code(err) === 409) return false;
      throw err;
    }
  }
}

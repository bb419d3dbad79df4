// The session clusters' lifecycle, one timed step at a time like the deployment controller's: spec.state RUNNING
// moves status STOPPED (or FAILED) → STARTING → RUNNING after jobStartMs, spec.state STOPPED moves RUNNING →
// STOPPING → STOPPED after jobStopMs. A spec change in mid-step turns it around at the end of that step.

import { nowIso } from '../ids.js';
import { bumped, type NamespaceState } from '../store/store.js';
import type { SessionCluster, SessionClusterState } from '../types.js';
import type { ControllerContext } from './controller.js';

/** The next version of a cluster with a new observed state (every write bumps resourceVersion). */
function withState(cluster: SessionCluster, state: SessionClusterState): SessionCluster {
  const status: SessionCluster['status'] = { state };
  const now = nowIso();
  if (state === 'RUNNING') status.running = { startedAt: now, lastUpdateTime: now };
  return { ...cluster, metadata: bumped(cluster.metadata), status };
}

export class SessionClusterLifecycle {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly ctx: ControllerContext) {}

  /** A cluster was created or its spec changed: begin moving towards spec.state unless a step is under way. */
  specChanged(ns: NamespaceState, name: string): void {
    const cluster = ns.sessionClusters.get(name);
    if (!cluster || this.timers.has(this.key(ns.name, name))) return;
    const observed = cluster.status.state;
    const wanted = cluster.spec.state;
    if (wanted === 'RUNNING' && (observed === 'STOPPED' || observed === 'FAILED')) this.begin(ns, cluster, 'STARTING', this.ctx.timings().jobStartMs);
    else if (wanted === 'STOPPED' && observed === 'RUNNING') this.begin(ns, cluster, 'STOPPING', this.ctx.timings().jobStopMs);
  }

  forget(namespace: string, name: string): void {
    clearTimeout(this.timers.get(this.key(namespace, name)));
    this.timers.delete(this.key(namespace, name));
  }

  /** After loading a data file: steps that were under way finish. */
  resumeAll(): void {
    for (const ns of this.ctx.store().namespaces.values()) {
      for (const cluster of ns.sessionClusters.values()) {
        if (cluster.status.state === 'STARTING' || cluster.status.state === 'STOPPING') this.schedule(ns.name, cluster.metadata.name, this.ctx.timings().reactionMs);
        else this.specChanged(ns, cluster.metadata.name);
      }
    }
  }

  stopAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private key(namespace: string, name: string): string {
    return `${namespace}/${name}`;
  }

  private begin(ns: NamespaceState, cluster: SessionCluster, state: 'STARTING' | 'STOPPING', durationMs: number): void {
    ns.sessionClusters.set(cluster.metadata.name, withState(cluster, state));
    this.ctx.changed();
    this.schedule(ns.name, cluster.metadata.name, durationMs);
  }

  private schedule(namespace: string, name: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(this.key(namespace, name));
      try {
        this.complete(namespace, name);
      } catch (err) {
        this.ctx.log.error({ err, sessionCluster: `${namespace}/${name}` }, 'session cluster step failed');
      }
    }, Math.max(0, delayMs));
    timer.unref();
    this.timers.set(this.key(namespace, name), timer);
  }

  private complete(namespace: string, name: string): void {
    const ns = this.ctx.store().namespaces.get(namespace);
    const cluster = ns?.sessionClusters.get(name);
    if (!ns || !cluster) return;
    if (cluster.status.state === 'STARTING') ns.sessionClusters.set(name, withState(cluster, 'RUNNING'));
    else if (cluster.status.state === 'STOPPING') ns.sessionClusters.set(name, withState(cluster, 'STOPPED'));
    this.ctx.changed();
    this.specChanged(ns, name);
  }
}

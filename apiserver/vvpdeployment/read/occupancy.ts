// The last known occupancy: which Kubernetes namespaces hold VvpDeployments, per served platform namespace, as the
// newest full listing of each platform namespace showed them. While the platform is unavailable, a Kubernetes
// namespace known to hold none is answered an empty list instead of 503, so that deleting it (the namespace
// controller lists and deletecollections every namespaced resource) does not wait for the platform.

import { performance } from 'node:perf_hooks';
import { isStatusError } from '../../k8s/index.js';

interface PlatformNamespaceState {
  /** Start of the newest full listing absorbed (monotonic clock). */
  listedAt: number;
  /** Kubernetes namespace → when it was last known to hold an object there. */
  occupied: Map<string, number>;
}

export class NamespaceOccupancy {
  private readonly states = new Map<string, PlatformNamespaceState>();

  constructor(private readonly platformNamespaces: readonly string[], private readonly clock: () => number = () => performance.now()) {}

  /**
   * Call when a full listing of `platformNamespace` starts; call the answer with the Kubernetes namespaces of the
   * objects it found. A listing that finishes after a newer one is ignored, and an object created through this
   * server after the listing started stays counted.
   */
  listing(platformNamespace: string): (kubeNamespaces: Iterable<string>) => void {
    const startedAt = this.clock();
    return (kubeNamespaces) => {
      const state = this.state(platformNamespace);
      if (startedAt < state.listedAt) return;
      for (const [namespace, since] of state.occupied) if (since < startedAt) state.occupied.delete(namespace);
      for (const namespace of kubeNamespaces) state.occupied.set(namespace, Math.max(startedAt, state.occupied.get(namespace) ?? startedAt));
      state.listedAt = startedAt;
    };
  }

  /** An object this server has just created. */
  occupy(platformNamespace: string, kubeNamespace: string): void {
    this.state(platformNamespace).occupied.set(kubeNamespace, this.clock());
  }

  /** Every served platform namespace has been listed, and none held an object of this Kubernetes namespace. */
  knownEmpty(kubeNamespace: string): boolean {
    return this.platformNamespaces.every((pns) => {
      const state = this.states.get(pns);
      return state !== undefined && state.listedAt > Number.NEGATIVE_INFINITY && !state.occupied.has(kubeNamespace);
    });
  }

  /**
   * Whether a list or watch of `kubeNamespace` that failed with `err` may be answered empty: the platform is
   * unavailable (503/504) and the namespace was empty when last seen. All-namespaces requests never are.
   */
  answersEmpty(err: unknown, kubeNamespace: string | undefined): boolean {
    return kubeNamespace !== undefined && isStatusError(err) && (err.code === 503 || err.code === 504) && this.knownEmpty(kubeNamespace);
  }

  private state(platformNamespace: string): PlatformNamespaceState {
    let state = this.states.get(platformNamespace);
    if (!state) this.states.set(platformNamespace, (state = { listedAt: Number.NEGATIVE_INFINITY, occupied: new Map() }));
    return state;
  }
}

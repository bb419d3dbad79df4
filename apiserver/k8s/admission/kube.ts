// The admission chain wired to a cluster: NamespaceLifecycle here (an informer on namespaces, with a live read for a
// namespace created a moment ago), then kube-apiserver's own MutatingAdmissionPolicy, webhook, ValidatingAdmissionPolicy
// and ResourceQuota plugins in the kube-admission helper (kube-helper.ts), which holds their informers itself. There is
// no admission without the helper: the TypeScript re-implementation it replaced lagged kube (no CEL libraries, no cost
// limits, no MutatingAdmissionPolicy or ResourceQuota) and is gone; the server refuses to start without it (main.ts).

import { CoreV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { AdmissionChain } from './chain.js';
import { ClusterCache, type RawList, wireForm } from './cluster-cache.js';
import { statusErrors } from '../status.js';
import { AdmissionMetrics } from './metrics.js';
import { type Namespace, NamespaceLifecycle, type NamespaceLookup } from './namespace-lifecycle.js';
import { KubeAdmissionHelper } from './kube-helper.js';

function statusCode(err: unknown): number | undefined {
  return (err as { code?: number }).code ?? (err as { statusCode?: number }).statusCode;
}

export interface ClusterAdmission {
  admission: AdmissionChain;
  /** Whether admission can decide (the helper is up and its informers synced). */
  ready(): Promise<boolean>;
  /** Starts the informers; admission waits (up to 10 s) for their first list. */
  start(): void;
  stop(): void;
}

/** kube's own admission plugins in the helper process (kube-helper.ts). */
export interface HelperSettings { binary: string; kubeconfig?: string }

export function clusterAdmission(kubeConfig: KubeConfig, log: Logger, registry: Registry, helper: HelperSettings): ClusterAdmission {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const namespaces = new ClusterCache<Namespace & KubernetesObject>(kubeConfig, '/api/v1/namespaces', (() => core.listNamespace()) as RawList, log.child({ informer: '/api/v1/namespaces' }));

  const lookup: NamespaceLookup = {
    cache: namespaces as NamespaceLookup['cache'],
    live: async (name) => {
      try {
        return wireForm(await core.readNamespace({ name })) as Namespace;
      } catch (err) {
        if (statusCode(err) === 404) return undefined;
        throw statusErrors.internalError((err as Error).message);
      }
    },
  };
  const metrics = new AdmissionMetrics(registry);
  const kube = new KubeAdmissionHelper({
    ...helper,
    log: (level, message, fields) => log[level](fields ?? {}, message),
    onAuditAnnotations: (a, annotations) => log.info({ uid: a.uid, name: a.name, namespace: a.namespace, auditAnnotations: annotations }, 'admission audit annotations'),
  });
  return {
    admission: new AdmissionChain([new NamespaceLifecycle(lookup), kube], metrics),
    ready: () => kube.ready(),
    start: () => { namespaces.start(); kube.start(); },
    stop: () => { namespaces.stop(); kube.stop(); },
  };
}

// Flow control wired to a cluster: informers (list+watch) on flowcontrol.apiserver.k8s.io/v1 FlowSchemas and
// PriorityLevelConfigurations, as kube-apiserver's own APF controller reads them. The server's ServiceAccount needs
// list/watch on both (apiservice/chart grants them). Until the first lists arrive, and on a cluster that does not serve
// the group, only kube's mandatory exempt (system:masters) and catch-all configuration applies.

import { FlowcontrolApiserverV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ClusterCache } from '../admission/index.js';
import { FlowController } from './controller.js';
import { FlowControlMetrics } from './metrics.js';
import type { FlowSchema, PriorityLevelConfiguration } from './types.js';

const API = '/apis/flowcontrol.apiserver.k8s.io/v1';

export interface ClusterFlowControl {
  controller: FlowController;
  metrics: FlowControlMetrics;
  start(): void;
  /** Resolves once both informers listed (or timeoutMs passed). */
  ready(timeoutMs: number): Promise<boolean>;
  stop(): void;
}

export function clusterFlowControl(kubeConfig: KubeConfig, log: Logger, registry: Registry, totalSeats: number): ClusterFlowControl {
  const api = kubeConfig.makeApiClient(FlowcontrolApiserverV1Api);
  const schemas = new ClusterCache<FlowSchema & KubernetesObject>(kubeConfig, `${API}/flowschemas`,
    (() => api.listFlowSchema()) as unknown as ConstructorParameters<typeof ClusterCache>[2], log.child({ informer: 'flowschemas' }));
  const levels = new ClusterCache<PriorityLevelConfiguration & KubernetesObject>(kubeConfig, `${API}/prioritylevelconfigurations`,
    (() => api.listPriorityLevelConfiguration()) as unknown as ConstructorParameters<typeof ClusterCache>[2], log.child({ informer: 'prioritylevelconfigurations' }));
  const metrics = new FlowControlMetrics(registry);
  const controller = new FlowController(schemas, levels, totalSeats, (level) => metrics.observer(level));
  return {
    controller, metrics,
    start: () => { schemas.start(); levels.start(); controller.startBorrowing(); },
    ready: async (timeoutMs) => (await Promise.all([schemas.ready(timeoutMs), levels.ready(timeoutMs)])).every(Boolean),
    stop: () => { controller.stop(); schemas.stop(); levels.stop(); },
  };
}

// The admission room: what runs on every write before the storage sees it (see chain.ts for the order).

export { type AdmissionAttributes, type Operation, admissionAttributes, operationOptions } from './attributes.js';
export { type Admission, type AdmissionPlugin, type AdmissionResult, AdmissionChain, NO_ADMISSION } from './chain.js';
export { type ObjectSource, ClusterCache, StaticSource } from './cluster-cache.js';
export { NamespaceLifecycle, type NamespaceLookup } from './namespace-lifecycle.js';
export { AdmissionMetrics } from './metrics.js';
export { clusterAdmission, type ClusterAdmission, type HelperSettings } from './kube.js';
export { KubeAdmissionHelper } from './kube-helper.js';

// The platform resources' public surface, for main.ts: VvpSavepoint and VvpJob storages beside VvpDeployment's, and
// the cluster-scoped VvpDeploymentTarget and VvpSessionCluster.

export { VvpSavepointStorage, type VvpSavepoint } from './savepoints.js';
export { VvpJobStorage, type VvpJob } from './jobs.js';
export type { ChildOptions, OwnerPort } from './options.js';
export { VvpDeploymentTargetStorage, type VvpDeploymentTarget } from './deployment-targets.js';
export { VvpSessionClusterStorage, type VvpSessionCluster } from './session-clusters.js';
export { catalogObjectName, placeOf } from './catalog-names.js';
export type { CatalogOptions } from './options.js';

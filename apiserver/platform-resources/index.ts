// The child resources' public surface, for main.ts: VvpSavepoint and VvpJob storages beside VvpDeployment's.

export { VvpSavepointStorage, type VvpSavepoint } from './savepoints.js';
export { VvpJobStorage, type VvpJob } from './jobs.js';
export type { ChildOptions, OwnerPort } from './options.js';

// The VvpDeployment resource's public surface, for main.ts.

export { APIKEY_SECRET_ANNOTATION, VvpDeploymentStorage, type VvpDeploymentStorageSetup } from './storage.js';
export type { VvpDeploymentStorageOptions } from './options.js';
export type { RecordMirrored } from './background-pass.js';
export type { PlatformPort } from './platform-port.js';
export type { VvpDeployment } from './types.js';
export { childObjectName, DEPLOYMENT_LABEL, type ChildKind, type ManagedOwner, type OwnedChildren } from './owned-children.js';
export { deriveResourceVersion } from './resource-version.js';
export { nameLabelValue } from './annotations.js';
export { apikeyTokenResolver } from './apikey-secret.js';
export { RecordSigner, bindLegacyRecords, migrateUnsignedRecords } from './record-signature.js';
export { catalogGrant, PlatformCatalog, type CatalogGrant, type CatalogItems, type CatalogKind } from './platform-catalog.js';

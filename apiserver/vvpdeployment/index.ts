// The VvpDeployment resource's public surface, for main.ts.

export { APIKEY_SECRET_ANNOTATION, VvpDeploymentStorage, type VvpDeploymentStorageSetup } from './storage.js';
export type { VvpDeploymentStorageOptions } from './options.js';
export type { RecordMirrored } from './flows/background-pass.js';
export type { PlatformPort } from './instance/platform-port.js';
export type { VvpDeployment } from './types.js';
export { childObjectName, DEPLOYMENT_LABEL, type ChildKind, type ManagedOwner, type OwnedChildren } from './instance/owned-children.js';
export { deriveResourceVersion } from './decide/resource-version.js';
export { nameLabelValue } from './trust/annotations.js';
export { apikeyTokenResolver } from './trust/apikey-secret.js';
export { RecordSigner, bindLegacyRecords, migrateUnsignedRecords } from './trust/record-signature.js';
export { catalogGrant, PlatformCatalog, type CatalogGrant, type CatalogItems, type CatalogKind } from './instance/platform-catalog.js';

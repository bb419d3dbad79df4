// What the child storages (VvpSavepoint, VvpJob) are given: the VvpDeployment storage as the door to their owners
// and to the platform, the platform namespaces served, and the watch timing.

import type { CatalogPort, OwnerPort } from './ports.js';

export const CHILD_GROUP = 'ververica.platform';
export const CHILD_VERSION = 'v1';

export type { CatalogPort, OwnerPort };

export interface ChildOptions {
  owners: OwnerPort;
  platformNamespaces: string[];
  /** The API group served (the VvpDeployment's). */
  group?: string;
  /** Serves watch, polled every `pollIntervalMs` while someone watches this kind (close() stops it). */
  watch?: { pollIntervalMs: number; onPollError?: (platformNamespace: string, error: unknown) => void };
}

/** What the catalog storages (VvpDeploymentTarget, VvpSessionCluster) are given: the router's scopes and catalogs. */
export interface CatalogOptions {
  platforms: CatalogPort;
  group?: string;
  /** Serves watch, polled every `pollIntervalMs` while someone watches this kind (close() stops it). */
  watch?: { pollIntervalMs: number; onPollError?: (scope: string, error: unknown) => void };
  /** Serves the kind's writes (targets: create and delete; default true). */
  writes?: boolean;
}

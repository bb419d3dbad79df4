// NamespaceLifecycle (k8s.io/apiserver pkg/admission/plugin/namespace/lifecycle): nothing is written into a namespace
// that does not exist, and nothing is created in one being terminated — else a namespace made later under the same
// name would inherit the object. Reads a namespace informer; only a miss is checked with one live read, as the
// plugin does, so a namespace created a moment ago is not refused because the watch has not shown it yet.

import { setTimeout as sleep } from 'node:timers/promises';
import { statusErrors } from '../status.js';
import type { AdmissionAttributes } from './attributes.js';
import type { ObjectSource } from './cluster-cache.js';
import { admissionForbidden } from './errors.js';
import type { AdmissionPlugin } from './chain.js';

export interface Namespace {
  metadata?: { name?: string; labels?: Record<string, string>; [k: string]: unknown };
  status?: { phase?: string };
  [k: string]: unknown;
}

export interface NamespaceLookup {
  cache: ObjectSource<Namespace>;
  /** A live read (GET /api/v1/namespaces/{name}); undefined when it does not exist. */
  live(name: string): Promise<Namespace | undefined>;
}

/** The plugin's missingNamespaceWait and the time it waits for its informer. */
const MISSING_NAMESPACE_WAIT_MS = 50;
const READY_TIMEOUT_MS = 10_000;

export class NamespaceLifecycle implements AdmissionPlugin {
  readonly name = 'NamespaceLifecycle';

  constructor(private readonly namespaces: NamespaceLookup) {}

  handles(a: AdmissionAttributes): boolean {
    return a.namespace !== '' && a.operation !== 'CONNECT';
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    if (!(await this.namespaces.cache.ready(READY_TIMEOUT_MS))) throw admissionForbidden(a, 'not yet ready to handle request');
    const namespace = await namespaceOf(this.namespaces, a.namespace, a.operation === 'CREATE');
    if (!namespace) throw statusErrors.notFound({ group: '', resource: 'namespaces', name: a.namespace });
    if (a.operation === 'CREATE' && namespace.status?.phase === 'Terminating') {
      throw admissionForbidden(a, `unable to create new content in namespace ${a.namespace} because it is being terminated`, [
        { type: 'NamespaceTerminating', message: `namespace ${a.namespace} is being terminated`, field: 'metadata.namespace' },
      ]);
    }
  }
}

/** The namespace from the informer, or (on a miss) from one live read; undefined if it does not exist. */
export async function namespaceOf(lookup: NamespaceLookup, name: string, waitForCache = false): Promise<Namespace | undefined> {
  let namespace = lookup.cache.get(name);
  if (!namespace && waitForCache) {
    await sleep(MISSING_NAMESPACE_WAIT_MS);
    namespace = lookup.cache.get(name);
  }
  return namespace ?? lookup.live(name);
}

// How large a VvpDeployment may be: measured as the platform deployment it becomes, the Kubernetes record included.
//
// A VvpDeployment is stored once, on the platform, but its spec is there twice: as the platform deployment's spec
// and inside the record annotation that keeps the Kubernetes side (annotations.ts). Every replica lists every managed
// deployment on each poll and keeps it as JSON for watchers, so an object is bounded by what a CRD would allow:
// etcd's default request limit is 1.5 MiB, and the whole platform deployment here may be at most 1 MiB (about
// 500 KiB of spec, as the spec is stored twice). A larger create or update is answered 413 before any platform
// write (dry runs too). Deployments written before the limit (or by hand on the platform) are left out of lists and
// watches with a warning, once per version, so a replica that restarts with them on the platform comes up and
// serves the rest; a get or delete by name still reaches them, so their owner can shrink or remove them.

import { statusErrors, type ResourceRef } from '../../k8s/index.js';
import type { Deployment, DeploymentWrite, LeftOutItem, ListStreamBounds } from '../../vvp/index.js';

export const MAX_PLATFORM_DEPLOYMENT_BYTES = 1024 * 1024;

/**
 * How a platform listing is read (the client's list stream): no deployment above the limit is built, and none nested
 * deeper than a request body may be (body-bounds.ts allows 1,000 levels; the platform deployment is shallower).
 */
export const LISTING_BOUNDS: ListStreamBounds = { maxItemBytes: MAX_PLATFORM_DEPLOYMENT_BYTES, maxDepth: 1000 };

/** The platform deployment's size as JSON, in bytes. */
export function platformDeploymentBytes(d: Deployment | DeploymentWrite): number {
  return Buffer.byteLength(JSON.stringify(d), 'utf8');
}

/** 413 when the platform deployment `body` (as created for the object) would exceed the limit. */
export function checkPlatformDeploymentSize(body: DeploymentWrite, ref: ResourceRef): void {
  const bytes = platformDeploymentBytes(body);
  if (bytes <= MAX_PLATFORM_DEPLOYMENT_BYTES) return;
  const err = statusErrors.requestEntityTooLarge(
    `VvpDeployment "${ref.name ?? ''}" is too large: its platform deployment would be ${bytes} bytes, more than the limit of ${MAX_PLATFORM_DEPLOYMENT_BYTES} bytes `
    + '(the spec is stored twice on the platform: as the deployment and in the Kubernetes record)');
  err.status.details = { name: ref.name ?? '', group: ref.group, kind: ref.resource };
  throw err;
}

/** Leaves out deployments above the limit; warns once per deployment version (a bounded memory of them). */
export class OversizedDeployments {
  private readonly warned = new Set<string>();

  constructor(private readonly warn: (message: string, fields: Record<string, unknown>) => void, private readonly maxRemembered = 1000) {}

  withinLimit(deployments: Deployment[]): Deployment[] {
    return deployments.filter((d) => {
      const bytes = platformDeploymentBytes(d);
      if (bytes <= MAX_PLATFORM_DEPLOYMENT_BYTES) return true;
      this.once(`${d.metadata.id}@${d.metadata.resourceVersion}`, `${d.metadata.namespace}/${d.metadata.name}`, d.metadata.id, bytes);
      return false;
    });
  }

  /** A deployment the listing's stream did not build (LISTING_BOUNDS); what it saw of its metadata names it. */
  leftOut(item: LeftOutItem): void {
    const m = item.metadata;
    const id = String(m.id ?? '');
    const deployment = `${String(m.namespace ?? '')}/${String(m.name ?? '')}`;
    if (item.reason === 'too large') this.once(`${id}@${String(m.resourceVersion ?? '')}`, deployment, id, item.bytes);
    else this.once(`${id}@${String(m.resourceVersion ?? '')}:${item.reason}`, deployment, id, item.bytes, item.reason);
  }

  private once(key: string, deployment: string, id: string, bytes: number, reason?: string): void {
    if (this.warned.has(key)) return;
    if (this.warned.size >= this.maxRemembered) this.warned.delete(this.warned.values().next().value!);
    this.warned.add(key);
    if (reason) this.warn(`a platform deployment that is ${reason} to read is left out of lists and watches`, { deployment, id, bytes });
    else this.warn('a platform deployment above the size limit is left out of lists and watches', { deployment, id, bytes, limit: MAX_PLATFORM_DEPLOYMENT_BYTES });
  }
}

// Who sees which deployment target and session cluster: the tenancy grant (vvpdeployment/trust/tenancy.ts) — verb `use` on
// `deploymenttargets` / `sessionclusters` with resourceName `<platform namespace>/<name>` or `<platform namespace>/*`
// (with several instances the names the instance's grants carry, platform-catalog.ts catalogGrant). The objects are
// cluster-scoped, so the SubjectAccessReview names no namespace and only cluster-wide grants (a ClusterRoleBinding)
// count, as for any cluster-scoped object. Each review goes through the request's access and so its cache; a
// namespace's wildcard is asked once per list, before the names. Creating or deleting a target needs the wildcard.

import { type KubeObject, type RequestContext, type ResourceAttributes, statusErrors, type UserAccess, type WatchEvent, type WatchStream } from '../k8s/index.js';
import type { CatalogGrant, CatalogKind } from '../vvpdeployment/index.js';
import { type Place, placeOf } from './catalog-names.js';
import type { CatalogPort } from './ports.js';

/** Decisions kept per watch (beside the authorizer's own cache), bounded. */
const MAX_WATCH_DECISIONS = 10_000;

export class CatalogVisibility {
  constructor(private readonly platforms: CatalogPort, private readonly kind: CatalogKind, private readonly group: string) {}

  private grant(place: Pick<Place, 'scope' | 'platformNamespace'>, name: string): CatalogGrant {
    return this.platforms.catalogOf(place.scope).catalog.grant(this.kind, place.platformNamespace, name);
  }

  private access(ctx: RequestContext): UserAccess {
    if (!ctx.access) throw statusErrors.internal('no authorizer provided, unable to authorize platform grants');
    return ctx.access;
  }

  private attributes(grant: CatalogGrant, name: string): ResourceAttributes {
    return { verb: 'use', group: this.group, resource: grant.resource, name };
  }

  private async anyOf(access: UserAccess, grant: CatalogGrant, names = grant.names): Promise<boolean> {
    for (const name of names) if (await access.allowed(this.attributes(grant, name))) return true;
    return false;
  }

  /** Whether the user holds a grant for this item. */
  async allowed(ctx: RequestContext, place: Place): Promise<boolean> {
    const grant = this.grant(place, place.platformName);
    return grant.everyone || this.anyOf(this.access(ctx), grant);
  }

  /** kube-apiserver's 403 unless the user holds a grant for `name` (an item, or `*`: every item of the namespace). */
  async require(ctx: RequestContext, place: Pick<Place, 'scope' | 'platformNamespace'>, name: string, why: string): Promise<void> {
    const grant = this.grant(place, name);
    if (grant.everyone) return;
    const access = this.access(ctx);
    if (await this.anyOf(access, grant, grant.names.slice(0, -1))) return;
    const names = grant.names.map((n) => JSON.stringify(n)).join(' or ');
    await access.require(this.attributes(grant, grant.names[grant.names.length - 1] ?? ''),
      `${why} needs a ClusterRole bound cluster-wide (ClusterRoleBinding) with the rule {apiGroups: [${JSON.stringify(this.group)}], resources: [${JSON.stringify(grant.resource)}], verbs: ["use"], resourceNames: [${names}]}`);
  }

  /** The objects the user holds a grant for; every item of a namespace whose wildcard the user holds. */
  async visible(ctx: RequestContext, objects: readonly KubeObject[]): Promise<KubeObject[]> {
    const scopes = this.platforms.childScopes();
    const wholeScope = new Map<string, boolean>();
    const out: KubeObject[] = [];
    for (const o of objects) {
      const place = placeOf(o.metadata.name ?? '', scopes);
      if (!place) continue;
      let whole = wholeScope.get(place.scope);
      if (whole === undefined) {
        const grant = this.grant(place, '*');
        whole = grant.everyone || await this.anyOf(this.access(ctx), grant);
        wholeScope.set(place.scope, whole);
      }
      if (whole || await this.allowed(ctx, place)) out.push(o);
    }
    return out;
  }

  /** A watch's per-object decision, kept for the watch's life (a grant removed shows after the watch restarts). */
  forWatch(ctx: RequestContext): (object: KubeObject) => Promise<boolean> {
    const decided = new Map<string, boolean>();
    const scopes = this.platforms.childScopes();
    return async (object) => {
      const name = object.metadata.name ?? '';
      const known = decided.get(name);
      if (known !== undefined) return known;
      const place = placeOf(name, scopes);
      const allowed = place !== undefined && await this.allowed(ctx, place);
      if (decided.size >= MAX_WATCH_DECISIONS) decided.clear();
      decided.set(name, allowed);
      return allowed;
    };
  }
}

/** The watch with only the events of objects `visible` allows; bookmarks and errors pass. */
export function visibleOnly(stream: WatchStream, visible: (object: KubeObject) => Promise<boolean>): WatchStream {
  const filtered: WatchStream = {
    stop: () => stream.stop(),
    async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
      for await (const event of stream) {
        if ((event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED') && !(await visible(event.object as KubeObject))) continue;
        yield event;
      }
    },
  };
  if (stream.currentResourceVersion) filtered.currentResourceVersion = () => stream.currentResourceVersion?.();
  return filtered;
}

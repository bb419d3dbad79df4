// Discovery documents, derived only from ResourceInfo and the interfaces a storage implements: never from its backend,
// so discovery answers while the backend is down (the aggregator's availability check and namespace deletion need it).

import {
  type Storage, isCreater, isGetter, isGracefulDeleter, isLister, isUpdater, isWatcher,
} from '../storage.js';

export interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

/** The verbs a storage serves, sorted, as toDiscoveryKubeVerb in k8s.io/apiserver's installer. */
export function verbsOf(storage: Storage): string[] {
  const verbs: string[] = [];
  if (isGetter(storage)) verbs.push('get');
  if (isLister(storage)) verbs.push('list');
  if (isCreater(storage)) verbs.push('create');
  if (isUpdater(storage)) verbs.push('update');
  if (isUpdater(storage) && isGetter(storage)) verbs.push('patch');
  if (isGracefulDeleter(storage)) verbs.push('delete');
  if (isGracefulDeleter(storage) && isLister(storage)) verbs.push('deletecollection');
  if (isWatcher(storage)) verbs.push('watch');
  return verbs.sort();
}

export function apiResource(storage: Storage): APIResource {
  const info = storage.info;
  const resource: APIResource = { name: info.resource, singularName: info.singular, namespaced: info.namespaced, kind: info.kind, verbs: verbsOf(storage) };
  if (info.shortNames.length) resource.shortNames = info.shortNames;
  if (info.categories.length) resource.categories = info.categories;
  return resource;
}

export interface GroupVersion {
  group: string;
  version: string;
  storages: Storage[];
}

export function groupVersions(storages: Storage[]): GroupVersion[] {
  const byKey = new Map<string, GroupVersion>();
  for (const s of storages) {
    const key = `${s.info.group}/${s.info.version}`;
    let gv = byKey.get(key);
    if (!gv) byKey.set(key, (gv = { group: s.info.group, version: s.info.version, storages: [] }));
    gv.storages.push(s);
  }
  return [...byKey.values()];
}

/** The verbs of a status subresource, as a CRD's (`vvpdeployments/status`). */
const STATUS_VERBS = ['get', 'patch', 'update'];

/** A kind's subresources as APIResourceList lists them beside it (`<plural>/status`). */
function subresourcesOf(storage: Storage): APIResource[] {
  const info = storage.info;
  if (!info.statusSubresource) return [];
  return [{ name: `${info.resource}/status`, singularName: '', namespaced: info.namespaced, kind: info.kind, verbs: STATUS_VERBS }];
}

export function apiResourceList(gv: GroupVersion) {
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${gv.group}/${gv.version}`, resources: gv.storages.flatMap((s) => [apiResource(s), ...subresourcesOf(s)]) };
}

export function apiGroup(group: string, gvs: GroupVersion[]) {
  const versions = gvs.filter((gv) => gv.group === group).map((gv) => ({ groupVersion: `${group}/${gv.version}`, version: gv.version }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions, preferredVersion: versions[0] };
}

export function apiGroupList(gvs: GroupVersion[]) {
  const groups = [...new Set(gvs.map((gv) => gv.group))];
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => { const { kind: _k, apiVersion: _a, ...rest } = apiGroup(g, gvs); return rest; }) };
}

export const AGGREGATED_DISCOVERY_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Whether Accept asks for aggregated discovery (what the aggregator asks of /apis). */
export function wantsAggregatedDiscovery(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((clause) => {
    const params = clause.split(';').map((p) => p.trim().toLowerCase());
    return params.includes('as=apigroupdiscoverylist') && params.includes('g=apidiscovery.k8s.io') && params.includes('v=v2');
  });
}

export function aggregatedDiscovery(gvs: GroupVersion[]) {
  const groups = [...new Set(gvs.map((gv) => gv.group))];
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map((group) => ({
      metadata: { name: group },
      versions: gvs.filter((gv) => gv.group === group).map((gv) => ({
        version: gv.version,
        freshness: 'Current',
        resources: gv.storages.map((s) => {
          const r: Record<string, unknown> = {
            resource: s.info.resource,
            responseKind: { group: s.info.group, version: s.info.version, kind: s.info.kind },
            scope: s.info.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: s.info.singular,
            verbs: verbsOf(s),
          };
          if (s.info.shortNames.length) r.shortNames = s.info.shortNames;
          if (s.info.categories.length) r.categories = s.info.categories;
          if (s.info.statusSubresource) {
            r.subresources = [{ subresource: 'status', responseKind: { group: s.info.group, version: s.info.version, kind: s.info.kind }, verbs: STATUS_VERBS }];
          }
          return r;
        }),
      })),
    })),
  };
}

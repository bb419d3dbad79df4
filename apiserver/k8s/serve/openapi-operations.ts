// The operations an OpenAPI document lists for one resource: one per verb its storage serves (verbsOf), with kube's
// operation ids, actions and the query parameters the server honours (fieldValidation declared, so that kubectl leaves
// validation to the server). Pure; openapi.ts renders them as v2 or v3.

import { verbsOf } from './discovery.js';
import type { ResourceInfo, Storage } from '../storage.js';

export interface Param { name: string; type: 'string' | 'boolean' | 'integer'; description: string }

export const P = {
  allowWatchBookmarks: { name: 'allowWatchBookmarks', type: 'boolean', description: 'allowWatchBookmarks requests watch events with type "BOOKMARK".' },
  continue: { name: 'continue', type: 'string', description: 'The continue option should be set when retrieving more results from the server.' },
  fieldSelector: { name: 'fieldSelector', type: 'string', description: 'A selector to restrict the list of returned objects by their fields (metadata.name, metadata.namespace).' },
  labelSelector: { name: 'labelSelector', type: 'string', description: 'A selector to restrict the list of returned objects by their labels.' },
  limit: { name: 'limit', type: 'integer', description: 'limit is a maximum number of responses to return for a list call.' },
  resourceVersion: { name: 'resourceVersion', type: 'string', description: 'resourceVersion sets a constraint on what resource versions a request may be served from.' },
  resourceVersionMatch: { name: 'resourceVersionMatch', type: 'string', description: 'resourceVersionMatch determines how resourceVersion is applied to list calls.' },
  sendInitialEvents: { name: 'sendInitialEvents', type: 'boolean', description: 'sendInitialEvents=true may be set together with watch=true: the stream begins with synthetic events for the current state, ended by a bookmark annotated "k8s.io/initial-events-end".' },
  timeoutSeconds: { name: 'timeoutSeconds', type: 'integer', description: 'Timeout for the list/watch call.' },
  watch: { name: 'watch', type: 'boolean', description: 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.' },
  dryRun: { name: 'dryRun', type: 'string', description: 'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed' },
  fieldManager: { name: 'fieldManager', type: 'string', description: 'fieldManager is a name associated with the actor or entity that is making these changes. Required for apply requests.' },
  fieldValidation: { name: 'fieldValidation', type: 'string', description: 'fieldValidation instructs the server on how to handle objects in the request containing unknown fields: Ignore, Warn (default) or Strict.' },
  force: { name: 'force', type: 'boolean', description: 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people.' },
  gracePeriodSeconds: { name: 'gracePeriodSeconds', type: 'integer', description: 'The duration in seconds before the object should be deleted.' },
  propagationPolicy: { name: 'propagationPolicy', type: 'string', description: "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'." },
  includeObject: { name: 'includeObject', type: 'string', description: 'With a Table response: None, Metadata (default) or Object.' },
  pretty: { name: 'pretty', type: 'string', description: "If 'true', then the output is pretty printed." },
} satisfies Record<string, Param>;

const LIST_PARAMS = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch];
const WRITE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation];
const DELETE_PARAMS = [P.dryRun, P.gracePeriodSeconds, P.propagationPolicy];

export interface Operation {
  action: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  id: string;
  description: string;
  params: Param[];
  body?: 'object' | 'patch' | 'delete';
  response: 'object' | 'list' | 'status';
  created?: boolean;
}

function pascal(s: string): string {
  return s.split(/[.-]/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
}

export function operations(storage: Storage): Array<{ path: string; namespaced: boolean; named: boolean; ops: Operation[] }> {
  const info = storage.info;
  const verbs = new Set(verbsOf(storage));
  const base = `/apis/${info.group}/${info.version}`;
  const ns = info.namespaced ? 'Namespaced' : '';
  const suffix = `${pascal(info.group)}${pascal(info.version)}${ns}${info.kind}`;
  const collection: Operation[] = [];
  if (verbs.has('list')) collection.push({ action: 'list', method: 'get', id: `list${suffix}`, description: `list or watch objects of kind ${info.kind}`, params: LIST_PARAMS, response: 'list' });
  if (verbs.has('create')) collection.push({ action: 'post', method: 'post', id: `create${suffix}`, description: `create a ${info.kind}`, params: WRITE_PARAMS, body: 'object', response: 'object', created: true });
  if (verbs.has('deletecollection')) collection.push({ action: 'deletecollection', method: 'delete', id: `deletecollection${suffix}`, description: `delete collection of ${info.kind}`, params: [...LIST_PARAMS.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks'), ...DELETE_PARAMS], body: 'delete', response: 'status' });
  const item: Operation[] = [];
  if (verbs.has('get')) item.push({ action: 'get', method: 'get', id: `read${suffix}`, description: `read the specified ${info.kind}`, params: [P.resourceVersion], response: 'object' });
  if (verbs.has('update')) item.push({ action: 'put', method: 'put', id: `replace${suffix}`, description: `replace the specified ${info.kind}`, params: WRITE_PARAMS, body: 'object', response: 'object', created: true });
  if (verbs.has('patch')) item.push({ action: 'patch', method: 'patch', id: `patch${suffix}`, description: `partially update the specified ${info.kind}`, params: [...WRITE_PARAMS, P.force], body: 'patch', response: 'object', created: true });
  if (verbs.has('delete')) item.push({ action: 'delete', method: 'delete', id: `delete${suffix}`, description: `delete a ${info.kind}`, params: DELETE_PARAMS, body: 'delete', response: 'status' });
  const collectionPath = info.namespaced ? `${base}/namespaces/{namespace}/${info.resource}` : `${base}/${info.resource}`;
  const out = [
    { path: collectionPath, namespaced: info.namespaced, named: false, ops: collection },
    { path: `${collectionPath}/{name}`, namespaced: info.namespaced, named: true, ops: item },
  ];
  if (info.namespaced && verbs.has('list')) {
    out.push({
      path: `${base}/${info.resource}`, namespaced: false, named: false,
      ops: [{ action: 'list', method: 'get', id: `list${pascal(info.group)}${pascal(info.version)}${info.kind}ForAllNamespaces`, description: `list or watch objects of kind ${info.kind}`, params: LIST_PARAMS, response: 'list' }],
    });
  }
  return out.filter((p) => p.ops.length > 0);
}

export function pathParams(info: ResourceInfo, namespaced: boolean, named: boolean): Param[] {
  const params: Param[] = [];
  if (named) params.push({ name: 'name', type: 'string', description: `name of the ${info.kind}` });
  if (namespaced) params.push({ name: 'namespace', type: 'string', description: 'object name and auth scope, such as for teams and projects' });
  return params;
}

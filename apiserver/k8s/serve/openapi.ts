// OpenAPI v2 and v3 documents built from ResourceInfo.schema, shaped for kubectl: x-kubernetes-group-version-kind as
// an object on operations and as a list on schemas (explain), PATCH consuming only the patch types served (so client-side
// apply picks merge patch), and the query parameters honoured (fieldValidation declared: kubectl leaves validation
// to the server).

import { createHash } from 'node:crypto';
import { SUPPORTED_PATCH_TYPES } from '../fields/patch.js';
import { type GroupVersion, verbsOf } from './discovery.js';
import type { ResourceInfo, Storage } from '../storage.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

type Schema = Record<string, unknown>;

const str = (description: string): Schema => ({ type: 'string', description });

function metaDefinitions(ref: (name: string) => string): Record<string, Schema> {
  const time: Schema = { type: 'string', format: 'date-time', description: 'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.' };
  return {
    [`${META}.Time`]: time,
    [`${META}.FieldsV1`]: { type: 'object', description: 'FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.' },
    [`${META}.OwnerReference`]: {
      type: 'object', required: ['apiVersion', 'kind', 'name', 'uid'],
      description: 'OwnerReference contains enough information to let you identify an owning object.',
      properties: {
        apiVersion: str('API version of the referent.'), kind: str('Kind of the referent.'), name: str('Name of the referent.'), uid: str('UID of the referent.'),
        controller: { type: 'boolean', description: 'If true, this reference points to the managing controller.' },
        blockOwnerDeletion: { type: 'boolean', description: 'If true, the owner cannot be deleted from the key-value store until this reference is removed.' },
      },
    },
    [`${META}.ManagedFieldsEntry`]: {
      type: 'object',
      description: 'ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.',
      properties: {
        apiVersion: str('APIVersion defines the version of this resource that this field set applies to.'),
        fieldsType: str('FieldsType is the discriminator for the different fields format and version. There is currently only one possible value: "FieldsV1"'),
        fieldsV1: { $ref: ref(`${META}.FieldsV1`), description: 'FieldsV1 holds the first JSON version format as described in the "FieldsV1" type.' },
        manager: str('Manager is an identifier of the workflow managing these fields.'),
        operation: str("Operation is the type of operation which lead to this ManagedFieldsEntry being created. The only valid values for this field are 'Apply' and 'Update'."),
        subresource: str('Subresource is the name of the subresource used to update that object, or empty string if the object was updated through the main resource.'),
        time: { $ref: ref(`${META}.Time`), description: 'Time is the timestamp of when the ManagedFields entry was added.' },
      },
    },
    [`${META}.ObjectMeta`]: {
      type: 'object',
      description: 'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
      properties: {
        annotations: { type: 'object', additionalProperties: { type: 'string' }, description: 'Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata.' },
        creationTimestamp: { $ref: ref(`${META}.Time`), description: 'CreationTimestamp is a timestamp representing the server time when this object was created. Populated by the system. Read-only.' },
        deletionGracePeriodSeconds: { type: 'integer', format: 'int64', description: 'Number of seconds allowed for this object to gracefully terminate before it will be removed from the system.' },
        deletionTimestamp: { $ref: ref(`${META}.Time`), description: 'DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted. Populated by the system when a graceful deletion is requested. Read-only.' },
        finalizers: { type: 'array', items: { type: 'string' }, description: 'Must be empty before the object is deleted from the registry.' },
        generateName: str('GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided.'),
        generation: { type: 'integer', format: 'int64', description: 'A sequence number representing a specific generation of the desired state. Populated by the system. Read-only.' },
        labels: { type: 'object', additionalProperties: { type: 'string' }, description: 'Map of string keys and values that can be used to organize and categorize (scope and select) objects.' },
        managedFields: { type: 'array', items: { $ref: ref(`${META}.ManagedFieldsEntry`) }, description: 'ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow.' },
        name: str('Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Cannot be updated.'),
        namespace: str('Namespace defines the space within which each name must be unique. Cannot be updated.'),
        ownerReferences: { type: 'array', items: { $ref: ref(`${META}.OwnerReference`) }, description: 'List of objects depended by this object.' },
        resourceVersion: str('An opaque value that represents the internal version of this object that can be used by clients to determine when objects have changed. Populated by the system. Read-only.'),
        selfLink: str('Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.'),
        uid: str('UID is the unique in time and space value for this object. Populated by the system. Read-only.'),
      },
    },
    [`${META}.ListMeta`]: {
      type: 'object', description: 'ListMeta describes metadata that synthetic resources must have, including lists and various status objects.',
      properties: {
        continue: str('continue may be set if the user set a limit on the number of items returned, and indicates that the server has more data available.'),
        remainingItemCount: { type: 'integer', format: 'int64', description: 'remainingItemCount is the number of subsequent items in the list which are not included in this list response.' },
        resourceVersion: str("String that identifies the server's internal version of this object that can be used by clients to determine when objects have changed."),
        selfLink: str('Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.'),
      },
    },
    [`${META}.StatusCause`]: {
      type: 'object', description: 'StatusCause provides more information about an api.Status failure, including cases when multiple errors are encountered.',
      properties: { field: str('The field of the resource that has caused this error.'), message: str('A human-readable description of the cause of the error.'), reason: str('A machine-readable description of the cause of the error.') },
    },
    [`${META}.StatusDetails`]: {
      type: 'object', description: 'StatusDetails is a set of additional properties that MAY be set by the server to provide additional information about a response.',
      properties: {
        causes: { type: 'array', items: { $ref: ref(`${META}.StatusCause`) }, description: 'The Causes array includes more details associated with the StatusReason failure.' },
        group: str('The group attribute of the resource associated with the status StatusReason.'), kind: str('The kind attribute of the resource associated with the status StatusReason.'),
        name: str('The name attribute of the resource associated with the status StatusReason.'), retryAfterSeconds: { type: 'integer', format: 'int32', description: 'If specified, the time in seconds before the operation should be retried.' },
        uid: str('UID of the resource.'),
      },
    },
    [`${META}.Status`]: {
      type: 'object', description: 'Status is a return value for calls that don\'t return other objects.',
      properties: {
        apiVersion: str('APIVersion defines the versioned schema of this representation of an object.'), code: { type: 'integer', format: 'int32', description: 'Suggested HTTP return code for this status, 0 if not set.' },
        details: { $ref: ref(`${META}.StatusDetails`), description: 'Extended data associated with the reason.' }, kind: str('Kind is a string value representing the REST resource this object represents.'),
        message: str('A human-readable description of the status of this operation.'), metadata: { $ref: ref(`${META}.ListMeta`), description: 'Standard list metadata.' },
        reason: str('A machine-readable description of why this operation is in the "Failure" status.'), status: str('Status of the operation. One of: "Success" or "Failure".'),
      },
      'x-kubernetes-group-version-kind': [{ group: '', kind: 'Status', version: 'v1' }],
    },
    [`${META}.Preconditions`]: {
      type: 'object', description: 'Preconditions must be fulfilled before an operation (update, delete, etc.) is carried out.',
      properties: { resourceVersion: str('Specifies the target ResourceVersion'), uid: str('Specifies the target UID.') },
    },
    [`${META}.DeleteOptions`]: {
      type: 'object', description: 'DeleteOptions may be provided when deleting an API object.',
      properties: {
        apiVersion: str('APIVersion defines the versioned schema of this representation of an object.'), kind: str('Kind is a string value representing the REST resource this object represents.'),
        dryRun: { type: 'array', items: { type: 'string' }, description: 'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed' },
        gracePeriodSeconds: { type: 'integer', format: 'int64', description: 'The duration in seconds before the object should be deleted.' },
        orphanDependents: { type: 'boolean', description: 'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7.' },
        preconditions: { $ref: ref(`${META}.Preconditions`), description: 'Must be fulfilled before a deletion is carried out.' },
        propagationPolicy: str("Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'."),
      },
    },
    [`${META}.Patch`]: { type: 'object', description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.' },
    [`${META}.WatchEvent`]: {
      type: 'object', required: ['type', 'object'], description: 'Event represents a single event to a watched resource.',
      properties: { object: { type: 'object', description: 'Object is the object of the event: the resource, or a Status for ERROR.' }, type: { type: 'string' } },
    },
  };
}

function reversedGroup(group: string): string {
  return group.split('.').reverse().join('.');
}

export function definitionName(info: ResourceInfo, kind = info.kind): string {
  return `${reversedGroup(info.group)}.${info.version}.${kind}`;
}

function gvk(info: ResourceInfo, kind = info.kind) {
  return { group: info.group, kind, version: info.version };
}

/** The resource schema with metadata pointing at ObjectMeta and, for v2, the OpenAPI v3-only keywords removed. */
function resourceSchema(info: ResourceInfo, ref: (name: string) => string, v2: boolean): Schema {
  const convert = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(convert);
    if (typeof value !== 'object' || value === null) return value;
    const out: Schema = {};
    for (const [k, v] of Object.entries(value)) {
      if (v2 && (k === 'nullable' || k === 'oneOf' || k === 'anyOf' || k === 'not')) continue;
      out[k] = convert(v);
    }
    // As kube's CRD v2 conversion (ToStructuralOpenAPIV2): kubectl's client-side validation refuses unknown fields
    // where properties or items are declared, so a node that keeps unknown fields declares neither, nor type object.
    if (v2 && out['x-kubernetes-preserve-unknown-fields'] === true) {
      delete out.properties;
      delete out.items;
      if (out.type === 'object' || out.type === 'array') delete out.type;
    }
    return out;
  };
  const schema = convert(info.schema) as Schema;
  const properties = { ...((schema.properties as Schema | undefined) ?? {}) };
  properties.apiVersion = str('APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources');
  properties.kind = str('Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds');
  const metaDescription = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
  properties.metadata = v2 ? { $ref: ref(`${META}.ObjectMeta`) } : { allOf: [{ $ref: ref(`${META}.ObjectMeta`) }], description: metaDescription };
  return { ...schema, type: 'object', properties, 'x-kubernetes-group-version-kind': [gvk(info)] };
}

function listSchema(info: ResourceInfo, ref: (name: string) => string): Schema {
  return {
    type: 'object', required: ['items'], description: `${info.listKind} is a list of ${info.kind}`,
    properties: {
      apiVersion: str('APIVersion defines the versioned schema of this representation of an object.'),
      items: { type: 'array', items: { $ref: ref(definitionName(info)) }, description: `List of ${info.resource}.` },
      kind: str('Kind is a string value representing the REST resource this object represents.'),
      metadata: { $ref: ref(`${META}.ListMeta`), description: 'Standard list metadata.' },
    },
    'x-kubernetes-group-version-kind': [gvk(info, info.listKind)],
  };
}

interface Param { name: string; type: 'string' | 'boolean' | 'integer'; description: string }

const P = {
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

interface Operation {
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

function operations(storage: Storage): Array<{ path: string; namespaced: boolean; named: boolean; ops: Operation[] }> {
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

function pathParams(info: ResourceInfo, namespaced: boolean, named: boolean): Param[] {
  const params: Param[] = [];
  if (named) params.push({ name: 'name', type: 'string', description: `name of the ${info.kind}` });
  if (namespaced) params.push({ name: 'namespace', type: 'string', description: 'object name and auth scope, such as for teams and projects' });
  return params;
}

export function buildV2(storages: Storage[], title = 'Kubernetes', version = 'v0.0.0'): Schema {
  const ref = (name: string) => `#/definitions/${name}`;
  const definitions: Record<string, Schema> = metaDefinitions(ref);
  const paths: Record<string, Schema> = {};
  for (const storage of storages) {
    const info = storage.info;
    definitions[definitionName(info)] = resourceSchema(info, ref, true);
    definitions[definitionName(info, info.listKind)] = listSchema(info, ref);
    for (const p of operations(storage)) {
      const item: Schema = {
        parameters: [
          ...pathParams(info, p.namespaced, p.named).map((q) => ({ name: q.name, in: 'path', required: true, type: q.type, uniqueItems: true, description: q.description })),
          { name: 'pretty', in: 'query', type: 'string', uniqueItems: true, description: P.pretty.description },
        ],
      };
      for (const op of p.ops) {
        const parameters: Schema[] = op.params.map((q) => ({ name: q.name, in: 'query', type: q.type, uniqueItems: true, description: q.description }));
        if (op.body === 'object') parameters.unshift({ name: 'body', in: 'body', required: true, schema: { $ref: ref(definitionName(info)) } });
        if (op.body === 'patch') parameters.unshift({ name: 'body', in: 'body', required: true, schema: { $ref: ref(`${META}.Patch`) } });
        if (op.body === 'delete') parameters.unshift({ name: 'body', in: 'body', schema: { $ref: ref(`${META}.DeleteOptions`) } });
        const responseRef = op.response === 'status' ? `${META}.Status` : op.response === 'list' ? definitionName(info, info.listKind) : definitionName(info);
        const responses: Schema = { 200: { description: 'OK', schema: { $ref: ref(responseRef) } }, 401: { description: 'Unauthorized' } };
        if (op.created) responses[201] = { description: 'Created', schema: { $ref: ref(responseRef) } };
        item[op.method] = {
          description: op.description,
          operationId: op.id,
          tags: [`${reversedGroup(info.group).replace(/\./g, '')}_${info.version}`],
          consumes: op.body === 'patch' ? [...SUPPORTED_PATCH_TYPES] : ['application/json', 'application/yaml'],
          produces: op.response === 'list' && op.action === 'list' ? ['application/json', 'application/json;stream=watch'] : ['application/json'],
          schemes: ['https'],
          parameters,
          responses,
          'x-kubernetes-action': op.action,
          'x-kubernetes-group-version-kind': gvk(info),
        };
      }
      paths[p.path] = item;
    }
  }
  return { swagger: '2.0', info: { title, version }, paths, definitions, securityDefinitions: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header' } }, security: [{ BearerToken: [] }] };
}

export function buildV3(gv: GroupVersion, title = 'Kubernetes', version = 'v0.0.0'): Schema {
  const ref = (name: string) => `#/components/schemas/${name}`;
  const schemas: Record<string, Schema> = metaDefinitions(ref);
  const paths: Record<string, Schema> = {};
  const content = (schemaRef: string, types: readonly string[] = ['application/json']) => Object.fromEntries(types.map((t) => [t, { schema: { $ref: ref(schemaRef) } }]));
  for (const storage of gv.storages) {
    const info = storage.info;
    schemas[definitionName(info)] = resourceSchema(info, ref, false);
    schemas[definitionName(info, info.listKind)] = listSchema(info, ref);
    for (const p of operations(storage)) {
      const item: Schema = {
        parameters: [
          ...pathParams(info, p.namespaced, p.named).map((q) => ({ name: q.name, in: 'path', required: true, schema: { type: q.type, uniqueItems: true }, description: q.description })),
          { name: 'pretty', in: 'query', schema: { type: 'string', uniqueItems: true }, description: P.pretty.description },
        ],
      };
      for (const op of p.ops) {
        const responseRef = op.response === 'status' ? `${META}.Status` : op.response === 'list' ? definitionName(info, info.listKind) : definitionName(info);
        const responses: Schema = { 200: { description: 'OK', content: content(responseRef) }, 401: { description: 'Unauthorized' } };
        if (op.created) responses[201] = { description: 'Created', content: content(responseRef) };
        const operation: Schema = {
          tags: [`${reversedGroup(info.group).replace(/\./g, '')}_${info.version}`],
          description: op.description,
          operationId: op.id,
          parameters: op.params.map((q) => ({ name: q.name, in: 'query', schema: { type: q.type, uniqueItems: true }, description: q.description })),
          responses,
          'x-kubernetes-action': op.action,
          'x-kubernetes-group-version-kind': gvk(info),
        };
        if (op.body === 'object') operation.requestBody = { required: true, content: content(definitionName(info)) };
        if (op.body === 'patch') operation.requestBody = { required: true, content: content(`${META}.Patch`, SUPPORTED_PATCH_TYPES) };
        if (op.body === 'delete') operation.requestBody = { content: content(`${META}.DeleteOptions`) };
        item[op.method] = operation;
      }
      paths[p.path] = item;
    }
  }
  return { openapi: '3.0.0', info: { title, version }, paths, components: { schemas, securitySchemes: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header' } } }, security: [{ BearerToken: [] }] };
}

/** kube-openapi's ETag: the SHA-512 of the document, upper-case hex. */
export function etagOf(body: string): string {
  return createHash('sha512').update(body).digest('hex').toUpperCase();
}

// The apimachinery meta/v1 definitions every OpenAPI document of the server carries (ObjectMeta, ListMeta, Status,
// DeleteOptions, WatchEvent...), in kube-apiserver's names and words, so that `kubectl explain` and generated clients
// resolve the `$ref`s of a resource's schema. Data only; openapi.ts puts them into the v2 and v3 documents, each with
// its own `$ref` prefix.

export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

export type Schema = Record<string, unknown>;

export const str = (description: string): Schema => ({ type: 'string', description });

/** The meta/v1 definitions, their references made by `ref` (#/definitions/ or #/components/schemas/). */
export function metaDefinitions(ref: (name: string) => string): Record<string, Schema> {
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

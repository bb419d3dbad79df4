// OpenAPI v2 and v3 documents built from ResourceInfo.schema, shaped for kubectl: x-kubernetes-group-version-kind as
// an object on operations and as a list on schemas (explain), PATCH consuming only the patch types served (so client-side
// apply picks merge patch), and the query parameters honoured (fieldValidation declared: kubectl leaves validation
// to the server).

import { createHash } from 'node:crypto';
import { SUPPORTED_PATCH_TYPES } from '../fields/patch.js';
import type { GroupVersion } from './discovery.js';
import type { ResourceInfo, Storage } from '../storage.js';
import { META, type Schema, metaDefinitions, str } from './openapi-meta.js';
import { P, operations, pathParams } from './openapi-operations.js';

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

// What every resource handler shares: the endpoint description, query parsing, the request context, body decoding
// and response shaping.

import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ACCEPTED_MEDIA_TYPES, bodyMediaType, negotiateOutput, type OutputFormat } from '../serve/negotiation.js';
import { parseJson, parseYaml } from '../serve/body-bounds.js';
import { isPlainObject } from '../fields/patch.js';
import type { ListedObjects } from '../flowcontrol/index.js';
import { fullObject, serializedText } from '../serve/serialized.js';
import type { RequestContext, ResourceInfo, Storage } from '../storage.js';
import { isTableConvertor } from '../storage.js';
import { statusErrors, type ResourceRef } from '../status.js';
import { parseIncludeObject, partialObjectMetadata, partialObjectMetadataList, toTable } from '../serve/table.js';
import type { KubeObject, ListMeta, StatusCause } from '../types.js';
import type { ObjectValidator } from '../strategy/validation.js';
import { managerFromUserAgent, type OwnershipContext } from '../fields/managed-fields.js';
import { type Admission, type AdmissionResult, type Operation, admissionAttributes, operationOptions } from '../admission/index.js';

export interface Endpoint {
  storage: Storage;
  info: ResourceInfo;
  /** `<group>/<version>` */
  apiVersion: string;
  validator: ObjectValidator;
  watch: WatchSettings;
  admission: Admission;
  /** Told what each list answered (flow control's object stats). */
  onListed?(listed: ListedObjects): void;
}

export interface WatchSettings {
  /** How often an idle watch with allowWatchBookmarks gets a BOOKMARK. */
  bookmarkIntervalMs: number;
  /** Watch length without timeoutSeconds: uniformly in [min, 2·min) like kube-apiserver's minRequestTimeout. */
  minTimeoutSeconds: number;
  /** Called when a watch opens (+1) and closes (-1). */
  onWatchCount?(resource: string, delta: number): void;
}

export function ref(endpoint: Endpoint, name?: string): ResourceRef {
  return { group: endpoint.info.group, resource: endpoint.info.resource, name };
}

export type Query = Record<string, string | string[] | undefined>;

export function queryParam(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Query | undefined)?.[name];
  return Array.isArray(value) ? value[0] : value;
}

export function truthy(value: string | undefined): boolean {
  return value !== undefined && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value);
}

/**
 * A boolean of ListOptions as kube's parameter codec reads it (runtime.Convert_Slice_string_To_bool): present and
 * neither "0" nor "false" (any case) is true — `watch=bogus` and `watch=` are watches.
 */
export function queryBool(value: string | undefined): boolean {
  return value !== undefined && value !== '0' && value.toLowerCase() !== 'false';
}

/** ValidateDryRun, as the options' 422 (`CreateOptions`, `UpdateOptions`, `PatchOptions`, `DeleteOptions`). */
export function parseDryRun(values: string | string[] | undefined, optionsKind = 'CreateOptions'): boolean {
  const list = values === undefined ? [] : Array.isArray(values) ? values : [values];
  if (list.some((v) => v !== 'All')) {
    throw invalidOptions(optionsKind, [{ field: 'dryRun', type: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(list)}: supported values: "All"` }]);
  }
  return list.length > 0;
}

export function fieldManager(request: FastifyRequest, required = false): string {
  const explicit = queryParam(request, 'fieldManager');
  if (explicit !== undefined && explicit !== '') {
    const options = request.method === 'POST' ? 'CreateOptions' : request.method === 'PUT' ? 'UpdateOptions' : 'PatchOptions';
    if (Buffer.byteLength(explicit) > 128) throw invalidOptions(options, [{ field: 'fieldManager', message: 'Too long: may not be more than 128 bytes', type: 'FieldValueTooLong' }]);
    return explicit;
  }
  if (required) throw invalidOptions('PatchOptions', [{ field: 'fieldManager', message: 'Required value: is required for apply patch', type: 'FieldValueRequired' }]);
  return managerFromUserAgent(request.headers['user-agent']);
}

/** What the field manager needs to know of the endpoint (managed-fields.ts). */
export function ownershipContext(endpoint: Endpoint, manager: string): OwnershipContext {
  const { schema, untrackedLabels, statusSubresource } = endpoint.info;
  return { manager, apiVersion: endpoint.apiVersion, schema, ...(untrackedLabels ? { untrackedLabels } : {}), ...(statusSubresource ? { resetStatus: true } : {}) };
}

/** 422 about the request's options (ListOptions, PatchOptions, …), as ValidateListOptions/ValidatePatchOptions. */
export function invalidOptions(kind: string, causes: Array<{ field: string; message: string; type: string }>): Error {
  return statusErrors.invalid('meta.k8s.io', kind, '', causes);
}

export function requestContext(request: FastifyRequest, reply: FastifyReply, dryRun = false, manager?: string): RequestContext {
  const abort = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) abort.abort();
  });
  // The request timeout (server.ts) ends the work done for the request too, not only the answer. fastify's signal
  // also aborts when the request stream closes (once its body is read), which must not cancel anything.
  request.signal.addEventListener('abort', () => {
    if ((request.signal.reason as { code?: unknown } | undefined)?.code === 'FST_ERR_HANDLER_TIMEOUT') abort.abort();
  }, { once: true });
  const ctx: RequestContext = { user: request.kubeUser!, dryRun, signal: abort.signal, warnings: [] };
  const auditId = request.headers['audit-id'];
  if (typeof auditId === 'string') ctx.auditId = auditId;
  if (manager) ctx.fieldManager = manager;
  if (request.kubeAccess) ctx.access = request.kubeAccess;
  if (request.kubeStages) ctx.stages = request.kubeStages;
  return ctx;
}

/** encoding/json's name of a JSON value's type, as its "cannot unmarshal <type> into ..." errors say. */
function goType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return value === null ? 'null' : typeof value;
}

/** kube-apiserver's summarizeData: the body's first 30 bytes, as text when it opens with '{', else in hex. */
function summarizeData(text: string): string {
  const data = Buffer.from(text, 'utf8');
  if (data.length === 0) return '<empty>';
  const head = data.subarray(0, 30);
  const shown = text.startsWith('{') ? head.toString('utf8') : head.toString('hex');
  return data.length > 30 ? `${shown} ...` : shown;
}

/**
 * A create/update body: JSON (or YAML), a single object naming its kind. What kube-apiserver's decoder cannot read is
 * refused in its words (transformDecodeError): "the object provided is unrecognized (must be of type <Kind>): …".
 */
export function decodeObjectBody(request: FastifyRequest, kind = 'object'): Record<string, unknown> {
  const type = bodyMediaType(request.headers['content-type']);
  let text = request.body instanceof Buffer ? request.body.toString('utf8') : '';
  const unrecognized = (why: string) => statusErrors.badRequest(`the object provided is unrecognized (must be of type ${kind}): ${why} (${summarizeData(text)})`);
  let value: unknown;
  if (type === 'application/json' || type === '') {
    value = parseJson(text, 'the request body', (e) => `the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; json parse error: ${e} (${summarizeData(text)})`);
  } else if (type === 'application/yaml') {
    value = parseYaml(text);
    text = JSON.stringify(value) ?? '';
  } else {
    throw statusErrors.unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: ${ACCEPTED_MEDIA_TYPES}`);
  }
  if (value !== null && !isPlainObject(value)) {
    throw unrecognized(`couldn't get version/kind; json parse error: json: cannot unmarshal ${goType(value)} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`);
  }
  if (value === null || value.kind === undefined || value.kind === null || value.kind === '') throw unrecognized(`Object 'Kind' is missing in '${text}'`);
  return value;
}

/**
 * apiVersion/kind of a body must be this resource's. A body (create, update) with another version is the decoder's
 * 400; with another kind, or a patched object with either, the CRD validator's 422 (ValidateTypeMeta) under the
 * object's own group and kind.
 */
export function checkTypeMeta(endpoint: Endpoint, body: Record<string, unknown>, source: 'body' | 'patched' = 'body'): KubeObject {
  const apiVersion = typeof body.apiVersion === 'string' ? body.apiVersion : '';
  const kind = typeof body.kind === 'string' ? body.kind : '';
  if (source === 'body' && apiVersion !== endpoint.apiVersion) {
    throw statusErrors.badRequest(`the API version in the data (${apiVersion}) does not match the expected API version (${endpoint.apiVersion})`);
  }
  const { kind: kindName, version } = endpoint.info;
  const undecodable = (why: string) => statusErrors.badRequest(`${kindName} in version "${version}" cannot be handled as a ${kindName}: json: cannot unmarshal ${why}`);
  const metadata = body.metadata ?? {};
  if (!isPlainObject(metadata)) throw undecodable(`${goType(metadata)} into Go value of type v1.ObjectMeta`);
  for (const field of ['labels', 'annotations'] as const) {
    const map = metadata[field];
    const bad = isPlainObject(map) ? Object.values(map).find((v) => typeof v !== 'string' && v !== null) : undefined;
    if (bad !== undefined) throw undecodable(`${goType(bad)} into Go struct field ObjectMeta.${field} of type string`);
  }
  // ObjectMeta's string fields decode as strings or the body is refused, in the decoder's words (never a 500).
  for (const field of ['name', 'generateName', 'namespace', 'resourceVersion', 'uid'] as const) {
    const value = metadata[field];
    if (value !== undefined && value !== null && typeof value !== 'string') throw undecodable(`${goType(value)} into Go struct field ObjectMeta.${field} of type string`);
  }
  const causes: StatusCause[] = [];
  if (kind !== kindName) causes.push({ type: 'FieldValueInvalid', field: 'kind', message: `Invalid value: ${JSON.stringify(kind)}: must be ${kindName}` });
  if (apiVersion !== endpoint.apiVersion) causes.push({ type: 'FieldValueInvalid', field: 'apiVersion', message: `Invalid value: ${JSON.stringify(apiVersion)}: must be ${endpoint.apiVersion}` });
  if (causes.length > 0) {
    const name = typeof metadata.name === 'string' ? metadata.name : '';
    throw statusErrors.invalid(apiVersion.includes('/') ? apiVersion.split('/')[0]! : '', kind, name, causes);
  }
  body.metadata = metadata;
  return body as KubeObject;
}

/** kube-apiserver's checkName: the URL decides name and namespace. */
export function checkNameAndNamespace(object: KubeObject, name: string | undefined, namespace: string | undefined): void {
  const meta = object.metadata;
  if (name !== undefined) {
    if (meta.name && meta.name !== name) throw statusErrors.badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    meta.name = name;
  }
  if (namespace !== undefined) {
    if (meta.namespace && meta.namespace !== namespace) {
      throw statusErrors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    meta.namespace = namespace;
  } else if (meta.namespace) {
    delete meta.namespace;
  }
}

export function withTypeMeta(endpoint: Endpoint, object: KubeObject): KubeObject {
  if (object.apiVersion && object.kind) return object;
  return { ...object, apiVersion: object.apiVersion || endpoint.apiVersion, kind: object.kind || endpoint.info.kind };
}

export function outputFor(request: FastifyRequest, options: { list: boolean; watch?: boolean }): OutputFormat {
  return negotiateOutput(request.headers.accept, { list: options.list, watch: options.watch ?? false, transforms: true });
}

/** One object, as the negotiated format wants it. */
export function renderObject(endpoint: Endpoint, request: FastifyRequest, format: OutputFormat, object: KubeObject, withHeaders = true): unknown {
  const typed = withTypeMeta(endpoint, object);
  if (format.kind === 'partial') return partialObjectMetadata(typed, format.version);
  if (format.kind === 'table') {
    const convertor = isTableConvertor(endpoint.storage) ? endpoint.storage : undefined;
    const metadata: ListMeta = {};
    if (typed.metadata.resourceVersion) metadata.resourceVersion = typed.metadata.resourceVersion;
    return toTable(convertor, [typed], metadata, { version: format.version, includeObject: parseIncludeObject(queryParam(request, 'includeObject')), withHeaders });
  }
  return typed;
}

/** A list answer as JSON text. Plain JSON writes items whose text is at hand (serialized.ts) as they are. */
/** A JSON list of more items than this goes out as a stream of chunks, never as one string. */
export const STREAMED_LIST_ITEMS = 500;
const LIST_CHUNK_CHARS = 64 * 1024;

/**
 * The list answer in the negotiated format. A long JSON list (10,000 deployments are tens of MB) is a stream: each
 * item's text (kept by the watch hub, or serialized as its turn comes) is written in chunks, so the answer is never
 * held whole beside the items.
 */
export function renderList(endpoint: Endpoint, request: FastifyRequest, format: OutputFormat, items: KubeObject[], metadata: ListMeta): string | Readable {
  if (format.kind === 'object') {
    const head = `${JSON.stringify({ kind: endpoint.info.listKind, apiVersion: endpoint.apiVersion, metadata }).slice(0, -1)},"items":[`;
    const text = (item: KubeObject) => serializedText(item) ?? JSON.stringify(withTypeMeta(endpoint, item));
    if (items.length <= STREAMED_LIST_ITEMS) return `${head}${items.map(text).join(',')}]}`;
    return Readable.from(listChunks(head, items, text), { objectMode: false });
  }
  const typed = items.map((i) => withTypeMeta(endpoint, fullObject(i)));
  if (format.kind === 'partial') return JSON.stringify(partialObjectMetadataList(typed, metadata, format.version));
  const convertor = isTableConvertor(endpoint.storage) ? endpoint.storage : undefined;
  return JSON.stringify(toTable(convertor, typed, metadata, { version: format.version, includeObject: parseIncludeObject(queryParam(request, 'includeObject')), withHeaders: true }));
}

function* listChunks(head: string, items: readonly KubeObject[], text: (item: KubeObject) => string): Generator<string> {
  let chunk = head;
  for (let i = 0; i < items.length; i++) {
    chunk += i === 0 ? text(items[i]!) : `,${text(items[i]!)}`;
    if (chunk.length >= LIST_CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  yield `${chunk}]}`;
}

/** `299 - "<text>"`, the Warning header kube-apiserver sends. */
export function warningHeader(text: string): string {
  return `299 - ${JSON.stringify(text)}`;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * The Warning headers of an answer as kube-apiserver's warning recorder makes them: each distinct text once, and no
 * text k8s.io/apimachinery's NewWarningHeader refuses (empty, or holding a control character) — such a warning, from a
 * webhook say, is dropped, not sent.
 */
export function warningHeaders(warnings: string[]): string[] {
  return [...new Set(warnings)].filter((w) => w !== '' && !CONTROL.test(w)).map(warningHeader);
}

export function sendWithWarnings(reply: FastifyReply, code: number, warnings: string[], body: unknown): FastifyReply {
  const headers = warningHeaders(warnings);
  if (headers.length > 0) reply.header('warning', headers);
  return reply.code(code).type('application/json').send(JSON.stringify(body));
}

/**
 * The admission chain for one write (admission/chain.ts): mutation, then `strategy` (the strategy step,
 * ../strategy.ts), then validation. Call it once per object, before the storage writes anything.
 */
export function admit(
  endpoint: Endpoint, ctx: RequestContext, operation: Operation, object: KubeObject | undefined, oldObject: KubeObject | undefined,
  strategy?: (object: KubeObject) => string[], options: Record<string, unknown> = {},
): Promise<AdmissionResult> {
  const meta = object?.metadata ?? oldObject?.metadata ?? {};
  const { group, version, kind, resource } = endpoint.info;
  return endpoint.admission.admit(admissionAttributes({
    operation, kind: { group, version, kind }, resource: { group, version, resource },
    name: meta.name ?? '', namespace: meta.namespace ?? '', object, oldObject, userInfo: ctx.user, dryRun: ctx.dryRun,
    options: operationOptions(operation, { ...options, ...(ctx.dryRun ? { dryRun: ['All'] } : {}), ...(operation !== 'DELETE' && ctx.fieldManager ? { fieldManager: ctx.fieldManager } : {}) }),
    signal: ctx.signal,
  }), strategy);
}

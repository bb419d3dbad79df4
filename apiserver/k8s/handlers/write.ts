// create (POST), update (PUT) and patch (json-patch, merge-patch, server-side apply), each with validation,
// fieldValidation, dryRun and managedFields.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseYaml } from '../serve/body-bounds.js';
import { duplicateFields } from '../fields/duplicate-fields.js';
import { asStrictPatchError, strictPatchError } from '../fields/strict-patch.js';
import { applyConfiguration, updateManagedFields } from '../fields/managed-fields.js';
import { bodyMediaType } from '../serve/negotiation.js';
import {
  APPLY_PATCH, JSON_PATCH, MERGE_PATCH, SUPPORTED_PATCH_TYPES, applyJsonPatch, deepClone, deepEqual, isPlainObject, mergePatch, parseJson,
  patchSetsResourceVersion,
} from '../fields/patch.js';
import { authorizeCreateOnUpdate } from '../auth/access.js';
import { checkUid } from '../strategy/preconditions.js';
import { isCreater, isGetter, isUpdater, type RequestContext, type SentObject, type UpdateTransform } from '../storage.js';
import { timed } from '../serve/stage-times.js';
import { applySchemaDefaults } from '../strategy/schema-defaults.js';
import { applyCreateStrategy, applyUpdateStrategy, fillCreateSystemFields, strategyOf } from '../strategy/strategy.js';
import { isStatusError, statusErrors } from '../status.js';
import type { KubeObject } from '../types.js';
import { parseFieldValidation } from '../strategy/validation.js';
import {
  type Endpoint, admit, checkNameAndNamespace, ownershipContext, checkTypeMeta, decodeObjectBody, fieldManager, invalidOptions, outputFor,
  parseDryRun, queryParam, ref, renderObject, requestContext, sendWithWarnings, truthy,
} from './common.js';
import { notSupported } from './read.js';

const MAX_PATCH_ATTEMPTS = 5;

function clearSystemFields(object: KubeObject): void {
  const m = object.metadata;
  delete m.uid;
  delete m.creationTimestamp;
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.generation;
  delete (m as Record<string, unknown>).selfLink;
}

/**
 * What a write keeps from the live object whatever the client sent (rest.BeforeUpdate). A PUT's uid is a precondition
 * (409); a patch that changes it changes an immutable field (422, reported twice as kube's two metadata checks do).
 */
function keepSystemFields(endpoint: Endpoint, object: KubeObject, live: KubeObject, patch = false): void {
  const m = object.metadata;
  if (patch && m.uid && live.metadata.uid && m.uid !== live.metadata.uid) {
    const cause = { type: 'FieldValueInvalid', field: 'metadata.uid', message: `Invalid value: ${JSON.stringify(m.uid)}: field is immutable` };
    throw statusErrors.invalid(endpoint.info.group, endpoint.info.kind, m.name ?? '', [cause, cause]);
  }
  if (live.metadata.uid) checkUid(ref(endpoint, m.name), m.uid, live.metadata.uid, live.metadata.namespace);
  for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) {
    if (live.metadata[k] !== undefined) (m as Record<string, unknown>)[k] = live.metadata[k];
    else delete m[k];
  }
}

export function writeOptions(request: FastifyRequest, optionsKind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions') {
  return {
    dryRun: parseDryRun((request.query as Record<string, string | string[] | undefined>).dryRun, optionsKind),
    fieldValidation: parseFieldValidation(queryParam(request, 'fieldValidation'), optionsKind),
  };
}

/**
 * Fields given twice in a JSON body (JSON.parse keeps the last): Strict refuses the body as kube-apiserver's strict
 * decoder does, Warn answers one warning each, Ignore says nothing.
 */
function duplicateFieldWarnings(endpoint: Endpoint, request: FastifyRequest, fieldValidation: ReturnType<typeof parseFieldValidation>): string[] {
  if (fieldValidation === 'Ignore' || !(request.body instanceof Buffer) || bodyMediaType(request.headers['content-type']) === 'application/yaml') return [];
  const found = duplicateFields(request.body.toString('utf8')).map((f) => `duplicate field "${f}"`);
  if (found.length > 0 && fieldValidation === 'Strict') {
    const { kind, version } = endpoint.info;
    throw statusErrors.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: strict decoding error: ${found.join(', ')}`);
  }
  return found;
}

/**
 * A write that changes nothing but the times of managedFields entries keeps the live entries, as kube-apiserver's
 * field manager does: the storage then sees no change — no write, the same resourceVersion, no event. (A new
 * manager's entry is a change, for kube too.)
 */
function unchangedKeepsManagedFields(object: KubeObject, live: KubeObject | undefined): KubeObject {
  if (!live) return object;
  const untimed = (o: KubeObject) => o.metadata.managedFields?.map(({ time: _time, ...entry }) => entry);
  const strip = (o: KubeObject) => ({ ...o, status: undefined, metadata: { ...o.metadata, managedFields: untimed(o), resourceVersion: undefined } });
  if (!deepEqual(strip(object), strip(live))) return object;
  const kept = { ...object, metadata: { ...object.metadata } };
  if (live.metadata.managedFields === undefined) delete kept.metadata.managedFields;
  else kept.metadata.managedFields = live.metadata.managedFields;
  return kept;
}

/** What a PUT or PATCH transform found out on the storage's read: whether it creates, and the validation warnings. */
interface Outcome {
  created: boolean;
  warnings: string[];
  /** The live object's status, which a dry run of a kind with a status subresource answers (nothing changed). */
  liveStatus?: unknown;
}

/** A dry-run write of a kind whose status is the server's answers the status it has: the write did nothing. */
function answered(endpoint: Endpoint, ctx: RequestContext, outcome: Outcome, object: KubeObject): KubeObject {
  if (!ctx.dryRun || !endpoint.info.statusSubresource || outcome.created) return object;
  return { ...object, status: outcome.liveStatus };
}

/**
 * kube-apiserver's order for one write: the schema's defaults (its decoder applies them, schema-defaults.ts), mutating
 * admission, then the strategy step (the machinery's system fields on a create; the schema's pruning, defaults and
 * validation; the resource's PrepareForCreate/Update and Validate, strategy.ts), then validating
 * admission. Returns the object as validating admission admitted it, and the warnings of every step.
 */
async function admitWrite(
  endpoint: Endpoint, ctx: RequestContext, object: KubeObject, live: KubeObject | undefined, fieldValidation: ReturnType<typeof parseFieldValidation>,
) {
  const strategy = strategyOf(endpoint.storage);
  applySchemaDefaults(object, endpoint.info.schema);
  const namespace = object.metadata.namespace;
  const sent = endpoint.validator.unknownFields(object, live);
  return timed(ctx, 'admission', () => admit(endpoint, ctx, live ? 'UPDATE' : 'CREATE', object, live, (o) => {
    // rest.BeforeCreate/BeforeUpdate: a mutating webhook may not move the object to another namespace.
    if (!o.metadata.namespace && namespace) o.metadata.namespace = namespace;
    if (o.metadata.namespace !== namespace) throw statusErrors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    if (!live) fillCreateSystemFields(endpoint.info, o);
    const { warnings } = endpoint.validator.check(o, fieldValidation, live, sent);
    if (live) applyUpdateStrategy(endpoint.info, strategy, o, live);
    else applyCreateStrategy(endpoint.info, strategy, o);
    return warnings;
  }));
}

/** Every update transform passes admitWrite and keeps the warnings for the answer; returns the object to write. */
async function admitted(
  endpoint: Endpoint, ctx: RequestContext, object: KubeObject, live: KubeObject | undefined, fieldValidation: ReturnType<typeof parseFieldValidation>,
  outcome: Outcome,
): Promise<KubeObject> {
  const result = await admitWrite(endpoint, ctx, object, live, fieldValidation);
  outcome.warnings = result.warnings;
  outcome.created = !live;
  outcome.liveStatus = live?.status;
  return result.object!;
}

export async function createObject(endpoint: Endpoint, request: FastifyRequest, reply: FastifyReply, namespace: string | undefined) {
  const storage = endpoint.storage;
  if (!isCreater(storage)) throw notSupported(endpoint, 'create');
  const format = outputFor(request, { list: false });
  const { dryRun, fieldValidation } = writeOptions(request, 'CreateOptions');
  const manager = fieldManager(request);
  const object = checkTypeMeta(endpoint, decodeObjectBody(request, endpoint.info.kind));
  const duplicates = duplicateFieldWarnings(endpoint, request, fieldValidation);
  checkNameAndNamespace(object, undefined, namespace);
  if (object.metadata.resourceVersion) throw statusErrors.badRequest('resourceVersion should not be set on objects to be created');
  clearSystemFields(object);
  const ctx = requestContext(request, reply, dryRun, manager);
  // kube-apiserver's create.go: the decoder's defaults, then managedFields once, before mutating admission (webhooks see
  // them); what admission and the strategy change afterwards is not attributed to the request's manager.
  applySchemaDefaults(object, endpoint.info.schema);
  object.metadata.managedFields = updateManagedFields(undefined, endpoint.validator.prunedCopy(object), undefined, ownershipContext(endpoint, manager));
  const { object: admittedObject, warnings } = await admitWrite(endpoint, ctx, object, undefined, fieldValidation);
  const stored = await timed(ctx, 'storage', () => storage.create(ctx, admittedObject!));
  // A dry-run create was stored nowhere: kube answers it without a resourceVersion.
  const created = dryRun ? { ...stored, metadata: { ...stored.metadata, resourceVersion: undefined } } : stored;
  return sendWithWarnings(reply, 201, [...duplicates, ...warnings, ...(ctx.warnings ?? [])], await timed(ctx, 'render', () => renderObject(endpoint, request, format, created)));
}

export async function replaceObject(endpoint: Endpoint, request: FastifyRequest, reply: FastifyReply, namespace: string | undefined, name: string) {
  const storage = endpoint.storage;
  if (!isUpdater(storage)) throw notSupported(endpoint, 'update');
  const format = outputFor(request, { list: false });
  const { dryRun, fieldValidation } = writeOptions(request, 'UpdateOptions');
  const manager = fieldManager(request);
  const ctx = requestContext(request, reply, dryRun, manager);
  const body = checkTypeMeta(endpoint, decodeObjectBody(request, endpoint.info.kind));
  const duplicates = duplicateFieldWarnings(endpoint, request, fieldValidation);
  checkNameAndNamespace(body, name, namespace);
  const outcome: Outcome = { created: false, warnings: [] };
  const updated = await timed(ctx, 'storage', () => storage.update(ctx, namespace, name, async (live) => {
    if (!live && !storage.allowCreateOnUpdate) throw statusErrors.notFound(ref(endpoint, name));
    // kube-apiserver's update.go: a PUT that creates needs `create` too.
    if (!live) await authorizeCreateOnUpdate(ctx, endpoint.info, namespace, name);
    const object = deepClone(body);
    // As a CRD (AllowUnconditionalUpdate false): a PUT over a live object names the version it replaces.
    if (live && !object.metadata.resourceVersion) {
      throw statusErrors.invalid(endpoint.info.group, endpoint.info.resource, name, [
        { type: 'FieldValueInvalid', field: 'metadata.resourceVersion', message: 'Invalid value: 0: must be specified for an update' },
      ]);
    }
    if (live) keepSystemFields(endpoint, object, live);
    else clearSystemFields(object);
    // An empty managedFields decodes as none for a CRD: the live entries stay (kube keeps what clients do not understand).
    const entries = object.metadata.managedFields?.length ? object.metadata.managedFields : live?.metadata.managedFields;
    // update.go: the decoder's defaults, then managedFields once, before mutating admission too.
    applySchemaDefaults(object, endpoint.info.schema);
    object.metadata.managedFields = updateManagedFields(live, endpoint.validator.prunedCopy(object, live), entries, ownershipContext(endpoint, manager));
    return unchangedKeepsManagedFields(await admitted(endpoint, ctx, object, live, fieldValidation, outcome), live);
  }, body));
  return sendWithWarnings(reply, outcome.created ? 201 : 200, [...duplicates, ...outcome.warnings, ...(ctx.warnings ?? [])], await timed(ctx, 'render', () => renderObject(endpoint, request, format, answered(endpoint, ctx, outcome, updated))));
}

/** A patch body, refused in kube-apiserver's words when it is not JSON (or YAML), or a merge patch not an object. */
export function decodePatch(contentType: string, text: string): unknown {
  if (contentType === APPLY_PATCH) return parseYaml(text, 'patch');
  const patch = parseJson(text, 'patch', () => 'invalid JSON patch');
  if (contentType === MERGE_PATCH && patch !== null && !isPlainObject(patch)) {
    const type = Array.isArray(patch) ? 'array' : typeof patch === 'boolean' ? 'bool' : typeof patch;
    throw statusErrors.badRequest(`error decoding patch: json: cannot unmarshal ${type} into Go value of type map[string]interface {}`);
  }
  return patch;
}

export async function patchObject(endpoint: Endpoint, request: FastifyRequest, reply: FastifyReply, namespace: string | undefined, name: string) {
  const storage = endpoint.storage;
  if (!isUpdater(storage) || !isGetter(storage)) throw notSupported(endpoint, 'patch');
  const contentType = bodyMediaType(request.headers['content-type']);
  if (!(SUPPORTED_PATCH_TYPES as readonly string[]).includes(contentType)) {
    throw statusErrors.unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: ${SUPPORTED_PATCH_TYPES.join(', ')}`);
  }
  const apply = contentType === APPLY_PATCH;
  const force = queryParam(request, 'force');
  if (force !== undefined && !apply) {
    throw invalidOptions('PatchOptions', [{ field: 'force', message: 'Forbidden: may not be specified for non-apply patch', type: 'FieldValueForbidden' }]);
  }
  const format = outputFor(request, { list: false });
  const { dryRun, fieldValidation } = writeOptions(request, 'PatchOptions');
  const manager = fieldManager(request, apply);
  const ctx = requestContext(request, reply, dryRun, manager);
  const text = request.body instanceof Buffer ? request.body.toString('utf8') : '';
  const patch = decodePatch(contentType, text);
  const duplicates = contentType === MERGE_PATCH && fieldValidation === 'Strict' ? duplicateFields(text).map((f) => `duplicate field "${f}"`) : [];
  if (apply) checkApplyConfiguration(endpoint, patch);
  const clientResourceVersion = patchSetsResourceVersion(contentType, patch);
  const ownership = ownershipContext(endpoint, manager);

  const outcome: Outcome = { created: false, warnings: [] };
  const transform: UpdateTransform = async (live) => timed(ctx, 'patch', async () => {
    let object: KubeObject;
    let strict: KubeObject | undefined;
    if (apply) {
      const config = checkTypeMeta(endpoint, deepClone(patch as Record<string, unknown>));
      checkNameAndNamespace(config, name, namespace);
      if (!live && config.metadata.resourceVersion) throw statusErrors.notFound(ref(endpoint, name));
      object = applyConfiguration(live, config, truthy(force), ownership);
      checkNameAndNamespace(object, name, namespace);
    } else {
      if (!live) throw statusErrors.notFound(ref(endpoint, name));
      // A copy: the object is changed in place from here on, and oldObject must stay the live one for admission.
      const patched = contentType === JSON_PATCH ? applyJsonPatch(live, text) : mergePatch(deepClone(live), patch);
      if (!isPlainObject(patched)) throw statusErrors.badRequest('the patched object must be a single object');
      object = checkTypeMeta(endpoint, patched, 'patched');
      checkNameAndNamespace(object, name, namespace);
      if (fieldValidation === 'Strict') strict = deepClone(object);
      if (strict && duplicates.length > 0) throw strictPatchError(strict, duplicates);
      object.metadata.managedFields = updateManagedFields(live, object, object.metadata.managedFields?.length ? object.metadata.managedFields : live.metadata.managedFields, ownership);
    }
    if (live) keepSystemFields(endpoint, object, live, true);
    if (!live && !isCreater(storage)) throw statusErrors.notFound(ref(endpoint, name));
    // kube-apiserver's patch.go: an apply that creates needs `create` too, before admission sees it.
    if (!live) await authorizeCreateOnUpdate(ctx, endpoint.info, namespace, name);
    const admittedObject = await admitted(endpoint, ctx, object, live, fieldValidation, outcome).catch((err: unknown) => {
      throw strict ? asStrictPatchError(err, strict, duplicates) : err;
    });
    return unchangedKeepsManagedFields(admittedObject, live);
  });
  for (let attempt = 1; ; attempt++) {
    try {
      const updated = await timed(ctx, 'storage', () => storage.update(ctx, namespace, name, transform, apply ? (patch as SentObject) : undefined));
      return sendWithWarnings(reply, outcome.created ? 201 : 200, [...outcome.warnings, ...(ctx.warnings ?? [])], await timed(ctx, 'render', () => renderObject(endpoint, request, format, answered(endpoint, ctx, outcome, updated))));
    } catch (err) {
      const retriable = isStatusError(err) && err.code === 409 && err.reason === 'Conflict' && !clientResourceVersion && attempt < MAX_PATCH_ATTEMPTS;
      if (!retriable) throw err;
    }
  }
}

/**
 * What kube-apiserver's field manager refuses before merging an apply configuration (versionCheckManager,
 * structuredMergeManager): another group/version/kind than the endpoint's, a missing one included, and managedFields.
 */
export function checkApplyConfiguration(endpoint: Endpoint, config: unknown): asserts config is Record<string, unknown> {
  if (!isPlainObject(config)) throw statusErrors.badRequest('the apply configuration must be a single object');
  const apiVersion = typeof config.apiVersion === 'string' ? config.apiVersion : '';
  const kind = typeof config.kind === 'string' ? config.kind : '';
  if (apiVersion !== endpoint.apiVersion || kind !== endpoint.info.kind) {
    throw statusErrors.badRequest(`invalid object type: ${groupVersionString(apiVersion)}, Kind=${kind}`);
  }
  if (isPlainObject(config.metadata) && config.metadata.managedFields !== undefined && config.metadata.managedFields !== null) {
    throw statusErrors.badRequest('metadata.managedFields must be nil');
  }
}

/** The group/version part of schema.GroupVersionKind.String(): "<group>/<version>", "/<version>" for the core group, "/" if unparsable. */
function groupVersionString(apiVersion: string): string {
  const parts = apiVersion.split('/');
  if (parts.length === 1) return `/${parts[0]}`;
  if (parts.length === 2) return `${parts[0]}/${parts[1]}`;
  return '/';
}

// Subresources, as a CRD serves them (apiextensions-apiserver's customresource_handler.go). A kind whose status the
// server computes (ResourceInfo.statusSubresource) has /status: GET answers the object, as a CRD's does. A CRD's
// status strategy keeps everything of a status write but status, and here status is not the client's to write (the
// server computes it on every read), so PUT and PATCH are checked as kube-apiserver checks them (options, body, name,
// resourceVersion, the patch itself) and answer the object as it is: nothing is written, the resourceVersion stays.
// Other verbs on /status answer 405 as the CRD handler does; any other subresource its NotFound for the object.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { bodyMediaType } from '../serve/negotiation.js';
import { APPLY_PATCH, JSON_PATCH, SUPPORTED_PATCH_TYPES, applyJsonPatch, isPlainObject, mergePatch } from '../fields/patch.js';
import { checkUid } from '../strategy/preconditions.js';
import { isGetter } from '../storage.js';
import { statusErrors } from '../status.js';
import {
  type Endpoint, checkNameAndNamespace, checkTypeMeta, decodeObjectBody, fieldManager, outputFor, ref, renderObject, requestContext,
} from './common.js';
import { getObject, notSupported } from './read.js';
import { checkApplyConfiguration, decodePatch, writeOptions } from './write.js';

export function getStatus(endpoint: Endpoint, request: FastifyRequest, reply: FastifyReply, namespace: string | undefined, name: string) {
  return getObject(endpoint, request, reply, namespace, name);
}

/** PUT or PATCH of /status: checked, then answered with the object as the server holds it. */
export async function writeStatus(endpoint: Endpoint, request: FastifyRequest, reply: FastifyReply, namespace: string | undefined, name: string, verb: 'update' | 'patch') {
  const storage = endpoint.storage;
  if (!isGetter(storage)) throw notSupported(endpoint, verb);
  const format = outputFor(request, { list: false });
  const patchType = bodyMediaType(request.headers['content-type']);
  if (verb === 'patch' && !(SUPPORTED_PATCH_TYPES as readonly string[]).includes(patchType)) {
    throw statusErrors.unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: ${SUPPORTED_PATCH_TYPES.join(', ')}`);
  }
  const { dryRun } = writeOptions(request, verb === 'update' ? 'UpdateOptions' : 'PatchOptions');
  const ctx = requestContext(request, reply, dryRun);
  if (verb === 'update') {
    const body = checkTypeMeta(endpoint, decodeObjectBody(request, endpoint.info.kind));
    checkNameAndNamespace(body, name, namespace);
    const live = await storage.get(ctx, namespace, name);
    if (!body.metadata.resourceVersion) {
      throw statusErrors.invalid(endpoint.info.group, endpoint.info.resource, name, [
        { type: 'FieldValueInvalid', field: 'metadata.resourceVersion', message: 'Invalid value: 0: must be specified for an update' },
      ]);
    }
    if (live.metadata.uid) checkUid(ref(endpoint, name), body.metadata.uid, live.metadata.uid);
    if (body.metadata.resourceVersion !== live.metadata.resourceVersion) {
      throw statusErrors.conflict(ref(endpoint, name), 'the object has been modified; please apply your changes to the latest version and try again');
    }
    return reply.code(200).type('application/json').send(JSON.stringify(renderObject(endpoint, request, format, live)));
  }
  const apply = patchType === APPLY_PATCH;
  fieldManager(request, apply);
  const text = request.body instanceof Buffer ? request.body.toString('utf8') : '';
  const patch = decodePatch(patchType, text);
  if (apply) checkApplyConfiguration(endpoint, patch);
  const live = await storage.get(ctx, namespace, name);
  // The patch must apply to the object (a failing `test`, a bad path), even though its outcome is not kept.
  if (!apply) {
    const patched = patchType === JSON_PATCH ? applyJsonPatch(live, text) : mergePatch(live, patch);
    if (!isPlainObject(patched)) throw statusErrors.badRequest('the patched object must be a single object');
    checkNameAndNamespace(checkTypeMeta(endpoint, patched, 'patched'), name, namespace);
  }
  return reply.code(200).type('application/json').send(JSON.stringify(renderObject(endpoint, request, format, live)));
}

/** DELETE or POST on /status: the CRD handler's 405 (apierrors.NewMethodNotSupported with the request's verb). */
export function statusVerbNotSupported(endpoint: Endpoint, verb: 'delete' | 'create'): never {
  throw notSupported(endpoint, verb);
}

/** Any subresource the kind does not have: the object's NotFound, as the CRD handler answers. */
export function unknownSubresource(endpoint: Endpoint, name: string): never {
  throw statusErrors.notFound(ref(endpoint, name));
}

// delete (DeleteOptions from the body or the query; the storage checks their preconditions on its own read) and
// deletecollection.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { isPlainObject, parseJson } from '../fields/patch.js';
import { matchesSelectors } from '../list/selectors.js';
import { type DeleteOptions, isGetter, isGracefulDeleter, isLister, type RequestContext } from '../storage.js';
import { isStatusError, statusErrors, successStatus } from '../status.js';
import type { KubeObject } from '../types.js';
import { type Endpoint, admit, invalidOptions, outputFor, parseDryRun, queryParam, renderObject, requestContext, sendWithWarnings, withTypeMeta } from './common.js';
import { listOptions, notSupported } from './read.js';

const PROPAGATION = ['Orphan', 'Background', 'Foreground'] as const;

interface ParsedDelete {
  options: DeleteOptions;
  dryRun: boolean;
}

function parseDeleteOptions(request: FastifyRequest): ParsedDelete {
  const text = request.body instanceof Buffer ? request.body.toString('utf8').trim() : '';
  const body = text ? parseJson(text, 'DeleteOptions', (e) => `couldn't get version/kind; json parse error: ${e}`) : {};
  if (!isPlainObject(body)) throw statusErrors.badRequest('DeleteOptions must be an object');
  // The body decodes as DeleteOptions or not at all (kube-apiserver's scheme knows no other kind there).
  if (typeof body.kind === 'string' && body.kind !== 'DeleteOptions') {
    throw statusErrors.badRequest(`no kind "${body.kind}" is registered for version "${typeof body.apiVersion === 'string' ? body.apiVersion.replace(/^.*\//, '') : ''}" in scheme "pkg/runtime/scheme.go:100"`);
  }
  const options: DeleteOptions = {};
  const propagation = body.propagationPolicy ?? queryParam(request, 'propagationPolicy');
  const orphanDependents = body.orphanDependents ?? queryParam(request, 'orphanDependents');
  if (propagation !== undefined && propagation !== null && orphanDependents !== undefined && orphanDependents !== null) {
    throw invalidOptions('DeleteOptions', [{
      field: 'propagationPolicy', type: 'FieldValueInvalid',
      message: `Invalid value: ${JSON.stringify(String(propagation))}: orphanDependents and deletionPropagation cannot be both set`,
    }]);
  }
  if (propagation !== undefined && propagation !== null) {
    if (!PROPAGATION.includes(propagation as (typeof PROPAGATION)[number])) {
      throw invalidOptions('DeleteOptions', [{
        field: 'propagationPolicy', type: 'FieldValueNotSupported',
        message: `Unsupported value: ${JSON.stringify(String(propagation))}: supported values: "Foreground", "Background", "Orphan", "nil"`,
      }]);
    }
    options.propagationPolicy = propagation as DeleteOptions['propagationPolicy'];
  } else if (body.orphanDependents === true || queryParam(request, 'orphanDependents') === 'true') {
    options.propagationPolicy = 'Orphan';
  }
  const grace = body.gracePeriodSeconds ?? queryParam(request, 'gracePeriodSeconds');
  if (grace !== undefined && grace !== null && grace !== '') {
    const n = Number(grace);
    // The query parameter is decoded by strconv.ParseInt, whose error kube-apiserver passes on.
    if (!Number.isInteger(n)) throw statusErrors.badRequest(`strconv.ParseInt: parsing ${JSON.stringify(String(grace))}: invalid syntax`);
    options.gracePeriodSeconds = n;
  }
  if (isPlainObject(body.preconditions)) {
    const p = body.preconditions;
    options.preconditions = {};
    if (typeof p.uid === 'string') options.preconditions.uid = p.uid;
    if (typeof p.resourceVersion === 'string') options.preconditions.resourceVersion = p.resourceVersion;
  }
  const bodyDryRun = Array.isArray(body.dryRun) ? (body.dryRun as string[]) : undefined;
  const dryRun = parseDryRun(bodyDryRun ?? (request.query as Record<string, string | string[] | undefined>).dryRun, 'DeleteOptions');
  return { options, dryRun };
}

/**
 * Admission of one delete (admission/chain.ts). The live object — the review's oldObject — is read only when a
 * webhook or policy could take this delete; otherwise the storage's own read is the only one.
 */
async function admitDelete(endpoint: Endpoint, ctx: RequestContext, namespace: string | undefined, name: string, options: DeleteOptions, live?: KubeObject): Promise<string[]> {
  let old = live;
  if (!old && isGetter(endpoint.storage) && endpoint.admission.needsObjects?.(endpoint.info, 'DELETE')) old = await endpoint.storage.get(ctx, namespace, name);
  old ??= { apiVersion: endpoint.apiVersion, kind: endpoint.info.kind, metadata: { name, ...(namespace ? { namespace } : {}) } };
  return (await admit(endpoint, ctx, 'DELETE', undefined, old, undefined, { ...options })).warnings;
}

export async function deleteObject(endpoint: Endpoint, request: FastifyRequest, reply: FastifyReply, namespace: string | undefined, name: string) {
  const storage = endpoint.storage;
  if (!isGracefulDeleter(storage)) throw notSupported(endpoint, 'delete');
  const format = outputFor(request, { list: false });
  const { options, dryRun } = parseDeleteOptions(request);
  const ctx = requestContext(request, reply, dryRun);
  // The admission's warnings (a webhook's, a policy's Warn action) reach the client, as kube-apiserver's do.
  const warnings = await admitDelete(endpoint, ctx, namespace, name, options);
  const result = await storage.delete(ctx, namespace, name, options);
  // A dry run of a delete that would not wait (no finalizers) answers what the real one would: Success.
  const immediate = dryRun && !result.object.metadata.finalizers?.length;
  if (result.deleted || immediate) {
    return sendWithWarnings(reply, 200, warnings, successStatus({
      name, group: endpoint.info.group, kind: endpoint.info.resource, uid: result.object.metadata.uid,
    }));
  }
  return sendWithWarnings(reply, 200, warnings, renderObject(endpoint, request, format, result.object));
}

export async function deleteCollection(endpoint: Endpoint, request: FastifyRequest, reply: FastifyReply, namespace: string | undefined) {
  const storage = endpoint.storage;
  if (!isGracefulDeleter(storage) || !isLister(storage)) throw notSupported(endpoint, 'deletecollection');
  const list = listOptions(request, namespace, { watch: false });
  const { options, dryRun } = parseDeleteOptions(request);
  const ctx = requestContext(request, reply, dryRun);
  const { items, metadata } = await storage.list(ctx, list);
  const deleted: KubeObject[] = [];
  const warnings: string[] = [];
  for (const item of items.filter((o) => matchesSelectors(o, list))) {
    try {
      warnings.push(...await admitDelete(endpoint, ctx, item.metadata.namespace, item.metadata.name ?? '', options, withTypeMeta(endpoint, item)));
      const result = await storage.delete(ctx, item.metadata.namespace, item.metadata.name ?? '', options);
      deleted.push(withTypeMeta(endpoint, result.object));
    } catch (err) {
      if (!(isStatusError(err) && err.code === 404)) throw err; // gone meanwhile: nothing to do
    }
  }
  return sendWithWarnings(reply, 200, warnings, { kind: endpoint.info.listKind, apiVersion: endpoint.apiVersion, metadata, items: deleted });
}

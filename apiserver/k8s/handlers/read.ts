// get and list (list also dispatches ?watch=true to the watch handler).

import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseFieldSelector, parseLabelSelector } from '../list/selectors.js';
import { groupResource, type ListedObjects } from '../flowcontrol/index.js';
import { serializedText } from '../serve/serialized.js';
import { isGetter, isLister, isWatcher, type ListOptions, type ListResult } from '../storage.js';
import { statusErrors } from '../status.js';
import { type Endpoint, invalidOptions, outputFor, queryBool, queryParam, ref, renderList, renderObject, requestContext } from './common.js';
import { serveWatch } from './watch.js';

/** apierrors.NewMethodNotSupported: the group and resource in details. */
function notSupported(endpoint: Endpoint, action: string): Error {
  return statusErrors.methodNotAllowed(`${action} is not supported on resources of kind "${endpoint.info.resource}${endpoint.info.group ? `.${endpoint.info.group}` : ''}"`, ref(endpoint));
}
export { notSupported };

export async function getObject(endpoint: Endpoint, request: FastifyRequest, reply: FastifyReply, namespace: string | undefined, name: string) {
  if (!isGetter(endpoint.storage)) throw notSupported(endpoint, 'get');
  const format = outputFor(request, { list: false });
  const object = await endpoint.storage.get(requestContext(request, reply), namespace, name);
  return reply.type('application/json').send(JSON.stringify(renderObject(endpoint, request, format, object)));
}

/** An integer query parameter as the parameter codec reads it (strconv.ParseInt), undefined when absent or empty. */
function int64Param(request: FastifyRequest, name: string): number | undefined {
  const value = queryParam(request, name);
  if (value === undefined || value === '') return undefined;
  if (!/^[+-]?\d+$/.test(value)) throw statusErrors.badRequest(`strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`);
  return Number(value);
}

/** ListOptions from the query, validated like ValidateListOptions (422 ListOptions.meta.k8s.io). */
export function listOptions(request: FastifyRequest, namespace: string | undefined, { watch }: { watch: boolean }): ListOptions {
  const options: ListOptions = {
    labelSelector: parseLabelSelector(queryParam(request, 'labelSelector')),
    fieldSelector: parseFieldSelector(queryParam(request, 'fieldSelector')),
  };
  if (namespace !== undefined) options.namespace = namespace;
  // As the parameter codec decodes them (strconv.ParseInt): a negative limit is no limit.
  const limit = int64Param(request, 'limit');
  if (limit !== undefined && limit > 0) options.limit = limit;
  if (!watch) int64Param(request, 'timeoutSeconds');
  const cont = queryParam(request, 'continue');
  if (cont) options.continue = cont;
  const rv = queryParam(request, 'resourceVersion');
  // APIObjectVersioner.ParseResourceVersion, as the list's storage reads it.
  if (rv && !watch && !/^\d+$/.test(rv)) {
    throw statusErrors.badRequest(`invalid resource version: resourceVersion: Invalid value: ${JSON.stringify(rv)}: strconv.ParseUint: parsing ${JSON.stringify(rv)}: invalid syntax`);
  }
  if (rv) options.resourceVersion = rv;
  const match = queryParam(request, 'resourceVersionMatch');
  const sendInitialEvents = queryParam(request, 'sendInitialEvents');
  const causes: Array<{ field: string; message: string; type: string }> = [];
  const forbid = (field: string, message: string) => causes.push({ field, message: `Forbidden: ${message}`, type: 'FieldValueForbidden' });
  if (!watch) {
    if (match) {
      if (!rv) forbid('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided');
      if (cont) forbid('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided');
      if (match !== 'Exact' && match !== 'NotOlderThan') {
        causes.push({ field: 'resourceVersionMatch', message: `Unsupported value: "${match}": supported values: "Exact", "NotOlderThan", ""`, type: 'FieldValueNotSupported' });
      }
      if (match === 'Exact' && rv === '0') forbid('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    }
    if (sendInitialEvents !== undefined) forbid('sendInitialEvents', 'sendInitialEvents is forbidden for list');
  } else {
    if (sendInitialEvents !== undefined && match !== 'NotOlderThan') {
      forbid('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
    }
    if (match) {
      if (sendInitialEvents === undefined) forbid('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
      if (match !== 'NotOlderThan') causes.push({ field: 'resourceVersionMatch', message: `Unsupported value: "${match}": supported values: "NotOlderThan"`, type: 'FieldValueNotSupported' });
      if (cont) forbid('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided');
    }
  }
  if (causes.length > 0) throw invalidOptions('ListOptions', causes);
  if (match === 'Exact' || match === 'NotOlderThan') options.resourceVersionMatch = match;
  return options;
}

export async function listObjects(endpoint: Endpoint, request: FastifyRequest, reply: FastifyReply, namespace: string | undefined) {
  if (queryBool(queryParam(request, 'watch'))) {
    if (!isWatcher(endpoint.storage)) throw notSupported(endpoint, 'watch');
    return serveWatch(endpoint, request, reply, listOptions(request, namespace, { watch: true }));
  }
  if (!isLister(endpoint.storage)) throw notSupported(endpoint, 'list');
  const options = listOptions(request, namespace, { watch: false });
  const format = outputFor(request, { list: true });
  // The storage's page (list-page.ts) is answered as it is: selected and counted once.
  const result = await endpoint.storage.list(requestContext(request, reply), options);
  endpoint.onListed?.(listed(endpoint, options, result));
  return reply.type('application/json').send(renderList(endpoint, request, format, result.items, result.metadata));
}

/** What a list answered, for the work estimate of later ones: counts, and the size of a few items as sent. */
function listed(endpoint: Endpoint, options: ListOptions, result: ListResult): ListedObjects {
  const sample = result.items.slice(0, SIZE_SAMPLE);
  return {
    groupResource: groupResource({ apiGroup: endpoint.info.group, resource: endpoint.info.resource }),
    allNamespaces: options.namespace === undefined,
    selected: options.labelSelector.length > 0 || options.fieldSelector.length > 0,
    firstPage: !options.continue,
    items: result.items.length,
    ...(result.metadata.remainingItemCount === undefined ? {} : { remaining: result.metadata.remainingItemCount }),
    continues: Boolean(result.metadata.continue),
    sampleBytes: sample.reduce((sum, item) => sum + (serializedText(item) ?? JSON.stringify(item)).length, 0),
    sampleCount: sample.length,
  };
}
const SIZE_SAMPLE = 8;

export { ref };

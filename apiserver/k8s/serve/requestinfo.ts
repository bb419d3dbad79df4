// What a request is about, for authorization: the port of k8s.io/apiserver pkg/endpoints/request/requestinfo.go
// for the /apis prefix (this server serves no legacy /api group). It reads the URL as request-url.ts does, and the
// server hands it the query object the handlers read too (one parse; URLs that could be read two ways are refused
// before this runs).

import { type Query, firstValue, parseQuery, splitUrl } from './request-url.js';
import { exactName, parseFieldSelector } from '../list/selectors.js';

export interface RequestInfo {
  isResourceRequest: boolean;
  /** The URL path without the query, for non-resource requests. */
  path: string;
  verb: string;
  apiPrefix?: string;
  apiGroup?: string;
  apiVersion?: string;
  namespace?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function watchParam(value: string | undefined): boolean {
  return value !== undefined && value !== '0' && value.toLowerCase() !== 'false';
}

function methodVerb(method: string): string {
  switch (method) {
    case 'POST': return 'create';
    case 'GET':
    case 'HEAD': return 'get';
    case 'PUT': return 'update';
    case 'PATCH': return 'patch';
    case 'DELETE': return 'delete';
    default: return '';
  }
}

/** `query`: the request's parsed query (fastify's, which is parseQuery); parsed from `url` when absent. */
export function requestInfo(method: string, url: string, query?: Query): RequestInfo {
  // Split by hand: URL parsing would read a path starting with '//' as a host.
  const { path, rawQuery } = splitUrl(url);
  const params = query ?? parseQuery(rawQuery);
  const nonResource: RequestInfo = { isResourceRequest: false, path, verb: method.toLowerCase() };
  // As upstream (strings.Split(strings.Trim(path, "/"), "/")): empty segments stay, so `things//status` has no name.
  let parts = path.replace(/^\/+|\/+$/g, '').split('/').map(safeDecode);
  if (parts.length < 4 || parts[0] !== 'apis') return nonResource;

  const info: RequestInfo = { isResourceRequest: true, path, verb: '', apiPrefix: 'apis', apiGroup: parts[1], apiVersion: parts[2] };
  parts = parts.slice(3);
  if (parts[0] === 'watch') {
    info.verb = 'watch';
    parts = parts.slice(1);
  } else {
    info.verb = methodVerb(method);
  }
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      info.namespace = parts[1];
      if (parts.length > 2) parts = parts.slice(2);
    }
  }
  if (parts.length >= 3 && info.verb !== 'watch') info.subresource = parts[2];
  if (parts.length >= 2) info.name = parts[1];
  if (parts.length >= 1) info.resource = parts[0];

  if (!info.name && info.verb === 'get') {
    // As kube's parameter codec (runtime.Convert_Slice_string_To_bool): `watch=bogus` is a watch.
    info.verb = watchParam(firstValue(params, 'watch')) ? 'watch' : 'list';
    try {
      const name = exactName(parseFieldSelector(firstValue(params, 'fieldSelector')));
      if (name && !/[/%]/.test(name) && name !== '.' && name !== '..') info.name = name;
    } catch {
      // As upstream: an unparseable selector leaves the request a list without a name; the handler reports the error.
    }
  }
  if (!info.name && info.verb === 'delete') info.verb = 'deletecollection';
  return info;
}

// What a request is about, for authorization: the port of k8s.io/apiserver pkg/endpoints/request/requestinfo.go
// for the /apis prefix (this server serves no legacy /api group).

import { exactName, parseFieldSelector } from './selectors.js';

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

function truthy(value: string | null): boolean {
  return value !== null && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value);
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

export function requestInfo(method: string, url: string): RequestInfo {
  // Split by hand: URL parsing would read a path starting with '//' as a host.
  const queryAt = url.indexOf('?');
  const path = queryAt >= 0 ? url.slice(0, queryAt) : url;
  const parsed = { searchParams: new URLSearchParams(queryAt >= 0 ? url.slice(queryAt + 1) : '') };
  const nonResource: RequestInfo = { isResourceRequest: false, path, verb: method.toLowerCase() };
  let parts = path.replace(/^\/+|\/+$/g, '').split('/').filter((p) => p !== '').map(safeDecode);
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
    info.verb = truthy(parsed.searchParams.get('watch')) ? 'watch' : 'list';
    try {
      const name = exactName(parseFieldSelector(parsed.searchParams.get('fieldSelector') ?? undefined));
      if (name && !/[/%]/.test(name) && name !== '.' && name !== '..') info.name = name;
    } catch {
      // As upstream: an unparseable selector leaves the request a list without a name; the handler reports the error.
    }
  }
  if (!info.name && info.verb === 'delete') info.verb = 'deletecollection';
  return info;
}

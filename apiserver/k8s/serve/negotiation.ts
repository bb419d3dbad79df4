// Content negotiation of responses (k8s.io/apiserver handlers/negotiation + the Table/PartialObjectMetadata
// transforms of handlers/response.go). JSON is spoken, and YAML written from it (yaml-output.ts); protobuf is skipped
// so a protobuf-first Accept that also allows JSON gets JSON (the metadata client does exactly this).

import { statusErrors } from '../status.js';

export type MetaVersion = 'v1' | 'v1beta1';

export type OutputFormat =
  | { kind: 'object' }
  | { kind: 'table'; version: MetaVersion }
  | { kind: 'partial'; version: MetaVersion; list: boolean };

interface MediaRange {
  type: string;
  subtype: string;
  params: Record<string, string>;
  q: number;
}

export function parseAccept(accept: string | undefined): MediaRange[] {
  if (!accept || accept.trim() === '') return [{ type: '*', subtype: '*', params: {}, q: 1 }];
  const ranges = accept.split(',').map((clause, index) => {
    const [mediaType = '', ...rawParams] = clause.split(';').map((s) => s.trim());
    const [type = '', subtype = ''] = mediaType.toLowerCase().split('/');
    const params: Record<string, string> = {};
    for (const p of rawParams) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
    }
    const q = params.q !== undefined ? Number(params.q) : 1;
    return { range: { type, subtype, params, q: Number.isNaN(q) ? 0 : q }, index };
  });
  // Stable by q, then by order: clients list preferences first.
  return ranges.filter((r) => r.range.q > 0).sort((a, b) => b.range.q - a.range.q || a.index - b.index).map((r) => r.range);
}

function acceptsJson(r: MediaRange): boolean {
  return (r.type === 'application' && (r.subtype === 'json' || r.subtype === '*')) || (r.type === '*' && r.subtype === '*');
}

/** kube-apiserver's list for a custom resource (its serializers: JSON, YAML, protobuf for metadata and tables). */
export const ACCEPTED_MEDIA_TYPES = 'application/json, application/yaml, application/vnd.kubernetes.protobuf';

/**
 * Picks what to answer for a get/list/watch. `list` says whether the endpoint returns a collection (for
 * PartialObjectMetadataList); transforms are only honoured where `transforms` is true (reads).
 */
export function negotiateOutput(accept: string | undefined, options: { list: boolean; watch: boolean; transforms: boolean }): OutputFormat {
  for (const r of parseAccept(accept)) {
    // YAML is written from the JSON answer on the way out (yaml-output.ts); a watch has no YAML stream.
    if (r.type === 'application' && r.subtype === 'yaml' && r.params.as === undefined && !options.watch) return { kind: 'object' };
    if (!acceptsJson(r)) continue;
    const as = r.params.as;
    if (as === undefined) return { kind: 'object' };
    if (!options.transforms || r.params.g !== 'meta.k8s.io') continue;
    const version = r.params.v;
    if (version !== 'v1' && version !== 'v1beta1') continue;
    if (as === 'Table') return { kind: 'table', version };
    const wantsList = options.list && !options.watch;
    if (as === 'PartialObjectMetadata' && !wantsList) return { kind: 'partial', version, list: false };
    // kube negotiates the media type first and fails the transform after: its words name the Go type of a CR list.
    if (as === 'PartialObjectMetadata') throw statusErrors.notAcceptable('you requested PartialObjectMetadata, but the requested object is a list (*unstructured.UnstructuredList)');
    if (as === 'PartialObjectMetadataList' && wantsList) return { kind: 'partial', version, list: true };
  }
  throw statusErrors.notAcceptable(`only the following media types are accepted: ${ACCEPTED_MEDIA_TYPES}`);
}

/** The media type of a request body, lower-cased and without parameters. */
export function bodyMediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

// One list answer for every storage: the objects a storage read (all of them, in any order) become the page a client
// asked for, in kube-apiserver's way (k8s.io/apiserver's cacher GetList and storage.PrepareContinueToken). Objects
// are ordered by their storage key (`<namespace>/<name>`, the name alone inside one namespace or for a cluster-scoped
// kind), label and field selectors are applied once, here, while the page fills, and a continue token (kube's own
// format: base64url JSON `{"v":"meta.k8s.io/v1","rv":…,"start":"<key>\u0000"}`) is issued whenever objects remain
// after the last one looked at, whether or not they match — so a client sees the same pages as from a CRD.
// remainingItemCount is sent only for a list without selectors, as kube-apiserver does. With resourceVersion=0 the
// limit is ignored (a list from the watch cache). A storage cannot answer at an older resourceVersion: the pages of a
// continued list are read anew, so an object changed meanwhile shows its new state (documented in
// docs/crd-differences.md).

import { checkFieldLabel, exactName, matchesSelectors } from './selectors.js';
import { statusErrors } from '../status.js';
import type { ListOptions, ListResult } from '../storage.js';
import type { KubeObject } from '../types.js';

const TOKEN_VERSION = 'meta.k8s.io/v1';
const NOT_VALID = 'continue key is not valid';

/** The object's storage key within the list's scope: the name inside a namespace, `<namespace>/<name>` across them. */
function keyOf(object: KubeObject, namespace: string | undefined): string {
  const name = object.metadata.name ?? '';
  return namespace === undefined && object.metadata.namespace ? `${object.metadata.namespace}/${name}` : name;
}

/** A continue token in kube-apiserver's format (storage.EncodeContinue). */
export function encodeContinue(startKey: string, resourceVersion: string): string {
  const rv = /^\d+$/.test(resourceVersion) && BigInt(resourceVersion) > 0n ? resourceVersion : '1';
  return Buffer.from(`{"v":"${TOKEN_VERSION}","rv":${rv},"start":${JSON.stringify(startKey)}}`, 'utf8').toString('base64url');
}

/** strconv.Quote of one byte as encoding/json's quoteChar writes it in a syntax error. */
function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  if (c === 0x5c) return `'\\\\'`;
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };
  if (named[c]) return `'${named[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  if ((c >= 0x80 && c <= 0xa0) || c === 0xad) return `'\\u${c.toString(16).padStart(4, '0')}'`;
  return `'${String.fromCharCode(c)}'`;
}

function invalidToken(detail: string): Error {
  return statusErrors.badRequest(`invalid continue token: ${detail}`);
}

/** Go's base64.RawURLEncoding.DecodeString, strict as Go is: the offset of the first illegal byte is the error. */
function decodeBase64Url(text: string): Buffer {
  const bad = text.search(/[^A-Za-z0-9_-]/);
  if (bad >= 0) throw invalidToken(`${NOT_VALID}: illegal base64 data at input byte ${bad}`);
  if (text.length % 4 === 1) throw invalidToken(`${NOT_VALID}: illegal base64 data at input byte ${text.length - 1}`);
  return Buffer.from(text, 'base64url');
}

/** The key a continued list starts at (inclusive), from a token; a 400 in kube-apiserver's words when it is not one. */
export function decodeContinue(token: string): string {
  const bytes = decodeBase64Url(token);
  const first = bytes.find((b) => b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d);
  if (first === undefined) throw invalidToken(`${NOT_VALID}: unexpected end of JSON input`);
  if (!'{["-0123456789tfn'.includes(String.fromCharCode(first))) {
    throw invalidToken(`${NOT_VALID}: invalid character ${quoteChar(first)} looking for beginning of value`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalidToken(`${NOT_VALID}: unexpected end of JSON input`);
  }
  const fields = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { v?: unknown; rv?: unknown; start?: unknown };
  if (fields.v !== TOKEN_VERSION) throw invalidToken(`${NOT_VALID}: server does not recognize this encoded version ${typeof fields.v === 'string' ? fields.v : ''}`);
  if (typeof fields.rv !== 'number' || fields.rv === 0) throw invalidToken(`${NOT_VALID}: incorrect encoded start resourceVersion (version ${TOKEN_VERSION})`);
  if (typeof fields.start !== 'string' || fields.start === '') throw invalidToken(`${NOT_VALID}: encoded start key empty (version ${TOKEN_VERSION})`);
  return fields.start.startsWith('/') ? fields.start.slice(1) : fields.start;
}

/**
 * The page `options` asks for of `items` (every object the storage holds in the list's scope or beyond it, unpaged
 * and unfiltered): the namespace, the selectors, the continue token and the limit applied, at `resourceVersion`.
 */
export function listPage(items: readonly KubeObject[], options: ListOptions, resourceVersion: string): ListResult {
  for (const r of options.fieldSelector) checkFieldLabel(r.field);
  const start = options.continue ? decodeContinue(options.continue) : undefined;
  // As the registry's ListPredicate: a field selector that names one object of one namespace (or of a cluster-scoped
  // kind) reads that one storage key, so nothing follows it.
  const single = exactName(options.fieldSelector);
  const oneKey = single !== undefined && (options.namespace !== undefined || items.every((o) => !o.metadata.namespace));
  const scoped = items.filter((o) => options.namespace === undefined || o.metadata.namespace === options.namespace)
    .filter((o) => !oneKey || o.metadata.name === single)
    .map((object) => ({ key: keyOf(object, options.namespace), object }))
    .filter((e) => start === undefined || e.key >= start)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const limit = options.resourceVersion === '0' || !options.limit || options.limit < 0 ? 0 : options.limit;
  const unselective = options.labelSelector.length === 0 && options.fieldSelector.length === 0;
  const picked: KubeObject[] = [];
  let lastKey = '';
  let hasMore = false;
  for (let i = 0; i < scoped.length; i++) {
    const { key, object } = scoped[i]!;
    if (matchesSelectors(object, options)) {
      picked.push(object);
      lastKey = key;
    }
    if (limit > 0 && picked.length >= limit) {
      hasMore = i < scoped.length - 1;
      break;
    }
  }
  const metadata: ListResult['metadata'] = { resourceVersion };
  if (hasMore) {
    metadata.continue = encodeContinue(`${lastKey}\u0000`, resourceVersion);
    if (unselective) metadata.remainingItemCount = scoped.length - limit;
  }
  return { items: picked, metadata };
}

/** The highest of several resourceVersions (decimal strings; empty counts as 0), as a list's own. */
export function highestResourceVersion(versions: Iterable<string>): string {
  let max = 0n;
  for (const v of versions) {
    const n = /^\d+$/.test(v) ? BigInt(v) : 0n;
    if (n > max) max = n;
  }
  return max.toString();
}

/** What a storage read for a list: every object of the scope asked for, unfiltered and unpaged, and its resourceVersion. */
export interface ListedObjects {
  items: KubeObject[];
  resourceVersion: string;
}

/** The namespace and selectors of a list or watch as one test of an object (for watch filters; lists use listPage). */
export function selection(options: Pick<ListOptions, 'namespace' | 'labelSelector' | 'fieldSelector'>): (object: KubeObject) => boolean {
  for (const r of options.fieldSelector) checkFieldLabel(r.field);
  return (o) => (options.namespace === undefined || o.metadata.namespace === options.namespace) && matchesSelectors(o, options);
}

// Whose state a savepoint or checkpoint location lies in. A string-prefix test is not enough (security review 2,
// finding 4): storage reads `s3a://B/x`, `S3://b//x/`, `s3://b/x%2Fy` and `hdfs://nn:8020/x` as `s3://b/x`,
// `s3://b/x/y`, `hdfs://nn/x` (or refuses them), so locations are compared in one canonical spelling:
//
//   - the scheme's case folded, and its family (Hadoop's s3, s3a, s3n and s3p name one store) put for it;
//   - the authority's case folded, an empty or default port (hdfs 8020, http 80, https 443) dropped; user info refused;
//   - the path decoded once: an escaped `/` or `\` (`%2F`, `%5C`), a `%` still left after decoding, or a bad escape
//     is refused, as are `.` and `..` segments; repeated and trailing `/` are one.
//
// Then an allow-list decides, so that spellings nobody foresaw fail closed: a location on a store (scheme family and
// authority) that holds another served platform namespace's directories must lie in the writer's own directories
// (its deployment defaults, or the Universal Blob Storage layout `…/namespaces/<own>/…`), else it needs the grant of
// every namespace whose directories share that store. A location on a store no other namespace uses needs nothing
// more. Pure.

/** A location in its canonical spelling: the store, and the path's segments. */
export interface CanonicalLocation {
  store: string;
  segments: string[];
}

const SCHEME_FAMILY: Record<string, string> = { s3: 's3', s3a: 's3', s3n: 's3', s3p: 's3' };
const DEFAULT_PORT: Record<string, string> = { hdfs: '8020', http: '80', https: '443' };

/** The canonical spelling of `location`, or why it cannot be placed. */
export function canonicalLocation(location: string): CanonicalLocation | { refused: string } {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(location);
  const scheme = m ? (m[1] ?? '').toLowerCase() : 'file';
  const family = SCHEME_FAMILY[scheme] ?? scheme;
  let rest = m ? (m[2] ?? '') : location;
  let authority = '';
  if (rest.startsWith('//')) {
    const end = rest.indexOf('/', 2);
    authority = (end < 0 ? rest.slice(2) : rest.slice(2, end)).toLowerCase();
    rest = end < 0 ? '' : rest.slice(end);
    if (authority.includes('@')) return { refused: 'must not contain user information' };
    const port = /:(\d*)$/.exec(authority);
    if (port && (port[1] === '' || port[1] === DEFAULT_PORT[family])) authority = authority.slice(0, port.index);
  }
  if (/%(2f|5c)/i.test(rest) || rest.includes('\\')) return { refused: 'must not contain an escaped "/" or a "\\"' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return { refused: 'must not contain an invalid percent-escape' };
  }
  if (decoded.includes('%')) return { refused: 'must not be percent-encoded twice' };
  if (/[?#]/.test(decoded)) return { refused: 'must not contain a query or a fragment' };
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..')) return { refused: 'must not contain "." or ".." path segments' };
  return { store: `${family}://${authority}`, segments };
}

function isCanonical(c: CanonicalLocation | { refused: string }): c is CanonicalLocation {
  return !('refused' in c);
}

function under(location: CanonicalLocation, directory: CanonicalLocation): boolean {
  return location.store === directory.store && directory.segments.length <= location.segments.length
    && directory.segments.every((s, i) => s === location.segments[i]);
}

/** Whether the location lies in the Universal Blob Storage directory of `pns` (`…/namespaces/<pns>/…`). */
function inBlobStorageOf(location: CanonicalLocation, pns: string): boolean {
  return location.segments.some((s, i) => s === 'namespaces' && location.segments[i + 1] === pns);
}

/**
 * The other platform namespaces whose state `location` may touch, so that the writer (of platform namespace `own`)
 * needs their grants: those whose directories (or blob-storage layout) hold it, and, when it is not in `own`'s
 * directories, every namespace with directories on the same store. `refused` when it cannot be placed at all.
 */
export function namespacesOwning(location: string, own: string, directories: ReadonlyMap<string, readonly string[]>): string[] | { refused: string } {
  const canonical = canonicalLocation(location);
  if (!isCanonical(canonical)) return canonical;
  const dirsOf = (pns: string) => (directories.get(pns) ?? []).map(canonicalLocation).filter(isCanonical);
  const owners = new Set<string>();
  for (const pns of directories.keys()) {
    if (pns === own) continue;
    if (dirsOf(pns).some((d) => under(canonical, d)) || inBlobStorageOf(canonical, pns)) owners.add(pns);
  }
  const ownPlace = dirsOf(own).some((d) => under(canonical, d)) || inBlobStorageOf(canonical, own);
  if (!ownPlace) {
    for (const pns of directories.keys()) {
      if (pns !== own && dirsOf(pns).some((d) => d.store === canonical.store)) owners.add(pns);
    }
  }
  return [...owners];
}

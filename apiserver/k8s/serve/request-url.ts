// The one reading of a request URL that both authorization (requestinfo.ts) and the handlers use.
//
// Two readers of the same URL that disagree are an authorization bypass: the router ends a path at `#` where a
// split on `?` does not, and a query decoder that leaves an invalid escape undecoded sees another fieldSelector
// than one that decodes around it. So a URL that could be read two ways — a `#`, a control character, an invalid
// percent-escape or one that is not UTF-8 — is refused with 400 before authentication, and the query is decoded by
// parseQuery alone: fastify's querystring parser is this function, so handlers read the very object requestinfo read.

export type Query = Record<string, string | string[]>;

/** Path and raw query: the path ends at the first `?` only (a `#` never gets this far). */
export function splitUrl(url: string): { path: string; rawQuery: string } {
  const at = url.indexOf('?');
  return at >= 0 ? { path: url.slice(0, at), rawQuery: url.slice(at + 1) } : { path: url, rawQuery: '' };
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Why the URL cannot be read one way only, or undefined. */
export function urlProblem(url: string): string | undefined {
  if (CONTROL.test(url)) return 'the request URL contains a control character';
  if (url.includes('#')) return 'the request URL contains "#" (a fragment is not sent to a server)';
  const { path, rawQuery } = splitUrl(url);
  for (const segment of path.split('/')) {
    const decoded = decode(segment);
    if (decoded === undefined) return `the request path contains an invalid percent-encoding: ${JSON.stringify(segment.slice(0, 64))}`;
    if (CONTROL.test(decoded)) return 'the request path contains an encoded control character';
  }
  for (const part of rawQuery.split('&')) {
    if (decode(part.replace(/\+/g, ' ')) === undefined) return `the request query contains an invalid percent-encoding: ${JSON.stringify(part.slice(0, 64))}`;
  }
  return undefined;
}

/** `a=1&a=2&b` → { a: ['1', '2'], b: '' }, form-decoded (`+` is a space). Never throws: see urlProblem. */
export function parseQuery(rawQuery: string): Query {
  const query: Query = Object.create(null) as Query;
  if (rawQuery === '') return query;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq >= 0 ? part.slice(0, eq) : part;
    const rawValue = eq >= 0 ? part.slice(eq + 1) : '';
    const key = decode(rawKey.replace(/\+/g, ' ')) ?? rawKey;
    const value = decode(rawValue.replace(/\+/g, ' ')) ?? rawValue;
    const existing = query[key];
    if (existing === undefined) query[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else query[key] = [existing, value];
  }
  return query;
}

/** The first value of a query parameter, as every reader here takes it. */
export function firstValue(query: Query | undefined, name: string): string | undefined {
  const value = query?.[name];
  return Array.isArray(value) ? value[0] : value;
}

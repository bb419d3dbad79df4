// Bounds on what a decoded request body may be, checked by the first and only walk that sees the body whole.
//
// A YAML alias is decoded (by js-yaml, as by any YAML library) as a reference to one shared node, so a 500-byte
// body can stand for 9^11 nodes and every later pass (merging, validation, JSON encoding) would walk all of them.
// kube-apiserver's YAML decoder limits alias expansion; here the walk below counts nodes as they would be expanded,
// with a budget on their number and on their encoded size, so it stops after at most MAX_BODY_NODES steps whatever
// the body is — cyclic anchors included — and answers 413 before anything else has looked at it. The same walk
// refuses `__proto__` keys (merging them would replace the prototype of the merged objects) and bodies nested deeper
// than MAX_BODY_DEPTH. It is iterative, so no body can exhaust the stack either.

import yaml from 'js-yaml';
import { statusErrors } from '../status.js';

/** Deeper bodies are refused before anything recurses into them (kube-apiserver's JSON decoder has a limit too). */
export const MAX_BODY_DEPTH = 1000;
/** Nesting limit while parsing YAML (js-yaml's parser recurses); request objects nest a few dozen levels at most. */
export const MAX_YAML_DEPTH = 100;
/** Values (objects, arrays, scalars) in one decoded body, aliases counted as often as they are referenced. */
export const MAX_BODY_NODES = 200_000;
/** The decoded body's size as JSON, aliases expanded: no larger than the largest body accepted (3 MiB). */
export const MAX_DECODED_BYTES = 3 * 1024 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tooLarge(what: string): Error {
  return statusErrors.requestEntityTooLarge(`${what} is too large: it decodes to more than ${MAX_BODY_NODES} values or ${MAX_DECODED_BYTES} bytes (YAML aliases counted as expanded)`);
}

/** Checks the bounds above; returns the value unchanged. */
export function checkBodyBounds(value: unknown, what = 'the request body'): unknown {
  const pending: { node: unknown; depth: number }[] = [{ node: value, depth: 0 }];
  let nodes = 0;
  let bytes = 0;
  while (pending.length > 0) {
    const { node, depth } = pending.pop()!;
    if (++nodes > MAX_BODY_NODES) throw tooLarge(what);
    if (depth > MAX_BODY_DEPTH) throw statusErrors.badRequest(`${what} is nested more than ${MAX_BODY_DEPTH} levels deep`);
    if (Array.isArray(node)) {
      bytes += 2 + node.length;
      for (const item of node) pending.push({ node: item, depth: depth + 1 });
    } else if (isRecord(node)) {
      bytes += 2;
      for (const k of Object.keys(node)) {
        if (k === '__proto__') throw statusErrors.badRequest(`${what} may not contain a "__proto__" field`);
        bytes += k.length + 4;
        pending.push({ node: node[k], depth: depth + 1 });
      }
    } else {
      bytes += typeof node === 'string' ? node.length + 2 : 8;
    }
    if (bytes > MAX_DECODED_BYTES) throw tooLarge(what);
  }
  return value;
}

/** A JSON syntax error in encoding/json's words, as kube-apiserver's messages quote it. */
export function goJsonError(err: unknown): string {
  const message = (err as Error).message;
  if (/end of JSON input|Unterminated|Unexpected end/i.test(message)) return 'unexpected end of JSON input';
  const token = /Unexpected token '?(.)/.exec(message)?.[1] ?? /Unexpected (?:non-whitespace )?character/.exec(message)?.[0];
  return token && token.length === 1 ? `invalid character '${token}' looking for beginning of value` : message;
}

/**
 * A JSON body, bounded. `syntaxError` words a body that is not JSON (from encoding/json's error), as the caller's
 * kube-apiserver counterpart does; by default "error decoding <what>: …".
 */
export function parseJson(body: string, what = 'the request body', syntaxError?: (goError: string) => string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    throw statusErrors.badRequest(syntaxError ? syntaxError(goJsonError(err)) : `error decoding ${what}: ${(err as Error).message}`);
  }
  return checkBodyBounds(value, what);
}

/** One YAML document (application/yaml, application/apply-patch+yaml), bounded as above. */
export function parseYaml(body: string, what = 'the request body'): unknown {
  let value: unknown;
  try {
    // js-yaml 4.3 has maxDepth; @types/js-yaml 4.0 does not know it yet.
    value = yaml.load(body, { maxDepth: MAX_YAML_DEPTH } as yaml.LoadOptions);
  } catch (err) {
    throw statusErrors.badRequest(`error decoding YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return checkBodyBounds(value, what);
}

// Answers in YAML for a client that asks for `application/yaml` first, as kube-apiserver does for every resource
// (CRDs included): objects, lists and Status errors alike. The handlers all write JSON; this turns the finished JSON
// answer into YAML on its way out, so no handler needs to know. Keys are sorted and sequences sit at their key's
// indentation, as sigs.k8s.io/yaml (JSON → yaml.v2) writes them. Watches stay JSON (kube has no YAML stream either),
// and so does a list long enough to be streamed in chunks (handlers/common.ts renderList): it is never held whole.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import yaml from 'js-yaml';
import { parseAccept } from './negotiation.js';

export const YAML_MEDIA_TYPE = 'application/yaml';

/** Whether the first range of `accept` this server can answer is `application/yaml` (no `as=` transform). */
export function prefersYaml(accept: string | undefined): boolean {
  for (const r of parseAccept(accept)) {
    if (r.type === 'application' && r.subtype === 'yaml') return r.params.as === undefined;
    if ((r.type === 'application' && (r.subtype === 'json' || r.subtype === '*')) || (r.type === '*' && r.subtype === '*')) return false;
  }
  return false;
}

/** A JSON text as YAML, in sigs.k8s.io/yaml's layout. */
export function jsonToYaml(text: string): string {
  return yaml.dump(JSON.parse(text), { sortKeys: true, noArrayIndent: true, lineWidth: -1, noRefs: true });
}

function yamlPayload(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
  if (typeof payload !== 'string' || !prefersYaml(request.headers.accept)) return payload;
  const type = String(reply.getHeader('content-type') ?? '').split(';').map((s) => s.trim());
  // Only plain JSON: not a watch (`;stream=watch`), not an already transformed answer.
  if (type[0] !== 'application/json' || !type.slice(1).every((p) => p.startsWith('charset='))) return payload;
  let converted: string;
  try {
    converted = jsonToYaml(payload);
  } catch {
    return payload;
  }
  reply.header('content-type', YAML_MEDIA_TYPE);
  return converted;
}

/** Registers the conversion on every answer of `app`. */
export function registerYamlOutput(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => yamlPayload(request, reply, payload));
}

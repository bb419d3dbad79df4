// Fields of the platform spec this server's schema does not know. They are kept and passed to the platform as written
// (schema.ts: the platform validates its own fields, and a newer VVP has fields this server does not know), so the
// only trace of not knowing them is a Warning naming them: a typo then reads as one, and the platform's own refusal of
// a field it does not know either reaches the user as its 400 naming the field. An update names only the unknown
// fields it adds or changes, as kube's strategies warn only about what the update introduced.

import { isPlainObject } from '../../k8s/index.js';
import { deepEqual } from './json.js';
import { platformSpecSchema } from '../schema.js';
import type { VvpDeployment } from '../types.js';

type Schema = Record<string, unknown>;

function unknownPaths(value: unknown, schema: Schema | undefined, path: string, out: Map<string, unknown>): void {
  // Open nodes (Kubernetes types, pod templates) are the Kubernetes pod options: passed through without a word.
  if (!schema || schema['x-kubernetes-preserve-unknown-fields'] === true) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => unknownPaths(item, schema.items as Schema | undefined, `${path}[${i}]`, out));
    return;
  }
  if (!isPlainObject(value)) return;
  const properties = schema.properties as Record<string, Schema> | undefined;
  if (!properties) return;
  for (const [k, v] of Object.entries(value)) {
    const declared = properties[k];
    if (declared) unknownPaths(v, declared, `${path}.${k}`, out);
    else out.set(`${path}.${k}`, v);
  }
}

/** The unknown fields of spec.deployment.spec and spec.initFields.spec, by path, with their values. */
export function unknownPlatformFields(obj: Pick<VvpDeployment, 'spec'>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  unknownPaths(obj.spec?.deployment?.spec, platformSpecSchema, 'spec.deployment.spec', out);
  unknownPaths(obj.spec?.initFields?.spec, platformSpecSchema, 'spec.initFields.spec', out);
  return out;
}

/** The Warning of a write whose platform spec has fields the server does not know (new or changed ones on an update). */
export function unknownFieldWarning(obj: Pick<VvpDeployment, 'spec'>, old?: Pick<VvpDeployment, 'spec'>): string | undefined {
  const before = old ? unknownPlatformFields(old) : new Map<string, unknown>();
  const named = [...unknownPlatformFields(obj)].filter(([path, value]) => !before.has(path) || !deepEqual(before.get(path), value)).map(([path]) => path);
  if (named.length === 0) return undefined;
  const fields = named.map((p) => `"${p}"`).join(', ');
  return `unknown field${named.length > 1 ? 's' : ''} ${fields}: not in this server's schema; passed to Ververica Platform as written (the platform validates its own fields)`;
}

// FieldsV1 sets as structured-merge-diff keeps them: paths of `f:<field>`, `k:{<keys>}` (items of a map-type list) and
// `v:<value>` (items of a set-type list), read from and rendered to FieldsV1 (`"."` marks a container owned as a
// whole beside its children), and the leaves and containers of an object that ownership is tracked for. Kept apart
// from managed-fields.ts, which decides who owns what.

import { isPlainObject } from './patch.js';

export type Path = string[];
export type Schema = Record<string, unknown> | undefined;

const IGNORED_METADATA = new Set([
  'name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp',
  'deletionGracePeriodSeconds', 'managedFields', 'selfLink',
]);

export const key = (p: Path): string => JSON.stringify(p);
export const unkey = (k: string): Path => JSON.parse(k) as Path;

/** `.spec.env[name="a"].value`, as structured-merge-diff prints paths. */
export function formatPath(p: Path): string {
  return p.map((e) => {
    if (e.startsWith('f:')) return `.${e.slice(2)}`;
    if (e.startsWith('k:')) {
      const keys = JSON.parse(e.slice(2)) as Record<string, unknown>;
      return `[${Object.entries(keys).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    }
    return `[=${e.slice(2)}]`;
  }).join('');
}

// ObjectMeta's own list types (finalizers: set, ownerReferences: map by uid), whatever the resource schema says.
const METADATA_SCHEMA: Record<string, unknown> = {
  type: 'object',
  properties: {
    finalizers: { type: 'array', 'x-kubernetes-list-type': 'set' },
    ownerReferences: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['uid'], items: { type: 'object' } },
  },
};

export function childSchema(schema: Schema, field: string, root = false): Schema {
  if (root && field === 'metadata') return METADATA_SCHEMA;
  const properties = schema?.properties as Record<string, Record<string, unknown>> | undefined;
  const additional = schema?.additionalProperties;
  return properties?.[field] ?? (isPlainObject(additional) ? additional : undefined);
}

export function listType(schema: Schema): { type: 'map'; keys: string[] } | { type: 'set' } | undefined {
  const type = schema?.['x-kubernetes-list-type'];
  const keys = schema?.['x-kubernetes-list-map-keys'];
  if (type === 'map' && Array.isArray(keys) && keys.length > 0) return { type: 'map', keys: keys as string[] };
  if (type === 'set') return { type: 'set' };
  return undefined;
}

function itemKey(item: unknown, keys: string[]): string | undefined {
  if (!isPlainObject(item)) return undefined;
  const picked: Record<string, unknown> = {};
  for (const k of [...keys].sort()) if (item[k] !== undefined) picked[k] = item[k];
  return Object.keys(picked).length ? `k:${JSON.stringify(picked)}` : undefined;
}

export function elementOf(value: unknown, list: NonNullable<ReturnType<typeof listType>>): string | undefined {
  if (list.type === 'map') return itemKey(value, list.keys);
  return typeof value === 'object' && value !== null ? undefined : `v:${JSON.stringify(value)}`;
}

/**
 * The leaves of an object that ownership is tracked for, with their values; `containers` (when given) receives the
 * paths of the non-empty maps, associative lists and list items above them (metadata itself excepted, as kube's
 * field manager strips it), which kube's comparison counts as added when they were absent before.
 */
export function leafValues(object: Record<string, unknown>, schema?: Schema, containers?: Set<string>): Map<string, unknown> {
  const leaves = new Map<string, unknown>();
  const walk = (value: unknown, path: Path, node: Schema) => {
    const list = Array.isArray(value) ? listType(node) : undefined;
    if (list && Array.isArray(value) && value.length > 0 && value.every((item) => elementOf(item, list))) {
      containers?.add(key(path));
      for (const item of value) {
        const element = elementOf(item, list)!;
        if (list.type === 'set') leaves.set(key([...path, element]), item);
        else walk(item, [...path, element], node?.items as Schema);
      }
    } else if (isPlainObject(value) && Object.keys(value).length > 0 && node?.['x-kubernetes-map-type'] !== 'atomic') {
      if (path.length > 0 && !(path.length === 1 && path[0] === 'f:metadata')) containers?.add(key(path));
      for (const [k, v] of Object.entries(value)) {
        if (path.length === 0 && (k === 'apiVersion' || k === 'kind')) continue;
        if (path.length === 1 && path[0] === 'f:metadata' && IGNORED_METADATA.has(k)) continue;
        walk(v, [...path, `f:${k}`], childSchema(node, k, path.length === 0));
      }
    } else if (path.length > 0) {
      leaves.set(key(path), value);
    }
  };
  walk(object, [], schema);
  return leaves;
}

/** Reads FieldsV1 into path keys: leaves (`{}`) and containers owned as a whole (`"."`). */
export function fieldsV1ToPaths(fields: Record<string, unknown> | undefined): Set<string> {
  const paths = new Set<string>();
  const walk = (node: Record<string, unknown>, path: Path) => {
    for (const [k, v] of Object.entries(node)) {
      if (k === '.') {
        if (path.length) paths.add(key(path));
        continue;
      }
      const child = [...path, k];
      if (isPlainObject(v) && Object.keys(v).length > 0) walk(v, child);
      else paths.add(key(child));
    }
  };
  if (fields) walk(fields, []);
  return paths;
}

export function pathsToFieldsV1(paths: Iterable<string>): Record<string, unknown> {
  interface Node { own: boolean; children: Map<string, Node> }
  const root: Node = { own: false, children: new Map() };
  for (const k of paths) {
    let node = root;
    for (const element of unkey(k)) {
      let child = node.children.get(element);
      if (!child) node.children.set(element, (child = { own: false, children: new Map() }));
      node = child;
    }
    node.own = true;
  }
  const render = (node: Node): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    if (node.own && node.children.size > 0) out['.'] = {};
    for (const element of [...node.children.keys()].sort()) out[element] = render(node.children.get(element)!);
    return out;
  };
  return render(root);
}


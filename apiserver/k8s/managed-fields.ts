// Field ownership (metadata.managedFields, FieldsV1) and server-side apply, in the spirit of
// sigs.k8s.io/structured-merge-diff: objects are granular; lists are atomic leaves unless the schema says
// `x-kubernetes-list-type: map` (items keyed by x-kubernetes-list-map-keys, `k:{…}`) or `set` (scalar items, `v:…`);
// `x-kubernetes-map-type: atomic` objects are leaves. Path elements are FieldsV1 keys (`f:name`, `k:{…}`, `v:…`).
//
// Update (create/PUT/json-patch/merge-patch): the manager gains every leaf it changed; other managers lose them.
// Apply: the manager owns exactly the leaves of its configuration; touching another manager's leaf with a different
// value is a conflict unless forced; leaves it applied before and no longer applies are removed when nobody else owns them.

import { deepClone, deepEqual, isPlainObject } from './patch.js';
import { statusErrors } from './status.js';
import type { KubeObject, ManagedFieldsEntry, StatusCause } from './types.js';

type Path = string[];
type Schema = Record<string, unknown> | undefined;

const IGNORED_METADATA = new Set([
  'name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp',
  'deletionGracePeriodSeconds', 'managedFields', 'selfLink',
]);

const key = (p: Path): string => JSON.stringify(p);
const unkey = (k: string): Path => JSON.parse(k) as Path;

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

function childSchema(schema: Schema, field: string, root = false): Schema {
  if (root && field === 'metadata') return METADATA_SCHEMA;
  const properties = schema?.properties as Record<string, Record<string, unknown>> | undefined;
  const additional = schema?.additionalProperties;
  return properties?.[field] ?? (isPlainObject(additional) ? additional : undefined);
}

function listType(schema: Schema): { type: 'map'; keys: string[] } | { type: 'set' } | undefined {
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

function elementOf(value: unknown, list: NonNullable<ReturnType<typeof listType>>): string | undefined {
  if (list.type === 'map') return itemKey(value, list.keys);
  return typeof value === 'object' && value !== null ? undefined : `v:${JSON.stringify(value)}`;
}

/** The leaves of an object that ownership is tracked for, with their values. */
export function leafValues(object: Record<string, unknown>, schema?: Schema): Map<string, unknown> {
  const leaves = new Map<string, unknown>();
  const walk = (value: unknown, path: Path, node: Schema) => {
    const list = Array.isArray(value) ? listType(node) : undefined;
    if (list && Array.isArray(value) && value.length > 0 && value.every((item) => elementOf(item, list))) {
      for (const item of value) {
        const element = elementOf(item, list)!;
        if (list.type === 'set') leaves.set(key([...path, element]), item);
        else walk(item, [...path, element], node?.items as Schema);
      }
    } else if (isPlainObject(value) && Object.keys(value).length > 0 && node?.['x-kubernetes-map-type'] !== 'atomic') {
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

function isPrefix(prefix: Path, path: Path): boolean {
  return prefix.length <= path.length && prefix.every((f, i) => path[i] === f);
}

function overlaps(a: string, b: string): boolean {
  const pa = unkey(a);
  const pb = unkey(b);
  return isPrefix(pa, pb) || isPrefix(pb, pa);
}

function matches(item: unknown, element: string): boolean {
  if (element.startsWith('v:')) return deepEqual(item, JSON.parse(element.slice(2)));
  const keys = JSON.parse(element.slice(2)) as Record<string, unknown>;
  return isPlainObject(item) && Object.entries(keys).every(([k, v]) => deepEqual(item[k], v));
}

function step(current: unknown, element: string): unknown {
  if (element.startsWith('f:')) return isPlainObject(current) ? current[element.slice(2)] : undefined;
  return Array.isArray(current) ? current.find((item) => matches(item, element)) : undefined;
}

function valueAt(object: unknown, path: Path): unknown {
  return path.reduce<unknown>((current, element) => step(current, element), object);
}

function deleteAt(object: Record<string, unknown>, path: Path): void {
  if (path.length === 0) return;
  const parent = valueAt(object, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (last.startsWith('f:')) {
    if (isPlainObject(parent)) delete parent[last.slice(2)];
  } else if (Array.isArray(parent)) {
    const index = parent.findIndex((item) => matches(item, last));
    if (index >= 0) parent.splice(index, 1);
  }
}

function deepMerge(target: unknown, patch: unknown, schema: Schema, root = false): unknown {
  const list = Array.isArray(patch) && Array.isArray(target) ? listType(schema) : undefined;
  if (list && Array.isArray(patch) && Array.isArray(target)) {
    const out = [...target];
    for (const item of patch) {
      const element = elementOf(item, list);
      const index = element ? out.findIndex((existing) => matches(existing, element)) : -1;
      if (index >= 0) out[index] = deepMerge(out[index], item, schema?.items as Schema);
      else out.push(deepClone(item));
    }
    return out;
  }
  if (!isPlainObject(patch) || !isPlainObject(target) || schema?.['x-kubernetes-map-type'] === 'atomic') return deepClone(patch);
  const out: Record<string, unknown> = { ...target };
  for (const [k, v] of Object.entries(patch)) out[k] = deepMerge(out[k], v, childSchema(schema, k, root));
  return out;
}

/**
 * What to delete when a field leaves its applier: the whole list item when nobody keeps any of it, otherwise the
 * field, except an item's key fields (the item would lose its identity).
 */
function removalTarget(path: Path, kept: (prefix: string) => boolean): Path {
  for (let i = 0; i < path.length; i++) {
    if (!path[i]!.startsWith('k:') && !path[i]!.startsWith('v:')) continue;
    const prefix = path.slice(0, i + 1);
    if (!kept(key(prefix))) return prefix;
    const itemKeys = path[i]!.startsWith('k:') ? Object.keys(JSON.parse(path[i]!.slice(2)) as object) : [];
    if (i === path.length - 2 && itemKeys.includes(path[i + 1]!.slice(2))) return [];
  }
  return path;
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = withoutNulls(v);
  return out;
}

interface Owner {
  entry: ManagedFieldsEntry;
  paths: Set<string>;
}

function owners(entries: ManagedFieldsEntry[] | undefined): Owner[] {
  return (entries ?? []).map((entry) => ({ entry, paths: fieldsV1ToPaths(entry.fieldsV1) }));
}

function sameIdentity(entry: ManagedFieldsEntry, manager: string, operation: 'Apply' | 'Update'): boolean {
  return entry.manager === manager && entry.operation === operation && !entry.subresource;
}

function render(list: Owner[], touched: Owner | undefined, apiVersion: string, now: string): ManagedFieldsEntry[] {
  return list
    .filter((o) => o.paths.size > 0)
    .map((o) => ({
      ...o.entry,
      ...(o === touched ? { apiVersion, time: now } : {}),
      fieldsType: 'FieldsV1' as const,
      fieldsV1: pathsToFieldsV1(o.paths),
    }));
}

export interface OwnershipContext {
  manager: string;
  /** `<group>/<version>` of the resource. */
  apiVersion: string;
  /** The resource's schema, for list and map types. */
  schema?: Record<string, unknown>;
  now?: Date;
}

/**
 * managedFields after a non-apply write (create, update, json/merge patch) turning `before` into `after`. `entries`
 * is the ownership to start from (normally before's).
 */
export function updateManagedFields(before: KubeObject | undefined, after: KubeObject, entries: ManagedFieldsEntry[] | undefined, ctx: OwnershipContext): ManagedFieldsEntry[] {
  const oldLeaves = before ? leafValues(before, ctx.schema) : new Map<string, unknown>();
  const newLeaves = leafValues(after, ctx.schema);
  const changed = [...newLeaves].filter(([k, v]) => !oldLeaves.has(k) || !deepEqual(oldLeaves.get(k), v)).map(([k]) => k);
  const removed = [...oldLeaves.keys()].filter((k) => !newLeaves.has(k));
  const list = owners(entries);
  let mine = list.find((o) => sameIdentity(o.entry, ctx.manager, 'Update'));
  if (!mine && changed.length > 0) {
    mine = { entry: { manager: ctx.manager, operation: 'Update' }, paths: new Set() };
    list.push(mine);
  }
  for (const owner of list) {
    for (const k of [...changed, ...removed]) if (owner !== mine) owner.paths.delete(k);
    for (const k of removed) owner.paths.delete(k);
  }
  for (const k of changed) mine?.paths.add(k);
  const touched = changed.length > 0 || removed.length > 0 ? mine : undefined;
  return render(list, touched, ctx.apiVersion, (ctx.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'));
}

export interface Conflict {
  manager: ManagedFieldsEntry;
  path: string;
}

function printManager(entry: ManagedFieldsEntry): string {
  const name = JSON.stringify(entry.manager ?? '');
  const withSub = entry.subresource ? `${name} with subresource ${JSON.stringify(entry.subresource)}` : name;
  if (entry.operation === 'Update') return entry.time ? `${withSub} using ${entry.apiVersion ?? ''} at ${entry.time}` : `${withSub} using ${entry.apiVersion ?? ''}`;
  return withSub;
}

/** kube-apiserver's 409 for apply conflicts (managedfields internal/conflict.go). */
export function applyConflictError(conflicts: Conflict[]): Error {
  const causes: StatusCause[] = conflicts.map((c) => ({ type: 'FieldManagerConflict', message: `conflict with ${printManager(c.manager)}`, field: c.path }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0]!.manager)}: ${conflicts[0]!.path}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const m = printManager(c.manager);
      byManager.set(m, [...(byManager.get(m) ?? []), c.path]);
    }
    const lines = [...byManager.keys()].sort().flatMap((m) => [`conflicts with ${m}:`, ...byManager.get(m)!.map((p) => `- ${p}`)]);
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return statusErrors.applyConflict(causes, message);
}

/**
 * Server-side apply of `config` by ctx.manager onto `live` (undefined: create-on-apply). Returns the merged object
 * with its managedFields; throws the 409 conflict error unless `force`.
 */
export function applyConfiguration(live: KubeObject | undefined, config: KubeObject, force: boolean, ctx: OwnershipContext): KubeObject {
  const applied = withoutNulls(config) as KubeObject;
  if (isPlainObject(applied.metadata)) delete applied.metadata.managedFields;
  const appliedLeaves = leafValues(applied, ctx.schema);
  const base = live ? (deepClone(live) as KubeObject) : ({ apiVersion: config.apiVersion, kind: config.kind, metadata: {} } as KubeObject);
  const list = owners(live?.metadata.managedFields);
  const others = list.filter((o) => !sameIdentity(o.entry, ctx.manager, 'Apply'));

  const conflicts: Array<Conflict & { owner: Owner; owned: string }> = [];
  for (const [p, value] of appliedLeaves) {
    const current = valueAt(base, unkey(p));
    // An empty object applied onto an object adds nothing: it claims the container, not its fields.
    if (deepEqual(current, value) || (isPlainObject(value) && isPlainObject(current))) continue;
    for (const owner of others) {
      for (const owned of owner.paths) {
        if (overlaps(owned, p)) conflicts.push({ manager: owner.entry, path: formatPath(unkey(owned)), owner, owned });
      }
    }
  }
  if (conflicts.length > 0 && !force) throw applyConflictError(conflicts);
  for (const c of conflicts) c.owner.paths.delete(c.owned);

  let mine = list.find((o) => sameIdentity(o.entry, ctx.manager, 'Apply'));
  const previouslyApplied = mine ? [...mine.paths] : [];
  const ownedElsewhere = (p: string) => others.some((o) => [...o.paths].some((q) => overlaps(q, p)));
  for (const p of previouslyApplied) {
    if (appliedLeaves.has(p)) continue;
    const stillApplied = [...appliedLeaves.keys()].some((q) => isPrefix(unkey(p), unkey(q)));
    if (ownedElsewhere(p) || stillApplied) continue;
    deleteAt(base, removalTarget(unkey(p), (prefix) => ownedElsewhere(prefix) || [...appliedLeaves.keys()].some((q) => overlaps(q, prefix))));
  }

  const merged = deepMerge(base, applied, ctx.schema, true) as KubeObject;
  if (!mine) {
    mine = { entry: { manager: ctx.manager, operation: 'Apply' }, paths: new Set() };
    list.push(mine);
  }
  mine.paths = new Set(appliedLeaves.keys());
  merged.metadata.managedFields = render(list, mine, ctx.apiVersion, (ctx.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  return merged;
}

/** The manager of a write without fieldManager: the user agent up to its first '/', as kube-apiserver. */
export function managerFromUserAgent(userAgent: string | undefined): string {
  return (userAgent ?? '').split('/')[0]!.slice(0, 128);
}

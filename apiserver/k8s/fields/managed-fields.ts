// Field ownership (metadata.managedFields, FieldsV1) and server-side apply, in the spirit of
// sigs.k8s.io/structured-merge-diff: objects are granular; lists are atomic leaves unless the schema says
// `x-kubernetes-list-type: map` (items keyed by x-kubernetes-list-map-keys, `k:{…}`) or `set` (scalar items, `v:…`);
// `x-kubernetes-map-type: atomic` objects are leaves. Path elements are FieldsV1 keys (`f:name`, `k:{…}`, `v:…`).
//
// Update (create/PUT/json-patch/merge-patch): the manager gains every leaf it changed; other managers lose them.
// Apply: the manager owns exactly the leaves of its configuration; touching another manager's leaf with a different
// value is a conflict unless forced; leaves it applied before and no longer applies are removed when nobody else owns them.

import { deepClone, deepEqual, isPlainObject } from './patch.js';
import {
  type Path, type Schema, childSchema, elementOf, fieldsV1ToPaths, formatPath, key, leafValues, listType, pathsToFieldsV1, unkey,
} from './field-sets.js';
import { statusErrors } from '../status.js';
import type { KubeObject, ManagedFieldsEntry, StatusCause } from '../types.js';

export { fieldsV1ToPaths, formatPath, leafValues, pathsToFieldsV1 } from './field-sets.js';

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

const seconds = (entry: ManagedFieldsEntry) => (entry.time ? Math.floor(Date.parse(entry.time) / 1000) : 0);
const byText = (a: string | undefined, b: string | undefined) => ((a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0);

/** kube's order of managedFields (sortEncodedManagedFields): operation, then time in seconds, manager, apiVersion, subresource. */
function kubeOrder(a: ManagedFieldsEntry, b: ManagedFieldsEntry): number {
  return byText(a.operation, b.operation) || seconds(a) - seconds(b) || byText(a.manager, b.manager)
    || byText(a.apiVersion, b.apiVersion) || byText(a.subresource, b.subresource);
}

function render(list: Owner[], touched: Owner | undefined, apiVersion: string, now: string): ManagedFieldsEntry[] {
  return list
    .filter((o) => o.paths.size > 0)
    .map((o) => ({
      apiVersion,
      ...o.entry,
      ...(o === touched ? { apiVersion, time: now } : {}),
      fieldsType: 'FieldsV1' as const,
      fieldsV1: pathsToFieldsV1(o.paths),
    }))
    .sort(kubeOrder);
}

/** The object without what no manager owns: the server's labels, and status where /status is its own (reset fields). */
function tracked(object: KubeObject, ctx: OwnershipContext): KubeObject {
  if (ctx.resetStatus && object.status !== undefined) object = { ...object, status: undefined };
  // Empty metadata collections decode as absent (ObjectMeta's omitempty): nobody owns `finalizers: []`.
  const empty = (['labels', 'annotations', 'finalizers', 'ownerReferences'] as const).filter((k) => {
    const v: unknown = object.metadata?.[k];
    return Array.isArray(v) ? v.length === 0 : isPlainObject(v) && Object.keys(v).length === 0;
  });
  if (empty.length > 0) object = { ...object, metadata: Object.fromEntries(Object.entries(object.metadata).filter(([k]) => !(empty as string[]).includes(k))) };
  const labels: unknown = object.metadata?.labels;
  // A labels value of the wrong type is the validator's to refuse (422), after this runs.
  if (!ctx.untrackedLabels?.length || !isPlainObject(labels) || !ctx.untrackedLabels.some((l) => l in labels)) return object;
  const kept = Object.fromEntries(Object.entries(labels).filter(([l]) => !ctx.untrackedLabels!.includes(l))) as Record<string, string>;
  const { labels: _labels, ...metadata } = object.metadata;
  return { ...object, metadata: Object.keys(kept).length ? { ...metadata, labels: kept } : metadata };
}

/** The manager's name in its entry: kube's buildManagerInfo calls a nameless one "unknown". */
const managerName = (ctx: OwnershipContext) => ctx.manager || 'unknown';
const nowText = (ctx: OwnershipContext) => (ctx.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface OwnershipContext {
  manager: string;
  /** `<group>/<version>` of the resource. */
  apiVersion: string;
  /** The resource's schema, for list and map types. */
  schema?: Record<string, unknown>;
  /** Labels the server sets itself (ResourceInfo.untrackedLabels): no manager owns them, as if they were not there. */
  untrackedLabels?: readonly string[];
  /** The kind has a status subresource: a write of the main resource owns no status field (kube's reset fields). */
  resetStatus?: boolean;
  now?: Date;
}

/**
 * managedFields after a non-apply write (create, update, json/merge patch) turning `before` into `after`. `entries`
 * is the ownership to start from (normally before's).
 */
export function updateManagedFields(before: KubeObject | undefined, after: KubeObject, entries: ManagedFieldsEntry[] | undefined, ctx: OwnershipContext): ManagedFieldsEntry[] {
  const manager = managerName(ctx);
  // structured-merge-diff's Compare: leaves added or modified, and maps and lists that were absent before (`"."`).
  const oldContainers = new Set<string>();
  const newContainers = new Set<string>();
  const oldLeaves = before ? leafValues(tracked(before, ctx), ctx.schema, oldContainers) : new Map<string, unknown>();
  const newLeaves = leafValues(tracked(after, ctx), ctx.schema, newContainers);
  const wasThere = (k: string) => oldLeaves.has(k) || oldContainers.has(k);
  const isThere = (k: string) => newLeaves.has(k) || newContainers.has(k);
  const changed = [
    ...[...newLeaves].filter(([k, v]) => (oldLeaves.has(k) ? !deepEqual(oldLeaves.get(k), v) : !oldContainers.has(k))).map(([k]) => k),
    ...[...newContainers].filter((k) => !wasThere(k)),
  ];
  const removed = [...oldLeaves.keys(), ...oldContainers].filter((k) => !isThere(k));
  const list = owners(entries);
  let mine = list.find((o) => sameIdentity(o.entry, manager, 'Update'));
  if (!mine && changed.length > 0) {
    mine = { entry: { manager, operation: 'Update' }, paths: new Set() };
    list.push(mine);
  }
  for (const owner of list) {
    for (const k of [...changed, ...removed]) if (owner !== mine) owner.paths.delete(k);
    for (const k of removed) owner.paths.delete(k);
  }
  for (const k of changed) mine?.paths.add(k);
  // kube's managedFieldsUpdater moves an entry's time only when the write gave its manager a field.
  return render(list, changed.length > 0 ? mine : undefined, ctx.apiVersion, nowText(ctx));
}

export interface Conflict {
  manager: ManagedFieldsEntry;
  path: string;
}

function printManager(entry: ManagedFieldsEntry): string {
  const name = JSON.stringify(entry.manager ?? '');
  const withSub = entry.subresource ? `${name} with subresource ${JSON.stringify(entry.subresource)}` : name;
  // kube prints the manager identifier, which never holds the time (BuildManagerIdentifier).
  if (entry.operation === 'Update') return `${withSub} using ${entry.apiVersion ?? ''}`;
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
  const appliedContainers = new Set<string>();
  const appliedLeaves = leafValues(applied, ctx.schema, appliedContainers);
  const base = live ? (deepClone(live) as KubeObject) : ({ apiVersion: config.apiVersion, kind: config.kind, metadata: {} } as KubeObject);
  // kube's skipNonAppliedManager: fields of an object nobody manages go to "before-first-apply" before the first apply.
  const liveEntries = live && !live.metadata.managedFields?.length
    ? updateManagedFields({ apiVersion: live.apiVersion, kind: live.kind, metadata: {} }, live, [], { ...ctx, manager: 'before-first-apply' })
    : live?.metadata.managedFields;
  const list = owners(liveEntries);
  const others = list.filter((o) => !sameIdentity(o.entry, ctx.manager, 'Apply'));

  // A map or list item owned as a whole (".") is not changed by a change below it.
  const touches = (owned: string, p: string) => overlaps(owned, p) && !(owned !== p && isPrefix(unkey(owned), unkey(p)) && isPlainObject(valueAt(base, unkey(owned))));
  const conflicts: Array<Conflict & { owner: Owner; owned: string }> = [];
  for (const [p, value] of appliedLeaves) {
    const current = valueAt(base, unkey(p));
    // An empty object applied onto an object adds nothing: it claims the container, not its fields.
    if (deepEqual(current, value) || (isPlainObject(value) && isPlainObject(current))) continue;
    for (const owner of others) {
      for (const owned of owner.paths) {
        if (touches(owned, p)) conflicts.push({ manager: owner.entry, path: formatPath(unkey(owned)), owner, owned });
      }
    }
  }
  if (conflicts.length > 0 && !force) throw applyConflictError(conflicts);
  for (const c of conflicts) c.owner.paths.delete(c.owned);

  let mine = list.find((o) => sameIdentity(o.entry, ctx.manager, 'Apply'));
  const previouslyApplied = mine ? [...mine.paths] : [];
  const ownedElsewhere = (p: string) => others.some((o) => [...o.paths].some((q) => touches(q, p)));
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
  // The applied set (structured-merge-diff's ToFieldSet): its leaves and the items of its associative lists.
  mine.paths = new Set([...appliedLeaves.keys(), ...[...appliedContainers].filter((p) => /^[kv]:/.test(unkey(p).at(-1) ?? ''))]);
  // kube's managedFieldsUpdater: an apply that changes nothing leaves its manager's time as it was (none when new).
  const withoutFields = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, managedFields: undefined } });
  const changed = !live || !deepEqual(withoutFields(merged), withoutFields(live));
  merged.metadata.managedFields = render(list, changed ? mine : undefined, ctx.apiVersion, nowText(ctx));
  return merged;
}

/** The manager of a write without fieldManager: the user agent up to its first '/', as kube-apiserver. */
export function managerFromUserAgent(userAgent: string | undefined): string {
  return (userAgent ?? '').split('/')[0]!.slice(0, 128);
}

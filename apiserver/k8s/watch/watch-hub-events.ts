// The watch hub's events and objects between polls, without the loop: how an object is kept (its JSON text and the
// metadata filters need), how a change is projected through one watcher's filter (a selector transition is an ADDED
// or a DELETED), and the JSON sizes the watchers' byte bound counts.

import type { WatchEvent, WatchEventType } from '../storage.js';
import type { KubeObject } from '../types.js';
import type { SnapshotEntry } from './watch-hub-options.js';

/** An object as kept between polls: its JSON text, and the metadata watch filters look at. */
export interface Kept {
  resourceVersion: string;
  /** What it was built from (SnapshotEntry.version; its resourceVersion when the backend gives none). */
  version: string;
  skeleton: KubeObject;
  json: string;
}

export interface HubEvent {
  type: Exclude<WatchEventType, 'BOOKMARK' | 'ERROR'>;
  object: KubeObject;
  /** For MODIFIED: the object before, as kept (revived only if a watcher sees the change as its DELETED). */
  previous?: Kept;
  rv: bigint;
}

export function resourceVersionOf(object: KubeObject | string): bigint {
  try {
    return BigInt((typeof object === 'string' ? object : object.metadata.resourceVersion) || '0');
  } catch {
    return 0n;
  }
}

export function identity(object: KubeObject): string {
  return object.metadata.uid ?? `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
}

export function asEntry(item: KubeObject | SnapshotEntry): SnapshotEntry {
  if (typeof (item as SnapshotEntry).object === 'function') return item as SnapshotEntry;
  const object = item as KubeObject;
  return { id: identity(object), resourceVersion: object.metadata.resourceVersion ?? '', object: () => object };
}

/** The JSON size of the event objects the hub hands out, for the watchers' byte bound (EventQueue). */
const jsonSizes = new WeakMap<object, number>();

export function eventSize(event: WatchEvent): number {
  return jsonSizes.get(event.object) ?? 1024;
}

/** The JSON bytes one remembered event holds: its object and, for a MODIFIED, the object before. */
export function historyEventBytes(event: HubEvent): number {
  return (jsonSizes.get(event.object) ?? 1024) + (event.previous?.json.length ?? 0);
}

export function keep(object: KubeObject, version?: string): Kept {
  const m = object.metadata;
  const metadata: KubeObject['metadata'] = {};
  for (const key of ['name', 'namespace', 'uid', 'resourceVersion', 'labels'] as const) if (m[key] !== undefined) (metadata as Record<string, unknown>)[key] = m[key];
  const json = JSON.stringify(object);
  jsonSizes.set(object, json.length);
  return { resourceVersion: m.resourceVersion ?? '', version: version ?? m.resourceVersion ?? '', skeleton: { apiVersion: object.apiVersion, kind: object.kind, metadata }, json };
}

export function revive(kept: Kept): KubeObject {
  const object = JSON.parse(kept.json) as KubeObject;
  jsonSizes.set(object, kept.json.length);
  return object;
}

export function withResourceVersion(object: KubeObject, rv: bigint): KubeObject {
  const moved = { ...object, metadata: { ...object.metadata, resourceVersion: rv.toString() } };
  jsonSizes.set(moved, jsonSizes.get(object) ?? 1024);
  return moved;
}

/** What one watcher sees of a change, given its filter (a selector transition is an ADDED or a DELETED). */
export function project(event: HubEvent, filter: (o: KubeObject) => boolean, deletedBefore: (e: HubEvent) => KubeObject): WatchEvent | undefined {
  if (event.type !== 'MODIFIED') return filter(event.object) ? { type: event.type, object: event.object } : undefined;
  const now = filter(event.object);
  const before = event.previous ? filter(event.previous.skeleton) : false;
  if (now && before) return { type: 'MODIFIED', object: event.object };
  if (now) return { type: 'ADDED', object: event.object };
  if (before) return { type: 'DELETED', object: deletedBefore(event) };
  return undefined;
}

/** The DELETED object a selector transition sends: the object before the change, at the change's resourceVersion. */
export function deletedBeforeOnce(): (e: HubEvent) => KubeObject {
  const made = new WeakMap<HubEvent, KubeObject>();
  return (e) => {
    let o = made.get(e);
    if (!o) made.set(e, (o = withResourceVersion(e.previous ? revive(e.previous) : e.object, e.rv)));
    return o;
  };
}

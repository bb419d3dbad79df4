// What every table of cases shares: the namespaces, the manifest both sides get (apiVersion aside), and small
// request helpers. The manifest spells out what the product would default (platform name and namespace, deletion
// policy) so that both sides hold the same spec; the defaulting itself is a case of its own.
import type { SideApi } from '../../support/differential.js';
import { answer, isObj, parseBody, statusOf } from '../../support/differential.js';

/** Shared, never written after setup: lists, reads, watches, formats. */
export const READ_NS = 'conf-read';
/** Every writing case makes its own objects here (names unique per case). */
export const WRITE_NS = 'conf-write';
/** The namespace-deletion case's own namespace. */
export const DOOMED_NS = 'conf-doomed';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface ManifestOptions {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  parallelism?: number;
  metadata?: Record<string, Json>;
  /** Leave spec.deletionPolicy out: the schema's `default:` fills it. */
  deletionPolicyFromSchema?: boolean;
  /** The artifact's additionalDependencies (a list a tenant controls the length of). */
  dependencies?: string[];
}

export function manifest(s: SideApi, ns: string, name: string, o: ManifestOptions = {}): Record<string, Json> {
  return {
    apiVersion: s.apiVersion, kind: 'VvpDeployment',
    metadata: { ...(name ? { name } : {}), namespace: ns, ...(o.labels ? { labels: o.labels } : {}), ...(o.annotations ? { annotations: o.annotations } : {}), ...o.metadata },
    spec: {
      syncingMode: 'PATCH', ...(o.deletionPolicyFromSchema ? {} : { deletionPolicy: 'Cancel' }),
      deployment: {
        metadata: { name: name || 'unnamed', namespace: 'default' },
        spec: {
          state: 'CANCELLED', deploymentTargetName: 'default',
          template: { spec: { artifact: { kind: 'JAR', jarUri: 'file:///flink/examples/streaming/TopSpeedWindowing.jar', ...(o.dependencies ? { additionalDependencies: o.dependencies } : {}) }, parallelism: o.parallelism ?? 1 } },
        },
      },
    },
  };
}

export const JSON_CT = { 'content-type': 'application/json', accept: 'application/json' };
export const MERGE = { 'content-type': 'application/merge-patch+json', accept: 'application/json' };
export const JSONPATCH = { 'content-type': 'application/json-patch+json', accept: 'application/json' };
export const APPLY = { 'content-type': 'application/apply-patch+yaml', accept: 'application/json' };

export async function create(s: SideApi, ns: string, name: string, o: ManifestOptions = {}, query = ''): Promise<Record<string, unknown>> {
  const res = await s.send({ method: 'POST', path: `${s.collection(ns)}${query}`, headers: JSON_CT, body: JSON.stringify(manifest(s, ns, name, o)) });
  if (res.status !== 201) throw new Error(`create ${name}: ${res.status} ${res.body.slice(0, 300)}`);
  return JSON.parse(res.body) as Record<string, unknown>;
}

export async function get(s: SideApi, ns: string, name: string): Promise<Record<string, unknown> | undefined> {
  const res = await s.send({ path: s.item(ns, name), headers: { accept: 'application/json' } });
  return res.status === 200 ? JSON.parse(res.body) as Record<string, unknown> : undefined;
}

export function meta(o: unknown): Record<string, unknown> {
  return isObj(o) && isObj(o.metadata) ? o.metadata : {};
}

/** The answer as a client reads it: the Status of an error, else code, headers and the object. */
export function observed(res: Parameters<typeof answer>[0]): Record<string, unknown> {
  if (res.status >= 400) return { ...statusOf(res), contentType: answer(res, { body: false }).contentType, warnings: answer(res, { body: false }).warnings };
  return answer(res);
}

export { parseBody };

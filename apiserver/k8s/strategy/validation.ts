// Validation of every write against ResourceInfo.schema (ajv, with defaults applied like CRD structural defaulting),
// pruning of unknown fields with fieldValidation Strict/Warn/Ignore, and the ObjectMeta rules kube-apiserver applies.

import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { objectMetaCauses } from './object-meta-validation.js';
import { causesFromAjv } from './schema-errors.js';
import { deepClone, isPlainObject } from '../fields/patch.js';
import type { ResourceInfo } from '../storage.js';
import { statusErrors } from '../status.js';
import type { KubeObject, StatusCause } from '../types.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** fieldValidation of a write; anything else is the options' 422, as ValidateFieldValidation. */
export function parseFieldValidation(value: string | undefined, optionsKind = 'CreateOptions'): FieldValidation {
  if (value === undefined || value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw statusErrors.invalid('meta.k8s.io', optionsKind, '', [
    { type: 'FieldValueNotSupported', field: 'fieldValidation', message: `Unsupported value: ${JSON.stringify(value)}: supported values: "", "Ignore", "Strict", "Warn"` },
  ]);
}

const OBJECT_META_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields',
]);

/** Removes fields the schema does not declare (as CRD pruning); returns their paths. */
export function pruneUnknownFields(value: unknown, schema: Record<string, unknown> | undefined, path: string, unknown: string[], keep?: Set<string>): void {
  if (!schema || schema['x-kubernetes-preserve-unknown-fields'] === true) return;
  if (Array.isArray(value)) {
    const items = schema.items as Record<string, unknown> | undefined;
    value.forEach((item, i) => pruneUnknownFields(item, items, `${path}[${i}]`, unknown, keep));
    return;
  }
  if (!isPlainObject(value)) return;
  const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
  const additional = schema.additionalProperties;
  for (const k of Object.keys(value)) {
    const child = path ? `${path}.${k}` : k;
    const declared = properties?.[k];
    if (declared) pruneUnknownFields(value[k], declared, child, unknown, keep);
    else if (isPlainObject(additional)) pruneUnknownFields(value[k], additional, child, unknown, keep);
    else if (additional === true || keep?.has(child)) continue;
    else if (properties || additional === false) {
      unknown.push(child);
      delete value[k];
    }
  }
}

export interface ValidationResult {
  /** `unknown field "spec.x"` for each pruned field, for Warning headers. */
  warnings: string[];
}

export class ObjectValidator {
  private readonly validate: ValidateFunction;
  private readonly schema: Record<string, unknown>;

  constructor(private readonly info: ResourceInfo) {
    const ajv = new Ajv({ strict: false, allErrors: true, useDefaults: true, validateFormats: true, verbose: true });
    (addFormatsModule as unknown as (a: Ajv) => void)(ajv);
    for (const f of ['int32', 'int64', 'float', 'double', 'byte', 'binary', 'password', 'quantity', 'int-or-string']) ajv.addFormat(f, true);
    const properties = { ...((info.schema.properties as Record<string, unknown> | undefined) ?? {}) };
    // metadata is the machinery's (objectMetaCauses); apiVersion/kind are checked against the URL.
    properties.metadata = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    properties.apiVersion = { type: 'string' };
    properties.kind = { type: 'string' };
    this.schema = { ...info.schema, properties };
    this.validate = ajv.compile(this.schema);
  }

  /**
   * Prunes, defaults and validates `object` in place. Throws 400 (Strict with unknown fields) or 422. Undeclared
   * fields the `live` object already has are the storage's, not the client's: neither reported nor pruned.
   */
  check(object: KubeObject, fieldValidation: FieldValidation, live?: KubeObject, sent?: Set<string>): ValidationResult {
    const unknown = this.prune(object, live, [], sent);
    if (unknown.length > 0 && fieldValidation === 'Strict') {
      const { kind, version } = this.info;
      throw statusErrors.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`);
    }
    return this.validated(object, live, unknown, fieldValidation);
  }

  /**
   * The undeclared fields of what the client sent (on a copy): kube reports those when it decodes the body, before
   * admission; what a mutating webhook or policy adds later is pruned without a word (check's `sent`).
   */
  unknownFields(object: KubeObject, live?: KubeObject): Set<string> {
    const all: string[] = [];
    this.prune(deepClone(object), live, all);
    return new Set(all);
  }

  /** A copy without the undeclared fields: what kube's decoder hands its field manager (managedFields own no pruned field). */
  prunedCopy(object: KubeObject, live?: KubeObject): KubeObject {
    const copy = deepClone(object);
    this.prune(copy, live, []);
    return copy;
  }

  /** Prunes undeclared fields into `unknown`; answers those to report (all, or those also in `sent`). */
  private prune(object: KubeObject, live: KubeObject | undefined, unknown: string[], sent?: Set<string>): string[] {
    let keep: Set<string> | undefined;
    if (live) {
      const liveUnknown: string[] = [];
      pruneUnknownFields(deepClone(live), this.schema, '', liveUnknown);
      keep = new Set(liveUnknown);
    }
    pruneUnknownFields(object, this.schema, '', unknown, keep);
    if (isPlainObject(object.metadata)) {
      for (const k of Object.keys(object.metadata)) {
        if (!OBJECT_META_FIELDS.has(k)) {
          unknown.push(`metadata.${k}`);
          delete (object.metadata as Record<string, unknown>)[k];
        }
      }
    }
    return sent ? unknown.filter((f) => sent.has(f)) : unknown;
  }

  private validated(object: KubeObject, live: KubeObject | undefined, unknown: string[], fieldValidation: FieldValidation): ValidationResult {
    dropEmptyCollections(object.metadata);
    const meta = objectMetaCauses(object.metadata);
    if (live?.metadata.deletionTimestamp) meta.push(...newFinalizerCauses(object.metadata.finalizers, live.metadata.finalizers));
    // An update's metadata is validated twice by kube-apiserver (the common fields, then the strategy), each cause
    // twice, except the finalizer names, which only the strategy checks.
    const twice = meta.filter((c) => !(c.field === 'metadata.finalizers' && c.type === 'FieldValueInvalid'));
    // Label causes come a third time on an update (observed of kube-apiserver v1.37.2 for a CR: the declarative
    // metadata check reports them again).
    const third = meta.filter((c) => c.field?.startsWith('metadata.labels'));
    const causes = live ? [...twice, ...meta, ...third] : meta;
    if (!this.validate(object)) causes.push(...causesFromAjv(this.validate.errors ?? [], object));
    if (causes.length > 0) {
      throw statusErrors.invalid(this.info.group, this.info.kind, typeof object.metadata?.name === 'string' ? object.metadata.name : '', causes);
    }
    return { warnings: fieldValidation === 'Warn' ? unknown.map((f) => `unknown field "${f}"`) : [] };
  }
}

/** Each collection with the JSON type ObjectMeta gives it: only an empty value of that type is dropped. */
const COLLECTIONS = { labels: 'map', annotations: 'map', finalizers: 'list', ownerReferences: 'list' } as const;

/**
 * ObjectMeta's collections are `omitempty`: kube-apiserver decodes every body into ObjectMeta, so `labels: {}`,
 * `annotations: {}`, `finalizers: []`, `ownerReferences: []` (and nulls) are never stored nor answered. Keeping them
 * would show a client-side diff (`kubectl diff`) of an unchanged manifest as drift.
 */
export function dropEmptyCollections(metadata: unknown): void {
  if (!isPlainObject(metadata)) return;
  for (const [key, type] of Object.entries(COLLECTIONS)) {
    const v = metadata[key];
    // A value of the wrong type (`labels: []`) is left for validation to refuse, as kube's decoder refuses it.
    const empty = type === 'map' ? isPlainObject(v) && Object.keys(v).length === 0 : Array.isArray(v) && v.length === 0;
    if (v === null || empty) delete metadata[key];
  }
}

/** ValidateNoNewFinalizers: an object being deleted may lose finalizers, never gain one. */
function newFinalizerCauses(next: unknown, old: string[] | undefined): StatusCause[] {
  if (!Array.isArray(next)) return [];
  const had = new Set(old ?? []);
  const extra = [...new Set(next.filter((f): f is string => typeof f === 'string' && !had.has(f)))].sort();
  if (extra.length === 0) return [];
  return [{
    type: 'FieldValueForbidden', field: 'metadata.finalizers',
    message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${extra.map((f) => JSON.stringify(f)).join(', ')}}`,
  }];
}

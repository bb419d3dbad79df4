// A resource's own defaulting and validation, at kube-apiserver's place in a write: after mutating admission and
// before validating admission (k8s.io/apiserver registry/rest create.go BeforeCreate, update.go BeforeUpdate, called
// from generic/registry/store.go before its createValidation/updateValidation). Validating webhooks and policies
// therefore see the server's defaults, metadata.generation and creationTimestamp, and a write the resource's own
// validation refuses (422) never reaches them. A storage offers its hooks as `strategy` (sample-apiserver's
// strategy.go); this module holds the machinery's half of rest.BeforeCreate/BeforeUpdate and runs the resource's.

import { statusErrors } from '../status.js';
import type { ResourceInfo, Storage } from '../storage.js';
import type { KubeObject, StatusCause } from '../types.js';

/**
 * rest.RESTCreateStrategy / RESTUpdateStrategy, in place: `prepareFor*` fill defaults, generation and reset what
 * clients may not set (status); `validate*` answer the causes of a 422. Called only on objects the schema accepted.
 */
export interface RestStrategy {
  prepareForCreate?(object: KubeObject): void;
  validate?(object: KubeObject): StatusCause[];
  prepareForUpdate?(object: KubeObject, old: KubeObject): void;
  validateUpdate?(object: KubeObject, old: KubeObject): StatusCause[];
}

/** A storage whose resource has hooks of its own (kube's Store.CreateStrategy/UpdateStrategy). */
export interface Strategic {
  readonly strategy: RestStrategy;
}

export function strategyOf(storage: Storage): RestStrategy | undefined {
  return (storage as Partial<Strategic>).strategy;
}

const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** names.SimpleNameGenerator: the prefix (cut to 58) and five random characters. */
export function generateName(prefix: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += GENERATE_NAME_ALPHABET[Math.floor(Math.random() * GENERATE_NAME_ALPHABET.length)];
  return `${prefix.slice(0, 58)}${suffix}`;
}

/** metav1.Time as kube-apiserver writes it: RFC 3339, whole seconds, UTC. */
export function kubeNow(now: Date = new Date()): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The machinery's part of rest.BeforeCreate: the name from generateName (after mutating admission, as kube: a
 * mutating webhook sees generateName and no name) and the system fields a client cannot set (creationTimestamp).
 */
export function fillCreateSystemFields(info: ResourceInfo, object: KubeObject, now: Date = new Date()): void {
  const m = object.metadata;
  if (!m.name) {
    if (!m.generateName) {
      throw statusErrors.invalid(info.group, info.kind, '', [
        { type: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' },
      ]);
    }
    m.name = generateName(m.generateName);
  }
  m.creationTimestamp = kubeNow(now);
}

function refuse(info: ResourceInfo, object: KubeObject, causes: StatusCause[] | undefined): void {
  if (causes && causes.length > 0) throw statusErrors.invalid(info.group, info.kind, object.metadata.name ?? '', causes);
}

/** The resource's PrepareForCreate, then its Validate: a refusal is the 422 of the resource's kind. */
export function applyCreateStrategy(info: ResourceInfo, strategy: RestStrategy | undefined, object: KubeObject): void {
  strategy?.prepareForCreate?.(object);
  refuse(info, object, strategy?.validate?.(object));
}

/** The resource's PrepareForUpdate, then its ValidateUpdate against the live object. */
export function applyUpdateStrategy(info: ResourceInfo, strategy: RestStrategy | undefined, object: KubeObject, old: KubeObject): void {
  strategy?.prepareForUpdate?.(object, old);
  refuse(info, object, strategy?.validateUpdate?.(object, old));
}

// Defaults and the cross-field rules the JSON schema cannot express. Each rule answers with a field cause so that
// the 422 names every bad field at once.

import type { StatusCause } from '../../k8s/index.js';
import { OWNER_LABEL, isReservedKey } from '../trust/annotations.js';
import { deepClone } from './json.js';
import type { VvpDeployment } from '../types.js';

const PLATFORM_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export interface ValidationContext {
  instanceId: string;
  /** The platform namespaces this server serves. */
  platformNamespaces: readonly string[];
}

/** Fills what a VvpDeployment may leave out: the platform identity and the deletion policy. Returns a copy. */
export function withDefaults(obj: VvpDeployment, defaultPlatformNamespace: string): VvpDeployment {
  const out = deepClone(obj);
  applyDefaults(out, defaultPlatformNamespace);
  return out;
}

/** withDefaults in place (the strategy's PrepareForCreate/PrepareForUpdate). */
export function applyDefaults(obj: VvpDeployment, defaultPlatformNamespace: string): void {
  const spec = obj.spec;
  spec.deployment ??= {};
  spec.deployment.metadata ??= {};
  spec.deployment.metadata.name ??= obj.metadata.name;
  spec.deployment.metadata.namespace ??= defaultPlatformNamespace;
  spec.deletionPolicy ??= 'Cancel';
}

function causeInvalid(field: string, value: unknown, detail: string): StatusCause {
  return { type: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${detail}` };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function causeForbidden(field: string, detail: string): StatusCause {
  return { type: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` };
}

function platformName(field: string, value: string | undefined, what: string): StatusCause[] {
  if (value === undefined || value === '') return [{ type: 'FieldValueRequired', field, message: 'Required value' }];
  if (value.length > 63) return [causeInvalid(field, value, `${what} must be no more than 63 characters`)];
  if (!PLATFORM_NAME.test(value)) {
    return [causeInvalid(field, value, `${what} must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (regex '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`)];
  }
  return [];
}

function reservedKeys(field: string, map: Record<string, string> | undefined): StatusCause[] {
  return Object.keys(map ?? {}).filter(isReservedKey)
    .map((key) => causeForbidden(`${field}[${key}]`, 'this key is reserved for the Kubernetes API server'));
}

/**
 * Rules for any write; `obj` has its defaults applied. initFields with PUT are refused at creation only: later they
 * are ignored whatever the mode (the vendor's rule: a switch to PUT keeps them out of every later write).
 */
export function validateVvpDeployment(obj: VvpDeployment, ctx: ValidationContext, creating = true): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = obj.spec;
  const owner = obj.metadata.labels?.[OWNER_LABEL];
  if (owner !== undefined && owner !== ctx.instanceId) {
    causes.push(causeInvalid(`metadata.labels[${OWNER_LABEL}]`, owner, `this server's instance id is "${ctx.instanceId}"`));
  }
  if (creating && spec.syncingMode === 'PUT' && spec.initFields !== undefined) {
    causes.push(causeForbidden('spec.initFields', 'initFields is supported only with syncingMode PATCH'));
  }
  const meta = spec.deployment?.metadata ?? {};
  const nameDefaulted = obj.metadata.name !== undefined && meta.name === obj.metadata.name;
  causes.push(...platformName('spec.deployment.metadata.name', meta.name,
    nameDefaulted ? 'a platform deployment name (defaulted from metadata.name)' : 'a platform deployment name'));
  if (meta.name && UUID.test(meta.name)) {
    // The platform reads a UUID in a deployment's path as an id first; the server addresses its destructive calls by id.
    causes.push(causeInvalid('spec.deployment.metadata.name', meta.name, 'a platform deployment name may not have the form of a UUID (the platform reads it as a deployment id)'));
  }
  causes.push(...platformName('spec.deployment.metadata.namespace', meta.namespace, 'a platform namespace'));
  if (meta.namespace && !ctx.platformNamespaces.includes(meta.namespace)) {
    causes.push({
      type: 'FieldValueNotSupported',
      field: 'spec.deployment.metadata.namespace',
      message: `Unsupported value: ${JSON.stringify(meta.namespace)}: supported values: ${ctx.platformNamespaces.map((n) => `"${n}"`).join(', ')}`,
    });
  }
  causes.push(...reservedKeys('spec.deployment.metadata.labels', meta.labels));
  causes.push(...reservedKeys('spec.deployment.metadata.annotations', meta.annotations));
  causes.push(...reservedKeys('spec.deployment.spec.template.metadata.annotations', spec.deployment?.spec?.template?.metadata?.annotations));
  causes.push(...reservedKeys('spec.initFields.metadata.labels', spec.initFields?.metadata?.labels));
  causes.push(...reservedKeys('spec.initFields.metadata.annotations', spec.initFields?.metadata?.annotations));
  causes.push(...reservedKeys('spec.initFields.spec.template.metadata.annotations', spec.initFields?.spec?.template?.metadata?.annotations));
  if (spec.initFields?.metadata?.name !== undefined || spec.initFields?.metadata?.namespace !== undefined) {
    causes.push(causeForbidden('spec.initFields.metadata', 'the platform identity belongs in spec.deployment.metadata'));
  }
  return causes;
}

/** Rules for an update on top of validateVvpDeployment; both objects have their defaults applied. */
export function validateVvpDeploymentUpdate(obj: VvpDeployment, old: VvpDeployment): StatusCause[] {
  const causes: StatusCause[] = [];
  const now = obj.spec.deployment?.metadata ?? {};
  const was = old.spec.deployment?.metadata ?? {};
  for (const key of ['name', 'namespace'] as const) {
    if (now[key] !== was[key]) {
      causes.push(causeInvalid(`spec.deployment.metadata.${key}`, now[key], 'field is immutable'));
    }
  }
  return causes;
}

/**
 * Fields of Ververica's VVP 2 operator (the community ververica-platform-k8s-operator shape): refused with the rename
 * to make, so that a migrated manifest does not lose them silently.
 */
export function vvp2Causes(obj: { spec?: { deployment?: object; initFields?: object }; status?: object }): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [field, definition] of [['spec.deployment', obj.spec?.deployment], ['spec.initFields', obj.spec?.initFields]] as const) {
    if (definition && 'userMetadata' in definition) {
      causes.push({ type: 'FieldValueNotSupported', field: `${field}.userMetadata`, message: `Unsupported value: a VVP 2 operator field: rename ${field}.userMetadata to ${field}.metadata` });
    }
  }
  if (obj.status && 'customResourceStatus' in obj.status) {
    causes.push({ type: 'FieldValueNotSupported', field: 'status.customResourceStatus', message: 'Unsupported value: a VVP 2 operator field: remove it; the status is read from the platform (status.state, status.conditions)' });
  }
  return causes;
}

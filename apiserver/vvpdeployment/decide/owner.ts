// Which platform instance an object belongs to: its `ververica.platform/owner` label, as Ververica's VVP 3 operator
// routes objects among its instances. Pure decisions for storage.ts: with one instance the label may be left
// out (it is set to that instance); with several it is required and must name one of them; once an object lives on
// an instance the label cannot change (moving a deployment between platforms is a delete and a create).

import { deepClone, isPlainObject, type KubeObject, type SentObject, type StatusCause } from '../../k8s/index.js';
import { OWNER_LABEL } from '../trust/annotations.js';
import type { VvpDeployment } from '../types.js';
import { validateVvpDeployment, vvp2Causes, type ValidationContext, withDefaults } from './validation.js';

const FIELD = `metadata.labels[${OWNER_LABEL}]`;

function allowedValues(instanceIds: readonly string[]): string {
  return instanceIds.map((id) => JSON.stringify(id)).join(', ');
}

/**
 * The instance `object` goes to, or the cause of its refusal. `liveOwner`: the instance the object lives on now
 * (an update); undefined for a create.
 */
export function ownerOf(object: Pick<KubeObject, 'metadata'>, instanceIds: readonly string[], liveOwner?: string): { owner: string } | { cause: StatusCause } {
  const value = object.metadata.labels?.[OWNER_LABEL];
  if (value === undefined) {
    if (instanceIds.length === 1) return { owner: instanceIds[0]! };
    return { cause: { type: 'FieldValueRequired', field: FIELD, message: `Required value: this server serves several Ververica Platform instances; the label names the one to use, supported values: ${allowedValues(instanceIds)}` } };
  }
  if (liveOwner !== undefined && value !== liveOwner) {
    return { cause: { type: 'FieldValueInvalid', field: FIELD, message: `Invalid value: ${JSON.stringify(value)}: field is immutable (the object lives on instance "${liveOwner}"; to move it, delete it and create it with the new label)` } };
  }
  if (!instanceIds.includes(value)) {
    return { cause: { type: 'FieldValueNotSupported', field: FIELD, message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowedValues(instanceIds)}` } };
  }
  return { owner: value };
}

/** The object with its owner label set (a copy when it has to change). */
export function withOwner<T extends KubeObject>(object: T, owner: string): T {
  if (object.metadata.labels?.[OWNER_LABEL] === owner) return object;
  return { ...object, metadata: { ...object.metadata, labels: { ...object.metadata.labels, [OWNER_LABEL]: owner } } };
}

/**
 * The instance the object a PUT or server-side apply sent names (its label, or the only instance served), read
 * before admission to route an update that creates; undefined when it names no served instance.
 */
export function sentOwner(sent: SentObject | undefined, instanceIds: readonly string[]): string | undefined {
  const labels = sent?.metadata?.labels;
  const value = isPlainObject(labels) ? labels[OWNER_LABEL] : undefined;
  if (value !== undefined && typeof value !== 'string') return undefined;
  const decision = ownerOf({ metadata: value === undefined ? {} : { labels: { [OWNER_LABEL]: value } } }, instanceIds);
  return 'owner' in decision ? decision.owner : undefined;
}

/** The refusal of an object created by PUT or apply whose owner label admission set or changed (`sent`: the request's). */
export function ownerChangedInAdmission(owner: string, sent: string | undefined): StatusCause {
  return {
    type: 'FieldValueInvalid', field: FIELD,
    message: `Invalid value: ${JSON.stringify(owner)}: an object created by PUT or server-side apply goes to the instance its request names (${sent === undefined ? 'none' : JSON.stringify(sent)}); admission may not change it`,
  };
}

/**
 * The owner label's refusal of a create with every other refusal the resource's own validation finds (the label's
 * first, as one 422), so that a client learns all its mistakes at once, as from an instance's create. `served`: the
 * first instance's id and platform namespaces (the defaults a create gets there).
 */
export function refusalsWith(cause: StatusCause, object: KubeObject, served: ValidationContext): StatusCause[] {
  const obj = withDefaults(deepClone(object) as VvpDeployment, served.platformNamespaces[0] ?? 'default');
  const vvp2 = vvp2Causes(obj);
  delete obj.status;
  return [cause, ...[...vvp2, ...validateVvpDeployment(obj, served)].filter((c) => c.field !== cause.field)];
}

// Platform job and deployment events, mirrored as Kubernetes Events on the VvpDeployment. The record carries a key
// derived from the platform event's id: an event recorder that names Events after (object, key) writes each one
// once, whichever replica mirrors it and however often, with no cursor to store.

import type { Event as PlatformEvent } from '../../vvp/index.js';
import type { PlannedEvent } from '../decide/mapping.js';

export interface MirroredEvent extends PlannedEvent {
  key: string;
  /** The platform event's own time. */
  time?: Date;
}

const WARNING_NAME = /FAIL|TOO_MANY|EXCEEDED|MISSING|UNREACHABLE|NOT_CONFIGURED|DOES_NOT_EXIST|MULTIPLE_NON_TERMINAL/;

/** JOB_SUCCESSFULLY_STARTED → JobSuccessfullyStarted */
export function camelReason(platformName: string | undefined): string {
  const words = (platformName ?? 'EXTERNAL').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  return words.map((w) => w[0]?.toUpperCase() + w.slice(1)).join('') || 'External';
}

/** The Kubernetes Event for a platform event of the object's deployment. */
export function mirroredEvent(platformEvent: PlatformEvent): MirroredEvent {
  const m = platformEvent.metadata;
  const declared = (platformEvent.spec as { type?: unknown }).type;
  const type = declared === 'Warning' || declared === 'Normal' ? declared : WARNING_NAME.test(m.name ?? '') ? 'Warning' : 'Normal';
  const event: MirroredEvent = { type, reason: camelReason(m.name), message: platformEvent.spec.message ?? m.name ?? '', key: `vvp-event/${m.id}` };
  const at = m.createdAt ? new Date(m.createdAt) : undefined;
  if (at && !Number.isNaN(at.getTime())) event.time = at;
  return event;
}

/** Whether a platform event is about this deployment and not one the server wrote itself (those are recorded already). */
export function shouldMirror(platformEvent: PlatformEvent, deploymentId: string): boolean {
  return platformEvent.metadata.deploymentId === deploymentId && !platformEvent.spec.message?.startsWith('Kubernetes API server ');
}

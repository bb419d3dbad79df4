// The errors admission answers with, in kube-apiserver's words (admission.NewForbidden, webhookerrors, ToStatusErr).

import { StatusError, statusFailure } from '../status.js';
import type { Status, StatusCause } from '../types.js';
import type { AdmissionAttributes } from './attributes.js';

function qualifiedResource(a: AdmissionAttributes): string {
  return a.resource.group ? `${a.resource.resource}.${a.resource.group}` : a.resource.resource;
}

/** admission.NewForbidden: `<resource>.<group> "<name>" is forbidden: <why>`. */
export function admissionForbidden(a: AdmissionAttributes, why: string, causes?: StatusCause[]): StatusError {
  const subject = a.name ? `${qualifiedResource(a)} "${a.name}"` : qualifiedResource(a);
  return statusFailure(403, 'Forbidden', `${subject} is forbidden: ${why}`, {
    name: a.name, group: a.resource.group, kind: a.resource.resource, ...(causes ? { causes } : {}),
  });
}

/** ErrCallingWebhook.Error(). */
export function callingWebhookMessage(webhook: string, reason: string | undefined): string {
  return reason ? `failed calling webhook "${webhook}": ${reason}` : `failed calling webhook "${webhook}"; no further details available`;
}

/** webhookerrors.ToStatusErr: the webhook's own Status, worded `admission webhook "x" denied the request: …`. */
export function webhookDenied(webhook: string, result: Partial<Status> | undefined): StatusError {
  const deniedBy = `admission webhook "${webhook}" denied the request`;
  const code = typeof result?.code === 'number' && result.code >= 400 ? result.code : 400;
  const message = result?.message ? `${deniedBy}: ${result.message}` : result?.reason ? `${deniedBy}: ${result.reason}` : `${deniedBy} without explanation`;
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code };
  if (result?.reason) status.reason = result.reason;
  if (result?.details) status.details = result.details;
  return new StatusError(status);
}

// Kubernetes Status errors in kube-apiserver's words: what a storage or a handler throws for every expected failure
// (404, 409, 422 with field causes, 403, 503 with Retry-After …), and the Success Status of a delete.

import type { Status, StatusCause } from './types.js';

/** Identifies the resource an error is about, for Status.details. */
export interface ResourceRef {
  group: string;
  /** Plural resource name, as Kubernetes puts it in details.kind for most errors. */
  resource: string;
  name?: string;
}

/**
 * An error that is answered as a metav1.Status. Everything a handler or storage throws on purpose is one of these;
 * anything else becomes a 500 InternalError with no details of the cause.
 */
export class StatusError extends Error {
  /** Warnings gathered before the refusal (admission's), sent as Warning headers with the Status. */
  warnings: string[] = [];

  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.name = 'StatusError';
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): string | undefined {
    return this.status.reason;
  }
}

export function isStatusError(err: unknown): err is StatusError {
  return err instanceof StatusError;
}

/** A Failure Status with kube-apiserver's fields; every error of the machinery is built here. */
export function statusFailure(code: number, reason: string, message: string, details?: Status['details']): StatusError {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  // StatusDetails' fields are omitempty: no `name: ""`, no `group: ""`.
  if (details) status.details = Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined && v !== '')) as Status['details'];
  return new StatusError(status);
}

function qualified(ref: ResourceRef): string {
  return ref.group ? `${ref.resource}.${ref.group}` : ref.resource;
}

export const statusErrors = {
  notFound(ref: ResourceRef): StatusError {
    return statusFailure(404, 'NotFound', `${qualified(ref)} "${ref.name ?? ''}" not found`, {
      name: ref.name, group: ref.group, kind: ref.resource,
    });
  },
  alreadyExists(ref: ResourceRef, why?: string): StatusError {
    const base = `${qualified(ref)} "${ref.name ?? ''}" already exists`;
    return statusFailure(409, 'AlreadyExists', why ? `${base}: ${why}` : base, { name: ref.name, group: ref.group, kind: ref.resource });
  },
  conflict(ref: ResourceRef, why: string): StatusError {
    return statusFailure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(ref)} "${ref.name ?? ''}": ${why}`, {
      name: ref.name, group: ref.group, kind: ref.resource,
    });
  },
  /** 422 with one cause per bad field. `kind` is the Kind (Kubernetes uses the Kind here, not the resource). */
  invalid(group: string, kind: string, name: string, causes: StatusCause[]): StatusError {
    // The message lists each distinct error once (field.ErrorList's ToAggregate); causes keep every one.
    const errors = [...new Set(causes.map((c) => (c.field ? `${c.field}: ${c.message ?? ''}` : c.message ?? '')))];
    const msg = `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${errors.length > 1 ? `[${errors.join(', ')}]` : errors.join(', ')}`;
    return statusFailure(422, 'Invalid', msg, { name, group, kind, causes });
  },
  /** kube-apiserver's answer to a JSON patch operation that cannot be applied: the generic 422 with empty details. */
  patchNotApplicable(): StatusError {
    return statusFailure(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
  },
  /** 409 from server-side apply: one FieldManagerConflict cause per conflicting field. */
  applyConflict(causes: StatusCause[], message: string): StatusError {
    return statusFailure(409, 'Conflict', message, { causes });
  },
  /** 404 for a path nothing is served at (kube-apiserver's NotFound handler). */
  notFoundPath(): StatusError {
    return statusFailure(404, 'NotFound', 'the server could not find the requested resource', {});
  },
  badRequest(message: string): StatusError {
    return statusFailure(400, 'BadRequest', message);
  },
  unauthorized(message = 'Unauthorized'): StatusError {
    return statusFailure(401, 'Unauthorized', message);
  },
  forbidden(message: string, ref?: ResourceRef): StatusError {
    return statusFailure(403, 'Forbidden', message, ref ? { name: ref.name, group: ref.group, kind: ref.resource } : undefined);
  },
  methodNotAllowed(message: string, ref?: ResourceRef): StatusError {
    return statusFailure(405, 'MethodNotAllowed', message, ref ? { group: ref.group, kind: ref.resource } : undefined);
  },
  notAcceptable(message: string): StatusError {
    return statusFailure(406, 'NotAcceptable', message);
  },
  gone(message: string): StatusError {
    return statusFailure(410, 'Expired', message);
  },
  requestEntityTooLarge(message: string): StatusError {
    return statusFailure(413, 'RequestEntityTooLarge', message);
  },
  unsupportedMediaType(message: string): StatusError {
    return statusFailure(415, 'UnsupportedMediaType', message);
  },
  tooManyRequests(message: string, retryAfterSeconds: number): StatusError {
    return statusFailure(429, 'TooManyRequests', message, { retryAfterSeconds });
  },
  /** apierrors.NewInternalError: `Internal error occurred: <why>`, the why as the one cause. */
  internalError(why: string): StatusError {
    return statusFailure(500, 'InternalError', `Internal error occurred: ${why}`, { causes: [{ message: why }] });
  },
  internal(message = 'an internal error occurred'): StatusError {
    return statusFailure(500, 'InternalError', message);
  },
  /** The backing system cannot be reached; clients retry after retryAfterSeconds (sent as Retry-After too). */
  serviceUnavailable(message: string, retryAfterSeconds = 5): StatusError {
    return statusFailure(503, 'ServiceUnavailable', message, { retryAfterSeconds });
  },
  timeout(message: string, retryAfterSeconds = 2): StatusError {
    return statusFailure(504, 'Timeout', message, { retryAfterSeconds });
  },
};

export function successStatus(details?: Status['details']): Status {
  // The generic store's delete answer carries no code (metav1.Status{Status: Success, Details}).
  const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' } as Status;
  if (details) status.details = details;
  return status;
}

/**
 * A Status as it goes on the wire: a cause's type is the JSON field `reason` there (metav1.StatusCause), which is
 * what kubectl and client-go read.
 */
export function wireStatus(status: Status): Record<string, unknown> {
  const causes = status.details?.causes;
  if (!causes) return status as unknown as Record<string, unknown>;
  const wired = causes.map(({ type, ...rest }) => (type === undefined ? rest : { reason: type, ...rest }));
  return { ...status, details: { ...status.details, causes: wired } };
}

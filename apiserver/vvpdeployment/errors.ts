// Platform failures as Kubernetes Status errors: the platform's own words, the status code a Kubernetes client
// knows how to act on (retry on 503/504/429, re-read on 409, fix the object on 422). Outages name the platform by
// its configured display name and the call's route only: every user reads these messages, and the platform's URL,
// Node's network error (`connect ECONNREFUSED 10.0.0.5:8080`) or a gateway's error page would show internal addresses.

import { type ResourceRef, type StatusCause, StatusError, statusErrors } from '../k8s/index.js';
import { VvpError } from '../vvp/index.js';
import { GROUP, KIND } from './types.js';

/** A platform message that names a field of the deployment, e.g. `spec.state: required field is missing`. */
const FIELD_MESSAGE = /^((?:metadata|spec)(?:\.[A-Za-z0-9_"-]+)+): (.+)$/;

export interface ErrorContext {
  ref: ResourceRef;
  /** The platform's display name (--vvp-display-name, e.g. "Ververica Platform"), never its URL. */
  platform: string;
}

/** What to throw for a failed platform call: a platform failure as its Status; StatusErrors and foreign errors (bugs) as they are. */
export function platformFailure(err: unknown, context: ErrorContext): unknown {
  return err instanceof VvpError || err instanceof StatusError ? toStatusError(err, context) : err;
}

/** A platform failure as the Status a Kubernetes client knows how to act on. */
export function toStatusError(err: VvpError | StatusError, { ref, platform }: ErrorContext): StatusError {
  if (err instanceof StatusError) return err;
  const call = `${err.method} ${err.route}`;
  switch (err.kind) {
    case 'unreachable':
      return statusErrors.serviceUnavailable(`${platform} is unreachable (${call})`, err.retryAfterSeconds ?? 5);
    case 'timeout':
      return statusErrors.timeout(`${platform} did not answer in time (${call})`, err.retryAfterSeconds ?? 2);
    case 'aborted':
      return statusErrors.timeout(`the request was cancelled while waiting for ${platform} (${call})`);
    case 'protocol':
      return statusErrors.internal(`${platform} answered ${call} unexpectedly: ${err.message}`);
    case 'http':
      break;
  }
  const said = err.message;
  switch (err.status) {
    case 400: {
      const m = FIELD_MESSAGE.exec(said);
      if (m?.[1] && m[2]) {
        const cause: StatusCause = { type: 'FieldValueInvalid', field: `spec.deployment.${m[1]}`, message: `Ververica Platform: ${m[2]}` };
        return statusErrors.invalid(ref.group || GROUP, KIND, ref.name ?? '', [cause]);
      }
      return statusErrors.badRequest(`Ververica Platform refused the request: ${said}`);
    }
    case 401:
      // The object's own token (its Secret) is the user's to renew; the server's is the operator's, and the server
      // follows its file: the client has read it again once already.
      if (err.tokenName) return statusErrors.forbidden(`${platform} rejected the token of ${err.tokenName}: ${said}; renew the token in that Secret`, ref);
      return statusErrors.serviceUnavailable(`${platform} rejected the server's own API token (expired or revoked; the server re-read its token file and will use a new one as soon as it is written there): ${said}`, 10);
    case 403:
      // A token may be allowed some calls and not others (VVP 3 custom roles): the call refused is named.
      return statusErrors.forbidden(`Ververica Platform refused ${call}: ${said}`, ref);
    case 404:
      return statusErrors.notFound(ref);
    case 409:
      return statusErrors.conflict(ref, `Ververica Platform refused a concurrent change: ${said}`);
    case 429:
      return statusErrors.tooManyRequests(`Ververica Platform is throttling requests: ${said}`, err.retryAfterSeconds ?? 5);
    default:
      if ((err.status ?? 0) >= 500) {
        return statusErrors.serviceUnavailable(`${platform} failed (${call}, HTTP ${err.status})`, err.retryAfterSeconds ?? 5);
      }
      return statusErrors.badRequest(`Ververica Platform refused the request (HTTP ${err.status}): ${said}`);
  }
}

/** The platform answered and refused (4xx other than 429): repeating the call would not change the answer. */
export function isPlatformRefusal(err: unknown): err is VvpError {
  return err instanceof VvpError && err.kind === 'http' && (err.status ?? 0) >= 400 && (err.status ?? 0) < 500 && err.status !== 429;
}

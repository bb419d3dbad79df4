// The per-object platform token (annotation apikeySecretName) without a confused deputy. The server reads Secrets
// with its own ServiceAccount, so it uses one only for a user who may read that Secret: a create, or an update that
// sets or changes the annotation, needs the requesting user's own `get` on it (a SubjectAccessReview, cached like
// the request's). The Secret is read only from the object's own namespace, the one of the request's URL (or, for the
// background passes, of a record this server signed). Whatever is wrong with it — no such Secret, no key `token`,
// or a token the platform rejects — the answer is one and the same 422, so that answers tell nothing apart.

import { statusErrors, type StatusError, type UserAccess } from '../../k8s/index.js';
import { isVvpHttpError } from '../../vvp/index.js';
import { GROUP, KIND } from '../types.js';

/** The Kubernetes annotation naming a Secret (in the object's namespace) whose token the object's platform writes use. */
export const APIKEY_SECRET_ANNOTATION = 'apikeySecretName';
/** The only key of that Secret that is read. */
export const APIKEY_SECRET_KEY = 'token';

interface Annotated {
  metadata: { name?: string; namespace?: string; annotations?: Record<string, string> };
}

export function apikeySecretName(obj: Annotated): string | undefined {
  return obj.metadata.annotations?.[APIKEY_SECRET_ANNOTATION];
}

/**
 * On create (no `old`) and on an update that sets or changes the annotation: the user's own `get` on that Secret.
 * Throws kube-apiserver's 403 naming the Secret otherwise.
 */
export async function authorizeApikeySecret(access: UserAccess | undefined, obj: Annotated, old?: Annotated): Promise<void> {
  const secret = apikeySecretName(obj);
  if (secret === undefined || (old && apikeySecretName(old) === secret)) return;
  if (!access) throw statusErrors.internal('no authorizer provided, unable to authorize the use of a Secret');
  await access.require({ verb: 'get', group: '', resource: 'secrets', namespace: obj.metadata.namespace ?? '', name: secret },
    `annotation ${APIKEY_SECRET_ANNOTATION} may name only a Secret the user may read`);
}

/** The one answer for a Secret that gives no token the platform accepts (missing, no key `token`, rejected). */
export function unusableApikeySecret(namespace: string, objectName: string, secret: string, group = GROUP): StatusError {
  return statusErrors.invalid(group, KIND, objectName, [{
    type: 'FieldValueInvalid',
    field: `metadata.annotations[${APIKEY_SECRET_ANNOTATION}]`,
    message: `Invalid value: ${JSON.stringify(secret)}: Secret ${namespace}/${secret} must exist and hold under key "${APIKEY_SECRET_KEY}" a Ververica Platform API token that the platform accepts (kubectl create secret generic ${secret} --from-literal=${APIKEY_SECRET_KEY}=<platform token>)`,
  }]);
}

/** A platform 401 on a write made with the object's own token: the Secret's fault, answered as unusableApikeySecret. */
export function perObjectTokenRejected(err: unknown, obj: Annotated, group = GROUP): StatusError | undefined {
  const secret = apikeySecretName(obj);
  if (secret === undefined || !isVvpHttpError(err) || err.status !== 401) return undefined;
  return unusableApikeySecret(obj.metadata.namespace ?? '', obj.metadata.name ?? '', secret, group);
}

/** What reading a Secret answers: its data (base64 values), or a thrown error with `code` 404 when there is none. */
export type SecretReader = (namespace: string, name: string) => Promise<{ data?: Record<string, string> }>;

/** Thrown by the resolver for every Secret that gives no token; the storage answers it as unusableApikeySecret. */
export class UnusableSecretError extends Error {
  constructor(readonly namespace: string, readonly secret: string) {
    super(`Secret ${namespace}/${secret} gives no platform token`);
    this.name = 'UnusableSecretError';
  }
}

/**
 * The resolveToken hook of the storage over a Secret reader (secret-token.ts gives it the ServiceAccount's CoreV1Api):
 * the key `token` only; a missing Secret and a missing key are the same UnusableSecretError. The server's own lack
 * of access (403) is the administrator's to fix and says so.
 */
export function apikeyTokenResolver(read: SecretReader) {
  return async (namespace: string, secretName: string): Promise<string> => {
    let data: Record<string, string> | undefined;
    try {
      data = (await read(namespace, secretName)).data;
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === 404) throw new UnusableSecretError(namespace, secretName);
      if (code === 403) {
        throw statusErrors.forbidden(`this server may not read Secrets in namespace ${namespace}: add it to the chart's apikeySecrets.namespaces (or set apikeySecrets.allNamespaces)`);
      }
      throw err;
    }
    const value = data?.[APIKEY_SECRET_KEY];
    const token = value ? Buffer.from(value, 'base64').toString('utf8').trim() : '';
    if (!token) throw new UnusableSecretError(namespace, secretName);
    return token;
  };
}

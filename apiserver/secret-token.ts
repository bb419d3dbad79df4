// The platform token of an object that names a Secret (annotation apikeySecretName): read from that Secret in the
// object's namespace with the server's own Kubernetes identity, for the VvpDeployment storage's resolveToken hook.
// A missing Secret or key is the user's mistake (400, saying which); any other failure is the Kubernetes API's.

import type { CoreV1Api } from '@kubernetes/client-node';
import { statusErrors } from './k8s/index.js';

export function secretTokenResolver(core: CoreV1Api): (namespace: string, secretName: string) => Promise<string> {
  return async (namespace, secretName) => {
    try {
      const secret = await core.readNamespacedSecret({ namespace, name: secretName });
      const token = secret.data?.token ?? secret.data?.apikey ?? secret.data?.apiKey;
      if (!token) throw statusErrors.badRequest(`Secret ${namespace}/${secretName} (annotation apikeySecretName) has no key "token" (the platform API token: kubectl create secret generic ${secretName} --from-literal=token=<platform token>)`);
      return Buffer.from(token, 'base64').toString('utf8').trim();
    } catch (err) {
      if ((err as { code?: number }).code === 404) {
        throw statusErrors.badRequest(`Secret ${namespace}/${secretName} named by the annotation apikeySecretName does not exist`);
      }
      throw err;
    }
  };
}

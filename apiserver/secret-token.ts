// The platform token of an object that names a Secret (annotation apikeySecretName): read from that Secret in the
// object's namespace with the server's own Kubernetes identity, for the VvpDeployment storage's resolveToken hook.
// What counts as a usable Secret (key `token` only, one answer for every way it is not) is the resource's rule
// (vvpdeployment/trust/apikey-secret.ts); this only does the read.

import type { CoreV1Api } from '@kubernetes/client-node';
import { apikeyTokenResolver } from './vvpdeployment/index.js';

export function secretTokenResolver(core: CoreV1Api): (namespace: string, secretName: string) => Promise<string> {
  return apikeyTokenResolver((namespace, name) => core.readNamespacedSecret({ namespace, name }));
}

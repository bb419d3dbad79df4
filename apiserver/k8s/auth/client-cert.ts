// Direct x509 client certificates (client-ca-file): CN is the user, O the groups, as kube-apiserver.

import type { UserInfo } from '../types.js';
import type { AuthenticationConfigSource } from './authentication-config.js';
import type { AuthenticationRequest, Authenticator } from './authenticator.js';
import { subjectValues, verifyClientChain } from './x509.js';

export class ClientCertificateAuthenticator implements Authenticator {
  constructor(private readonly source: AuthenticationConfigSource) {}

  async authenticate(request: AuthenticationRequest): Promise<UserInfo | undefined> {
    const [leaf, ...intermediates] = request.peerCertificates;
    if (!leaf || !verifyClientChain(leaf, intermediates, this.source.current().clientCAs)) return undefined;
    const username = subjectValues(leaf, 'CN')[0];
    if (!username) return undefined;
    return { username, groups: subjectValues(leaf, 'O'), extra: {} };
  }
}

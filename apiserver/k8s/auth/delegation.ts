// Wiring of delegated authentication and authorization, in the order k8s.io/apiserver uses.

import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { AuthenticationConfigSource } from './authentication-config.js';
import { type Authenticator, UnionAuthenticator } from './authenticator.js';
import { type Authorizer, SubjectAccessReviewAuthorizer, type SubjectAccessReviewAuthorizerOptions, type SubjectAccessReviewer } from './authorizer.js';
import { ClientCertificateAuthenticator } from './client-cert.js';
import { ConfigMapAuthenticationSource, KubeSubjectAccessReviewer, KubeTokenReviewer } from './kube-delegation.js';
import { RequestHeaderAuthenticator } from './requestheader.js';
import { TokenAuthenticator, type TokenAuthenticatorOptions, type TokenReviewer } from './token.js';

/** Front proxy, then client certificate, then bearer token; system:authenticated added. */
export function delegatingAuthenticator(config: AuthenticationConfigSource, tokenReviewer?: TokenReviewer, tokenOptions?: TokenAuthenticatorOptions): Authenticator {
  const chain: Authenticator[] = [new RequestHeaderAuthenticator(config), new ClientCertificateAuthenticator(config)];
  if (tokenReviewer) chain.push(new TokenAuthenticator(tokenReviewer, tokenOptions));
  return new UnionAuthenticator(chain);
}

export function delegatingAuthorizer(reviewer: SubjectAccessReviewer, options?: SubjectAccessReviewAuthorizerOptions): Authorizer {
  return new SubjectAccessReviewAuthorizer(reviewer, options);
}

export interface DelegatedAuth {
  authenticator: Authenticator;
  authorizer: Authorizer;
  authenticationConfig: AuthenticationConfigSource;
  stop(): void;
}

/**
 * The real thing: reads and watches kube-system/extension-apiserver-authentication, TokenReview and
 * SubjectAccessReview against the kube-apiserver of `kubeConfig` (in-cluster: KubeConfig.loadFromCluster()).
 */
export async function kubeDelegatedAuth(kubeConfig: KubeConfig, log: Logger): Promise<DelegatedAuth> {
  const source = new ConfigMapAuthenticationSource(kubeConfig, log);
  await source.start();
  return {
    authenticator: delegatingAuthenticator(source, new KubeTokenReviewer(kubeConfig)),
    authorizer: delegatingAuthorizer(new KubeSubjectAccessReviewer(kubeConfig)),
    authenticationConfig: source,
    stop: () => source.stop(),
  };
}

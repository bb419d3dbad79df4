// The real delegation to kube-apiserver through @kubernetes/client-node: TokenReview, SubjectAccessReview, and the
// extension-apiserver-authentication ConfigMap, read and then watched so CA rotation is picked up.

import { AuthenticationV1Api, AuthorizationV1Api, CoreV1Api, type KubeConfig, Watch } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import {
  type AuthenticationConfig, type AuthenticationConfigSource, EMPTY_AUTHENTICATION_CONFIG, authenticationConfigFromConfigMap,
} from './authentication-config.js';
import type { SubjectAccessReviewResult, SubjectAccessReviewSpec, SubjectAccessReviewer } from './authorizer.js';
import type { TokenReviewResult, TokenReviewer } from './token.js';

export const AUTHENTICATION_CONFIGMAP = { namespace: 'kube-system', name: 'extension-apiserver-authentication' } as const;

export class KubeTokenReviewer implements TokenReviewer {
  private readonly api: AuthenticationV1Api;
  constructor(kubeConfig: KubeConfig) {
    this.api = kubeConfig.makeApiClient(AuthenticationV1Api);
  }

  async review(token: string, audiences: string[]): Promise<TokenReviewResult> {
    const review = await this.api.createTokenReview({
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: audiences.length ? audiences : undefined } },
    });
    const status = review.status;
    if (!status?.authenticated || !status.user?.username) return { authenticated: false };
    const user = { username: status.user.username, groups: status.user.groups ?? [], extra: status.user.extra ?? {} };
    return { authenticated: true, user: status.user.uid ? { ...user, uid: status.user.uid } : user };
  }
}

export class KubeSubjectAccessReviewer implements SubjectAccessReviewer {
  private readonly api: AuthorizationV1Api;
  constructor(kubeConfig: KubeConfig) {
    this.api = kubeConfig.makeApiClient(AuthorizationV1Api);
  }

  async review(spec: SubjectAccessReviewSpec): Promise<SubjectAccessReviewResult> {
    const review = await this.api.createSubjectAccessReview({
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec },
    });
    const status = review.status;
    const result: SubjectAccessReviewResult = { allowed: status?.allowed ?? false, denied: status?.denied ?? false };
    if (status?.reason) result.reason = status.reason;
    return result;
  }
}

/**
 * Follows kube-system/extension-apiserver-authentication: start() reads it once (and fails if it cannot, like
 * k8s.io/apiserver without the reader RoleBinding), then a watch keeps the configuration current, re-established
 * after every disconnect.
 */
export class ConfigMapAuthenticationSource implements AuthenticationConfigSource {
  private config: AuthenticationConfig = EMPTY_AUTHENTICATION_CONFIG;
  private readonly listeners: Array<(config: AuthenticationConfig) => void> = [];
  private abort?: AbortController;
  private stopped = false;
  private retry?: NodeJS.Timeout;

  constructor(private readonly kubeConfig: KubeConfig, private readonly log: Logger, private readonly retryMs = 5_000) {}

  current(): AuthenticationConfig {
    return this.config;
  }

  onChange(listener: (config: AuthenticationConfig) => void): void {
    this.listeners.push(listener);
  }

  async start(): Promise<void> {
    const core = this.kubeConfig.makeApiClient(CoreV1Api);
    const cm = await core.readNamespacedConfigMap(AUTHENTICATION_CONFIGMAP);
    this.apply(cm.data);
    void this.watch(cm.metadata?.resourceVersion);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.abort?.abort();
  }

  private apply(data: Record<string, string> | undefined): void {
    try {
      this.config = authenticationConfigFromConfigMap(data);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'ignoring an unreadable extension-apiserver-authentication ConfigMap');
      return;
    }
    for (const l of this.listeners) l(this.config);
  }

  private async watch(resourceVersion: string | undefined): Promise<void> {
    if (this.stopped) return;
    const path = `/api/v1/namespaces/${AUTHENTICATION_CONFIGMAP.namespace}/configmaps`;
    let lastVersion = resourceVersion;
    const again = () => {
      if (!this.stopped) this.retry = setTimeout(() => void this.watch(lastVersion), this.retryMs);
    };
    try {
      this.abort = await new Watch(this.kubeConfig).watch(
        path,
        { fieldSelector: `metadata.name=${AUTHENTICATION_CONFIGMAP.name}`, resourceVersion: lastVersion, allowWatchBookmarks: true, timeoutSeconds: 600 },
        (phase, obj: { data?: Record<string, string>; metadata?: { resourceVersion?: string }; code?: number }) => {
          if (phase === 'ERROR') {
            lastVersion = undefined; // 410: start again from the current state
            return;
          }
          lastVersion = obj.metadata?.resourceVersion ?? lastVersion;
          if (phase === 'ADDED' || phase === 'MODIFIED') this.apply(obj.data);
        },
        (err: unknown) => {
          if (err) this.log.warn({ err: (err as Error).message }, 'watch of extension-apiserver-authentication ended; retrying');
          again();
        },
      );
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'cannot watch extension-apiserver-authentication; retrying');
      again();
    }
  }
}

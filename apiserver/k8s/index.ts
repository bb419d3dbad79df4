// The machinery's public surface, for the resource and main.ts.

export { createApiServer, sendStatus, type ApiServer, type ApiServerOptions } from './serve/server.js';
export { ApiMetrics } from './serve/metrics.js';
export { StageTimes, timed } from './serve/stage-times.js';
export { currentRequestFlow } from './serve/request-scope.js';
export { budgetedIntervalMs } from './watch/poll-budget.js';
export { WatchHub, INITIAL_EVENTS_END_ANNOTATION, resourceVersionOf, type WatchHubOptions, type HubWatchOptions, type SnapshotEntry, type RefreshedObjects } from './watch/watch-hub.js';
export { EventQueue } from './watch/event-queue.js';
export { checkFieldLabel, matchesFields, matchesLabels, matchesSelectors, parseFieldSelector, parseLabelSelector } from './list/selectors.js';
export { decodeContinue, encodeContinue, highestResourceVersion, listPage, selection, type ListedObjects } from './list/list-page.js';
export { humanDuration } from './serve/table.js';
export { type VersionInfo } from './serve/installer.js';
export {
  type AuthenticationConfig, type AuthenticationConfigSource, StaticAuthenticationConfig, authenticationConfigFromConfigMap,
} from './auth/authentication-config.js';
export { type Authenticator, UnionAuthenticator, AUTHENTICATED_GROUP } from './auth/authenticator.js';
export {
  type Authorizer, type SubjectAccessReviewer, type SubjectAccessReviewSpec, SubjectAccessReviewAuthorizer, forbidden,
} from './auth/authorizer.js';
export { type ResourceAttributes, type UserAccess, authorizeCreateOnUpdate, userAccess } from './auth/access.js';
export { type TokenReviewer, TokenAuthenticator } from './auth/token.js';
export { delegatingAuthenticator, delegatingAuthorizer, kubeDelegatedAuth, type DelegatedAuth } from './auth/delegation.js';
export { ConfigMapAuthenticationSource, KubeSubjectAccessReviewer, KubeTokenReviewer } from './auth/kube-delegation.js';
export * from './storage.js';
export { type RestStrategy, type Strategic, applyCreateStrategy, applyUpdateStrategy, fillCreateSystemFields, kubeNow } from './strategy/strategy.js';
export { deepClone, deepEqual, isPlainObject, setOwn } from './fields/patch.js';
export { checkDeletePreconditions, checkUid } from './strategy/preconditions.js';
export * from './status.js';
export type * from './types.js';
export { KeepAliveKubeConfig } from './cluster/kube-config.js';
export { KubeEventRecorder, type InvolvedObject } from './cluster/event-recorder.js';
export { LeaderElector } from './cluster/leader-election.js';
export {
  type Admission, type AdmissionAttributes, type AdmissionPlugin, AdmissionChain, NO_ADMISSION, clusterAdmission, type ClusterAdmission,
} from './admission/index.js';
export {
  type ClusterFlowControl, FlowController, FlowControlMetrics, clusterFlowControl, FLOW_SCHEMA_UID_HEADER, PRIORITY_LEVEL_UID_HEADER,
} from './flowcontrol/index.js';

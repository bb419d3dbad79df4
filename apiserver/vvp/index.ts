// The VVP client's door: all that the resource rooms and main.ts may use of it. It never reaches Kubernetes.

export { VvpClient, type CallOptions, type DeploymentListQuery, type SavepointRegistration, type SavepointTrigger, type TokenSource, type VvpClientOptions } from './client.js';
export { VvpError, isVvpError, isVvpHttpError, type VvpErrorKind } from './errors.js';
export type { CallRecord, HttpMethod, VvpLogger } from './http.js';
export type { LeftOutItem, ListStreamBounds, ListStreamVisitor } from './list-stream.js';
export { runtimeParallelismOf } from './autopilot.js';
export { VVP_ROUTES, formatLabelSelector, type VvpRoute } from './routes.js';
export type * from './types.js';

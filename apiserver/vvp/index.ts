// The VVP client's door: all that the resource rooms and main.ts may use of it. It never reaches Kubernetes.

export { VvpClient, type DeploymentListQuery, type SavepointRegistration, type SavepointTrigger, type VvpClientOptions } from './client.js';
export type { CallOptions, TokenSource } from './calls.js';
export { VvpError, isVvpError, isVvpHttpError, type VvpErrorKind } from './errors.js';
export type { CallRecord, HttpMethod, VvpLogger } from './http.js';
export type { LeftOutItem, ListStreamBounds, ListStreamVisitor } from './list-stream.js';
export { runtimeParallelismOf } from './autopilot.js';
export { VVP_ROUTES, formatLabelSelector, type VvpRoute } from './routes.js';
export type * from './types.js';

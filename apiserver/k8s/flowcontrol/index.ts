// The flow-control room: kube's API Priority and Fairness (FlowSchemas, priority levels, fair queuing) applied to this
// server's own capacity. The server hooks `flowControlHook` in after authorization; main.ts builds it with
// `clusterFlowControl`.

export { type Classification, FlowController } from './controller.js';
export { FLOW_SCHEMA_UID_HEADER, PRIORITY_LEVEL_UID_HEADER, TOO_MANY_REQUESTS_MESSAGE, flowControlHook, type FlowControlHookOptions } from './hook.js';
export { type ClusterFlowControl, clusterFlowControl } from './kube.js';
export { FlowControlMetrics } from './metrics.js';
export { type LevelPlan, planLevels } from './levels.js';
export { dealHand, hashFlowID } from './shuffle-sharding.js';
export { matchesFlowSchema, orderedFlowSchemas, selectFlowSchema } from './rule.js';
export { MAX_LIST_SEATS, type ObjectStatsValue, type WidthRequest, requestSeats } from './width.js';
export { type ListedObjects, ObjectStats, groupResource } from './object-stats.js';
export type { FlowSchema, PriorityLevelConfiguration, RequestDigest } from './types.js';

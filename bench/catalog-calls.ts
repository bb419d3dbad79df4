// Measure 9's part for the cluster-scoped kinds (VvpDeploymentTarget, VvpSessionCluster): they read the platform's
// deployment-targets and sessionclusters lists only while someone watches them (or lists / gets them), through
// their own poll loop. With no user watching, kube-controller-manager's garbage collector still watches every kind
// that can be deleted: deployment targets (while their writes are served) cost one list per poll and platform
// namespace, session clusters nothing.

export const CATALOG_RESOURCES = ['vvpdeploymenttargets', 'vvpsessionclusters'] as const;

/** A watch of a cluster-scoped kind, opened with the initial-events-end BOOKMARK the fleet waits for. */
export function catalogWatchPath(group: string, resource: string): string {
  return `/apis/${group}/v1/${resource}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`;
}

/** Platform calls per poll interval on the routes only these kinds read. */
export function catalogCallsPerPoll(routesPerSecond: Record<string, number>, pollIntervalMs: number): number {
  const perSecond = Object.entries(routesPerSecond).filter(([route]) => /deployment-targets|sessionclusters/.test(route)).reduce((sum, [, n]) => sum + n, 0);
  return Math.round(((perSecond * pollIntervalMs) / 1000) * 100) / 100;
}

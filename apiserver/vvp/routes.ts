// The platform's REST paths in one table, and the escaping of path segments, label selectors and query strings, so
// that a name from a Kubernetes object can never change which platform path a call goes to.

import type { StringMap } from './types.js';

/** Path templates of every call the client makes: the `route` of metrics, logs and errors (never a concrete path). */
export const VVP_ROUTES = {
  deployments: '/api/v1/namespaces/{ns}/deployments',
  deployment: '/api/v1/namespaces/{ns}/deployments/{name}',
  deploymentDefaults: '/api/v1/namespaces/{ns}/deployment-defaults',
  deploymentTargets: '/api/v1/namespaces/{ns}/deployment-targets',
  deploymentTarget: '/api/v1/namespaces/{ns}/deployment-targets/{name}',
  sessionClusters: '/api/v1/namespaces/{ns}/sessionclusters',
  sessionCluster: '/api/v1/namespaces/{ns}/sessionclusters/{name}',
  jobs: '/api/v1/namespaces/{ns}/jobs',
  job: '/api/v1/namespaces/{ns}/jobs/{jobId}',
  savepoints: '/api/v1/namespaces/{ns}/savepoints',
  savepoint: '/api/v1/namespaces/{ns}/savepoints/{savepointId}',
  events: '/api/v1/namespaces/{ns}/events',
  systemInfo: '/api/v1/status/system-info',
  namespaces: '/namespaces/v1/namespaces',
  namespace: '/namespaces/v1/namespaces/{ns}',
  autopilotPolicies: '/autopilot/v1alpha1/namespaces/{ns}',
  autopilotPolicy: '/autopilot/v1alpha1/namespaces/{ns}/deployments/{deploymentId}/autopilotpolicy',
  autopilotPolicyStatus: '/autopilot/v1alpha1/namespaces/{ns}/deployments/{deploymentId}/autopilotpolicy:status',
} as const;

export type VvpRoute = (typeof VVP_ROUTES)[keyof typeof VVP_ROUTES];

/** One path segment; names and ids are user-supplied, so `/`, `?`, `%` and the like must not change the path. */
export function segment(value: string): string {
  if (value === '' || value === '.' || value === '..') throw new TypeError(`not a valid VVP path segment: "${value}"`);
  return encodeURIComponent(value);
}

/**
 * The platform's `labelSelector` form, `k=v,k2=v2` (equality only). A string is passed through as written.
 * Keys and values containing `,` or `=` cannot be expressed and are refused rather than silently misread.
 */
export function formatLabelSelector(selector: string | StringMap): string {
  if (typeof selector === 'string') return selector;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(selector)) {
    if (/[,=]/.test(key) || /[,=]/.test(value)) throw new TypeError(`label ${key}=${value} cannot be expressed in a VVP labelSelector`);
    parts.push(`${key}=${value}`);
  }
  return parts.join(',');
}

/** `?a=1&b=2` from the defined entries, or '' when there are none. */
export function queryString(params: Record<string, string | undefined>): string {
  let out = '';
  for (const key in params) {
    const value = params[key];
    if (value === undefined) continue;
    out += `${out === '' ? '?' : '&'}${key}=${encodeURIComponent(value)}`;
  }
  return out;
}

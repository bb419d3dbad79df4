// The columns of `kubectl get vvpdeployments`.

import type { KubeObject, TableColumn } from '../k8s/index.js';
import type { VvpDeployment } from './types.js';

export const tableColumns: TableColumn[] = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name of the VvpDeployment.', priority: 0 },
  { name: 'State', type: 'string', description: 'Desired state (spec.deployment.spec.state).', priority: 0 },
  { name: 'Status', type: 'string', description: 'State the platform reports (status.state).', priority: 0 },
  { name: 'Healthy', type: 'string', description: 'Status of the Healthy condition.', priority: 0 },
  { name: 'Job', type: 'string', description: 'State of the current job (status.job.state).', priority: 0 },
  { name: 'Parallelism', type: 'string', description: 'Desired parallelism, and Autopilot\'s runtime parallelism when it differs.', priority: 0 },
  { name: 'Age', type: 'date', description: 'Time since creation (metadata.creationTimestamp).', priority: 0 },
  { name: 'Platform', type: 'string', description: 'Platform instance holding it (status.platformInstance).', priority: 1 },
];

const NONE = '<none>';

function parallelism(p: { desired?: number; runtime?: number } | undefined): string {
  if (!p || (p.desired === undefined && p.runtime === undefined)) return NONE;
  if (p.runtime === undefined || p.runtime === p.desired) return String(p.desired ?? p.runtime);
  return `${p.desired ?? '?'}→${p.runtime}`;
}

export function tableCells(object: KubeObject): unknown[] {
  const o = object as Partial<VvpDeployment>;
  const healthy = o.status?.conditions?.find((c) => c.type === 'Healthy');
  return [
    o.metadata?.name ?? '',
    o.spec?.deployment?.spec?.state ?? NONE,
    o.status?.state ?? NONE,
    healthy?.status ?? 'Unknown',
    o.status?.job?.state ?? NONE,
    parallelism(o.status?.parallelism),
    o.metadata?.creationTimestamp ?? '',
    o.status?.platformInstance ?? NONE,
  ];
}

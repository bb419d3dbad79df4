import t from 'tap';
import { tableCells, tableColumns } from '../../../apiserver/vvpdeployment/table.js';
import type { VvpDeployment } from '../../../apiserver/vvpdeployment/types.js';

function object(status: VvpDeployment['status']): VvpDeployment {
  return {
    apiVersion: 'ververica.platform/v1', kind: 'VvpDeployment', metadata: { name: 'top-speed', namespace: 'flink', creationTimestamp: '2026-11-24T10:00:00Z' },
    spec: { syncingMode: 'PATCH', deployment: { spec: { state: 'RUNNING' } } }, status,
  };
}

t.test('columns NAME, STATE (desired), STATUS (platform), HEALTHY, JOB, PARALLELISM, AGE; PLATFORM with -o wide', async (t) => {
  t.same(tableColumns.map((c) => c.name.toUpperCase()), ['NAME', 'STATE', 'STATUS', 'HEALTHY', 'JOB', 'PARALLELISM', 'AGE', 'PLATFORM']);
  t.ok(tableColumns.every((c) => c.description));
  t.same(tableColumns.map((c) => c.priority), [0, 0, 0, 0, 0, 0, 0, 1]);
  t.equal(tableColumns[6]?.type, 'date');
});

t.test('cells', async (t) => {
  const healthy = { type: 'Healthy', status: 'False' as const, reason: 'Transitioning', message: '', lastTransitionTime: '2026-11-24T10:00:00Z' };
  t.same(tableCells(object({ state: 'TRANSITIONING', job: { state: 'STARTING' }, parallelism: { desired: 2, runtime: 4 }, platformInstance: 'prod', conditions: [healthy] })),
    ['top-speed', 'RUNNING', 'TRANSITIONING', 'False', 'STARTING', '2→4', '2026-11-24T10:00:00Z', 'prod']);
  t.same(tableCells(object({ parallelism: { desired: 2, runtime: 2 }, conditions: [] })).slice(2, 6), ['<none>', 'Unknown', '<none>', '2']);
  t.same(tableCells(object(undefined)).slice(2, 6), ['<none>', 'Unknown', '<none>', '<none>']);
});

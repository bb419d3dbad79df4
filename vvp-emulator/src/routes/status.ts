// The platform's status routes (`/api/v1/status`, `/api/v1/status/system-info`): health and the version it runs.

import type { FastifyInstance } from 'fastify';
import type { RouteOptions } from './common.js';

export const emulatedVersion = '2.4.3';

export async function statusRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const any = { access: { role: 'viewer' as const } };

  app.get('/api/v1/status', { config: any }, async () => ({ kind: 'Status', apiVersion: 'v1', status: { state: 'OK' } }));

  app.get('/api/v1/status/system-info', { config: any }, async () => {
    let cpu = 0;
    for (const ns of ctx.store.namespaces.values()) {
      for (const id of ns.runtimes.keys()) if (ns.runtimes.get(id)?.activeJobId) cpu += 2;
    }
    return {
      kind: 'SystemInformation',
      apiVersion: 'v1',
      status: {
        jvmVersion: `emulated (node ${process.version})`,
        revisionInformation: {
          buildVersion: `${emulatedVersion}-emulator`,
          buildTime: '2022-01-26T00:00:00Z',
          commitShaShort: 'emulatr',
          commitShaLong: 'vvp-emulator',
        },
        resourceQuota: {
          kind: 'ResourceQuota',
          apiVersion: 'v1',
          spec: { type: 'UNLIMITED', limits: { cpu: 1000 } },
          status: { used: { cpu } },
        },
      },
    };
  });
}

// The deployment defaults route of a namespace: what the platform merges under every deployment's spec.

import type { FastifyInstance } from 'fastify';
import { mergePatch, type JsonObject } from '../json.js';
import { deploymentDefaultsBodySchema } from '../schemas.js';
import { bumped } from '../store/store.js';
import { namespaceOf, type RouteOptions } from './common.js';

export async function deploymentDefaultsRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const path = '/api/v1/namespaces/:namespace/deployment-defaults';

  app.get(path, { config: { access: { role: 'viewer' } } }, async (request) => namespaceOf(ctx, request).defaults);

  app.patch<{ Body: { spec?: JsonObject } }>(
    path,
    { config: { access: { role: 'owner' } }, schema: { body: deploymentDefaultsBodySchema } },
    async (request) => {
      const ns = namespaceOf(ctx, request);
      ns.defaults = {
        ...ns.defaults,
        metadata: bumped(ns.defaults.metadata),
        spec: mergePatch(ns.defaults.spec, request.body.spec ?? {}) as JsonObject,
      };
      ctx.changed();
      return ns.defaults;
    },
  );

  // Read-only in 2.4 (the platform operator configures it).
  app.get('/api/v1/global-deployment-defaults', { config: { access: { role: 'viewer' } } }, async () => ctx.store.globalDefaults);
}

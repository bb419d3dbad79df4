// The savepoints routes (list, get, trigger, register) of the AppManager API.

import type { FastifyInstance } from 'fastify';
import { badRequest, notFound } from '../errors.js';
import { newSavepoint, savepointDirectory } from '../lifecycle/savepoints.js';
import { savepointBodySchema } from '../schemas.js';
import { list, namespaceOf, type RouteOptions } from './common.js';

type Body = { metadata: { deploymentId: string; annotations?: Record<string, string> }; spec?: { savepointLocation?: string } };

export async function savepointRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const base = '/api/v1/namespaces/:namespace/savepoints';
  const read = { access: { role: 'viewer' as const } };

  app.get<{ Querystring: { deploymentId?: string; jobId?: string } }>(base, { config: read }, async (request) => {
    const ns = namespaceOf(ctx, request);
    const { deploymentId, jobId } = request.query;
    const all = deploymentId ? ns.savepointsOf(deploymentId) : [...ns.savepoints.values()];
    return list('SavepointList', jobId ? all.filter((s) => s.metadata.jobId === jobId) : all);
  });

  app.get<{ Params: { namespace: string; savepointId: string } }>(`${base}/:savepointId`, { config: read }, async (request) => {
    const ns = namespaceOf(ctx, request);
    const savepoint = ns.savepoints.get(request.params.savepointId);
    if (!savepoint) throw notFound(`Savepoint "${request.params.savepointId}" does not exist in namespace "${ns.name}"`);
    return savepoint;
  });

  /** Triggers a savepoint of the running job, or (with spec.savepointLocation) registers an external one, origin COPIED. */
  app.post<{ Body: Body }>(
    base,
    { config: { access: { role: 'editor' } }, schema: { body: savepointBodySchema } },
    async (request, reply) => {
      const ns = namespaceOf(ctx, request);
      const { deploymentId } = request.body.metadata;
      const deployment = ns.deployments.getById(deploymentId);
      if (!deployment) throw badRequest(`metadata.deploymentId: deployment "${deploymentId}" does not exist in namespace "${ns.name}"`);
      const location = request.body.spec?.savepointLocation;
      if (location) {
        const copied = newSavepoint(ns, deployment, undefined, 'COPIED', 'COMPLETED');
        copied.spec = { savepointLocation: location };
        copied.metadata.annotations = { ...copied.metadata.annotations, ...request.body.metadata.annotations };
        ns.putSavepoint(copied);
        ctx.changed();
        return reply.code(201).send(copied);
      }
      if (!ctx.controller.runningJob(ns, deployment) || deployment.status.state !== 'RUNNING') {
        throw badRequest(
          `metadata.deploymentId: deployment "${deployment.metadata.name}" is not running (status.state ${deployment.status.state}); ` +
            'a savepoint can only be taken of a RUNNING deployment',
        );
      }
      if (!savepointDirectory(deployment)) {
        throw badRequest(
          `metadata.deploymentId: deployment "${deployment.metadata.name}" has no savepoint directory; ` +
            'set spec.template.spec.flinkConfiguration."state.savepoints.dir"',
        );
      }
      const savepoint = ctx.controller.triggerSavepoint(ns, deployment, request.body.metadata.annotations);
      ctx.changed();
      return reply.code(201).send(savepoint);
    },
  );
}

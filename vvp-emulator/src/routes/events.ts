// The events routes: the platform's events of a deployment, job or session cluster, bounded as the platform keeps them.

import type { FastifyInstance } from 'fastify';
import { badRequest } from '../errors.js';
import { eventBodySchema } from '../schemas.js';
import { emitEvent } from '../store/writes.js';
import type { VvpEvent } from '../types.js';
import { list, namespaceOf, type RouteOptions } from './common.js';

type Body = { metadata: { deploymentId: string; jobId?: string; name?: string }; spec: { message: string; type?: string } };

export async function eventRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const base = '/api/v1/namespaces/:namespace/events';

  app.get<{ Querystring: { deploymentId?: string; jobId?: string; sessionClusterId?: string } }>(
    base,
    { config: { access: { role: 'viewer' } } },
    async (request) => {
      const ns = namespaceOf(ctx, request);
      const { deploymentId, jobId, sessionClusterId } = request.query;
      let events: VvpEvent[] = deploymentId
        ? (ns.events.get(deploymentId) ?? [])
        : [...ns.events.values()].flat().sort((a, b) => a.metadata.createdAt.localeCompare(b.metadata.createdAt));
      if (jobId) events = events.filter((e) => e.metadata.jobId === jobId);
      if (sessionClusterId) events = [];
      return list('EventList', events);
    },
  );

  /** VVP 3 extension: the Kubernetes operator writes its own events into the deployment's event list. */
  app.post<{ Body: Body }>(base, { config: { access: { role: 'editor' } }, schema: { body: eventBodySchema } }, async (request, reply) => {
    const ns = namespaceOf(ctx, request);
    const { metadata, spec } = request.body;
    const deployment = ns.deployments.getById(metadata.deploymentId);
    if (!deployment) throw badRequest(`metadata.deploymentId: deployment "${metadata.deploymentId}" does not exist in namespace "${ns.name}"`);
    const event = emitEvent(ns, {
      deployment,
      name: metadata.name ?? 'EXTERNAL',
      message: spec.message,
      type: spec.type ?? 'Normal',
      ...(metadata.jobId ? { jobId: metadata.jobId } : {}),
    });
    ctx.changed();
    return reply.code(201).send(event);
  });
}

// The jobs routes: a deployment's jobs as the platform lists them, and one job by id.

import type { FastifyInstance } from 'fastify';
import { notFound } from '../errors.js';
import { list, namespaceOf, type RouteOptions } from './common.js';

/** Jobs are read-only: only the platform creates them. */
export async function jobRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const base = '/api/v1/namespaces/:namespace/jobs';
  const read = { access: { role: 'viewer' as const } };

  app.get<{ Querystring: { deploymentId?: string } }>(base, { config: read }, async (request) => {
    const ns = namespaceOf(ctx, request);
    const { deploymentId } = request.query;
    return list('JobList', deploymentId ? ns.jobsOf(deploymentId) : [...ns.jobs.values()]);
  });

  app.get<{ Params: { namespace: string; jobId: string } }>(`${base}/:jobId`, { config: read }, async (request) => {
    const ns = namespaceOf(ctx, request);
    const job = ns.jobs.get(request.params.jobId);
    if (!job) throw notFound(`Job "${request.params.jobId}" does not exist in namespace "${ns.name}"`);
    return job;
  });
}

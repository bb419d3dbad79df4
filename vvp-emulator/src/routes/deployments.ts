// The deployments routes of the AppManager API; the rules live in deployments/service.ts.

import type { FastifyInstance } from 'fastify';
import { principalOf } from '../context.js';
import { DeploymentService, findDeployment } from '../deployments/service.js';
import type { JsonObject } from '../json.js';
import { deploymentBodySchema } from '../schemas.js';
import { namespaceOf, type RouteOptions } from './common.js';

type ByName = { Params: { namespace: string; name: string } };
type WithBody = { Body: { metadata?: JsonObject; spec?: JsonObject } };

const listHead = Buffer.from('{"kind":"DeploymentList","apiVersion":"v1","metadata":{},"items":[');
const comma = Buffer.from(',');
const listTail = Buffer.from(']}');

export async function deploymentRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const service = new DeploymentService(ctx);
  const base = '/api/v1/namespaces/:namespace/deployments';
  const read = { access: { role: 'viewer' as const } };
  const write = { access: { role: 'editor' as const } };

  // Lists and reads answer from each version's cached JSON: at 10,000 deployments serialization dominates.
  app.get<{ Params: { namespace: string }; Querystring: { labelSelector?: string } }>(base, { config: read }, async (request, reply) => {
    const ns = namespaceOf(ctx, request);
    const parts: Buffer[] = [listHead];
    service.list(ns, request.query.labelSelector).forEach((deployment, i) => {
      if (i > 0) parts.push(comma);
      parts.push(ns.deployments.json(deployment));
    });
    parts.push(listTail);
    return reply.type('application/json').send(Buffer.concat(parts));
  });

  app.post<{ Params: { namespace: string } } & WithBody>(
    base,
    { config: write, schema: { body: deploymentBodySchema(false) } },
    async (request, reply) => reply.code(201).send(service.create(namespaceOf(ctx, request), request.body, principalOf(request))),
  );

  app.get<ByName>(`${base}/:name`, { config: read }, async (request, reply) => {
    const ns = namespaceOf(ctx, request);
    return reply.type('application/json').send(ns.deployments.json(findDeployment(ns, request.params.name)));
  });

  app.patch<ByName & WithBody>(`${base}/:name`, { config: write, schema: { body: deploymentBodySchema(true) } }, async (request) =>
    service.patch(namespaceOf(ctx, request), request.params.name, request.body, principalOf(request)),
  );

  app.put<ByName & WithBody>(`${base}/:name`, { config: write, schema: { body: deploymentBodySchema(false) } }, async (request, reply) => {
    const { deployment, created } = service.put(namespaceOf(ctx, request), request.params.name, request.body, principalOf(request));
    return reply.code(created ? 201 : 200).send(deployment);
  });

  app.delete<ByName>(`${base}/:name`, { config: write }, async (request) =>
    service.delete(namespaceOf(ctx, request), request.params.name, principalOf(request)),
  );
}

// The deployments routes of the AppManager API; the rules live in deployments/service.ts.

import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { principalOf, type EmulatorContext } from '../context.js';
import { badRequest } from '../errors.js';
import { DeploymentService, findDeployment } from '../deployments/service.js';
import type { JsonObject } from '../json.js';
import { deploymentBodySchema } from '../schemas.js';
import { validationMessage } from '../server.js';
import { namespaceOf, type RouteOptions } from './common.js';

type ByName = { Params: { namespace: string; name: string } };
type WithBody = { Body: { metadata?: JsonObject; spec?: JsonObject } };

const listHead = Buffer.from('{"kind":"DeploymentList","apiVersion":"v1","metadata":{},"items":[');
const comma = Buffer.from(',');
const listTail = Buffer.from(']}');

/** The 2.4.3 definitions closed: what a platform that knows no field beyond them accepts (admin API `unknown-fields`). */
const closed = (() => {
  const ajv = new Ajv({ allErrors: false, strict: false });
  return { whole: ajv.compile(deploymentBodySchema(false, true)), patch: ajv.compile(deploymentBodySchema(true, true)) };
})();

/** Refuses a field of the spec the 2.4.3 definitions do not declare, when the emulator is told to (else it is kept). */
function checkUnknownFields(ctx: EmulatorContext, validate: ValidateFunction, body: unknown): void {
  if (ctx.unknownSpecFields === 'refuse' && !validate(body)) throw badRequest(validationMessage(validate.errors ?? []));
}

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
    async (request, reply) => {
      checkUnknownFields(ctx, closed.whole, request.body);
      return reply.code(201).send(service.create(namespaceOf(ctx, request), request.body, principalOf(request)));
    },
  );

  app.get<ByName>(`${base}/:name`, { config: read }, async (request, reply) => {
    const ns = namespaceOf(ctx, request);
    return reply.type('application/json').send(ns.deployments.json(findDeployment(ns, request.params.name)));
  });

  app.patch<ByName & WithBody>(`${base}/:name`, { config: write, schema: { body: deploymentBodySchema(true) } }, async (request) => {
    checkUnknownFields(ctx, closed.patch, request.body);
    return service.patch(namespaceOf(ctx, request), request.params.name, request.body, principalOf(request));
  });

  app.put<ByName & WithBody>(`${base}/:name`, { config: write, schema: { body: deploymentBodySchema(false) } }, async (request, reply) => {
    checkUnknownFields(ctx, closed.whole, request.body);
    const { deployment, created } = service.put(namespaceOf(ctx, request), request.params.name, request.body, principalOf(request));
    return reply.code(created ? 201 : 200).send(deployment);
  });

  app.delete<ByName>(`${base}/:name`, { config: write }, async (request) =>
    service.delete(namespaceOf(ctx, request), request.params.name, principalOf(request)),
  );
}

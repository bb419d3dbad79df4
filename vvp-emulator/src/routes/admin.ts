// The emulator's own admin routes under /__emulator (not the platform's): faults, outages, timings, the error shape,
// tokens, the request count, a deployment's runtime and resets, for the tests to arrange a platform's state through HTTP.

import type { FastifyInstance } from 'fastify';
import { isRole } from '../auth.js';
import { DeploymentService, findDeployment } from '../deployments/service.js';
import { badRequest, notFound } from '../errors.js';
import { newId } from '../ids.js';
import type { JsonObject } from '../json.js';
import type { TransitionFaults } from '../lifecycle/runtime.js';
import { timingKeys, type Timings } from '../timings.js';
import type { Fault } from '../faults.js';
import { namespaceOf, type RouteOptions } from './common.js';

type ByDeployment = { Params: { namespace: string; name: string } };

const faultSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    method: { type: 'string', enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
    path: { type: 'string', minLength: 1 },
    route: { type: 'string', minLength: 1 },
    latencyMs: { type: 'integer', minimum: 0, maximum: 600000 },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    errorRate: { type: 'number', minimum: 0, maximum: 1 },
    closeConnection: { type: 'boolean' },
    retryAfterSeconds: { type: 'integer', minimum: 0, maximum: 3600 },
    remaining: { type: 'integer', minimum: 1 },
    message: { type: 'string' },
    shape: { type: 'string', enum: ['vvp', 'problem+json'] },
  },
};

const count = { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', enum: ['always'] }] };
const transitionFaultsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    jobStartFailures: count,
    savepointFailures: count,
    jobFailsAfterMs: { type: 'integer', minimum: 0 },
    jobFinishesAfterMs: { type: 'integer', minimum: 0 },
    extraDelayMs: { type: 'integer', minimum: 0 },
    runningLeadMs: { type: 'integer', minimum: 0 },
  },
};

const timingsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(timingKeys.map((key) => [key, { type: 'integer', minimum: 0 }])),
};

const tokenSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['role'],
  properties: {
    secret: { type: 'string', minLength: 8 },
    name: { type: 'string', minLength: 1 },
    role: { type: 'string', enum: ['viewer', 'editor', 'owner'] },
    namespace: { type: 'string', minLength: 1 },
    operatorInstance: { type: 'string', minLength: 1 },
  },
};

/** The emulator's own API for tests and demos, under /__emulator, for the admin token only. */
export async function adminRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const admin = { access: { role: 'admin' as const } };
  const deployments = new DeploymentService(ctx);
  let outage: string | undefined;

  app.get('/__emulator/health', { config: admin }, async () => ({ ok: true }));

  app.get('/__emulator/requests', { config: admin }, async () => ctx.counter.snapshot());
  app.get('/__emulator/requests/log', { config: admin }, async () => ({ requests: ctx.counter.logged() }));
  app.delete('/__emulator/requests', { config: admin }, async () => {
    ctx.counter.reset();
    return ctx.counter.snapshot();
  });

  app.get('/__emulator/faults', { config: admin }, async () => ({ faults: ctx.faults.list() }));
  app.post<{ Body: Omit<Fault, 'id'> }>('/__emulator/faults', { config: admin, schema: { body: faultSchema } }, async (request, reply) =>
    reply.code(201).send(ctx.faults.add(request.body)),
  );
  app.delete('/__emulator/faults', { config: admin }, async () => {
    ctx.faults.clear();
    outage = undefined;
    return { faults: [] };
  });
  app.delete<{ Params: { id: string } }>('/__emulator/faults/:id', { config: admin }, async (request) => {
    if (!ctx.faults.remove(request.params.id)) throw notFound(`Fault "${request.params.id}" does not exist`);
    return { faults: ctx.faults.list() };
  });

  /** A full outage of the platform API: every request answers 503, or has its connection closed. */
  app.post<{ Body: { mode?: '503' | 'close' } }>(
    '/__emulator/outage',
    { config: admin, schema: { body: { type: 'object', additionalProperties: false, properties: { mode: { type: 'string', enum: ['503', 'close'] } } } } },
    async (request) => {
      if (outage) ctx.faults.remove(outage);
      const mode = request.body?.mode ?? '503';
      const fault = ctx.faults.add(mode === 'close' ? { closeConnection: true } : { status: 503, message: 'Ververica Platform is unavailable (emulated outage)' });
      outage = fault.id;
      return { outage: mode, fault };
    },
  );
  app.delete('/__emulator/outage', { config: admin }, async () => {
    if (outage) ctx.faults.remove(outage);
    outage = undefined;
    return { outage: false };
  });

  app.get('/__emulator/timings', { config: admin }, async () => ctx.timings);
  app.get('/__emulator/error-shape', { config: admin }, async () => ({ shape: ctx.errorShape }));
  app.put<{ Body: { shape: 'vvp' | 'problem+json' } }>('/__emulator/error-shape', {
    config: admin,
    schema: { body: { type: 'object', additionalProperties: false, required: ['shape'], properties: { shape: { type: 'string', enum: ['vvp', 'problem+json'] } } } },
  }, async (request) => {
    ctx.errorShape = request.body.shape;
    return { shape: ctx.errorShape };
  });
  app.get('/__emulator/unknown-fields', { config: admin }, async () => ({ mode: ctx.unknownSpecFields }));
  app.put<{ Body: { mode: 'keep' | 'refuse' } }>('/__emulator/unknown-fields', {
    config: admin,
    schema: { body: { type: 'object', additionalProperties: false, required: ['mode'], properties: { mode: { type: 'string', enum: ['keep', 'refuse'] } } } },
  }, async (request) => {
    ctx.unknownSpecFields = request.body.mode;
    return { mode: ctx.unknownSpecFields };
  });
  app.patch<{ Body: Partial<Timings> }>('/__emulator/timings', { config: admin, schema: { body: timingsSchema } }, async (request) => {
    Object.assign(ctx.timings, request.body);
    return ctx.timings;
  });

  const byDeployment = '/__emulator/namespaces/:namespace/deployments/:name';

  app.put<ByDeployment & { Body: Record<string, number | 'always'> }>(
    `${byDeployment}/transition-faults`,
    { config: admin, schema: { body: transitionFaultsSchema } },
    async (request) => {
      const ns = namespaceOf(ctx, request);
      const deployment = findDeployment(ns, request.params.name);
      const faults: TransitionFaults = {};
      for (const [key, value] of Object.entries(request.body)) faults[key as keyof TransitionFaults] = value === 'always' ? -1 : value;
      ctx.controller.runtime(ns, deployment.metadata.id).faults = faults;
      return { transitionFaults: faults };
    },
  );
  app.delete<ByDeployment>(`${byDeployment}/transition-faults`, { config: admin }, async (request) => {
    const ns = namespaceOf(ctx, request);
    ctx.controller.runtime(ns, findDeployment(ns, request.params.name).metadata.id).faults = {};
    return { transitionFaults: {} };
  });

  /** A change made on the platform (UI, another client): bypasses roles, write protection and resourceVersion. */
  app.patch<ByDeployment & { Body: { metadata?: JsonObject; spec?: JsonObject } }>(
    byDeployment,
    { config: admin, schema: { body: { type: 'object' } } },
    async (request) => deployments.platformPatch(namespaceOf(ctx, request), request.params.name, request.body),
  );
  app.delete<ByDeployment>(byDeployment, { config: admin }, async (request) =>
    deployments.platformDelete(namespaceOf(ctx, request), request.params.name),
  );

  /** Internal state of the emulated controller for one deployment (for debugging tests). */
  app.get<ByDeployment>(`${byDeployment}/runtime`, { config: admin }, async (request) => {
    const ns = namespaceOf(ctx, request);
    return ctx.controller.runtime(ns, findDeployment(ns, request.params.name).metadata.id);
  });

  app.post<ByDeployment & { Body: { parallelism: number } }>(
    `${byDeployment}/autopilot-rescale`,
    {
      config: admin,
      schema: { body: { type: 'object', required: ['parallelism'], properties: { parallelism: { type: 'integer', minimum: 1 } } } },
    },
    async (request) => {
      const ns = namespaceOf(ctx, request);
      const deployment = findDeployment(ns, request.params.name);
      if (!ctx.controller.requestRescale(ns, deployment, request.body.parallelism)) {
        throw badRequest(`Deployment "${deployment.metadata.name}" has no running job that could be rescaled now`);
      }
      return { rescaling: request.body.parallelism };
    },
  );

  for (const [action, outcome] of [
    ['job-failure', 'FAILED'],
    ['job-finish', 'FINISHED'],
  ] as const) {
    app.post<ByDeployment>(`${byDeployment}/${action}`, { config: admin }, async (request) => {
      const ns = namespaceOf(ctx, request);
      const deployment = findDeployment(ns, request.params.name);
      if (!ctx.controller.endRunningJob(ns, deployment, outcome)) {
        throw badRequest(`Deployment "${deployment.metadata.name}" has no running job right now`);
      }
      return ns.deployments.getById(deployment.metadata.id);
    });
  }

  app.post<{ Body: { secret?: string; name?: string; role: string; namespace?: string; operatorInstance?: string } }>(
    '/__emulator/tokens',
    { config: admin, schema: { body: tokenSchema } },
    async (request, reply) => {
      const { role, operatorInstance } = request.body;
      if (!isRole(role)) throw badRequest('role: must be viewer, editor or owner');
      const secret = request.body.secret ?? newId();
      const namespace = request.body.namespace ?? '*';
      const name = request.body.name ?? `emulator-token-${secret.slice(0, 4)}`;
      ctx.tokens.add(secret, { name, role, namespace, admin: false, ...(operatorInstance ? { operatorInstance } : {}) });
      return reply.code(201).send({ name, secret, role, namespace, ...(operatorInstance ? { operatorInstance } : {}) });
    },
  );

  // A token expiring (VVP 3.1.3 API tokens expire and are regenerated): the old secret stops working at once.
  app.delete<{ Params: { secret: string } }>('/__emulator/tokens/:secret', { config: admin }, async (request) => {
    ctx.tokens.remove(request.params.secret);
    return { revoked: true };
  });

  app.post('/__emulator/reset', { config: admin }, async () => {
    ctx.reset();
    outage = undefined;
    return { reset: true };
  });
}

// The emulator's HTTP server: the platform's routes, its request validation against the vendor's swagger, its error
// body and its token checks, in one fastify instance that tests and `make run` start alike.

import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import yaml from 'js-yaml';
import { pino, type Logger } from 'pino';
import { authorize, TokenRegistry } from './auth.js';
import type { EmulatorContext } from './context.js';
import { DeploymentService } from './deployments/service.js';
import { ApiError, badRequest } from './errors.js';
import { FaultRegistry, RequestCounter } from './faults.js';
import { Controller } from './lifecycle/controller.js';
import { adminRoutes } from './routes/admin.js';
import { apiTokenRoutes } from './routes/apitokens.js';
import { autopilotRoutes } from './routes/autopilot.js';
import { deploymentDefaultsRoutes } from './routes/deployment-defaults.js';
import { deploymentTargetRoutes } from './routes/deployment-targets.js';
import { sessionClusterRoutes } from './routes/session-clusters.js';
import { deploymentRoutes } from './routes/deployments.js';
import { eventRoutes } from './routes/events.js';
import { jobRoutes } from './routes/jobs.js';
import { namespaceRoutes } from './routes/namespaces.js';
import { savepointRoutes } from './routes/savepoints.js';
import { statusRoutes } from './routes/status.js';
import { defaultNamespace, ensureDefaultNamespace, exampleDeployment, freshStore, seedTarget } from './seed.js';
import { DebouncedSaver, loadStore, saveStore } from './store/persistence.js';
import type { Store } from './store/store.js';
import type { Timings } from './timings.js';
import type { Role } from './types.js';

// ajv-formats is CommonJS: its default export arrives wrapped under NodeNext.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export interface TokenOption {
  secret: string;
  role: Role;
  namespace: string;
  operatorInstance?: string;
}

export interface EmulatorOptions {
  host: string;
  port: number;
  tls?: { cert: string; key: string };
  adminToken?: string;
  adminOperatorInstance?: string;
  tokens: TokenOption[];
  timings: Timings;
  seed: boolean;
  dataFile?: string;
  logLevel: string;
}

export interface Emulator {
  app: FastifyInstance;
  ctx: EmulatorContext;
  /** Stops the controller and writes the data file. */
  close(): Promise<void>;
}

/** "/spec/template/spec/parallelism" → "spec.template.spec.parallelism". */
function fieldOf(error: ErrorObject): string {
  const path = error.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  if (error.keyword === 'required' && params.missingProperty) path.push(params.missingProperty);
  if (error.keyword === 'additionalProperties' && params.additionalProperty) path.push(params.additionalProperty);
  return path.length === 0 ? 'body' : path.join('.');
}

export function validationMessage(errors: ErrorObject[]): string {
  const error = errors[0];
  if (!error) return 'body: invalid';
  const field = fieldOf(error);
  switch (error.keyword) {
    case 'required':
      return `${field}: required field is missing`;
    case 'additionalProperties':
      return `${field}: unknown field`;
    case 'enum':
      return `${field}: must be one of ${((error.params as { allowedValues: unknown[] }).allowedValues ?? []).join(', ')}`;
    default:
      return `${field}: ${error.message ?? 'is invalid'}`;
  }
}

export async function buildEmulator(options: EmulatorOptions, log: Logger = pino({ level: options.logLevel })): Promise<Emulator> {
  const initialTimings = { ...options.timings };
  const saved = options.dataFile ? loadStore(options.dataFile) : undefined;
  const loaded = saved !== undefined;
  let store: Store = saved ?? freshStore();
  ensureDefaultNamespace(store);

  const saver = new DebouncedSaver(() => {
    if (options.dataFile) saveStore(ctx.store, options.dataFile);
  });
  const tokens = new TokenRegistry();
  const registerStaticTokens = () => {
    if (options.adminToken) {
      tokens.add(options.adminToken, {
        name: 'admin',
        role: 'owner',
        namespace: '*',
        admin: true,
        ...(options.adminOperatorInstance ? { operatorInstance: options.adminOperatorInstance } : {}),
      });
    }
    options.tokens.forEach((t, i) =>
      tokens.add(t.secret, { name: `token-${i + 1}`, role: t.role, namespace: t.namespace, admin: false, ...(t.operatorInstance ? { operatorInstance: t.operatorInstance } : {}) }),
    );
    for (const ns of store.namespaces.values()) {
      for (const t of ns.tokens.values()) {
        tokens.add(t.secret, { name: t.name, role: t.role, namespace: ns.name, admin: false, ...(t.operatorInstance ? { operatorInstance: t.operatorInstance } : {}) });
      }
    }
  };

  const timings = { ...options.timings };
  const changed = () => {
    if (options.dataFile) saver.schedule();
  };
  // The controller reads the store through the context: a reset swaps it.
  const controller = new Controller({ store: () => ctx.store, timings: () => timings, log, changed });
  const ctx: EmulatorContext = {
    store,
    tokens,
    faults: new FaultRegistry(),
    counter: new RequestCounter(),
    controller,
    timings,
    errorShape: 'vvp',
    unknownSpecFields: 'keep',
    log,
    changed,
    reset: () => {
      ctx.errorShape = 'vvp';
      ctx.unknownSpecFields = 'keep';
      ctx.controller.stopAll();
      store = freshStore();
      ctx.store = store;
      ctx.faults.clear();
      ctx.counter.reset();
      Object.assign(ctx.timings, initialTimings);
      tokens.clear();
      registerStaticTokens();
      if (options.seed) seed();
      ctx.changed();
    },
  };

  const seed = () => {
    seedTarget(ctx.store);
    const ns = ctx.store.namespace(defaultNamespace);
    const name = (exampleDeployment.metadata as { name: string }).name;
    if (!ns.deployments.get(name)) {
      new DeploymentService(ctx).create(ns, exampleDeployment as never, { name: 'seed', role: 'owner', namespace: '*', admin: true });
    }
  };

  registerStaticTokens();
  if (options.seed && !loaded) seed();
  if (loaded) ctx.controller.resumeAll();

  const app = Fastify({
    loggerInstance: log,
    // Per-request logs go out at debug level from an onResponse hook instead (cheap at 10,000 deployments).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 10 * 1024 * 1024,
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
  }) as unknown as FastifyInstance;

  const ajv = new Ajv({ allErrors: false, strict: false, coerceTypes: false, useDefaults: false, removeAdditional: false });
  addFormats(ajv);
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));

  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, yaml.load(body as string));
    } catch (err) {
      done(badRequest(`body: not valid YAML (${(err as Error).message.split('\n')[0]})`) as unknown as FastifyError, undefined);
    }
  });

  // Count first (so faulted calls count too), then inject faults, then authenticate.
  app.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url;
    if (request.url.startsWith('/__emulator')) return;
    ctx.counter.count(request.method, route ?? '(no route)');
    if (ctx.faults.empty) return;
    for (const fault of ctx.faults.take(request.method, request.url.split('?')[0] ?? '', route)) {
      if (fault.latencyMs) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
      const fails = fault.errorRate === undefined || Math.random() < fault.errorRate;
      if (!fails) continue;
      if (fault.closeConnection) {
        reply.hijack();
        request.raw.socket.destroy();
        return;
      }
      if (fault.status !== undefined || fault.errorRate !== undefined) {
        const status = fault.status ?? 500;
        const injected = new ApiError(status, fault.message ?? `Injected fault: ${status}`);
        if (fault.shape) injected.shape = fault.shape;
        if (fault.retryAfterSeconds !== undefined) reply.header('retry-after', String(fault.retryAfterSeconds));
        throw injected;
      }
    }
  });

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config?.access;
    if (!access) return;
    const principal = tokens.find(request.headers.authorization);
    if (access.role === 'admin' || access.role === 'platform-admin') {
      authorize(principal, undefined, 'owner');
      const allowed = access.role === 'admin' ? principal?.admin : principal?.namespace === '*';
      if (!allowed) throw new ApiError(403, `Forbidden: this needs the ${access.role === 'admin' ? 'emulator admin token' : 'platform administrator (owner of every namespace)'}`);
      request.principal = principal;
      return;
    }
    const params = request.params as { namespace?: string; ns?: string };
    request.principal = authorize(principal, params.namespace ?? params.ns, access.role);
  });

  // The last requests with their query and the bytes answered, so a test can tell what a client read and how much.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.url.startsWith('/__emulator')) return payload;
    const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : Buffer.isBuffer(payload) ? payload.length : Number(reply.getHeader('content-length') ?? 0);
    ctx.counter.log({ method: request.method, url: request.url, status: reply.statusCode, bytes });
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    request.log.debug({ method: request.method, url: request.url.split('?')[0], status: reply.statusCode, ms: reply.elapsedTime }, 'request');
  });

  const answer = (reply: FastifyReply, request: FastifyRequest, error: ApiError) => {
    if ((error.shape ?? ctx.errorShape) === 'vvp') return reply.code(error.statusCode).send(error.body);
    return reply.code(error.statusCode).type('application/problem+json').send(JSON.stringify(error.problem(request.url.split('?')[0] ?? '')));
  };
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) return answer(reply, request, error);
    if (error.validation) return answer(reply, request, badRequest(validationMessage(error.validation as ErrorObject[])));
    if (error.statusCode && error.statusCode < 500) return answer(reply, request, new ApiError(error.statusCode, error.message));
    request.log.error({ err: error }, 'internal error');
    return answer(reply, request, new ApiError(500, 'Internal error in the emulator'));
  });

  app.setNotFoundHandler((request, reply) => {
    void answer(reply, request, new ApiError(404, `Not found: ${request.method} ${request.url.split('?')[0]}`));
  });

  for (const plugin of [
    deploymentRoutes,
    deploymentDefaultsRoutes,
    deploymentTargetRoutes,
    sessionClusterRoutes,
    jobRoutes,
    savepointRoutes,
    eventRoutes,
    statusRoutes,
    namespaceRoutes,
    apiTokenRoutes,
    autopilotRoutes,
    adminRoutes,
  ]) {
    await app.register(plugin, { ctx });
  }

  return {
    app,
    ctx,
    close: async () => {
      ctx.controller.stopAll();
      await app.close();
      saver.flush();
      if (options.dataFile) saveStore(ctx.store, options.dataFile);
    },
  };
}

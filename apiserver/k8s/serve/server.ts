// The aggregated API server: fastify over TLS (1.2+) with HTTP/2 for kube-apiserver's multiplexed proxy and HTTP/1.1 for
// everyone else; client certificates requested (verified per authenticator, not by TLS); every error a metav1.Status.

import { randomUUID } from 'node:crypto';
import type { Http2SecureServer } from 'node:http2';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { pino, type Logger } from 'pino';
import type { Admission } from '../admission/index.js';
import type { AuthenticationConfigSource } from '../auth/authentication-config.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { Authorizer } from '../auth/authorizer.js';
import { authHook } from '../auth/hook.js';
import { type FlowController, type FlowControlMetrics, flowControlHook, type ListedObjects } from '../flowcontrol/index.js';
import { type WatchSettings, warningHeaders } from '../handlers/common.js';
import { type VersionInfo, apiRoutes } from './installer.js';
import { ApiMetrics } from './metrics.js';
import { parseQuery, urlProblem } from './request-url.js';
import { requestInfo } from './requestinfo.js';
import { StageTimes } from './stage-times.js';
import { registerYamlOutput } from './yaml-output.js';
import type { Storage } from '../storage.js';
import { isStatusError, statusErrors, wireStatus } from '../status.js';
import { requestScopeHook } from './request-scope.js';
import type { Status } from '../types.js';

/** At run time the raw request/response are HTTP/2 or HTTP/1.1 objects; handlers use only what both provide. */
export type ApiServer = FastifyInstance;

export interface ApiServerOptions {
  /** The serving certificate; it must name `<service>.<namespace>.svc` for the aggregator. */
  serving: { certPem: string; keyPem: string };
  storages: Storage[];
  authenticator: Authenticator;
  authorizer: Authorizer;
  /** The CA configuration (front proxy, client CA): announced in the TLS handshake, front-proxy headers stripped. */
  authenticationConfig?: AuthenticationConfigSource;
  /** pino logger (JSON); default: info level on stdout. */
  logger?: Logger;
  /** Register your own metrics on `metrics.registry`. */
  metrics?: ApiMetrics;
  version?: Partial<VersionInfo>;
  watch?: { bookmarkIntervalMs?: number; minTimeoutSeconds?: number };
  http2?: { maxConcurrentStreams?: number; maxSessionMemoryMb?: number };
  /** The admission chain of every write (admission/); without it, writes pass no admission plugins. */
  admission?: Admission;
  /** Largest request body; kube-apiserver's is 3 MiB. */
  bodyLimit?: number;
  /** How long any request but a watch may take before it is answered 504 (kube-apiserver's --request-timeout, 60 s). */
  requestTimeoutMs?: number;
  /** Answers carry a Server-Timing header of their stages (stage-times.ts; `make bench`); off by default. */
  serverTiming?: boolean;
  /** API Priority and Fairness at this server's capacity (flowcontrol/); without it, no request waits or is refused. */
  flowControl?: { controller: FlowController; metrics?: FlowControlMetrics };
  /** /readyz answers 503 while this is false (e.g. admission cannot decide yet). */
  ready?: () => Promise<boolean>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's stage timings, when the server times them (ApiServerOptions.serverTiming). */
    kubeStages?: StageTimes;
  }
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

const DEFAULT_VERSION: VersionInfo = {
  major: '1', minor: '0', gitVersion: 'v1.0.0', gitCommit: '', gitTreeState: 'clean', buildDate: '1970-01-01T00:00:00Z',
  goVersion: 'n/a', compiler: 'node', platform: `${process.platform}/${process.arch}`,
};

function toStatus(err: unknown, request: FastifyRequest): Status {
  if (isStatusError(err)) return err.status;
  const fe = err as Partial<FastifyError>;
  if (fe.code === 'FST_ERR_HANDLER_TIMEOUT') {
    return statusErrors.timeout('the request did not complete within the allotted timeout; retry later', 2).status;
  }
  if (typeof fe.code === 'string' && fe.code.startsWith('FST_') && typeof fe.statusCode === 'number' && fe.statusCode < 500) {
    const reason = fe.statusCode === 413 ? 'RequestEntityTooLarge' : fe.statusCode === 415 ? 'UnsupportedMediaType' : 'BadRequest';
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: fe.message ?? reason, reason, code: fe.statusCode };
  }
  request.log.error({ err }, 'internal error');
  return statusErrors.internal().status;
}

export function sendStatus(reply: FastifyReply, status: Status): FastifyReply {
  const retryAfter = status.details?.retryAfterSeconds;
  if (retryAfter !== undefined && [429, 503, 504].includes(status.code)) reply.header('retry-after', String(retryAfter));
  return reply.code(status.code).type('application/json').send(JSON.stringify(wireStatus(status)));
}

/** Builds the server (not yet listening): `await server.listen({ host, port })`, `await server.close()`. */
export async function createApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const logger = options.logger ?? pino({ level: 'info' });
  const metrics = options.metrics ?? new ApiMetrics();
  const caPems = () => {
    const pems = options.authenticationConfig?.current().caPems ?? [];
    return pems.length ? pems : undefined;
  };
  const tls = {
    allowHTTP1: true,
    minVersion: 'TLSv1.2' as const,
    cert: options.serving.certPem,
    key: options.serving.keyPem,
    requestCert: true,
    rejectUnauthorized: false,
    settings: { maxConcurrentStreams: options.http2?.maxConcurrentStreams ?? 1000 },
    maxSessionMemory: options.http2?.maxSessionMemoryMb ?? 256,
  };
  const app = Fastify({
    http2: true,
    https: { ...tls, ca: caPems() },
    loggerInstance: logger,
    requestIdHeader: 'audit-id',
    // kube-apiserver's Audit-ID becomes the request id, so every log line of a request carries it.
    logController: new LogController({ requestIdLogLabel: 'auditID' }),
    genReqId: () => randomUUID(),
    bodyLimit: options.bodyLimit ?? 3 * 1024 * 1024,
    return503OnClosing: false,
    // Errors fastify raises before routing (malformed URL, bad Content-Length) are Statuses too.
    frameworkErrors: (error, request, reply) => {
      sendStatus(reply as unknown as FastifyReply, toStatus(error, request as unknown as FastifyRequest));
    },
    forceCloseConnections: true,
    // A watch hijacks its reply at once, which ends fastify's timer for it: only non-watch requests are bounded.
    handlerTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    // The handlers and requestinfo.ts read the query this one way (request-url.ts).
    routerOptions: { querystringParser: parseQuery },
  }) as unknown as ApiServer;

  // New front-proxy / client CAs (rotation) must be announced to clients choosing a certificate.
  options.authenticationConfig?.onChange(() => (app.server as unknown as Http2SecureServer).setSecureContext({ ...tls, ca: caPems() }));

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err, request, reply) => {
    const warnings = isStatusError(err) ? warningHeaders(err.warnings) : [];
    if (warnings.length > 0) reply.header('warning', warnings);
    return sendStatus(reply, toStatus(err, request));
  });
  app.setNotFoundHandler((_request, reply) => sendStatus(reply, statusErrors.notFoundPath().status));

  registerYamlOutput(app);
  app.decorateRequest('kubeUser', undefined);
  app.decorateRequest('kubeRequestInfo', undefined);
  if (options.serverTiming) {
    // First, so that the hooks after it (flow control's wait for seats) are timed too.
    app.decorateRequest('kubeStages', undefined);
    app.addHook('onRequest', async (request) => {
      request.kubeStages = new StageTimes();
    });
  }
  app.addHook('onRequest', async (request, reply) => {
    reply.header('audit-id', String(request.id));
    const problem = urlProblem(request.url);
    if (problem) throw statusErrors.badRequest(problem);
    request.kubeRequestInfo = requestInfo(request.method, request.url, request.query as Record<string, string | string[]>);
  });
  app.addHook('onRequest', authHook(options));
  if (options.flowControl) {
    // As kube-apiserver: a request may wait for its seats a quarter of its deadline, at most a minute.
    const waitLimitMs = Math.min((options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) / 4, 60_000);
    app.addHook('onRequest', flowControlHook({ ...options.flowControl, waitLimitMs }));
  }
  app.addHook('preValidation', requestScopeHook);
  if (options.serverTiming) {
    app.addHook('onSend', async (request, reply, payload) => {
      const stages = request.kubeStages;
      if (stages) {
        stages.add('server', reply.elapsedTime);
        reply.header('server-timing', stages.header());
      }
      return payload;
    });
  }
  // Labels only from what is served: paths are chosen by clients (even unauthenticated ones), label values must not be.
  const served = new Set(options.storages.map((s) => `${s.info.group}/${s.info.resource}`));
  const verbs = new Set(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection']);
  app.addHook('onResponse', async (request, reply) => {
    const info = request.kubeRequestInfo;
    const known = info?.isResourceRequest && served.has(`${info.apiGroup ?? ''}/${info.resource ?? ''}`);
    const labels = known
      ? { verb: verbs.has(info!.verb) ? info!.verb : 'other', group: info!.apiGroup ?? '', resource: info!.resource ?? '' }
      : { verb: info?.isResourceRequest ? 'other' : 'nonresource', group: '', resource: '' };
    metrics.requests.inc({ ...labels, code: String(reply.statusCode) });
    if (info?.verb !== 'watch') metrics.requestDuration.observe(labels, reply.elapsedTime / 1000);
  });

  for (const path of ['/livez', '/readyz', '/healthz']) {
    app.get(path, { config: { public: true } }, async (_req, reply) => {
      if (path === '/readyz' && options.ready && !(await options.ready())) {
        return reply.code(503).type('text/plain; charset=utf-8').send('[-]admission failed: not ready\nreadyz check failed');
      }
      return reply.type('text/plain; charset=utf-8').send('ok');
    });
  }
  app.get('/metrics', async (_req, reply) => {
    const { contentType, body } = await metrics.render();
    return reply.type(contentType).send(body);
  });

  const watch: WatchSettings = {
    bookmarkIntervalMs: options.watch?.bookmarkIntervalMs ?? 45_000,
    minTimeoutSeconds: options.watch?.minTimeoutSeconds ?? 1800,
    onWatchCount: (resource, delta) => {
      const group = options.storages.find((s) => s.info.resource === resource)?.info.group ?? '';
      metrics.openWatches.inc({ group, resource }, delta);
      // A watch is hijacked from fastify (no onResponse): it is counted when it starts.
      if (delta > 0) metrics.requests.inc({ verb: 'watch', group, resource, code: '200' });
    },
  };
  await app.register(apiRoutes({
    storages: options.storages, watch, version: { ...DEFAULT_VERSION, ...options.version }, ...(options.admission ? { admission: options.admission } : {}),
    ...(options.flowControl ? { onListed: (listed: ListedObjects) => options.flowControl?.controller.objectStats.record(listed) } : {}),
  }));
  return app;
}

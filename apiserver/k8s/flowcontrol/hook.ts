// The onRequest hook that applies flow control, after authentication and authorization: it classifies the request,
// sets kube's X-Kubernetes-PF-FlowSchema-UID / -PriorityLevel-UID response headers (on every answer, 429s too, as
// kube-apiserver does), waits for the request's seats and gives them back when the answer is finished — or, for a
// watch, once its stream has started (exempt requests too: their level never holds them back, but their seats are
// its demand, which borrowing leaves to it). A request that finds its queue full, or waits longer than a quarter of the
// request timeout, is answered 429 TooManyRequests with Retry-After in kube's words; a client that goes away while
// waiting gives up its place.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { statusErrors } from '../status.js';
import type { FlowController } from './controller.js';
import type { WidthRequest } from './width.js';
import type { FlowControlMetrics } from './metrics.js';

export const FLOW_SCHEMA_UID_HEADER = 'X-Kubernetes-PF-FlowSchema-UID';
export const PRIORITY_LEVEL_UID_HEADER = 'X-Kubernetes-PF-PriorityLevel-UID';
/** kube-apiserver's words for a request APF rejected (server/filters/priority-and-fairness.go). */
export const TOO_MANY_REQUESTS_MESSAGE = 'Too many requests, please try again later.';

export interface FlowControlHookOptions {
  controller: FlowController;
  metrics?: FlowControlMetrics;
  /** How long a request may wait for its seats (kube: a quarter of its deadline). */
  waitLimitMs: number;
}

export function flowControlHook(options: FlowControlHookOptions) {
  const { controller, metrics } = options;
  return async function flowControl(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (request.routeOptions.config?.public) return;
    const user = request.kubeUser;
    const info = request.kubeRequestInfo;
    if (!user || !info) return;
    const c = controller.classify({ user: { name: user.username, groups: user.groups }, info }, { ...info, query: request.query as WidthRequest['query'] });
    metrics?.estimatedSeats.observe({ priority_level: c.priorityLevel, flow_schema: c.flowSchema }, c.seats);
    reply.raw.setHeader(FLOW_SCHEMA_UID_HEADER, c.flowSchemaUid);
    reply.raw.setHeader(PRIORITY_LEVEL_UID_HEADER, c.priorityLevelUid);

    const gone = new AbortController();
    const onClose = () => gone.abort();
    reply.raw.once('close', onClose);
    const arrived = performance.now();
    const outcome = await controller.admit(c, options.waitLimitMs, gone.signal);
    const waited = (performance.now() - arrived) / 1000;
    request.kubeStages?.add('flowcontrol-wait', waited * 1000);
    if (typeof outcome === 'string') {
      reply.raw.off('close', onClose);
      metrics?.outcome(c.priorityLevel, c.flowSchema, waited, outcome);
      const retryAfter = controller.retryAfterSeconds(c.priorityLevel);
      throw statusErrors.tooManyRequests(TOO_MANY_REQUESTS_MESSAGE, retryAfter);
    }
    metrics?.outcome(c.priorityLevel, c.flowSchema, waited);
    if (gone.signal.aborted) {
      outcome.finish();
      return;
    }
    reply.raw.once('close', outcome.finish);
    reply.raw.once('finish', outcome.finish);
    if (info.verb === 'watch') {
      // The stream's first bytes end its initialisation: from then on a watch holds no seats.
      const raw = reply.raw as unknown as { writeHead: (...args: unknown[]) => unknown };
      const writeHead = raw.writeHead;
      raw.writeHead = function (this: unknown, ...args: unknown[]) {
        outcome.finish();
        raw.writeHead = writeHead;
        return writeHead.apply(this, args);
      };
    }
  };
}

// Who the request being served is for, wherever its handling leads: code far from the HTTP layer (a client of a
// backing system that shares its capacity fairly between users) asks `currentRequestFlow()` instead of having the
// user passed down every call. Entered in preValidation — after authentication and the body is read, so the whole
// handler runs inside it; code outside any request (background passes) sees undefined.

import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

interface RequestScope {
  flow: string;
}

const scope = new AsyncLocalStorage<RequestScope>();

/** The flow of the request being served: its user's name; undefined outside a request. */
export function currentRequestFlow(): string | undefined {
  return scope.getStore()?.flow;
}

export function requestScopeHook(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const user = request.kubeUser;
  if (!user) return done();
  scope.run({ flow: `user:${user.username}` }, done);
}

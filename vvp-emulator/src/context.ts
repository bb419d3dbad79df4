// What every route of the emulator is handed: the store, the controller, the registries and options, and who the caller
// is. One shape, so a route cannot reach state a real platform would not give it.

import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Principal, TokenRegistry } from './auth.js';
import type { FaultRegistry, RequestCounter } from './faults.js';
import type { ErrorShape } from './errors.js';
import type { Controller } from './lifecycle/controller.js';
import type { Store } from './store/store.js';
import type { Timings } from './timings.js';

/** Everything the route plugins share: the emulated platform's state and the emulator's own knobs. */
export interface EmulatorContext {
  store: Store;
  tokens: TokenRegistry;
  faults: FaultRegistry;
  counter: RequestCounter;
  controller: Controller;
  /** Current timings (the admin API may change them). */
  timings: Timings;
  /** The shape of error answers (admin API `error-shape`). */
  errorShape: ErrorShape;
  /** Fields of a deployment spec the 2.4.3 definitions do not declare: kept as written, or refused (admin API `unknown-fields`). */
  unknownSpecFields: 'keep' | 'refuse';
  log: Logger;
  /** Call after every change of platform state (schedules a save of the data file). */
  changed: () => void;
  /** Back to the state the emulator started with (admin API). */
  reset: () => void;
}

export interface RouteAccess {
  /** Minimum role; 'admin' = only the admin token (emulator API); 'platform-admin' = an owner of every namespace. */
  role: 'viewer' | 'editor' | 'owner' | 'admin' | 'platform-admin';
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route without authentication');
  return request.principal;
}

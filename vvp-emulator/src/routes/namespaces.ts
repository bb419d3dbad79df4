// The Platform API's namespaces routes (list, get, create, update, delete), each with the role the platform requires.

import type { FastifyInstance } from 'fastify';
import { principalOf } from '../context.js';
import { badRequest, conflict } from '../errors.js';
import { nowIso } from '../ids.js';
import { namespaceBodySchema } from '../schemas.js';
import type { Namespace } from '../types.js';
import type { RouteOptions } from './common.js';

type Body = { name?: string; roleBindings?: Namespace['roleBindings'] };
type ByName = { Params: { ns: string } };

const shortName = (name: string) => name.replace(/^namespaces\//, '');

/** Platform API namespaces: responses are wrapped (`{namespace: …}`), names are `namespaces/<name>`. */
export async function namespaceRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const base = '/namespaces/v1/namespaces';

  app.get(base, { config: { access: { role: 'viewer' } } }, async (request) => {
    const principal = principalOf(request);
    const visible = [...ctx.store.namespaces.values()].filter((ns) => principal.namespace === '*' || principal.namespace === ns.name);
    return { namespaces: visible.map((ns) => ns.namespace) };
  });

  app.post<{ Body: Body }>(base, { config: { access: { role: 'platform-admin' } }, schema: { body: namespaceBodySchema(true) } }, async (request) => {
    const name = shortName(request.body.name ?? '');
    if (ctx.store.namespaces.has(name)) throw conflict(`Namespace "${name}" already exists`);
    const ns = ctx.store.addNamespace(name, {}, request.body.roleBindings ?? []);
    ctx.changed();
    return { namespace: ns.namespace };
  });

  app.get<ByName>(`${base}/:ns`, { config: { access: { role: 'viewer' } } }, async (request) => ({
    namespace: ctx.store.namespace(request.params.ns).namespace,
  }));

  const update = async (request: { params: { ns: string }; body: Body }, replace: boolean) => {
    const ns = ctx.store.namespace(request.params.ns);
    if (request.body.name !== undefined && shortName(request.body.name) !== ns.name) throw badRequest('name: a namespace cannot be renamed');
    ns.namespace = {
      ...ns.namespace,
      roleBindings: request.body.roleBindings ?? (replace ? [] : ns.namespace.roleBindings),
    };
    ctx.changed();
    return { namespace: ns.namespace };
  };
  app.put<ByName & { Body: Body }>(`${base}/:ns`, { config: { access: { role: 'owner' } }, schema: { body: namespaceBodySchema(false) } }, (request) =>
    update(request, true),
  );
  app.patch<ByName & { Body: Body }>(`${base}/:ns`, { config: { access: { role: 'owner' } }, schema: { body: namespaceBodySchema(false) } }, (request) =>
    update(request, false),
  );

  app.delete<ByName>(`${base}/:ns`, { config: { access: { role: 'platform-admin' } } }, async (request) => {
    const ns = ctx.store.namespace(request.params.ns);
    if (ns.deployments.size > 0) throw conflict(`Namespace "${ns.name}" still has ${ns.deployments.size} deployment(s); delete them first`);
    ctx.store.namespaces.delete(ns.name);
    ctx.tokens.removeNamespace(ns.name);
    ctx.changed();
    return { namespace: { ...ns.namespace, lifecyclePhase: 'LIFECYCLE_PHASE_TERMINATING', createTime: ns.namespace.createTime ?? nowIso() } };
  });
}

// The API tokens routes of the Platform API (list, create, get, delete): tokens bound to a namespace role, as the
// client's per-object tokens are.

import type { FastifyInstance } from 'fastify';
import { principalOf } from '../context.js';
import { badRequest, conflict, forbidden, notFound } from '../errors.js';
import { newId, nowIso } from '../ids.js';
import { apiTokenBodySchema } from '../schemas.js';
import type { ApiToken, Role } from '../types.js';
import { namespaceOf, type RouteOptions } from './common.js';

type Body = { name: string; role: Role; operatorInstance?: string };
type ByName = { Params: { ns: string; apiTokenName: string } };

/** The secret is shown once, in the create response; reads never return it. */
const withoutSecret = ({ secret: _secret, ...token }: ApiToken) => token;

export async function apiTokenRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const base = '/apitokens/v1/namespaces/:ns/apitokens';
  const owner = { access: { role: 'owner' as const } };

  app.get(base, { config: owner }, async (request) => ({ apiTokens: [...namespaceOf(ctx, request).tokens.values()].map(withoutSecret) }));

  app.post<{ Body: Body }>(base, { config: owner, schema: { body: apiTokenBodySchema } }, async (request) => {
    const ns = namespaceOf(ctx, request);
    const shortName = request.body.name.replace(/^namespaces\/([^/]+)\/apitokens\//, (_match, namespace: string) => {
      if (namespace !== ns.name) throw badRequest(`name: the token name is for namespace "${namespace}", not "${ns.name}"`);
      return '';
    });
    const name = `namespaces/${ns.name}/apitokens/${shortName}`;
    if (ns.tokens.has(shortName)) throw conflict(`API token "${name}" already exists`);
    const { operatorInstance } = request.body;
    const caller = principalOf(request);
    // Only the operator instance itself (or the admin) can mint tokens that act as it.
    if (operatorInstance && !caller.admin && caller.operatorInstance !== operatorInstance) {
      throw forbidden(`operatorInstance: only a token of operator instance "${operatorInstance}" can create tokens bound to it`);
    }
    const token: ApiToken = { name, role: request.body.role, secret: newId(), createTime: nowIso(), ...(operatorInstance ? { operatorInstance } : {}) };
    ns.tokens.set(shortName, token);
    ctx.tokens.add(token.secret, { name, role: token.role, namespace: ns.name, admin: false, ...(operatorInstance ? { operatorInstance } : {}) });
    ctx.changed();
    return { apiToken: token };
  });

  app.get<ByName>(`${base}/:apiTokenName`, { config: owner }, async (request) => {
    const ns = namespaceOf(ctx, request);
    const token = ns.tokens.get(request.params.apiTokenName);
    if (!token) throw notFound(`API token "${request.params.apiTokenName}" does not exist in namespace "${ns.name}"`);
    return { apiToken: withoutSecret(token) };
  });

  app.delete<ByName>(`${base}/:apiTokenName`, { config: owner }, async (request) => {
    const ns = namespaceOf(ctx, request);
    const token = ns.tokens.get(request.params.apiTokenName);
    if (!token) throw notFound(`API token "${request.params.apiTokenName}" does not exist in namespace "${ns.name}"`);
    ns.tokens.delete(request.params.apiTokenName);
    ctx.tokens.remove(token.secret);
    ctx.changed();
    return {};
  });
}

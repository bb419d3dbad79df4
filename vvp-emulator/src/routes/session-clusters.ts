// AppManager's session clusters (2.4.3 `/api/v1/namespaces/{namespace}/sessionclusters`): list, get, create, PUT
// (upsert), PATCH (JSON merge patch) and delete. status is the platform's: a body's status is ignored, and
// spec.state drives the lifecycle (lifecycle/session-clusters.ts). As on the platform, a cluster runs on an existing
// deployment target, and is deleted only when it is not running and no deployment uses it.

import type { FastifyInstance } from 'fastify';
import { badRequest, conflict, notFound } from '../errors.js';
import { clone, mergePatch, type JsonObject } from '../json.js';
import { sessionClusterBodySchema } from '../schemas.js';
import { bumped, newMetadata, type NamespaceState } from '../store/store.js';
import type { SessionCluster } from '../types.js';
import { list, namespaceOf, type RouteOptions } from './common.js';

type Body = { metadata: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec: SessionCluster['spec'] };
type ByName = { Params: { namespace: string; name: string } };

function find(ns: NamespaceState, name: string): SessionCluster {
  const cluster = ns.sessionClusters.get(name);
  if (!cluster) throw notFound(`SessionCluster "${name}" does not exist in namespace "${ns.name}"`);
  return cluster;
}

function checkTarget(ns: NamespaceState, spec: SessionCluster['spec']): void {
  if (!ns.targets.has(spec.deploymentTargetName)) {
    throw badRequest(`spec.deploymentTargetName: deployment target "${spec.deploymentTargetName}" does not exist in namespace "${ns.name}"`);
  }
}

function created(ns: NamespaceState, name: string, body: Body): SessionCluster {
  checkTarget(ns, body.spec);
  const metadata = { ...newMetadata(ns.name, name), labels: body.metadata.labels ?? {}, annotations: body.metadata.annotations ?? {} };
  return { kind: 'SessionCluster', apiVersion: 'v1', metadata, spec: clone(body.spec), status: { state: 'STOPPED' } };
}

export async function sessionClusterRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const base = '/api/v1/namespaces/:namespace/sessionclusters';
  const read = { access: { role: 'viewer' as const } };
  const write = { access: { role: 'editor' as const } };

  const store = (ns: NamespaceState, cluster: SessionCluster) => {
    ns.sessionClusters.set(cluster.metadata.name, cluster);
    ctx.changed();
    ctx.controller.sessionClusters.specChanged(ns, cluster.metadata.name);
    return ns.sessionClusters.get(cluster.metadata.name) ?? cluster;
  };

  app.get(base, { config: read }, async (request) => list('SessionClusterList', [...namespaceOf(ctx, request).sessionClusters.values()]));

  app.post<{ Body: Body }>(base, { config: write, schema: { body: sessionClusterBodySchema(false) } }, async (request, reply) => {
    const ns = namespaceOf(ctx, request);
    const name = request.body.metadata.name;
    if (!name) throw badRequest('metadata.name: required field is missing');
    if (ns.sessionClusters.has(name)) throw conflict(`SessionCluster "${name}" already exists in namespace "${ns.name}"`);
    return reply.code(201).send(store(ns, created(ns, name, request.body)));
  });

  app.get<ByName>(`${base}/:name`, { config: read }, async (request) => find(namespaceOf(ctx, request), request.params.name));

  app.put<ByName & { Body: Body }>(`${base}/:name`, { config: write, schema: { body: sessionClusterBodySchema(false) } }, async (request, reply) => {
    const ns = namespaceOf(ctx, request);
    const name = request.params.name;
    if (request.body.metadata.name && request.body.metadata.name !== name) {
      throw badRequest(`metadata.name: "${request.body.metadata.name}" does not match the name in the path ("${name}")`);
    }
    const current = ns.sessionClusters.get(name);
    if (!current) return reply.code(201).send(store(ns, created(ns, name, request.body)));
    checkTarget(ns, request.body.spec);
    const metadata = bumped({ ...current.metadata, labels: request.body.metadata.labels ?? {}, annotations: request.body.metadata.annotations ?? {} });
    return store(ns, { ...current, metadata, spec: clone(request.body.spec) });
  });

  app.patch<ByName & { Body: JsonObject }>(`${base}/:name`, { config: write, schema: { body: sessionClusterBodySchema(true) } }, async (request) => {
    const ns = namespaceOf(ctx, request);
    const current = find(ns, request.params.name);
    const body = request.body as { metadata?: JsonObject; spec?: JsonObject };
    if (body.metadata?.name !== undefined && body.metadata.name !== current.metadata.name) throw badRequest('metadata.name: a session cluster cannot be renamed');
    const spec = mergePatch(current.spec, body.spec ?? {}) as SessionCluster['spec'];
    if (spec.state !== 'RUNNING' && spec.state !== 'STOPPED') throw badRequest('spec.state: required field is missing');
    if (typeof spec.deploymentTargetName !== 'string') throw badRequest('spec.deploymentTargetName: required field is missing');
    checkTarget(ns, spec);
    const patched = mergePatch({ labels: current.metadata.labels, annotations: current.metadata.annotations }, body.metadata ?? {}) as Pick<SessionCluster['metadata'], 'labels' | 'annotations'>;
    const metadata = bumped({ ...current.metadata, labels: patched.labels ?? {}, annotations: patched.annotations ?? {} });
    return store(ns, { ...current, metadata, spec });
  });

  app.delete<ByName>(`${base}/:name`, { config: write }, async (request) => {
    const ns = namespaceOf(ctx, request);
    const cluster = find(ns, request.params.name);
    if (cluster.status.state !== 'STOPPED' && cluster.status.state !== 'FAILED') {
      throw conflict(`SessionCluster "${cluster.metadata.name}" is ${cluster.status.state}; stop it (spec.state STOPPED) before deleting it`);
    }
    for (const deployment of ns.deployments.all()) {
      if (deployment.spec.sessionClusterName === cluster.metadata.name) {
        throw conflict(`SessionCluster "${cluster.metadata.name}" is used by deployment "${deployment.metadata.name}" and cannot be deleted`);
      }
    }
    ns.sessionClusters.delete(cluster.metadata.name);
    ctx.controller.sessionClusters.forget(ns.name, cluster.metadata.name);
    ctx.changed();
    return cluster;
  });
}

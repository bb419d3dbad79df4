// The deployment targets routes: the Kubernetes namespaces a platform namespace may deploy to.

import type { FastifyInstance } from 'fastify';
import { badRequest, conflict, notFound } from '../errors.js';
import { canonical } from '../json.js';
import { deploymentTargetBodySchema } from '../schemas.js';
import { bumped, newMetadata, type NamespaceState } from '../store/store.js';
import type { DeploymentTarget } from '../types.js';
import { list, namespaceOf, type RouteOptions } from './common.js';

type Body = { metadata: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec: DeploymentTarget['spec'] };
type ByName = { Params: { namespace: string; name: string } };

function find(ns: NamespaceState, name: string): DeploymentTarget {
  const target = ns.targets.get(name);
  if (!target) throw notFound(`DeploymentTarget "${name}" does not exist in namespace "${ns.name}"`);
  return target;
}

export function newDeploymentTarget(namespace: string, name: string, kubernetesNamespace?: string): DeploymentTarget {
  return {
    kind: 'DeploymentTarget',
    apiVersion: 'v1',
    metadata: newMetadata(namespace, name),
    spec: { kubernetes: kubernetesNamespace ? { namespace: kubernetesNamespace } : {} },
  };
}

export async function deploymentTargetRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const base = '/api/v1/namespaces/:namespace/deployment-targets';
  const read = { access: { role: 'viewer' as const } };
  const write = { access: { role: 'editor' as const } };

  app.get(base, { config: read }, async (request) => list('DeploymentTargetList', [...namespaceOf(ctx, request).targets.values()]));

  app.post<{ Body: Body }>(base, { config: write, schema: { body: deploymentTargetBodySchema } }, async (request, reply) => {
    const ns = namespaceOf(ctx, request);
    const name = request.body.metadata.name;
    if (!name) throw badRequest('metadata.name: required field is missing');
    if (ns.targets.has(name)) throw conflict(`DeploymentTarget "${name}" already exists in namespace "${ns.name}"`);
    const target = create(ns.name, name, request.body);
    ns.targets.set(name, target);
    ctx.changed();
    return reply.code(201).send(target);
  });

  app.get<ByName>(`${base}/:name`, { config: read }, async (request) => find(namespaceOf(ctx, request), request.params.name));

  app.put<ByName & { Body: Body }>(`${base}/:name`, { config: write, schema: { body: deploymentTargetBodySchema } }, async (request, reply) => {
    const ns = namespaceOf(ctx, request);
    const name = request.params.name;
    if (request.body.metadata.name && request.body.metadata.name !== name) {
      throw badRequest(`metadata.name: "${request.body.metadata.name}" does not match the name in the path ("${name}")`);
    }
    const current = ns.targets.get(name);
    if (!current) {
      const target = create(ns.name, name, request.body);
      ns.targets.set(name, target);
      ctx.changed();
      return reply.code(201).send(target);
    }
    // The platform keeps a target's spec immutable; only its metadata may change.
    if (canonical(current.spec) !== canonical(request.body.spec)) throw badRequest('spec: the spec of a deployment target is immutable');
    const next: DeploymentTarget = {
      ...current,
      metadata: bumped({ ...current.metadata, labels: request.body.metadata.labels ?? {}, annotations: request.body.metadata.annotations ?? {} }),
    };
    ns.targets.set(name, next);
    ctx.changed();
    return next;
  });

  app.delete<ByName>(`${base}/:name`, { config: write }, async (request) => {
    const ns = namespaceOf(ctx, request);
    const target = find(ns, request.params.name);
    for (const deployment of ns.deployments.all()) {
      if (deployment.spec.deploymentTargetName === target.metadata.name || deployment.spec.deploymentTargetId === target.metadata.id) {
        throw conflict(`DeploymentTarget "${target.metadata.name}" is used by deployment "${deployment.metadata.name}" and cannot be deleted`);
      }
    }
    for (const cluster of ns.sessionClusters.values()) {
      if (cluster.spec.deploymentTargetName === target.metadata.name) {
        throw conflict(`DeploymentTarget "${target.metadata.name}" is used by session cluster "${cluster.metadata.name}" and cannot be deleted`);
      }
    }
    ns.targets.delete(target.metadata.name);
    ctx.changed();
    return target;
  });
}

function create(namespace: string, name: string, body: Body): DeploymentTarget {
  const target = newDeploymentTarget(namespace, name, body.spec.kubernetes.namespace);
  target.metadata.labels = body.metadata.labels ?? {};
  target.metadata.annotations = body.metadata.annotations ?? {};
  return target;
}

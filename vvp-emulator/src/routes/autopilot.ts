// The Autopilot policy routes (list, get, put, status, recommendation), as the platform exposes them.

import type { FastifyInstance } from 'fastify';
import { notFound } from '../errors.js';
import { nowIso } from '../ids.js';
import { nextAutopilotParallelism, runtimeParallelism } from '../lifecycle/autopilot.js';
import { autopilotPolicyBodySchema } from '../schemas.js';
import type { NamespaceState } from '../store/store.js';
import type { AutopilotPolicy, Deployment } from '../types.js';
import { namespaceOf, type RouteOptions } from './common.js';

type ByDeployment = { Params: { ns: string; deploymentId: string } };

function deploymentOf(ns: NamespaceState, id: string): Deployment {
  const deployment = ns.deployments.getById(id) ?? ns.deployments.get(id);
  if (!deployment) throw notFound(`Deployment "${id}" does not exist in namespace "${ns.name}"`);
  return deployment;
}

function policyOf(ns: NamespaceState, deployment: Deployment): AutopilotPolicy {
  return (
    ns.autopilot.get(deployment.metadata.id) ?? {
      name: `namespaces/${ns.name}/deployments/${deployment.metadata.id}/autopilotpolicy`,
      mode: 'AUTOPILOT_MODE_DISABLED',
      modifyTime: deployment.metadata.createdAt,
    }
  );
}

/**
 * Platform API Autopilot. ACTIVE rescales the running job at runtime (VVP 3 behaviour); the runtime
 * parallelism is readable in the `:status` answer and as `spec.parallelism` of the deployment's current job.
 */
export async function autopilotRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const base = '/autopilot/v1alpha1/namespaces/:ns';
  const policyPath = `${base}/deployments/:deploymentId/autopilotpolicy`;
  const read = { access: { role: 'viewer' as const } };

  app.get(base, { config: read }, async (request) => ({ policies: [...namespaceOf(ctx, request).autopilot.values()] }));

  app.get<ByDeployment>(policyPath, { config: read }, async (request) => {
    const ns = namespaceOf(ctx, request);
    return { policy: policyOf(ns, deploymentOf(ns, request.params.deploymentId)) };
  });

  app.put<ByDeployment & { Body: Omit<AutopilotPolicy, 'name' | 'modifyTime'> }>(
    policyPath,
    { config: { access: { role: 'editor' } }, schema: { body: autopilotPolicyBodySchema } },
    async (request) => {
      const ns = namespaceOf(ctx, request);
      const deployment = deploymentOf(ns, request.params.deploymentId);
      const policy: AutopilotPolicy = {
        name: `namespaces/${ns.name}/deployments/${deployment.metadata.id}/autopilotpolicy`,
        mode: request.body.mode,
        ...(request.body.autoscalerConfig ? { autoscalerConfig: request.body.autoscalerConfig } : {}),
        ...(request.body.libraConfig ? { libraConfig: request.body.libraConfig } : {}),
        modifyTime: nowIso(),
      };
      ns.autopilot.set(deployment.metadata.id, policy);
      ctx.controller.autopilotChanged(ns, deployment);
      ctx.changed();
      return { policy };
    },
  );

  app.get<ByDeployment>(`${policyPath}::status`, { config: read }, async (request) => {
    const ns = namespaceOf(ctx, request);
    const deployment = deploymentOf(ns, request.params.deploymentId);
    const policy = policyOf(ns, deployment);
    const job = ctx.controller.runningJob(ns, deployment);
    const current = typeof job?.spec.parallelism === 'number' ? job.spec.parallelism : runtimeParallelism(ns, deployment);
    const specParallelism = deployment.spec.template.spec.parallelism ?? 1;
    const runtime = ns.runtimes.get(deployment.metadata.id);
    return {
      status: {
        status: 'POLICY_STATUS_OK',
        autoscalerStatus: {
          message: `${policy.mode}: runtime parallelism ${current} (deployment spec parallelism ${specParallelism})${runtime?.autopilot ? `, rescaling to ${runtime.autopilot.targetParallelism}` : ''}`,
          metrics: JSON.stringify({ runtimeParallelism: current, specParallelism }),
          updateTime: nowIso(),
          ...(policy.mode === 'AUTOPILOT_MODE_ACTIVE' ? { lastActionTime: policy.modifyTime } : {}),
        },
        // Extension: the same numbers as plain fields.
        runtimeParallelism: current,
        specParallelism,
      },
    };
  });

  app.get<ByDeployment>(`${policyPath}::recommendation`, { config: read }, async (request) => {
    const ns = namespaceOf(ctx, request);
    const deployment = deploymentOf(ns, request.params.deploymentId);
    const policy = policyOf(ns, deployment);
    if (policy.mode === 'AUTOPILOT_MODE_DISABLED') return { recommendation: { description: 'Autopilot is disabled', lastUpdateTime: nowIso() } };
    const parallelism = nextAutopilotParallelism(ns, deployment, ctx.controller.runtime(ns, deployment.metadata.id));
    return {
      recommendation: {
        deploymentPatch: JSON.stringify({ spec: { template: { spec: { parallelism } } } }),
        description: `Scale to parallelism ${parallelism}`,
        lastUpdateTime: nowIso(),
      },
    };
  });
}

// The platform calls that read what surrounds a deployment: its jobs, savepoints and Autopilot state, for one
// deployment (three calls filtered by its id) or for a whole platform namespace (three listings, grouped by
// surroundings.ts). Kept apart from the reader's location cache (reader.ts) and the namespace scan
// (namespace-reader.ts), which both use it. Autopilot is best effort: a platform without it, or an error reading it,
// leaves the view without Autopilot rather than failing the read.

import { type AutopilotPolicy, type Deployment, isVvpHttpError, runtimeParallelismOf } from '../../vvp/index.js';
import type { PlatformPort } from '../instance/platform-port.js';
import { newestFirst } from './platform-view.js';
import {
  type AutopilotRead, type NamespaceSurroundings, type Surroundings, latestJobs, policiesByDeployment, policyView, savepointsByDeployment,
} from './surroundings.js';

/** What every read of the platform needs: the client, and how a failure becomes the Kubernetes error to throw. */
export interface PlatformReads {
  client: PlatformPort;
  /** Maps a platform failure to the error to throw (a Kubernetes Status) for the object `name`. */
  toStatusError: (err: unknown, name: string | undefined) => unknown;
  warn: (message: string, fields?: Record<string, unknown>) => void;
}

/** `call`, its failure thrown as the Kubernetes error for the object `name`. */
export async function asStatus<T>(reads: PlatformReads, name: string | undefined, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw reads.toStatusError(err, name);
  }
}

export class SurroundingsReader {
  constructor(private readonly reads: PlatformReads) {}

  /** A deployment's Autopilot state: its policy (given, or read), and an ACTIVE one's status. */
  private async autopilot(pns: string, deploymentId: string, policy: AutopilotPolicy | undefined, signal: AbortSignal): Promise<AutopilotRead> {
    const client = this.reads.client;
    try {
      const p = policy ?? await client.getAutopilotPolicy(pns, deploymentId, { signal });
      const view = policyView(p);
      if (p.mode === 'AUTOPILOT_MODE_ACTIVE') {
        const status = await client.getAutopilotPolicyStatus(pns, deploymentId, { signal });
        const runtime = runtimeParallelismOf(status);
        if (runtime !== undefined) view.runtimeParallelism = runtime;
        if (status.autoscalerStatus?.lastActionTime) view.since = status.autoscalerStatus.lastActionTime;
      }
      return view;
    } catch (err) {
      if (isVvpHttpError(err, 404)) return 'absent';
      this.reads.warn('Autopilot state unreadable', { deploymentId, error: (err as Error).message });
      return undefined;
    }
  }

  /** The latest job, the savepoints and the Autopilot state of one deployment. */
  async ofDeployment(pns: string, deploymentId: string, signal: AbortSignal): Promise<Surroundings> {
    const client = this.reads.client;
    const [jobs, savepoints, autopilot] = await Promise.all([
      client.listJobs(pns, { deploymentId }, { signal }),
      client.listSavepoints(pns, { deploymentId }, { signal }),
      this.autopilot(pns, deploymentId, undefined, signal),
    ]);
    const job = newestFirst(jobs.items)[0];
    return { ...(job ? { job } : {}), savepoints: savepoints.items, autopilot };
  }

  /** Jobs, savepoints and Autopilot of one platform namespace, fetched once for many deployments. */
  async ofNamespace(pns: string, signal: AbortSignal): Promise<NamespaceSurroundings> {
    const client = this.reads.client;
    const [jobs, savepoints, policies] = await Promise.all([
      asStatus(this.reads, undefined, () => client.listJobs(pns, {}, { signal })),
      asStatus(this.reads, undefined, () => client.listSavepoints(pns, {}, { signal })),
      client.listAutopilotPolicies(pns, { signal }).catch(() => undefined),
    ]);
    const policyOf = policiesByDeployment(policies ?? []);
    return {
      allJobs: jobs.items,
      allSavepoints: savepoints.items,
      jobs: latestJobs(jobs.items),
      savepoints: savepointsByDeployment(savepoints.items),
      autopilot: (d: Deployment) => {
        if (policies === undefined) return this.autopilot(pns, d.metadata.id, undefined, signal);
        const p = policyOf.get(d.metadata.id);
        if (!p) return 'absent';
        return p.mode === 'AUTOPILOT_MODE_ACTIVE' ? this.autopilot(pns, d.metadata.id, p, signal) : policyView(p);
      },
    };
  }
}

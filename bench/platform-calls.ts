// Measure 7 of `make bench`: what one kubectl verb on an existing VvpDeployment costs the platform. The emulator
// counts every call it receives (per method and route); the server's background work (watch polls, the lease
// holder's passes) calls the platform too, so the calls counted while idle for a while just before are subtracted,
// at their rate over the time the verbs took. Also the p50 of `kubectl apply` of an existing object.
import { setTimeout as sleep } from 'node:timers/promises';
import { now, round, summary, type Summary } from './support.js';

export interface CallCounts {
  total: number;
  writes: number;
  routes: Record<string, number>;
}

export interface PlatformCallsOptions {
  /** Runs kubectl (admin) with these arguments and stdin; throws on a non-zero exit. */
  kubectl: (args: string[], input?: string) => Promise<void>;
  counts: () => Promise<CallCounts>;
  resetCounts: () => Promise<void>;
  namespace: string;
  /** A VvpDeployment manifest named `name`, carrying `labels` besides its own. */
  manifest: (name: string, labels: Record<string, string>) => Record<string, unknown>;
  runs: number;
  idleMs: number;
}

export interface VerbCost {
  runs: number;
  /** Platform calls per verb, background subtracted. */
  callsPerVerb: number;
  /** The same, per route ("METHOD /route"), rounded. */
  routesPerVerb: Record<string, number>;
  kubectlMs: Summary;
}

/** Platform calls per `kubectl apply`, `kubectl patch` and `kubectl delete` of an existing VvpDeployment. */
export async function platformCallsPerVerb(o: PlatformCallsOptions): Promise<Record<'apply' | 'patch' | 'delete', VerbCost>> {
  const ns = o.namespace;
  const apply = (name: string, labels: Record<string, string>) => o.kubectl(['apply', '-f', '-'], JSON.stringify(o.manifest(name, labels)));
  await apply('calls-apply', { tick: 'start' });
  await apply('calls-patch', { tick: 'start' });
  for (let i = 0; i < o.runs; i++) await apply(`calls-delete-${i}`, {});
  return {
    apply: await measure(o, (i) => apply('calls-apply', { tick: `t${i}` })),
    patch: await measure(o, (i) => o.kubectl(['patch', '-n', ns, 'vvpdeployment', 'calls-patch', '--type', 'merge', '-p', JSON.stringify({ metadata: { labels: { tick: `t${i}` } } })])),
    delete: await measure(o, (i) => o.kubectl(['delete', '-n', ns, 'vvpdeployment', `calls-delete-${i}`])),
  };
}

async function measure(o: PlatformCallsOptions, verb: (i: number) => Promise<void>): Promise<VerbCost> {
  const times: number[] = [];
  const cost = await platformCallsOf(o, o.runs, async () => {
    for (let i = 0; i < o.runs; i++) {
      const started = now();
      await verb(i);
      times.push(now() - started);
    }
  });
  return { runs: o.runs, ...cost, kubectlMs: summary(times) };
}

/** Where the emulator's counts come from, and how long to count the background before the work. */
export type CallCounter = Pick<PlatformCallsOptions, 'counts' | 'resetCounts' | 'idleMs'>;

/**
 * The platform calls `work` (which makes `verbs` calls of one verb, in any order or concurrency) costs per verb: the
 * calls counted during the work, minus the background counted while idle just before, at its rate.
 */
export async function platformCallsOf(o: CallCounter, verbs: number, work: () => Promise<void>): Promise<Pick<VerbCost, 'callsPerVerb' | 'routesPerVerb'>> {
  await o.resetCounts();
  let t = now();
  await sleep(o.idleMs);
  const idle = await o.counts();
  const idleMs = now() - t;
  await o.resetCounts();
  t = now();
  await work();
  const busy = await o.counts();
  const busyMs = now() - t;
  const background = (route: string) => ((idle.routes[route] ?? 0) * busyMs) / idleMs;
  const routesPerVerb: Record<string, number> = {};
  for (const [route, n] of Object.entries(busy.routes)) {
    const perVerb = round(Math.max(0, n - background(route)) / verbs, 1);
    if (perVerb > 0) routesPerVerb[route] = perVerb;
  }
  const callsPerVerb = round(Math.max(0, busy.total - (idle.total * busyMs) / idleMs) / verbs, 1);
  return { callsPerVerb, routesPerVerb };
}

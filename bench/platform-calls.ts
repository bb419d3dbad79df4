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
  await o.resetCounts();
  let t = now();
  await sleep(o.idleMs);
  const idle = await o.counts();
  const idleMs = now() - t;
  await o.resetCounts();
  const times: number[] = [];
  t = now();
  for (let i = 0; i < o.runs; i++) {
    const started = now();
    await verb(i);
    times.push(now() - started);
  }
  const busy = await o.counts();
  const busyMs = now() - t;
  const background = (route: string) => ((idle.routes[route] ?? 0) * busyMs) / idleMs;
  const routesPerVerb: Record<string, number> = {};
  for (const [route, n] of Object.entries(busy.routes)) {
    const perVerb = round(Math.max(0, n - background(route)) / o.runs, 1);
    if (perVerb > 0) routesPerVerb[route] = perVerb;
  }
  const callsPerVerb = round(Math.max(0, busy.total - (idle.total * busyMs) / idleMs) / o.runs, 1);
  return { runs: o.runs, callsPerVerb, routesPerVerb, kubectlMs: summary(times) };
}

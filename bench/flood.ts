// Measure 12 (`make bench BENCH=flood`, issue 29): one user floods kube-apiserver — concurrent LISTs of a namespace
// of objects, plus watches opened and dropped at a steady rate — while another user GETs and creates, and the
// namespace controller deletes an unrelated namespace. Run once against the VvpDeployments (this server's flow
// control and platform call slots behind kube-apiserver's APF) and once against the same number of same-size custom
// resources (kube-apiserver's own APF alone), side by side: the other user's p50/p99 unloaded and flooded, the
// namespace deletion time unloaded and flooded, 429s and 5xx by user, and the most platform calls seen running at
// once against the cap. A measure, not a test: it never fails on a number (the e2e flow-control and
// platform-fairness files assert the behaviour).
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, cpuOf, now, round, summary, type Answer, type Summary } from './support.js';

export interface FloodSide {
  label: string;
  /** The flooded collection (LIST and watch), holding the objects. */
  collection: string;
  /** One object the other user GETs. */
  getPath: string;
  /** A new object of this side, for the other user's creates, named `name`. */
  manifest: (name: string) => unknown;
  /** Platform calls running now (this server's metrics); absent for the CRD. */
  platformCallsRunning?: () => Promise<number>;
  /**
   * The other user's GET straight to the server's port (as kube-apiserver's proxy would send it), beside the one
   * through kube-apiserver: what the server itself adds under the flood, apart from kube-apiserver's front door.
   */
  straightGet?: () => Promise<Answer>;
}

export interface FloodOptions {
  /** kube-apiserver and the admin's client certificate (every user is impersonated by it). */
  url: string;
  tls: { ca: string; cert: string; key: string };
  admin: Client;
  listers: number;
  watchReconnectsPerSecond: number;
  seconds: number;
  /** GETs (and a quarter as many creates) of the unloaded baseline. */
  baselineRuns: number;
  /** The programs whose CPU the flood's figures report (pid by name); the bench's own clients are added. */
  processes: Record<string, number>;
}

export interface FloodResult {
  side: string;
  unloaded: { getMs: Summary; createMs: Summary; namespaceDeletionMs: number };
  flooded: { getMs: Summary; createMs: Summary; namespaceDeletionMs: number };
  other: Record<string, number>;
  flooder: { lists: Record<string, number>; watches: Record<string, number> };
  platformCallsRunningMax?: number;
  /** Cores each program used during the flood (CPU ms ÷ wall ms): where the machine's 2 cores went. */
  coresUsed: Record<string, number>;
  /** The other user's GETs straight to the server's port, unloaded and flooded (absent for the CRD). */
  straight?: { unloadedMs: Summary; floodedMs: Summary };
}

const FLOODER = 'bench-flooder';
const OTHER = 'bench-other';

/** Both users may do anything (RBAC is not what is measured). */
export async function bindUsers(admin: Client): Promise<void> {
  await admin.json('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'bench-flood' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [FLOODER, OTHER].map((name) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name })),
  }, [201, 409]);
}

export async function flood(side: FloodSide, opts: FloodOptions, log: (line: string) => void): Promise<FloodResult> {
  const as = (user: string, sockets: number) => new Client(opts.url, { 'Impersonate-User': user }, opts.tls, sockets);
  const flooder = as(FLOODER, opts.listers + 8);
  const other = as(OTHER, 4);
  const watchAgent = new HttpsAgent({ keepAlive: true, maxSockets: Math.max(8, opts.watchReconnectsPerSecond * 4), ...opts.tls });
  let created = 0;
  const create = () => other.call('POST', side.collection, side.manifest(`other-${side.label}-${created++}`));
  try {
    log(`12. ${side.label}: unloaded: ${opts.baselineRuns} GETs, ${Math.ceil(opts.baselineRuns / 4)} creates, one namespace deletion`);
    const unloaded = { getMs: await timedSeries(opts.baselineRuns, () => other.call('GET', side.getPath)), createMs: await timedSeries(Math.ceil(opts.baselineRuns / 4), create), namespaceDeletionMs: await deleteNamespace(opts.admin, `flood-ns-${side.label}-0`) };
    const straightUnloaded = side.straightGet && await timedSeries(opts.baselineRuns, side.straightGet);

    log(`12. ${side.label}: flooded for ${opts.seconds} s: ${opts.listers} concurrent LISTs and ${opts.watchReconnectsPerSecond} watch reconnects/s by ${FLOODER}`);
    const floodStarted = now();
    const stopAt = floodStarted + opts.seconds * 1000;
    const cpuBefore = cpuSnapshot(opts.processes);
    const lists = new Map<string, number>();
    const watches = new Map<string, number>();
    const otherStatuses = new Map<string, number>();
    // Each lister is a client-go client: a 429 or 5xx with Retry-After is retried after that many seconds (client-go's
    // checkWait), so a refusal costs both sides one small answer, not a tight loop of them.
    const listers = Array.from({ length: opts.listers }, async () => {
      while (now() < stopAt) {
        const a = await flooder.call('GET', side.collection).catch(failed);
        tally(lists, a);
        if (a.retryAfterS !== undefined && (a.status === 429 || a.status >= 500)) await sleep(Math.min(a.retryAfterS * 1000, Math.max(0, stopAt - now())));
      }
    });
    const reconnects = (async () => {
      const pending: Promise<void>[] = [];
      for (let i = 0; now() < stopAt; i++) {
        pending.push(watchOnce(watchAgent, opts.url, `${side.collection}?watch=1`, FLOODER).then((status) => tally(watches, { status })));
        await sleep(1000 / opts.watchReconnectsPerSecond);
      }
      await Promise.all(pending);
    })();
    let runningMax = 0;
    const sampler = side.platformCallsRunning && (async () => {
      while (now() < stopAt) {
        runningMax = Math.max(runningMax, await side.platformCallsRunning!().catch(() => 0));
        await sleep(200);
      }
    })();
    // The other user starts once the flood is under way, and the namespace controller's deletion with it.
    await sleep(Math.min(2000, opts.seconds * 200));
    const deletion = deleteNamespace(opts.admin, `flood-ns-${side.label}-1`);
    const straightGets: number[] = [];
    const straight = side.straightGet && (async () => {
      while (now() < stopAt) {
        const g = await side.straightGet!().catch(failed);
        if (g.status === 200) straightGets.push(g.ms);
        else tally(otherStatuses, g);
      }
    })();
    const gets: number[] = [];
    const creates: number[] = [];
    while (now() < stopAt) {
      const g = await other.call('GET', side.getPath).catch(failed);
      tally(otherStatuses, g);
      if (g.status === 200) gets.push(g.ms);
      if (gets.length % 4 === 0) {
        const c = await create().catch(failed);
        tally(otherStatuses, c);
        if (c.status === 201) creates.push(c.ms);
      }
    }
    const [namespaceDeletionMs] = await Promise.all([deletion, ...listers, reconnects, sampler, straight]);
    const cpuAfter = cpuSnapshot(opts.processes);
    const wallMs = now() - floodStarted;
    const coresUsed = Object.fromEntries(Object.entries(cpuAfter).map(([name, ms]) => [name, round((ms - cpuBefore[name]!) / wallMs, 2)]));
    return {
      side: side.label,
      unloaded,
      flooded: { getMs: summary(gets), createMs: summary(creates), namespaceDeletionMs: namespaceDeletionMs as number },
      other: Object.fromEntries(otherStatuses),
      flooder: { lists: Object.fromEntries(lists), watches: Object.fromEntries(watches) },
      coresUsed,
      ...(side.platformCallsRunning ? { platformCallsRunningMax: runningMax } : {}),
      ...(straightUnloaded ? { straight: { unloadedMs: straightUnloaded, floodedMs: summary(straightGets) } } : {}),
    };
  } finally {
    flooder.close();
    other.close();
    watchAgent.destroy();
  }
}

/** The table rows of both sides; `cap` is --vvp-max-concurrent-calls. */
export function floodRows(vvp: FloodResult, crd: FloodResult, cap: number): string[][] {
  const p = (s: Summary) => `${s.p50} / ${s.p99}`;
  const cores = (c: Record<string, number>) => Object.entries(c).filter(([, n]) => n >= 0.01).map(([k, n]) => `${k} ${n}`).join(', ');
  const counts = (c: Record<string, number>) => Object.entries(c).map(([k, n]) => `${k}: ${n}`).join(', ') || 'none';
  const bad = (c: Record<string, number>) => Object.entries(c).filter(([k]) => k === '429' || k.startsWith('5') || k === 'error').reduce((n, [, v]) => n + v, 0);
  return [
    ['12', 'flood: other user GET p50 / p99 ms, unloaded', p(vvp.unloaded.getMs), `${p(crd.unloaded.getMs)} (CRD)`, '', ''],
    ['12', '  flooded', p(vvp.flooded.getMs), `${p(crd.flooded.getMs)} (CRD)`, `p99 x${round(vvp.flooded.getMs.p99 / vvp.unloaded.getMs.p99, 2)} (CRD x${round(crd.flooded.getMs.p99 / crd.unloaded.getMs.p99, 2)})`, '<= 2x unloaded p99'],
    ...(vvp.straight ? [['12', '  the same GET straight to the server\'s port, unloaded -> flooded', `${p(vvp.straight.unloadedMs)} -> ${p(vvp.straight.floodedMs)}`, '', `p99 x${round(vvp.straight.floodedMs.p99 / vvp.straight.unloadedMs.p99, 2)}`, '']] : []),
    ['12', '  other user create p50 / p99 ms, unloaded -> flooded', `${p(vvp.unloaded.createMs)} -> ${p(vvp.flooded.createMs)}`, `${p(crd.unloaded.createMs)} -> ${p(crd.flooded.createMs)} (CRD)`, '', ''],
    ['12', '  other user refused (429, 5xx, errors)', String(bad(vvp.other)), `${bad(crd.other)} (CRD)`, counts(vvp.other), '0'],
    ['12', '  unrelated namespace deleted, ms: unloaded -> flooded', `${vvp.unloaded.namespaceDeletionMs} -> ${vvp.flooded.namespaceDeletionMs}`, `${crd.unloaded.namespaceDeletionMs} -> ${crd.flooded.namespaceDeletionMs} (CRD)`, '', 'same as unloaded'],
    ['12', '  flooder LISTs by status', counts(vvp.flooder.lists), `${counts(crd.flooder.lists)} (CRD)`, '', '429s, 0 x 5xx'],
    ['12', '  flooder watch opens by status', counts(vvp.flooder.watches), `${counts(crd.flooder.watches)} (CRD)`, '', ''],
    ['12', '  cores used during the flood, by program', cores(vvp.coresUsed), `${cores(crd.coresUsed)} (CRD)`, '', ''],
    ['12', '  platform calls running at once, most seen', String(vvp.platformCallsRunningMax ?? ''), '', `cap ${cap}`, `<= ${cap}`],
  ];
}

async function timedSeries(n: number, call: () => Promise<Answer>): Promise<Summary> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = await call();
    if (a.status >= 300) throw new Error(`unloaded baseline: status ${a.status}: ${a.body.slice(0, 300)}`);
    samples.push(a.ms);
  }
  return summary(samples);
}

/** An unrelated namespace with one ConfigMap, deleted: ms until it is gone (the namespace controller's work). */
async function deleteNamespace(admin: Client, name: string): Promise<number> {
  await admin.json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  await admin.json('POST', `/api/v1/namespaces/${name}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unrelated' }, data: { a: 'b' } });
  const started = now();
  await admin.json('DELETE', `/api/v1/namespaces/${name}`);
  while ((await admin.call('GET', `/api/v1/namespaces/${name}`)).status !== 404) {
    if (now() - started > 300_000) return NaN;
    await sleep(100);
  }
  return Math.round(now() - started);
}

/** Opens a watch as `user` and drops it once it answers (a client reconnecting): the answer's status. */
function watchOnce(agent: HttpsAgent, base: string, path: string, user: string): Promise<number | 'error'> {
  const url = new URL(base);
  return new Promise((resolve) => {
    const req = httpsRequest({ host: url.hostname, port: url.port, path, agent, headers: { accept: 'application/json', 'Impersonate-User': user } }, (res) => {
      const status = res.statusCode ?? 0;
      const done = () => {
        clearTimeout(timer);
        res.destroy();
        resolve(status);
      };
      // The watch's first events (its initial state) or its end, at most 2 s: then the client drops it.
      const timer = setTimeout(done, 2000);
      res.once('data', done);
      res.once('end', done);
      res.once('error', done);
    });
    req.once('error', () => resolve('error'));
    req.end();
  });
}

/** CPU ms so far of each program, and of this bench process (the flooding and measuring clients). */
function cpuSnapshot(processes: Record<string, number>): Record<string, number> {
  const own = process.cpuUsage();
  return { ...cpuOf(processes), 'bench clients': (own.user + own.system) / 1000 };
}

function failed(): Answer {
  return { status: 0, body: '', ms: 0 };
}

function tally(counts: Map<string, number>, a: { status: number | 'error' }): void {
  const key = a.status === 0 ? 'error' : String(a.status);
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

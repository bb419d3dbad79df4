// Measure 12 (`make bench BENCH=flood`, issue 29): one user floods kube-apiserver — concurrent LISTs of a namespace
// of objects, plus watches opened and dropped at a steady rate (flooder.ts, a thread of its own) — while another user
// GETs and creates, and the namespace controller deletes an unrelated namespace. Run against the VvpDeployments (this
// server's flow control and platform call slots behind kube-apiserver's APF) and against the same number of same-size
// custom resources (kube-apiserver's own APF alone), side by side; then both again with the other user in a priority
// level of its own. The figures: the other user's p50/p99 unloaded and flooded, and where its time went (in this
// server and of that waiting for seats, by its Server-Timing; outside it; its GET of a ConfigMap kube-apiserver serves
// itself), the namespace deletion time, 429s and 5xx by user, the server's event-loop delay, GC and platform reads,
// and the most platform calls seen running at once against the cap. A measure, not a test: it never fails on a
// number (the e2e flow-control and platform-fairness files assert the behaviour).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseServerTiming } from '../apiserver/k8s/serve/stage-times.js';
import { startFlooder } from './flooder.js';
import { Client, cpuOf, now, round, summary, tally, type Answer, type Summary } from './support.js';

export interface FloodSide {
  label: string;
  /** The flooded collection (LIST and watch), holding the objects. */
  collection: string;
  /** One object the other user GETs. */
  getPath: string;
  /** A new object of this side, for the other user's creates, named `name`. */
  manifest: (name: string) => unknown;
  /**
   * The server's metrics now: platform calls running, its event loop's longest delay since the last sample and its GC
   * pauses so far (prom-client's process metrics); absent for the CRD.
   */
  serverSample?: () => Promise<ServerSample>;
  /**
   * The other user's GET straight to the server's port (as kube-apiserver's proxy would send it), beside the one
   * through kube-apiserver: what the server itself adds under the flood, apart from kube-apiserver's front door.
   */
  straightGet?: () => Promise<Answer>;
}

export interface ServerSample {
  platformCallsRunning: number;
  loopDelayMaxMs: number;
  gcPauseMs: number;
  /** Platform calls answered and bytes read from the platform so far. */
  platformCalls: number;
  platformBytes: number;
}

export interface FloodOptions {
  /** kube-apiserver and the admin's client certificate (every user is impersonated by it). */
  url: string;
  tls: { ca: string; cert: string; key: string };
  admin: Client;
  listers: number;
  watchReconnectsPerSecond: number;
  seconds: number;
  /**
   * An object kube-apiserver serves itself (a ConfigMap), which the other user also GETs, unloaded and flooded: what
   * kube-apiserver's own answers do under the same flood, apart from anything proxied.
   */
  kubeOwnPath: string;
  /** GETs (and a quarter as many creates) of the unloaded baseline. */
  baselineRuns: number;
  /** The programs whose CPU the flood's figures report (pid by name); the bench's own clients are added. */
  processes: Record<string, number>;
}

export interface FloodResult {
  side: string;
  unloaded: { getMs: Summary; createMs: Summary; namespaceDeletionMs: number };
  /** The other user's GET of kube-apiserver's own object, unloaded and flooded. */
  kubeOwn: { unloadedMs: Summary; floodedMs: Summary };
  flooded: { getMs: Summary; createMs: Summary; namespaceDeletionMs: number };
  other: Record<string, number>;
  flooder: { lists: Record<string, number>; watches: Record<string, number> };
  /** The measuring thread's event-loop delay during the flood (the flooder runs on a thread of its own). */
  measuringLoopDelayMs: { p50: number; p99: number; max: number };
  platformCallsRunningMax?: number;
  /** The server's event loop: its longest delay in each sampled 200 ms (p50, p99, max), and GC pauses in all (ms). */
  serverLoop?: { delayMaxMs: Summary; gcPauseMs: number };
  /** Platform calls and MB read from the platform during the flood. */
  platformRead?: { calls: number; mb: number };
  /** Cores each program used during the flood (CPU ms ÷ wall ms): where the machine's 2 cores went. */
  coresUsed: Record<string, number>;
  /** The other user's GETs straight to the server's port, unloaded and flooded (absent for the CRD). */
  straight?: { unloadedMs: Summary; floodedMs: Summary; seatWaitMs: Summary };
  /**
   * Of the flooded GETs through kube-apiserver, the part inside this server (its Server-Timing `server` stage, which
   * kube-apiserver's proxy passes on) and of that the wait for seats in its flow control; the rest is kube-apiserver's
   * (its own APF queue, its proxy) and the network. Absent for the CRD.
   */
  inServer?: { serverMs: Summary; seatWaitMs: Summary; outsideMs: Summary };
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
  const other = as(OTHER, 4);
  let created = 0;
  const create = () => other.call('POST', side.collection, side.manifest(`other-${side.label}-${created++}`));
  try {
    log(`12. ${side.label}: unloaded: ${opts.baselineRuns} GETs, ${Math.ceil(opts.baselineRuns / 4)} creates, one namespace deletion`);
    const unloaded = { getMs: await timedSeries(opts.baselineRuns, () => other.call('GET', side.getPath)), createMs: await timedSeries(Math.ceil(opts.baselineRuns / 4), create), namespaceDeletionMs: await deleteNamespace(opts.admin, `flood-ns-${side.label}-0`) };
    const straightUnloaded = side.straightGet && await timedSeries(opts.baselineRuns, side.straightGet);
    const otherKube = as(OTHER, 2);
    const kubeOwnUnloaded = await timedSeries(opts.baselineRuns, () => otherKube.call('GET', opts.kubeOwnPath));

    log(`12. ${side.label}: flooded for ${opts.seconds} s: ${opts.listers} concurrent LISTs and ${opts.watchReconnectsPerSecond} watch reconnects/s by ${FLOODER}`);
    const floodStarted = now();
    const stopAt = floodStarted + opts.seconds * 1000;
    const cpuBefore = cpuSnapshot(opts.processes);
    const otherStatuses = new Map<string, number>();
    const flooder = startFlooder({ url: opts.url, tls: opts.tls, user: FLOODER, collection: side.collection, listers: opts.listers, watchReconnectsPerSecond: opts.watchReconnectsPerSecond, stopAtEpochMs: Date.now() + opts.seconds * 1000 });
    await flooder.ready;
    // The measuring thread's own event-loop delay: what of the other user's latencies is the bench's, not a server's.
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    let runningMax = 0;
    const loopDelays: number[] = [];
    const sampleServer = side.serverSample && (() => side.serverSample!().catch(() => undefined));
    const firstSample = await sampleServer?.();
    let lastSample = firstSample;
    const sampler = sampleServer && (async () => {
      while (now() < stopAt) {
        await sleep(200);
        const sample = await sampleServer();
        if (!sample) continue;
        runningMax = Math.max(runningMax, sample.platformCallsRunning);
        loopDelays.push(sample.loopDelayMaxMs);
        lastSample = sample;
      }
    })();
    // The other user starts once the flood is under way, and the namespace controller's deletion with it.
    await sleep(Math.min(2000, opts.seconds * 200));
    const deletion = deleteNamespace(opts.admin, `flood-ns-${side.label}-1`);
    const straightGets: number[] = [];
    const straightStages: Record<string, number>[] = [];
    const getStages: Record<string, number>[] = [];
    const straight = side.straightGet && (async () => {
      while (now() < stopAt) {
        const g = await side.straightGet!().catch(failed);
        if (g.status === 200) {
          straightGets.push(g.ms);
          straightStages.push(parseServerTiming(g.serverTiming));
        }
        else tally(otherStatuses, g.status);
      }
    })();
    const kubeOwnGets: number[] = [];
    const kubeOwn = (async () => {
      while (now() < stopAt) {
        const g = await otherKube.call('GET', opts.kubeOwnPath).catch(failed);
        tally(otherStatuses, g.status);
        if (g.status === 200) kubeOwnGets.push(g.ms);
      }
    })();
    const gets: number[] = [];
    const creates: number[] = [];
    while (now() < stopAt) {
      const g = await other.call('GET', side.getPath).catch(failed);
      tally(otherStatuses, g.status);
      if (g.status === 200) {
        gets.push(g.ms);
        getStages.push(parseServerTiming(g.serverTiming));
      }
      if (gets.length % 4 === 0) {
        const c = await create().catch(failed);
        tally(otherStatuses, c.status);
        if (c.status === 201) creates.push(c.ms);
      }
    }
    const [namespaceDeletionMs, flooded] = await Promise.all([deletion, flooder.done, sampler, straight, kubeOwn]);
    otherKube.close();
    lag.disable();
    const stage = (all: Record<string, number>[], name: string) => summary(all.map((st) => st[name] ?? 0));
    const cpuAfter = cpuSnapshot(opts.processes);
    const wallMs = now() - floodStarted;
    const coresUsed = Object.fromEntries(Object.entries(cpuAfter).map(([name, ms]) => [name, round((ms - cpuBefore[name]!) / wallMs, 2)]));
    // The bench process's CPU, split between the flooding thread and the measuring one.
    const benchCores = coresUsed['bench clients']!;
    delete coresUsed['bench clients'];
    coresUsed['bench flooder'] = round(flooded.cpuMs / wallMs, 2);
    coresUsed['bench other user'] = round(Math.max(0, benchCores - coresUsed['bench flooder']), 2);
    return {
      side: side.label,
      unloaded,
      kubeOwn: { unloadedMs: kubeOwnUnloaded, floodedMs: summary(kubeOwnGets) },
      flooded: { getMs: summary(gets), createMs: summary(creates), namespaceDeletionMs: namespaceDeletionMs as number },
      other: Object.fromEntries(otherStatuses),
      flooder: { lists: flooded.lists, watches: flooded.watches },
      measuringLoopDelayMs: { p50: round(lag.percentile(50) / 1e6, 1), p99: round(lag.percentile(99) / 1e6, 1), max: round(lag.max / 1e6, 1) },
      coresUsed,
      ...(side.serverSample ? { platformCallsRunningMax: runningMax } : {}),
      ...(firstSample && lastSample ? {
        platformRead: { calls: lastSample.platformCalls - firstSample.platformCalls, mb: round((lastSample.platformBytes - firstSample.platformBytes) / 1e6, 1) },
        serverLoop: { delayMaxMs: summary(loopDelays), gcPauseMs: round(lastSample.gcPauseMs - firstSample.gcPauseMs, 0) },
      } : {}),
      ...(straightUnloaded ? { straight: { unloadedMs: straightUnloaded, floodedMs: summary(straightGets), seatWaitMs: stage(straightStages, 'flowcontrol-wait') } } : {}),
      ...(side.straightGet ? { inServer: { serverMs: stage(getStages, 'server'), seatWaitMs: stage(getStages, 'flowcontrol-wait'), outsideMs: summary(gets.map((ms, i) => ms - (getStages[i]!['server'] ?? 0))) } } : {}),
    };
  } finally {
    other.close();
  }
}

const OWN_LEVEL = 'bench-other-team';

/**
 * Gives the other user a priority level of its own, as operate.md's team-a (30 shares, lends and borrows none), and
 * waits until kube-apiserver and this server (`server`: its metrics) both have it; `remove()` takes it away again.
 */
export async function giveOwnLevel(admin: Client, server: Client): Promise<{ remove: () => Promise<void> }> {
  const fc = '/apis/flowcontrol.apiserver.k8s.io/v1';
  await admin.json('POST', `${fc}/prioritylevelconfigurations`, {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'PriorityLevelConfiguration', metadata: { name: OWN_LEVEL },
    spec: { type: 'Limited', limited: { nominalConcurrencyShares: 30, lendablePercent: 0, borrowingLimitPercent: 0, limitResponse: { type: 'Queue', queuing: { queues: 16, handSize: 4, queueLengthLimit: 50 } } } },
  });
  await admin.json('POST', `${fc}/flowschemas`, {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', metadata: { name: OWN_LEVEL },
    spec: {
      matchingPrecedence: 500, priorityLevelConfiguration: { name: OWN_LEVEL }, distinguisherMethod: { type: 'ByUser' },
      rules: [{ subjects: [{ kind: 'User', user: { name: OTHER } }], resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }] }],
    },
  });
  // A server without flow control (--flow-control-seats=0, or kube-apiserver without APF) serves no level metrics
  // and has no level to wait for.
  const has = async (c: Client) => {
    const text = (await c.call('GET', '/metrics')).body;
    return !text.includes('apiserver_flowcontrol_nominal_limit_seats') || text.includes(`priority_level="${OWN_LEVEL}"`);
  };
  const deadline = now() + 120_000;
  while (!(await has(admin)) || !(await has(server))) {
    if (now() > deadline) throw new Error(`priority level ${OWN_LEVEL} not in kube-apiserver's and the server's metrics after 120 s`);
    await sleep(250);
  }
  return {
    remove: async () => {
      await admin.json('DELETE', `${fc}/flowschemas/${OWN_LEVEL}`);
      await admin.json('DELETE', `${fc}/prioritylevelconfigurations/${OWN_LEVEL}`);
    },
  };
}

const p = (s: Summary) => `${s.p50} / ${s.p99}`;
const counts = (c: Record<string, number>) => Object.entries(c).map(([k, n]) => `${k}: ${n}`).join(', ') || 'none';

/** The rows of the flood with the other user in its own priority level, both sides. */
export function ownLevelRows(vvp: FloodResult, crd: FloodResult): string[][] {
  return [
    ['12', 'flood, the other user in a priority level of its own: GET p50 / p99 ms, unloaded -> flooded', `${p(vvp.unloaded.getMs)} -> ${p(vvp.flooded.getMs)}`, `${p(crd.unloaded.getMs)} -> ${p(crd.flooded.getMs)} (CRD)`, `p99 x${round(vvp.flooded.getMs.p99 / vvp.unloaded.getMs.p99, 2)} (CRD x${round(crd.flooded.getMs.p99 / crd.unloaded.getMs.p99, 2)})`, '<= 2x unloaded p99'],
    ...(vvp.inServer ? [['12', '  of which in this server; of that waiting for seats; outside it, p50 / p99 ms', `${p(vvp.inServer.serverMs)}; ${p(vvp.inServer.seatWaitMs)}; ${p(vvp.inServer.outsideMs)}`, '', '', '']] : []),
    ['12', '  create p50 / p99 ms, flooded', p(vvp.flooded.createMs), `${p(crd.flooded.createMs)} (CRD)`, '', ''],
    ['12', '  GET of a ConfigMap (kube-apiserver\'s own), flooded, p50 / p99 / max ms', `${p(vvp.kubeOwn.floodedMs)} / ${vvp.kubeOwn.floodedMs.max}`, `${p(crd.kubeOwn.floodedMs)} / ${crd.kubeOwn.floodedMs.max} (CRD)`, '', ''],
    ['12', '  flooder LISTs by status', counts(vvp.flooder.lists), `${counts(crd.flooder.lists)} (CRD)`, '', ''],
  ];
}

/** The table rows of both sides; `cap` is --vvp-max-concurrent-calls. */
export function floodRows(vvp: FloodResult, crd: FloodResult, cap: number): string[][] {
  const cores = (c: Record<string, number>) => Object.entries(c).filter(([, n]) => n >= 0.01).map(([k, n]) => `${k} ${n}`).join(', ');
  const bad = (c: Record<string, number>) => Object.entries(c).filter(([k]) => k === '429' || k.startsWith('5') || k === 'error').reduce((n, [, v]) => n + v, 0);
  return [
    ['12', 'flood: other user GET p50 / p99 ms, unloaded', p(vvp.unloaded.getMs), `${p(crd.unloaded.getMs)} (CRD)`, '', ''],
    ['12', '  flooded', p(vvp.flooded.getMs), `${p(crd.flooded.getMs)} (CRD)`, `p99 x${round(vvp.flooded.getMs.p99 / vvp.unloaded.getMs.p99, 2)} (CRD x${round(crd.flooded.getMs.p99 / crd.unloaded.getMs.p99, 2)})`, '<= 2x unloaded p99'],
    ...(vvp.inServer ? [
      ['12', '  of which in this server; of that waiting for seats, p50 / p99 ms', `${p(vvp.inServer.serverMs)}; ${p(vvp.inServer.seatWaitMs)}`, '', '', ''],
      ['12', '  of which outside it (kube-apiserver, its proxy connection), p50 / p99 ms', p(vvp.inServer.outsideMs), '', '', ''],
    ] : []),
    ...(vvp.straight ? [['12', '  the same GET straight to the server\'s port, unloaded -> flooded; waiting for seats', `${p(vvp.straight.unloadedMs)} -> ${p(vvp.straight.floodedMs)}; ${p(vvp.straight.seatWaitMs)}`, '', `p99 x${round(vvp.straight.floodedMs.p99 / vvp.straight.unloadedMs.p99, 2)}`, '']] : []),
    // Max too: the loop is serial, so a GET held seconds is one sample among thousands of quick ones.
    ['12', '  other user GET of a ConfigMap (kube-apiserver\'s own), p50 / p99 / max ms, unloaded -> flooded', `${p(vvp.kubeOwn.unloadedMs)} -> ${p(vvp.kubeOwn.floodedMs)} / ${vvp.kubeOwn.floodedMs.max}`, `${p(crd.kubeOwn.unloadedMs)} -> ${p(crd.kubeOwn.floodedMs)} / ${crd.kubeOwn.floodedMs.max} (CRD)`, '', ''],
    ['12', '  other user create p50 / p99 ms, unloaded -> flooded', `${p(vvp.unloaded.createMs)} -> ${p(vvp.flooded.createMs)}`, `${p(crd.unloaded.createMs)} -> ${p(crd.flooded.createMs)} (CRD)`, '', ''],
    ['12', '  other user refused (429, 5xx, errors)', String(bad(vvp.other)), `${bad(crd.other)} (CRD)`, counts(vvp.other), '0'],
    ['12', '  unrelated namespace deleted, ms: unloaded -> flooded', `${vvp.unloaded.namespaceDeletionMs} -> ${vvp.flooded.namespaceDeletionMs}`, `${crd.unloaded.namespaceDeletionMs} -> ${crd.flooded.namespaceDeletionMs} (CRD)`, '', 'same as unloaded'],
    ['12', '  flooder LISTs by status', counts(vvp.flooder.lists), `${counts(crd.flooder.lists)} (CRD)`, '', '429s, 0 x 5xx'],
    ['12', '  flooder watch opens by status', counts(vvp.flooder.watches), `${counts(crd.flooder.watches)} (CRD)`, '', ''],
    ['12', '  the measuring client\'s own event-loop delay, p99 / max ms', `${vvp.measuringLoopDelayMs.p99} / ${vvp.measuringLoopDelayMs.max}`, `${crd.measuringLoopDelayMs.p99} / ${crd.measuringLoopDelayMs.max} (CRD)`, '', ''],
    ['12', '  cores used during the flood, by program', cores(vvp.coresUsed), `${cores(crd.coresUsed)} (CRD)`, '', ''],
    ...(vvp.serverLoop ? [['12', '  the server\'s event loop: longest delay per 200 ms p50 / p99 / max ms; GC pauses ms', `${vvp.serverLoop.delayMaxMs.p50} / ${vvp.serverLoop.delayMaxMs.p99} / ${vvp.serverLoop.delayMaxMs.max}; GC ${vvp.serverLoop.gcPauseMs}`, '', '', '']] : []),
    ...(vvp.platformRead ? [['12', '  platform calls answered, MB read from the platform', `${vvp.platformRead.calls}, ${vvp.platformRead.mb} MB`, '', '', '']] : []),
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

/** CPU ms so far of each program, and of this bench process (the flooding and measuring clients). */
function cpuSnapshot(processes: Record<string, number>): Record<string, number> {
  const own = process.cpuUsage();
  return { ...cpuOf(processes), 'bench clients': (own.user + own.system) / 1000 };
}

function failed(): Answer {
  return { status: 0, body: '', ms: 0 };
}

// Measure 11 of `make bench` (issue 32): CPU per request per process, for every verb, on both sides. A throughput
// ratio on 2 shared cores mixes the server's cost with kube-apiserver's, the emulator's and etcd's; CPU milliseconds
// per request of each process do not depend on how many cores there are. For each verb (create, update by JSON merge
// patch, server-side apply, GET, LIST of the whole namespace, delete) the VvpDeployments and then the custom resources
// (CRD) of the same size go through kube-apiserver, `concurrency` at a time, and each process's CPU time (utime +
// stime from /proc/<pid>/stat) is read before and after each phase. The background (the server's watch polls, which
// kube-controller-manager's garbage collector keeps running; kube-apiserver's and etcd's own loops) is measured while
// idle just before each verb and subtracted at its rate over the phase's duration; the gross figure is kept too.
//
// The compared figures: the server's CPU per VvpDeployment request against kube-apiserver + etcd's CPU per custom
// resource request — what serving the kind costs each implementation. (A VvpDeployment request also costs
// kube-apiserver its proxying and the emulator its platform calls; both are reported.)
//
// The writes of the second half of the objects, and a second round of GETs and LISTs, run with the server's CPU
// profiler on (cpu-profile.ts); those requests are not in the CPU figures (the sampler costs CPU itself).
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuOf, now, pool, round, summary, type Answer, type Client, type Summary } from './support.js';
import { summariseProfile, type InspectorSession, type ProfileSummary } from './cpu-profile.js';
import { OK, request, type Verb, type WriteSubject } from './writes.js';

export type PerVerb = Verb | 'get' | 'list';
export const PER_VERBS: PerVerb[] = ['create', 'update', 'apply', 'get', 'list', 'delete'];

export interface PerVerbOptions {
  kube: Client;
  /** Objects written per side; the LIST reads all of them. */
  objects: number;
  gets: number;
  lists: number;
  concurrency: number;
  vvp: WriteSubject;
  customResource: WriteSubject;
  /** name → pid; `server` is required, `kube-apiserver` and `etcd` make the CRD's side. */
  processes: Record<string, number>;
  /** The server's inspector, for the profile of each verb; without it, no profile. */
  inspector?: InspectorSession;
  idleMs: number;
}

export interface SideFigures {
  requests: number;
  errors: number;
  perSecond: number;
  latencyMs: Summary;
  /** CPU ms per request by process, background subtracted. */
  cpuMsPerRequest: Record<string, number>;
  /** The same without subtracting the background. */
  grossCpuMsPerRequest: Record<string, number>;
}

export interface PerVerbFigures {
  vvpDeployment: SideFigures;
  customResource: SideFigures;
  /** The server's CPU per VvpDeployment request / kube-apiserver + etcd's CPU per custom resource request. */
  ratio: number;
  profile?: ProfileSummary & { requests: number; selfMsPerRequest: number };
}

export type PerVerbResult = Record<PerVerb, PerVerbFigures> & { idleCpuMsPerSecond: Record<PerVerb, Record<string, number>> };

const name = (i: number) => `p-${String(i).padStart(5, '0')}`;

interface Phase { samples: number[]; failures: string[]; ms: number; cpu: Record<string, number> }

const emptyPhase = (): Phase => ({ samples: [], failures: [], ms: 0, cpu: {} });

/** Runs `count` requests (`call(j)`), `concurrency` at a time, adding their samples, time and CPU to `into`. */
async function phase(o: PerVerbOptions, into: Phase, count: number, ok: number[], call: (j: number) => Promise<Answer>): Promise<void> {
  const before = cpuOf(o.processes);
  const t = now();
  await pool(count, o.concurrency, async (j) => {
    const a = await call(j);
    if (ok.includes(a.status)) into.samples.push(a.ms);
    else into.failures.push(into.failures.length < 5 ? `${a.status} ${a.body.slice(0, 300)}` : '');
  });
  into.ms += now() - t;
  const after = cpuOf(o.processes);
  for (const p of Object.keys(o.processes)) into.cpu[p] = (into.cpu[p] ?? 0) + (after[p] ?? 0) - (before[p] ?? 0);
}

function figures(p: Phase, idlePerMs: Record<string, number>): SideFigures {
  const n = p.samples.length + p.failures.length;
  const per = (subtract: boolean) => Object.fromEntries(Object.entries(p.cpu).map(([proc, total]) =>
    [proc, round(Math.max(0, total - (subtract ? (idlePerMs[proc] ?? 0) * p.ms : 0)) / Math.max(1, n), 2)]));
  return {
    requests: n, errors: p.failures.length, perSecond: Math.round(p.samples.length / (p.ms / 1000)),
    latencyMs: summary(p.samples), cpuMsPerRequest: per(true), grossCpuMsPerRequest: per(false),
  };
}

export async function cpuPerVerb(o: PerVerbOptions, log: (line: string) => void): Promise<PerVerbResult> {
  const half = Math.ceil(o.objects / 2);
  const result = { idleCpuMsPerSecond: {} } as PerVerbResult;
  for (const verb of PER_VERBS) {
    // The background, per ms of each process, while nothing is asked of them.
    const idleBefore = cpuOf(o.processes);
    const idleStarted = now();
    await sleep(o.idleMs);
    const idleMs = now() - idleStarted;
    const idleAfter = cpuOf(o.processes);
    const idlePerMs = Object.fromEntries(Object.keys(o.processes).map((p) => [p, ((idleAfter[p] ?? 0) - (idleBefore[p] ?? 0)) / idleMs]));
    result.idleCpuMsPerSecond[verb] = Object.fromEntries(Object.entries(idlePerMs).map(([p, v]) => [p, round(v * 1000, 1)]));

    const vvp = emptyPhase();
    const cr = emptyPhase();
    const profiled = emptyPhase();
    let profile: PerVerbFigures['profile'];
    const profiledPhase = async (run: () => Promise<void>) => {
      if (!o.inspector) return run();
      const { profile: p } = await o.inspector.profile(run);
      const s = summariseProfile(p);
      const requests = profiled.samples.length + profiled.failures.length;
      profile = { ...s, requests, selfMsPerRequest: round(s.busyMs / Math.max(1, requests), 2) };
    };
    if (verb === 'get' || verb === 'list') {
      const path = (s: WriteSubject) => (verb === 'get' ? s.path(name(0)) : s.path());
      const count = verb === 'get' ? o.gets : o.lists;
      await phase(o, vvp, count, [200], () => o.kube.call('GET', path(o.vvp)));
      await phase(o, cr, count, [200], () => o.kube.call('GET', path(o.customResource)));
      await profiledPhase(() => phase(o, profiled, count, [200], () => o.kube.call('GET', path(o.vvp))));
    } else {
      // First half: measured on both sides; second half: the VvpDeployments profiled, the custom resources measured.
      const write = (s: WriteSubject, from: number) => (j: number) => request(o.kube, s, verb, name(from + j), from + j);
      await phase(o, vvp, half, OK[verb], write(o.vvp, 0));
      await phase(o, cr, half, OK[verb], write(o.customResource, 0));
      await profiledPhase(() => phase(o, profiled, o.objects - half, OK[verb], write(o.vvp, half)));
      await phase(o, cr, o.objects - half, OK[verb], write(o.customResource, half));
    }
    for (const [side, p] of [['VvpDeployment', vvp], ['CRD', cr], ['VvpDeployment (profiled)', profiled]] as const) {
      if (p.failures.length) log(`   ${verb} ${side}: ${p.failures.length} failed: ${p.failures.filter(Boolean).join(' | ')}`);
    }
    const v = figures(vvp, idlePerMs);
    const c = figures(cr, idlePerMs);
    const crdCpu = (c.cpuMsPerRequest['kube-apiserver'] ?? 0) + (c.cpuMsPerRequest.etcd ?? 0);
    const ratio = round((v.cpuMsPerRequest.server ?? 0) / Math.max(0.001, crdCpu), 2);
    result[verb] = { vvpDeployment: v, customResource: c, ratio, ...(profile ? { profile } : {}) };
    log(`   ${verb}: CPU ms/request, VvpDeployment ${JSON.stringify(v.cpuMsPerRequest)} (gross ${JSON.stringify(v.grossCpuMsPerRequest)}), CRD ${JSON.stringify(c.cpuMsPerRequest)}: server / (kube-apiserver + etcd) ${ratio}x; p50 ${v.latencyMs.p50} vs ${c.latencyMs.p50} ms; idle CPU ms/s ${JSON.stringify(result.idleCpuMsPerSecond[verb])}`);
    if (profile) log(`   ${verb}: server profile, ${profile.busyMs} ms busy over ${profile.requests} requests; self time top: ${profile.top.slice(0, 5).map((t) => `${t.name} ${t.percent}%`).join('; ')}`);
  }
  return result;
}

/** The rows of measure 11 in the bench's table. */
export function perVerbRows(r: PerVerbResult, objects: number): string[][] {
  return PER_VERBS.map((verb) => {
    const { vvpDeployment: v, customResource: c, ratio } = r[verb];
    const k = (f: SideFigures, p: string) => f.cpuMsPerRequest[p] ?? 0;
    const label = verb === 'list' ? `LIST ${objects}` : verb === 'update' ? 'update (merge patch)' : verb === 'apply' ? 'server-side apply' : verb;
    return ['11', `CPU ms per ${label}: server vs kube-apiserver + etcd (CRD)`,
      `${k(v, 'server')} (+ kube-apiserver ${k(v, 'kube-apiserver')}, emulator ${k(v, 'emulator')}, etcd ${k(v, 'etcd')})`,
      `${round(k(c, 'kube-apiserver') + k(c, 'etcd'), 2)} (${k(c, 'kube-apiserver')} + ${k(c, 'etcd')})`, `${ratio}x`, '<= 1.0x'];
  });
}

/** The profile's top functions per verb, as text lines (bench/results/per-verb-profile.txt). */
export function profileReport(r: PerVerbResult): string {
  const lines: string[] = [];
  for (const verb of PER_VERBS) {
    const p = r[verb].profile;
    if (!p) continue;
    lines.push(`${verb}: ${p.requests} requests, ${p.busyMs} ms in busy samples, ${p.idleMs} ms idle (sample intervals are wall time: on a loaded machine they overstate CPU, read the shares)`);
    for (const t of p.top) lines.push(`  ${String(t.percent).padStart(5)}%  ${String(t.ms).padStart(8)} ms  ${t.name}`);
  }
  return `${lines.join('\n')}\n`;
}

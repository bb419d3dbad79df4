// Measure 10 of `make bench` (issue 17): the write path through kube-apiserver beside the same verb on a custom
// resource (CRD) of the same size. For each verb, `concurrency` clients work through `objects` objects back to back
// (a pool), first the VvpDeployments, then the custom resources, in two rounds (A B A B) so that a drift of the
// machine hits both alike: p50/p99 latency of each request, throughput, and (VvpDeployments only) the platform calls
// per verb, counted by the emulator with the background subtracted (platform-calls.ts).
//
// The verbs are what `kubectl create -f`, `kubectl apply -f` of a changed manifest and `kubectl delete` send:
// - create: POST of the manifest;
// - update: kubectl apply (client-side, its default) of an existing object GETs it, then sends the three-way merge
//   of manifest, live object and last-applied annotation as a JSON merge patch (application/merge-patch+json: kubectl
//   sends strategic merge patches only to built-in types). The PATCH is the write; its GET is a read (measure 1).
//   The patch here is that merge: the changed field, a label and the new last-applied-configuration annotation;
// - apply: server-side apply (kubectl apply --server-side, and GitOps tools: Flux, Argo CD with ServerSideApply),
//   the whole manifest as application/apply-patch+yaml with a field manager;
// - delete: DELETE with propagationPolicy Background, as kubectl delete.
import { parseServerTiming } from '../apiserver/k8s/serve/stage-times.js';
import { cpuOf, now, pool, round, summary, type Answer, type Client, type Summary } from './support.js';
import { platformCallsOf, type CallCounter } from './platform-calls.js';

export interface WritesOptions {
  kube: Client;
  counter: CallCounter;
  objects: number;
  concurrency: number;
  vvp: WriteSubject;
  customResource: WriteSubject;
  /** The programs whose CPU time each request costs is reported (name → pid: server, emulator, kube-apiserver, etcd). */
  processes: Record<string, number>;
}

/** One kind written through kube-apiserver: where its objects live and what they look like. */
export interface WriteSubject {
  /** The collection path, or an object's path with `name`. */
  path: (name?: string) => string;
  /** The i-th object's manifest; `generation` changes one spec field (1, 2, … for successive updates). */
  manifest: (name: string, i: number, generation: number) => Record<string, unknown> & { metadata: { labels?: Record<string, string> } };
}

export type Verb = 'create' | 'update' | 'apply' | 'delete';
export const VERBS: Verb[] = ['create', 'update', 'apply', 'delete'];

export interface VerbFigures {
  requests: number;
  errors: number;
  perSecond: number;
  latencyMs: Summary;
  platformCallsPerVerb?: number;
  platformRoutesPerVerb?: Record<string, number>;
  /**
   * The VvpDeployment's time by stage, p50 ms of each (the server's Server-Timing; stages nest: `server` is the
   * whole of the server's time, `storage` the storage's part of it, `patch` ⊃ `admission` on a PATCH, `transform` ⊃
   * `patch` in the update's storage). `outside-server`: the request's time minus the server's (kube-apiserver's
   * proxy, its authentication and authorization, the network).
   */
  stagesP50Ms?: Record<string, number>;
  /** CPU ms per request of each program while these requests ran (the machine's other load included). */
  cpuMsPerRequest: Record<string, number>;
}

export type WritesResult = Record<Verb, { vvpDeployment: VerbFigures; customResource: VerbFigures; ratioP50: number; ratioThroughput: number }>;

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** The request of `verb` on object `name` (the i-th) of `s`. */
export function request(kube: Client, s: WriteSubject, verb: Verb, name: string, i: number) {
  switch (verb) {
    case 'create':
      return kube.call('POST', s.path(), s.manifest(name, i, 0));
    case 'update': {
      const changed = s.manifest(name, i, 1);
      const labels = { ...changed.metadata.labels, tick: 'u1' };
      const lastApplied = JSON.stringify({ ...changed, metadata: { ...changed.metadata, labels } });
      const patch = { metadata: { labels: { tick: 'u1' }, annotations: { [LAST_APPLIED]: lastApplied } }, spec: changed.spec };
      return kube.call('PATCH', s.path(name), patch, 'application/merge-patch+json');
    }
    case 'apply':
      return kube.call('PATCH', `${s.path(name)}?fieldManager=bench&force=true`, s.manifest(name, i, 2), 'application/apply-patch+yaml');
    case 'delete':
      return kube.call('DELETE', s.path(name), { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' });
  }
}

export const OK: Record<Verb, number[]> = { create: [201], update: [200], apply: [200], delete: [200, 202] };

/** Per stage, the samples of the answers that had one (Server-Timing). */
type StageSamples = Map<string, number[]>;

function addStages(stages: StageSamples, a: Answer): void {
  if (a.serverTiming === undefined) return;
  const timing = parseServerTiming(a.serverTiming);
  if (timing.server !== undefined) timing['outside-server'] = a.ms - timing.server;
  for (const [stage, ms] of Object.entries(timing)) stages.set(stage, [...(stages.get(stage) ?? []), ms]);
}

/** `objects` requests of `verb` over the objects [from, from + objects) of `s`, `concurrency` at a time. */
async function run(o: WritesOptions, s: WriteSubject, verb: Verb, from: number, objects: number, samples: number[], failures: string[], stages: StageSamples, cpu: Record<string, number>): Promise<number> {
  const t = now();
  const cpuBefore = cpuOf(o.processes);
  await pool(objects, o.concurrency, async (j) => {
    const i = from + j;
    const a = await request(o.kube, s, verb, `w-${String(i).padStart(5, '0')}`, i);
    if (OK[verb].includes(a.status)) {
      samples.push(a.ms);
      addStages(stages, a);
    } else if (failures.length < 5) failures.push(`${verb} ${a.status} ${a.body.slice(0, 300)}`);
    else failures.push('');
  });
  for (const [name, ms] of Object.entries(cpuOf(o.processes))) cpu[name] = (cpu[name] ?? 0) + ms - (cpuBefore[name] ?? 0);
  return now() - t;
}

export async function writesThroughKubeApiserver(o: WritesOptions, log: (line: string) => void): Promise<WritesResult> {
  const half = Math.ceil(o.objects / 2);
  const rounds = [[0, half], [half, o.objects - half]] as const;
  const result: Partial<WritesResult> = {};
  for (const verb of VERBS) {
    const figures: VerbFigures[] = [];
    const samples = { vvp: [] as number[], cr: [] as number[] };
    const ms = { vvp: 0, cr: 0 };
    const failures = { vvp: [] as string[], cr: [] as string[] };
    const stages = { vvp: new Map() as StageSamples, cr: new Map() as StageSamples };
    const cpu = { vvp: {} as Record<string, number>, cr: {} as Record<string, number> };
    let platform: Awaited<ReturnType<typeof platformCallsOf>> | undefined;
    for (const [r, [from, count]] of rounds.entries()) {
      // The platform calls of the first round's VvpDeployment requests (the background counted just before).
      if (r === 0) platform = await platformCallsOf(o.counter, count, async () => { ms.vvp += await run(o, o.vvp, verb, from, count, samples.vvp, failures.vvp, stages.vvp, cpu.vvp); });
      else ms.vvp += await run(o, o.vvp, verb, from, count, samples.vvp, failures.vvp, stages.vvp, cpu.vvp);
      ms.cr += await run(o, o.customResource, verb, from, count, samples.cr, failures.cr, stages.cr, cpu.cr);
    }
    for (const [key, failed] of Object.entries(failures)) if (failed.length) log(`   ${verb} ${key}: ${failed.length} failed: ${failed.filter(Boolean).join(' | ')}`);
    for (const key of ['vvp', 'cr'] as const) {
      figures.push({
        requests: samples[key].length + failures[key].length, errors: failures[key].length,
        perSecond: Math.round(samples[key].length / (ms[key] / 1000)), latencyMs: summary(samples[key]),
        cpuMsPerRequest: Object.fromEntries(Object.entries(cpu[key]).map(([name, total]) => [name, round(total / o.objects, 2)])),
      });
    }
    const [vvp, cr] = figures as [VerbFigures, VerbFigures];
    if (platform) Object.assign(vvp, { platformCallsPerVerb: platform.callsPerVerb, platformRoutesPerVerb: platform.routesPerVerb });
    if (stages.vvp.size) vvp.stagesP50Ms = Object.fromEntries([...stages.vvp].map(([stage, values]) => [stage, summary(values).p50]));
    result[verb] = { vvpDeployment: vvp, customResource: cr, ratioP50: round(vvp.latencyMs.p50 / cr.latencyMs.p50, 2), ratioThroughput: round(vvp.perSecond / cr.perSecond, 2) };
    if (vvp.stagesP50Ms) log(`   ${verb}: VvpDeployment stages, p50 ms: ${Object.entries(vvp.stagesP50Ms).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    log(`   ${verb}: CPU ms per request: VvpDeployment ${JSON.stringify(vvp.cpuMsPerRequest)}, CRD ${JSON.stringify(cr.cpuMsPerRequest)}`);
    log(`   ${verb}: VvpDeployment ${vvp.perSecond}/s p50 ${vvp.latencyMs.p50} p99 ${vvp.latencyMs.p99} ms, ${vvp.platformCallsPerVerb} platform calls (${Object.entries(vvp.platformRoutesPerVerb ?? {}).map(([k, n]) => `${k} ${n}`).join(', ')}); CRD ${cr.perSecond}/s p50 ${cr.latencyMs.p50} p99 ${cr.latencyMs.p99} ms`);
  }
  return result as WritesResult;
}

/** The rows of measure 10 in the bench's table. */
export function writesRows(r: WritesResult, concurrency: number): string[][] {
  return VERBS.map((verb) => {
    const { vvpDeployment: v, customResource: c, ratioP50, ratioThroughput } = r[verb];
    return ['10', `${verb} via kube-apiserver, ${concurrency} clients: /s, p50 / p99 ms; platform calls`,
      `${v.perSecond}/s, ${v.latencyMs.p50} / ${v.latencyMs.p99}; ${v.platformCallsPerVerb ?? '?'}`,
      `${c.perSecond}/s, ${c.latencyMs.p50} / ${c.latencyMs.p99} (CRD)`, `${ratioThroughput}x rate, ${ratioP50}x p50`,
      verb === 'create' || verb === 'update' ? '>= 0.7x rate, <= 1.5x p50' : ''];
  });
}

// Measure 5 of `make bench` (issue 17, the read side at scale): the server's RSS at growing numbers of platform
// deployments (1,000 / 10,000 / 30,000 by default), with none and with 1,000 watches open, and what being watched
// costs the platform at each size: bytes and calls per second the server reads, the poll interval the bytes budget
// (--poll-bytes-budget) makes of it, and the watch latency that results.
//
// The deployments are written straight to the platform, as the server's operator instance, with the body the server's
// create would send (planCreate) and the record signed with the installation's key (record-signature.ts): the same end
// state as a create through the server, at the platform's speed. The watches are on namespace `bench` (one object) and
// latency is measured there; the poll lists the whole platform namespace whatever the watch selects.

import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Stack } from '../apiservice/local/stack.js';
import { managedSelector } from '../apiserver/vvpdeployment/trust/annotations.js';
import { planCreate } from '../apiserver/vvpdeployment/decide/mapping.js';
import { RecordSigner } from '../apiserver/vvpdeployment/trust/record-signature.js';
import type { VvpDeployment } from '../apiserver/vvpdeployment/types.js';
import { withDefaults } from '../apiserver/vvpdeployment/decide/validation.js';
import { Client, WatchFleet, machine, now, pool, round, rssMb, summary } from './support.js';

export interface ScaleReadsContext {
  stack: Stack;
  server: Client;
  emulator: Client;
  openFleet: (count: number) => Promise<WatchFleet>;
  /** A VvpDeployment object of the bench (the same as the other measures create). */
  object: (namespace: string, name: string, i: number) => unknown;
  /** Managed deployments already on the platform before this measure. */
  existing: number;
  sizes: number[];
  watches: number;
  createBudgetS: number;
  quick: boolean;
  log: (line: string) => void;
  rows: string[][];
}

/** Sums a counter of the server's /metrics text over all its label sets. */
function metricSum(text: string, name: string): number {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)).reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
}

/** The greatest value of a gauge over its label sets. */
function metricMax(text: string, name: string): number {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`)).reduce((n, l) => Math.max(n, Number(l.split(' ').at(-1))), 0);
}

export async function scaleReads(ctx: ScaleReadsContext): Promise<Record<string, unknown>> {
  const { stack: st, server, emulator, log } = ctx;
  const pid = st.pids.server;
  const metrics = async () => (await server.call('GET', '/metrics')).body;
  const signer = RecordSigner.fromFile(join(st.stateDir, 'record-keys'), st.instanceId);
  const instanceToken = (await emulator.json<{ secret: string }>('POST', '/__emulator/tokens', { role: 'owner', namespace: '*', operatorInstance: st.instanceId })).secret;
  const asInstance = new Client(st.vvpUrl, { authorization: `Bearer ${instanceToken}` }, undefined, 16);
  const bySize: Record<string, unknown>[] = [];
  let total = ctx.existing;
  try {
    for (const size of [...ctx.sizes].sort((a, b) => a - b)) {
      const toCreate = Math.max(0, size - total);
      const t0 = Date.now();
      const created = await pool(toCreate, 8, async (i) => {
        const name = `scale-${String(total + i).padStart(6, '0')}`;
        const plan = planCreate(withDefaults(ctx.object('bench-scale', name, i) as VvpDeployment, 'default'), st.instanceId, new Date());
        const a = await asInstance.call('POST', '/api/v1/namespaces/default/deployments', plan.body);
        if (a.status !== 201) throw new Error(`platform create ${name}: ${a.status} ${a.body.slice(0, 300)}`);
        // The record's signature is bound to the id the platform assigned (as the create flow's follow-up write).
        const id = (JSON.parse(a.body) as { metadata: { id: string } }).metadata.id;
        const bound = await asInstance.call('PATCH', `/api/v1/namespaces/default/deployments/${id}`, signer.signWrite('default', name, id, { metadata: { name, annotations: plan.body.metadata?.annotations ?? {} } }));
        if (bound.status !== 200) throw new Error(`platform bind ${name}: ${bound.status} ${bound.body.slice(0, 300)}`);
      }, Date.now() + ctx.createBudgetS * 1000);
      total += created;
      log(`5. ${total} VvpDeployments on the platform (+${created} in ${round((Date.now() - t0) / 1000, 1)} s)`);
      const listed = await server.call('GET', '/apis/ververica.platform/v1/namespaces/bench-scale/vvpdeployments');
      const items = listed.status === 200 ? (JSON.parse(listed.body) as { items: unknown[] }).items.length : -1;
      // The interval the budget gives at this size; the windows below span a few polls of it.
      const interval = async () => metricMax(await metrics(), 'vvp_watch_poll_interval_seconds') || 1;
      // With 0 bench watches the poll still runs: kube-controller-manager's garbage collector watches every resource.
      await sleep(2 * (await interval()) * 1000);
      const sampleRss = async (seconds: number) => {
        const samples: number[] = [];
        for (let i = 0; i < seconds; i++) { samples.push(rssMb(pid)); await sleep(1000); }
        return { samples, peak: Math.max(...samples) };
      };
      const windowS = Math.max(ctx.quick ? 6 : 12, Math.ceil(3 * (await interval())));
      const noWatches = await sampleRss(ctx.quick ? 4 : 8);
      const fleet = await ctx.openFleet(ctx.watches);
      try {
        await emulator.json('DELETE', '/__emulator/requests');
        const before = await metrics();
        const t = now();
        const withWatches = await sampleRss(windowS);
        const after = await metrics();
        const calls = (await emulator.json<{ total: number; routes: Record<string, number> }>('GET', '/__emulator/requests'));
        const s = (now() - t) / 1000;
        const bytesPerSecond = Math.round((metricSum(after, 'vvp_platform_response_bytes_total') - metricSum(before, 'vvp_platform_response_bytes_total')) / s);
        // The listing one poll reads, as the platform answers it to this instance (also where the server has no metric).
        const managed = Object.entries(managedSelector(st.instanceId)).map(([k, v]) => `${k}=${v}`).join(',');
        const listingBytes = (await asInstance.call('GET', `/api/v1/namespaces/default/deployments?labelSelector=${encodeURIComponent(managed)}`)).body.length;
        const pollIntervalS = metricMax(after, 'vvp_watch_poll_interval_seconds') || undefined;
        const listCallsPerSecond = round((calls.routes['GET /api/v1/namespaces/:namespace/deployments'] ?? 0) / s, 2);
        const latency = await watchLatency(emulator, fleet, ctx.quick ? 2 : 4, (pollIntervalS ?? 1) * 1000);
        const emptyList = await emptyNamespaceList(server, emulator);
        const afterWrite = await watchLatency(emulator, fleet, ctx.quick ? 2 : 6, 4_000, server);
        const figure = {
          deployments: total, listedInBenchScale: items, listAnswerBytes: listed.body.length, listMs: round(listed.ms, 1),
          rssMb: { watches0: noWatches, [`watches${ctx.watches}`]: withWatches },
          platform: {
            bytesPerSecond, listingBytesPerSecond: Math.round(listCallsPerSecond * listingBytes), callsPerSecond: round(calls.total / s, 2), listCallsPerSecond,
            listingBytes, pollIntervalS, windowSeconds: round(s, 1),
          },
          watchLatencyMs: latency, emptyNamespaceList: { ...emptyList, wholeListingBytes: listingBytes }, watchLatencyAfterWriteMs: afterWrite, machine: machine(),
        };
        bySize.push(figure);
        ctx.rows.push(['5', `RSS, ${total} deployments: 0 / ${ctx.watches} watches, MB`, `${noWatches.peak} / ${withWatches.peak}`, '', `load ${figure.machine.loadAverage.join(' ')}`, '<= 200 MB, flat']);
        ctx.rows.push(['5', `  platform bytes/s, calls/s; poll interval s; watch p50 / p99 ms`, `${round(bytesPerSecond / 1e6, 2)} MB/s, ${figure.platform.callsPerSecond}; ${pollIntervalS ?? '-'}; ${latency.ms.p50} / ${latency.ms.p99}`, '', `listing ${round(listingBytes / 1e6, 2)} MB x ${listCallsPerSecond}/s, missed ${latency.missed}`, '<= budget']);
        ctx.rows.push(['5', `  platform bytes per namespaced LIST of an empty namespace (vvpdeployments, vvpsavepoints, vvpjobs)`, `${emptyList.bytes.join(' / ')}`, '', `whole listing ${listingBytes} B (what each read before issue 28)`, '< 1% of whole']);
        ctx.rows.push(['5', `  watch p50 / p99 ms of a platform change after a write through the server (hot reads)`, `${afterWrite.ms.p50} / ${afterWrite.ms.p99}`, '', `missed ${afterWrite.missed}`, '<= 1000 / 2000']);
        log(`   RSS ${noWatches.peak} MB (0 watches), ${withWatches.peak} MB (${ctx.watches}); platform ${round(bytesPerSecond / 1e6, 2)} MB/s ${figure.platform.callsPerSecond} calls/s, listings ${round(figure.platform.listingBytesPerSecond / 1e6, 2)} MB/s, interval ${pollIntervalS ?? '-'} s; latency p50 ${latency.ms.p50} ms`);
      } finally {
        fleet.close();
      }
    }
  } finally {
    asInstance.close();
  }
  return { bySize, watches: ctx.watches, goalMb: 200, note: 'RSS peaks of 1 s samples; platform bytes: the server\'s vvp_platform_response_bytes_total over the window (every call: watch polls, background loops, the GC watch), and listingBytesPerSecond = deployments listings per second (emulator count) x one listing\'s size; calls: the emulator\'s count' };
}

/**
 * One LIST of each kind in a Kubernetes namespace with no VvpDeployment, and the platform bytes each made the server
 * read: the listings selected by that namespace, and their children's by deployment id (the emulator's request log;
 * the watch polls in the same window list without a namespace and are not counted).
 */
async function emptyNamespaceList(server: Client, emulator: Client): Promise<{ bytes: number[]; wholeReads: number }> {
  const bytes: number[] = [];
  let wholeReads = 0;
  for (const kind of ['vvpdeployments', 'vvpsavepoints', 'vvpjobs']) {
    await emulator.json('DELETE', '/__emulator/requests');
    const answer = await server.call('GET', `/apis/ververica.platform/v1/namespaces/bench-empty/${kind}`);
    if (answer.status !== 200) throw new Error(`list ${kind} of bench-empty: ${answer.status} ${answer.body.slice(0, 200)}`);
    const log = (await emulator.json<{ requests: { method: string; url: string; bytes: number }[] }>('GET', '/__emulator/requests/log')).requests;
    const own = log.filter((r) => r.method === 'GET' && (r.url.includes(encodeURIComponent('k8s.ververica.platform/namespace=bench-empty')) || r.url.includes('deploymentId=')));
    bytes.push(own.reduce((sum, r) => sum + r.bytes, 0));
    wholeReads += log.filter((r) => r.method === 'GET' && /\/(jobs|savepoints)(\?|$)/.test(r.url) && !r.url.includes('deploymentId=')).length;
  }
  return { bytes, wholeReads };
}

/**
 * Platform-side edits of `get-one` (namespace bench) at random points of the poll cycle; each watcher's MODIFIED. With
 * `server`: each edit follows a write of the object through the server by up to `intervalMs` (issue 32: a change that
 * follows a write, which the hot reads bring between full listings).
 */
async function watchLatency(emulator: Client, fleet: WatchFleet, changes: number, intervalMs: number, server?: Client) {
  const timeoutMs = 3 * intervalMs + 30_000;
  const latencies: number[] = [];
  let missed = 0;
  for (let c = 0; c < changes; c++) {
    if (server) {
      // The write's own MODIFIED first reaches every watcher, so that it is not taken for the platform's change.
      const before = fleet.arrivals.map((a) => a.length);
      const patch = { metadata: { labels: { 'bench-scale-write': `${Date.now()}` } } };
      const written = await server.call('PATCH', '/apis/ververica.platform/v1/namespaces/bench/vvpdeployments/get-one', patch, 'application/merge-patch+json');
      if (written.status !== 200) throw new Error(`write through the server: ${written.status} ${written.body.slice(0, 300)}`);
      const t = now();
      while (now() < t + timeoutMs && fleet.arrivals.some((a, i) => !a.slice(before[i]).some((e) => e.type === 'MODIFIED'))) await sleep(20);
    }
    await sleep(200 + Math.random() * intervalMs);
    const marks = fleet.arrivals.map((a) => a.length);
    const t = now();
    await emulator.json('PATCH', '/__emulator/namespaces/default/deployments/get-one', { metadata: { labels: { 'bench-scale-tick': `${Date.now()}` } } });
    while (now() < t + timeoutMs && fleet.arrivals.some((a, i) => !a.slice(marks[i]).some((e) => e.type === 'MODIFIED'))) await sleep(20);
    for (const [i, a] of fleet.arrivals.entries()) {
      const e = a.slice(marks[i]).find((x) => x.type === 'MODIFIED');
      if (e) latencies.push(e.at - t);
      else missed++;
    }
  }
  return { ms: summary(latencies), missed, timeoutMs };
}

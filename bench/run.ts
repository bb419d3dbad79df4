// `make bench` (issue 8): the product's claims as figures, from one run against a real control plane and the
// emulator. Starts its own stack (startStack) in a temporary state directory, measures, prints a table, writes
// bench/results/bench.json and stops the stack. Not a test: it never fails on a number.
//
//   npm run build && node dist/bench/run.js [--list 1000] [--scale-sizes 1000,10000,30000] [--watches 1,100,1000]
//                                          [--create-budget 240] [--writes 1000] [--quick] [--only 1,10]
//
// 1. GET one VvpDeployment through kube-apiserver vs GET of a same-size custom resource (CRD) there.
// 2. LIST 1,000 of each, same comparison.
// 3. The server's own overhead: GET straight to the server (front-proxy identity) vs GET straight to the emulator;
//    throughput with 32 concurrent clients.
// 4. Watch fan-out: 1, 100, 1,000 watches; platform list calls per second; event latency after a platform change.
// 5. At 1,000 / 10,000 / 30,000 platform deployments (--scale-sizes): RSS with 0 and 1,000 watches, platform bytes and
//    calls per second, the poll interval the bytes budget gives, the watch latency (scale-reads.ts).
// 6. Freshness: a platform change until a GET through kube-apiserver shows it.
// 7. Platform calls per kubectl apply, patch and delete of an existing VvpDeployment; p50 of that kubectl apply.
// 8. Admission: the p50 a create gains with one no-op validating webhook configured; then with 10 ValidatingAdmissionPolicies
//    + the webhook, beside the CRD's, and the admission helper's CPU per write and RSS.
// 9. Platform calls per poll interval with one VvpDeployment watch: alone, then with VvpSavepoint and VvpJob watches
//    beside it, then alone again (the new kinds cost nothing while nobody watches them).
// 10. Writes through kube-apiserver (create, kubectl apply's merge patch, server-side apply, delete), 8 concurrent
//    clients, beside the same verbs on the CRD: rate, p50/p99, platform calls per verb (writes.ts).
// 11 (or `per-verb`). CPU ms per request per process for create, update, server-side apply, GET, LIST, delete: the
//    server vs kube-apiserver + etcd serving the CRD, and the server's CPU profile top-10 per verb (per-verb.ts);
//    also written to bench/results/per-verb.json and per-verb-profile.txt. `make bench BENCH=per-verb` runs it alone.
// 12 (or `flood`). One user floods kube-apiserver (concurrent LISTs of --flood-size objects, watch reconnects) while
//    another GETs and creates and an unrelated namespace is deleted: VvpDeployments beside the CRD (flood.ts); alone
//    (`make bench BENCH=flood`, sizes by BENCH_ARGS="--flood-size 50 --flood-listers 20 ...") it writes flood.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startStack, stopStack, type Stack } from '../apiservice/local/stack.js';
import { CertificateAuthority, type PemPair } from '../certs/pki.js';
import { externalNameService, startWebhookServer } from '../tools/webhook-server.js';
import { freePort, kubectl } from '../tools/cluster/control-plane.js';
import { InspectorSession } from './cpu-profile.js';
import { cpuPerVerb, perVerbRows, profileReport } from './per-verb.js';
import { CATALOG_RESOURCES, catalogCallsPerPoll, catalogWatchPath } from './catalog-calls.js';
import { platformCallsPerVerb } from './platform-calls.js';
import { bindUsers, flood, floodRows, giveOwnLevel, ownLevelRows, type FloodSide, type ServerSample } from './flood.js';
import { scaleReads } from './scale-reads.js';
import { writesRows, writesThroughKubeApiserver } from './writes.js';
import {
  Client, WatchFleet, closedLoop, cpuMs, interleaved, machine, now, pool, round, rssMb, summary, table, type Summary,
} from './support.js';

const { values } = parseArgs({
  options: {
    list: { type: 'string', default: '1000' },
    'scale-sizes': { type: 'string', default: '1000,10000,30000' },
    watches: { type: 'string', default: '1,100,1000' },
    'create-budget': { type: 'string', default: '240' },
    'poll-interval': { type: 'string' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string', default: '1,2,3,4,5,6,7,8,9,10,11,12' },
    writes: { type: 'string', default: '1000' },
    'flood-size': { type: 'string', default: '1000' },
    'flood-listers': { type: 'string', default: '200' },
    'flood-watches': { type: 'string', default: '50' },
    'flood-seconds': { type: 'string', default: '20' },
    out: { type: 'string' },
  },
});
const quick = values.quick === true;
const listSize = Number(values.list);
const scaleSizes = values['scale-sizes'].split(',').map(Number);
const watchCounts = values.watches.split(',').map(Number);
const createBudgetS = Number(values['create-budget']);
/** The measures to run (numbers as in the header); the others are skipped. */
const only = new Set(values.only.split(',').map((x) => x.trim()).map((x) => (x === 'per-verb' ? '11' : x === 'flood' ? '12' : x)));
const runs = (measure: string) => only.has(measure);
// 1 s by default (the watch latency measures' subject). Measure 11 alone polls every 30 s: with 1,000 deployments a
// poll a second costs the server ~130 ms of CPU per second, which would drown the per-request figures it subtracts.
const pollIntervalMs = Number(values['poll-interval'] ?? (only.size === 1 && runs('11') ? 30_000 : 1000));
const getRuns = quick ? 200 : 1000;
const listRuns = quick ? 5 : 40;
const loadSeconds = quick ? 3 : 8;
const repo = resolve(import.meta.dirname, '../..');

const GROUP = 'ververica.platform';
const CRD_GROUP = 'bench.example.com';
const started = Date.now();
const log = (line: string) => console.log(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${line}`);

function vvpDeployment(namespace: string, name: string, i: number) {
  return {
    apiVersion: `${GROUP}/v1`, kind: 'VvpDeployment',
    metadata: { name, namespace, labels: { app: 'bench', shard: `s${i % 10}` } },
    spec: {
      syncingMode: 'PATCH',
      deployment: {
        spec: {
          state: 'CANCELLED', deploymentTargetName: 'default',
          template: { spec: { artifact: { kind: 'JAR', jarUri: `s3://bench/job-${i}.jar`, flinkVersion: '1.18' }, parallelism: 1 + (i % 4) } },
        },
      },
    },
  };
}

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
  metadata: { name: `benchobjects.${CRD_GROUP}` },
  spec: {
    group: CRD_GROUP, scope: 'Namespaced',
    names: { plural: 'benchobjects', singular: 'benchobject', kind: 'BenchObject', listKind: 'BenchObjectList' },
    versions: [{
      name: 'v1', served: true, storage: true,
      schema: { openAPIV3Schema: { type: 'object', properties: {
        spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      } } },
    }],
  },
};

interface KubeObj { metadata: { name: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string> }; spec?: Record<string, unknown>; status?: unknown }

/** A custom resource carrying the VvpDeployment's labels and spec, plus a padding string of `padding` characters. */
function customResource(namespace: string, name: string, like: KubeObj, padding: number) {
  return {
    apiVersion: `${CRD_GROUP}/v1`, kind: 'BenchObject',
    metadata: { name, namespace, labels: like.metadata.labels ?? {} },
    spec: { ...like.spec, padding: 'x'.repeat(Math.max(0, padding)) },
  };
}

/** A Status's message, or the body as it came (kube-apiserver's proxy answers some timeouts in plain text). */
function messageOf(body: string): string {
  try { return (JSON.parse(body) as { message?: string }).message ?? body; } catch { return body; }
}

async function main(): Promise<void> {
  const binDir = process.env.K8S_BIN_DIR ?? (await import('node:child_process')).execFileSync(join(repo, 'tools/cluster/build-binaries.sh'), { encoding: 'utf8' }).trim();
  const tmp = mkdtempSync(join(tmpdir(), 'vvp-bench-'));
  const stateDir = join(tmp, 'stack');
  const results: Record<string, unknown> = { machine: machine(), startedAt: new Date().toISOString() };
  const rows: string[][] = [['#', 'measure', 'vvp-apiserver', 'alternative', 'ratio / value', 'goal']];
  let stack: Stack | undefined;
  let inspector: InspectorSession | undefined;
  const clients: Client[] = [];
  const fleets: WatchFleet[] = [];
  try {
    log(`starting the stack in ${stateDir} (poll interval ${pollIntervalMs} ms, emulator latency 0)`);
    // Measure 11 profiles the server through its inspector (loopback only, this run's server only).
    const inspectPort = runs('11') ? await freePort() : undefined;
    if (inspectPort) process.env.VVP_SERVER_NODE_FLAGS = `${process.env.VVP_SERVER_NODE_FLAGS ?? ''} --inspect=127.0.0.1:${inspectPort}`.trim();
    stack = await startStack({
      stateDir, binDir, apiGroup: GROUP, log,
      emulatorArgs: ['--log-level', 'warn'],
      serverArgs: [`--poll-interval=${pollIntervalMs}`, '--log-level=warn', '--server-timing=true'],
    });
    const st = stack;
    const cp = st.controlPlane;
    const admin = JSON.parse(readFileSync(join(cp.stateDir, 'admin.json'), 'utf8')) as PemPair;
    const kube = new Client(cp.server, {}, { ca: cp.clusterCa.certPem, cert: admin.certPem, key: admin.keyPem }, 64);
    const proxyCert = await (await CertificateAuthority.load(cp.frontProxyCa)).issueClient({ commonName: cp.frontProxyName });
    const serverTls = { ca: readFileSync(join(st.stateDir, 'server-tls/ca.crt'), 'utf8'), cert: proxyCert.certPem, key: proxyCert.keyPem, servername: `${st.release}.${st.namespace}.svc` };
    const identity = { 'x-remote-user': 'admin', 'x-remote-group': 'system:masters' };
    const server = new Client(st.serverUrl, identity, serverTls, 64);
    const emulator = new Client(st.vvpUrl, { authorization: `Bearer ${st.vvpToken}` }, undefined, 64);
    clients.push(kube, server, emulator);
    const serverPid = st.pids.server;
    /** The programs whose CPU the measures report, by name. */
    const programs: Record<string, number> = { server: serverPid, ...(st.pids.emulator ? { emulator: st.pids.emulator } : {}), 'kube-apiserver': cp.pids.apiserver, etcd: cp.pids.etcd };
    const vvpPath = (ns: string, name = '') => `/apis/${GROUP}/v1/namespaces/${ns}/vvpdeployments${name ? `/${name}` : ''}`;
    const crPath = (ns: string, name = '') => `/apis/${CRD_GROUP}/v1/namespaces/${ns}/benchobjects${name ? `/${name}` : ''}`;
    const requests = () => emulator.json<{ total: number; writes: number; routes: Record<string, number> }>('GET', '/__emulator/requests');
    const rss: Record<string, number> = { afterStart: rssMb(serverPid) };

    // ---- objects ------------------------------------------------------------------------------------------------
    for (const ns of ['bench', 'bench-list', 'bench-scale']) await kube.json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await kube.json('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    for (let i = 0; ; i++) {
      const c = await kube.json<{ status?: { conditions?: { type: string; status: string }[] } }>('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
      if (c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True')) break;
      if (i > 100) throw new Error('the CRD did not become Established');
      await sleep(100);
    }
    for (let i = 0; ; i++) { // discovery of the new group takes a moment
      if ((await kube.call('GET', crPath('bench'))).status === 200) break;
      if (i > 100) throw new Error('the CRD is not served');
      await sleep(100);
    }

    // One VvpDeployment through kube-apiserver, and a custom resource of the same size.
    await kube.json('POST', vvpPath('bench'), vvpDeployment('bench', 'get-one', 0));
    const one = await kube.call('GET', vvpPath('bench', 'get-one'));
    const oneObj = JSON.parse(one.body) as KubeObj;
    /** Creates a custom resource like `like` whose GET answer has about `bytes` bytes; the padding used. */
    const sameSize = async (ns: string, name: string, like: KubeObj, bytes: number) => {
      const created = await kube.json<KubeObj>('POST', crPath(ns), customResource(ns, name, like, 0));
      const padding = bytes - (await kube.call('GET', crPath(ns, name))).body.length;
      if (padding > 0) await kube.json<KubeObj>('PUT', crPath(ns, name), { ...customResource(ns, name, like, padding), metadata: { ...created.metadata } });
      return padding;
    };
    const onePadding = await sameSize('bench', 'get-one', oneObj, one.body.length);
    const crSize = (await kube.call('GET', crPath('bench', 'get-one'))).body.length;
    log(`GET answer sizes: VvpDeployment ${one.body.length} B, custom resource ${crSize} B`);

    const platformName = 'get-one';
    let vvpCreatePerSecond = 0;
    let crCreatePerSecond = 0;
    let t0 = Date.now();
    if (runs('2') || runs('5')) {
      // 1,000 VvpDeployments straight to the server (front-proxy identity, 8 at a time): through kube-apiserver each
      // create would be the same call, proxied. (Phase 5 writes the server's record straight to the platform instead.)
      t0 = Date.now();
      await pool(listSize, 8, async (i) => {
        const name = `list-${String(i).padStart(5, '0')}`;
        const a = await server.call('POST', vvpPath('bench-list'), vvpDeployment('bench-list', name, i));
        if (a.status !== 201) throw new Error(`create ${name}: ${a.status} ${a.body.slice(0, 300)}`);
      });
      vvpCreatePerSecond = Math.round(listSize / ((Date.now() - t0) / 1000));
      log(`created ${listSize} VvpDeployments straight to the server: ${vvpCreatePerSecond}/s`);
      const listLike = JSON.parse((await kube.call('GET', vvpPath('bench-list', 'list-00000'))).body) as KubeObj;
      const padTo = await sameSize('bench-list', 'list-00000', listLike, (await kube.call('GET', vvpPath('bench-list', 'list-00000'))).body.length);
      t0 = Date.now();
      await pool(listSize - 1, 8, async (j) => {
        const name = `list-${String(j + 1).padStart(5, '0')}`;
        await kube.json('POST', crPath('bench-list'), customResource('bench-list', name, listLike, padTo));
      });
      crCreatePerSecond = Math.round((listSize - 1) / ((Date.now() - t0) / 1000));
      log(`created ${listSize} custom resources through kube-apiserver: ${crCreatePerSecond}/s`);
      rss.with1000 = rssMb(serverPid);
    }

    // Steady state, as in any cluster: kube-controller-manager's garbage collector watches every resource it can
    // delete (it finds a new API at its next discovery sync, up to ~30 s), so the server's poll loop runs.
    const openWatches = async () => {
      const m = await server.call('GET', '/metrics');
      return m.body.split('\n').filter((l) => l.startsWith('apiserver_longrunning_requests{')).reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
    };
    t0 = Date.now();
    while ((await openWatches()) === 0 && Date.now() - t0 < 90_000) await sleep(500);
    results.steadyState = { gcWatchSeenAfterMs: Date.now() - t0, openWatches: await openWatches() };
    log(`the garbage collector's watch is open (${(Date.now() - t0) / 1000} s of waiting): the server polls the platform`);

    if (runs('1')) {
      // ---- 1. GET through kube-apiserver ---------------------------------------------------------------------------
      log(`1. GET through kube-apiserver, ${getRuns} each, interleaved`);
      // The third: the group's APIResourceList, which kube-apiserver proxies to the server and the server answers
      // without a platform call — the aggregation proxy's own cost, the floor of any aggregated GET.
      const [getVvp, getCr, getDiscovery] = await interleaved(getRuns, 200, [
        () => kube.call('GET', vvpPath('bench', 'get-one')),
        () => kube.call('GET', crPath('bench', 'get-one')),
        () => kube.call('GET', `/apis/${GROUP}/v1`),
      ]);
      const g1 = summary(getVvp!);
      const g2 = summary(getCr!);
      const g3 = summary(getDiscovery!);
      const getRatio = round(g1.p50 / g2.p50, 2);
      results.getThroughKubeApiserver = {
        objectBytes: { vvpDeployment: one.body.length, customResource: crSize }, vvpDeploymentMs: g1, customResourceMs: g2,
        ratioP50: getRatio, ratioP99: round(g1.p99 / g2.p99, 2), goalRatioP50: 1.3, aggregationFloorMs: g3,
      };
      if (runs('2') || runs('5')) rows.push(['0', 'create, objects/s (8 at a time)', `${vvpCreatePerSecond} (straight to the server)`, `${crCreatePerSecond} (CRD, via kube-apiserver)`, '', '']);
      rows.push(['1', 'GET one object via kube-apiserver, p50 / p99 ms', `${g1.p50} / ${g1.p99}`, `${g2.p50} / ${g2.p99} (CRD)`, `${getRatio}x`, '<= 1.3x p50']);
      rows.push(['1', '  floor: proxied GET with no platform call, p50 ms', `${g3.p50} (APIResourceList)`, '', `${round(g3.p50 / g2.p50, 2)}x`, '']);
    }

    if (runs('2')) {
      // ---- 2. LIST through kube-apiserver --------------------------------------------------------------------------
      log(`2. LIST of ${listSize} through kube-apiserver, ${listRuns} each, interleaved`);
      const countItems = (body: string) => (JSON.parse(body) as { items: unknown[] }).items.length;
      const vl = await kube.call('GET', vvpPath('bench-list'));
      const cl = await kube.call('GET', crPath('bench-list'));
      const [listVvp, listCr] = await interleaved(listRuns, 3, [
        () => kube.call('GET', vvpPath('bench-list')),
        () => kube.call('GET', crPath('bench-list')),
      ]);
      const l1 = summary(listVvp!);
      const l2 = summary(listCr!);
      const listRatio = round(l1.p50 / l2.p50, 2);
      results.listThroughKubeApiserver = {
        items: { vvpDeployment: countItems(vl.body), customResource: countItems(cl.body) },
        answerBytes: { vvpDeployment: vl.body.length, customResource: cl.body.length },
        vvpDeploymentMs: l1, customResourceMs: l2, ratioP50: listRatio, ratioP99: round(l1.p99 / l2.p99, 2), goalRatioP50: 1.3,
      };
      rows.push(['2', `LIST ${listSize} via kube-apiserver, p50 / p99 ms`, `${l1.p50} / ${l1.p99}`, `${l2.p50} / ${l2.p99} (CRD)`, `${listRatio}x`, '<= 1.3x p50']);
    }

    if (runs('3')) {
      // ---- 3. the server's own overhead ----------------------------------------------------------------------------
      log(`3. GET straight to the server vs straight to the emulator, ${getRuns * 2} each`);
      const [getServer, getEmulator, getServerDiscovery] = await interleaved(getRuns * 2, 300, [
        () => server.call('GET', vvpPath('bench', 'get-one')),
        () => emulator.call('GET', `/api/v1/namespaces/default/deployments/${platformName}`),
        () => server.call('GET', `/apis/${GROUP}/v1`),
      ]);
      const s1 = summary(getServer!);
      const s2 = summary(getEmulator!);
      const s3 = summary(getServerDiscovery!);
      await emulator.json('DELETE', '/__emulator/requests');
      for (let i = 0; i < 100; i++) await server.call('GET', vvpPath('bench', 'get-one'));
      const perGet = await requests();
      log(`   throughput, 32 concurrent clients, ${loadSeconds} s each`);
      const tServer = await closedLoop(32, loadSeconds, () => server.call('GET', vvpPath('bench', 'get-one')));
      const tEmulator = await closedLoop(32, loadSeconds, () => emulator.call('GET', `/api/v1/namespaces/default/deployments/${platformName}`));
      const tKube = await closedLoop(32, loadSeconds, () => kube.call('GET', vvpPath('bench', 'get-one')));
      const tKubeCr = await closedLoop(32, loadSeconds, () => kube.call('GET', crPath('bench', 'get-one')));
      const overhead = round(s1.p50 - s2.p50);
      results.serverOverhead = {
        serverGetMs: s1, emulatorGetMs: s2, overheadP50Ms: overhead, goalOverheadP50Ms: 0.3, serverWithoutPlatformCallMs: s3,
        platformCallsPerServerGet: round(perGet.total / 100, 2), platformRoutesPer100Gets: perGet.routes,
        throughput32Clients: { serverStraight: tServer, emulatorStraight: tEmulator, vvpDeploymentViaKubeApiserver: tKube, customResourceViaKubeApiserver: tKubeCr },
      };
      rows.push(['3', 'GET straight: server vs emulator, p50 / p99 ms', `${s1.p50} / ${s1.p99}`, `${s2.p50} / ${s2.p99} (emulator)`, `+${overhead} ms p50`, '<= 0.3 ms p50']);
      rows.push(['3', '  server floor: APIResourceList (no platform call), p50 ms', String(s3.p50), '', '', '']);
      rows.push(['3', '  platform calls per server GET', String(round(perGet.total / 100, 2)), '1', '', '']);
      rows.push(['3', '  32 clients: requests/s (p50 ms)', `${tServer.perSecond} (${tServer.latencyMs.p50})`, `${tEmulator.perSecond} (${tEmulator.latencyMs.p50}) (emulator)`, `${round(tServer.perSecond / tEmulator.perSecond, 2)}x`, '']);
      rows.push(['3', '  32 clients via kube-apiserver: req/s', `${tKube.perSecond} (${tKube.latencyMs.p50})`, `${tKubeCr.perSecond} (${tKubeCr.latencyMs.p50}) (CRD)`, `${round(tKube.perSecond / tKubeCr.perSecond, 2)}x`, '']);
    }

    if (runs('6')) {
      // ---- 6. freshness --------------------------------------------------------------------------------------------
      log('6. freshness: a platform-side edit until a GET through kube-apiserver shows it');
      const freshness: number[] = [];
      const freshnessGets: number[] = [];
      for (let i = 0; i < (quick ? 5 : 20); i++) {
        const before = (JSON.parse((await kube.call('GET', vvpPath('bench', 'get-one'))).body) as KubeObj).metadata.resourceVersion;
        const t = now();
        await emulator.json('PATCH', `/__emulator/namespaces/default/deployments/${platformName}`, { metadata: { labels: { 'bench-tick': `f${i}` } } });
        let gets = 0;
        for (;;) {
          gets++;
          const o = JSON.parse((await kube.call('GET', vvpPath('bench', 'get-one'))).body) as KubeObj;
          if (o.metadata.resourceVersion !== before) break;
          if (now() - t > 10_000) throw new Error('a platform change did not show in 10 s');
        }
        freshness.push(now() - t);
        freshnessGets.push(gets);
        await sleep(50);
      }
      const fresh = summary(freshness);
      results.freshness = { ms: fresh, getsNeeded: { max: Math.max(...freshnessGets) }, note: 'from before the platform-side PATCH (emulator admin API) to the answer of the first GET through kube-apiserver showing the new resourceVersion' };
      rows.push(['6', 'freshness: platform edit -> GET shows it, p50 / p99 ms', `${fresh.p50} / ${fresh.p99}`, '', `GETs needed max ${Math.max(...freshnessGets)}`, '']);
    }

    if (runs('7')) {
      // ---- 7. platform calls per kubectl verb ---------------------------------------------------------------------
      const verbRuns = quick ? 5 : 20;
      log(`7. platform calls per kubectl apply / patch / delete of an existing VvpDeployment, ${verbRuns} each`);
      const costs = await platformCallsPerVerb({
        kubectl: async (args, input) => {
          const r = await kubectl(cp, args, input === undefined ? {} : { input });
          if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr.slice(0, 500)}`);
        },
        counts: requests,
        resetCounts: async () => { await emulator.json('DELETE', '/__emulator/requests'); },
        namespace: 'bench',
        manifest: (name, labels) => {
          const m = vvpDeployment('bench', name, 0);
          return { ...m, metadata: { ...m.metadata, labels: { ...m.metadata.labels, ...labels } } };
        },
        runs: verbRuns,
        idleMs: quick ? 2000 : 4000,
      });
      results.platformCallsPerKubectlVerb = { ...costs, note: 'calls the emulator counted during the verbs, minus the background calls (watch polls, background passes) at the rate counted while idle just before' };
      for (const [verb, cost] of Object.entries(costs)) {
        rows.push(['7', `platform calls per kubectl ${verb} (existing object)`, String(cost.callsPerVerb), '', `kubectl p50 ${cost.kubectlMs.p50} ms`, '']);
        log(`   kubectl ${verb}: ${cost.callsPerVerb} platform calls (${Object.entries(cost.routesPerVerb).map(([r, n]) => `${r} ${n}`).join(', ')}); p50 ${cost.kubectlMs.p50} ms`);
      }
    }

    if (runs('8')) {
      // ---- 8. admission: a create with one no-op validating webhook configured, vs none ---------------------------
      const creates = quick ? 30 : 100;
      log(`8. ${creates} creates through kube-apiserver without, then with, one no-op validating webhook`);
      const ns = 'bench-admission';
      await kube.json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      const hook = await startWebhookServer({ namespace: ns, name: 'noop-webhook' }, { '/noop': () => ({ allowed: true }) });
      await kube.json('POST', `/api/v1/namespaces/${ns}/services`, externalNameService(ns, 'noop-webhook', hook.port));
      type Side = 'vvp' | 'crd';
      const sidePath = (side: Side) => (side === 'vvp' ? vvpPath(ns) : crPath(ns));
      /** The VvpDeployment `m` as it is, or the CRD's object like it. */
      const sideObject = (side: Side, name: string, m: ReturnType<typeof vvpDeployment>, padding = 0) => (side === 'vvp' ? m : customResource(ns, name, m, padding));
      const timedCreates = async (tag: string, side: Side = 'vvp') => {
        const samples: number[] = [];
        for (let i = 0; i < creates; i++) {
          const t = now();
          await kube.json('POST', sidePath(side), sideObject(side, `${tag}-${i}`, vvpDeployment(ns, `${tag}-${i}`, i), onePadding));
          samples.push(now() - t);
        }
        return summary(samples);
      };
      const without = await timedCreates('plain');
      const crdWithout = await timedCreates('plain', 'crd');
      const webhook = (resources: { group: string; resource: string }[]) => ({
        apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'bench-noop' },
        webhooks: [{
          name: 'noop.bench.example.com', clientConfig: hook.clientConfig('/noop'), sideEffects: 'None', admissionReviewVersions: ['v1'],
          rules: resources.map((r) => ({ apiGroups: [r.group], apiVersions: ['v1'], resources: [r.resource], operations: ['CREATE'] })),
        }],
      });
      await kube.json('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', webhook([{ group: GROUP, resource: 'vvpdeployments' }]));
      for (let i = 0; !(hook.reviews.get('/noop')?.length); i++) { // the server's informer sees the configuration
        if (i > 600) throw new Error('the server never called the no-op webhook');
        await kube.call('POST', `${vvpPath(ns)}?dryRun=All`, vvpDeployment(ns, 'probe', 0));
        await sleep(100);
      }
      const withHook = await timedCreates('hooked');
      await kube.json('DELETE', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/bench-noop');
      const added = round(withHook.p50 - without.p50, 2);
      rows.push(['8', 'create via kube-apiserver, p50 / p99 ms: one no-op validating webhook vs none', `${withHook.p50} / ${withHook.p99}`, `${without.p50} / ${without.p99} (no webhook)`, `+${added} ms p50`, '']);

      // 10 ValidatingAdmissionPolicies (CEL: kube's admission code, run here by the admission helper) + the webhook,
      // on both kinds; each policy refuses one name prefix, so that a probe shows when both servers enforce them all.
      const VAP = '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies';
      const VAP_BINDINGS = '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings';
      const resources = [{ group: GROUP, resource: 'vvpdeployments' }, { group: CRD_GROUP, resource: 'benchobjects' }];
      /** A ValidatingAdmissionPolicy on both kinds (failurePolicy Fail) and its cluster-wide Deny binding. */
      const bindPolicy = async (name: string, operations: string[], validations: Record<string, string>[]) => {
        await kube.json('POST', VAP, {
          apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name },
          spec: { failurePolicy: 'Fail', matchConstraints: { resourceRules: resources.map((r) => ({ apiGroups: [r.group], apiVersions: ['v1'], resources: [r.resource], operations })) }, validations },
        });
        await kube.json('POST', VAP_BINDINGS, { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name }, spec: { policyName: name, validationActions: ['Deny'] } });
      };
      const unbindPolicy = async (name: string) => {
        await kube.json('DELETE', `${VAP_BINDINGS}/${name}`);
        await kube.json('DELETE', `${VAP}/${name}`);
      };
      /** Dry-run creates of `object(side)` on both kinds until both are refused 422 (both servers enforce it). */
      const untilBothRefuse = async (what: string, object: (side: Side) => unknown) => {
        for (let i = 0; ; i++) {
          const vvp = await kube.call('POST', `${sidePath('vvp')}?dryRun=All`, object('vvp'));
          const cr = await kube.call('POST', `${sidePath('crd')}?dryRun=All`, object('crd'));
          if (vvp.status === 422 && cr.status === 422) return;
          if (i > 600) throw new Error(`${what} not enforced in 60 s (VvpDeployment ${vvp.status}, CRD ${cr.status})`);
          await sleep(100);
        }
      };
      /** A VvpDeployment, or the CRD's object like it, whose artifact lists `dependencies`. */
      const withDependencies = (side: Side, name: string, dependencies: string[]) => {
        const m = vvpDeployment(ns, name, 0);
        (m.spec.deployment.spec.template.spec.artifact as Record<string, unknown>).additionalDependencies = dependencies;
        return sideObject(side, name, m);
      };

      const POLICIES = 10;
      for (let i = 0; i < POLICIES; i++) {
        await bindPolicy(`bench-policy-${i}`, ['CREATE', 'UPDATE'], [
          { expression: `!object.metadata.name.startsWith('deny-${i}-')`, message: `policy ${i}` },
          { expression: `!has(object.metadata.labels) || object.metadata.labels.all(k, k.size() < 64)` },
        ]);
      }
      await kube.json('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', webhook(resources));
      // Both servers enforce the last policy (and so call the webhook for both kinds).
      await untilBothRefuse('the policies were', (side) => sideObject(side, `deny-${POLICIES - 1}-probe`, vvpDeployment(ns, `deny-${POLICIES - 1}-probe`, 0)));
      const helperPid = Number(spawnSync('pgrep', ['-P', String(serverPid), '-f', 'kube-admission']).stdout.toString().trim().split('\n')[0]) || undefined;
      const helperCpuBefore = helperPid ? cpuMs(helperPid) : NaN;
      const withPolicies = await timedCreates('policed');
      const helperCpuPerWrite = helperPid ? round((cpuMs(helperPid) - helperCpuBefore) / creates, 2) : NaN;
      const helperRss = helperPid ? rssMb(helperPid) : NaN;
      const crdWithPolicies = await timedCreates('policed', 'crd');
      await kube.json('DELETE', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/bench-noop');
      for (let i = 0; i < POLICIES; i++) await unbindPolicy(`bench-policy-${i}`);
      await hook.close();

      // A tenant's 100,000-element list under a policy that iterates it twice over (10^10 comparisons): kube's cost
      // limit decides; meanwhile another user's GETs go on. Their p50/p99 beside the same while nothing is admitted,
      // for the VvpDeployment and for the CRD (kube-apiserver evaluating the policy itself).
      const DEPS = 'object.spec.deployment.spec.template.spec.artifact.additionalDependencies';
      await bindPolicy('bench-nested-all', ['CREATE'], [{ expression: `!has(${DEPS}) || ${DEPS}.all(a, ${DEPS}.all(b, a == b))`, message: 'nested all()' }]);
      // Both enforce it: a small list that differs is refused.
      await untilBothRefuse('the nested all() policy was', (side) => withDependencies(side, 'nested-probe', ['a', 'b']));
      const bystander = new Client(cp.server, {}, { ca: cp.clusterCa.certPem, cert: admin.certPem, key: admin.keyPem }, 8);
      clients.push(bystander);
      const costCase = async (side: Side) => {
        const path = side === 'vvp' ? vvpPath('bench', 'get-one') : crPath('bench', 'get-one');
        const quiet = await closedLoop(2, quick ? 3 : 10, () => bystander.call('GET', path));
        let answer: { status: number; ms: number; body: string } | undefined;
        const tenant = kube.call('POST', `${sidePath(side)}?dryRun=All`, withDependencies(side, 'tenant-list', Array.from({ length: 100_000 }, () => 'a'))).then((a) => { answer = a; });
        const samples: number[] = [];
        let errors = 0;
        while (!answer) {
          const a = await bystander.call('GET', path);
          samples.push(a.ms);
          if (a.status !== 200) errors++;
        }
        await tenant;
        const during = summary(samples);
        const reason = messageOf(answer!.body);
        log(`   ${side}: the tenant's create answered ${answer!.status} after ${round(answer!.ms / 1000, 1)} s (${reason}); other user's GET p50/p99 ${quiet.latencyMs.p50}/${quiet.latencyMs.p99} → ${during.p50}/${during.p99} ms, ${errors} errors`);
        return { tenant: { status: answer!.status, seconds: round(answer!.ms / 1000, 1), message: reason }, otherUserGetMs: { quiet: quiet.latencyMs, during, errors } };
      };
      const nestedVvp = await costCase('vvp');
      const nestedCrd = await costCase('crd');
      await unbindPolicy('bench-nested-all');
      rows.push(['8', 'a tenant\'s 100,000-element list under a nested all(): its answer; another user\'s GET p99 ms quiet → meanwhile',
        `${nestedVvp.tenant.status} in ${nestedVvp.tenant.seconds} s; ${nestedVvp.otherUserGetMs.quiet.p99} → ${nestedVvp.otherUserGetMs.during.p99}`,
        `${nestedCrd.tenant.status} in ${nestedCrd.tenant.seconds} s; ${nestedCrd.otherUserGetMs.quiet.p99} → ${nestedCrd.otherUserGetMs.during.p99}`, '', '']);
      const gained = round(withPolicies.p50 - without.p50, 2);
      const crdGained = round(crdWithPolicies.p50 - crdWithout.p50, 2);
      results.admission = {
        creates, withoutWebhookMs: without, withNoopValidatingWebhookMs: withHook, addedP50Ms: added,
        tenPoliciesAndWebhook: {
          vvpDeployment: { withoutMs: without, withMs: withPolicies, addedP50Ms: gained },
          customResource: { withoutMs: crdWithout, withMs: crdWithPolicies, addedP50Ms: crdGained },
          admissionHelper: { pid: helperPid ?? null, cpuMsPerWrite: helperCpuPerWrite, rssMb: helperRss },
        },
        nestedAllOf100000: { vvpDeployment: nestedVvp, customResource: nestedCrd },
        note: 'creates through kube-apiserver one at a time; the webhook is an HTTPS server on loopback reached through an ExternalName Service, answering allowed; 10 ValidatingAdmissionPolicies of two CEL validations each (Deny), bound cluster-wide, evaluated by kube-apiserver for the CRD and by the admission helper (k8s.io/apiserver) for VvpDeployments',
      };
      rows.push(['8', 'create via kube-apiserver, p50 / p99 ms: 10 policies + 1 webhook vs none', `${withPolicies.p50} / ${withPolicies.p99} (+${gained} ms p50)`, `${crdWithPolicies.p50} / ${crdWithPolicies.p99} (+${crdGained} ms p50)`, `${round(gained / Math.max(crdGained, 0.01), 2)}`, '']);
      rows.push(['8', 'admission helper per VvpDeployment write (10 policies): CPU ms, RSS MB', `${helperCpuPerWrite} ms, ${helperRss} MB`, '—', '', '']);
    }

    if (runs('10')) {
      // ---- 10. writes through kube-apiserver ----------------------------------------------------------------------
      const objects = quick ? 100 : Number(values.writes);
      const ns = 'bench-writes';
      log(`10. create, update (kubectl apply's merge patch), server-side apply, delete of ${objects} objects each through kube-apiserver, 8 clients`);
      await kube.json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      const manifest = (name: string, i: number, generation: number) => {
        const m = vvpDeployment(ns, name, i);
        m.spec.deployment.spec.template.spec.parallelism += generation;
        return m;
      };
      const writes = await writesThroughKubeApiserver({
        kube, objects, concurrency: 8,
        processes: programs,
        counter: { counts: requests, resetCounts: async () => { await emulator.json('DELETE', '/__emulator/requests'); }, idleMs: quick ? 2000 : 4000 },
        vvp: { path: (name) => vvpPath(ns, name), manifest },
        customResource: { path: (name) => crPath(ns, name), manifest: (name, i, generation) => customResource(ns, name, manifest(name, i, generation), onePadding) },
      }, log);
      results.writesThroughKubeApiserver = { objects, concurrency: 8, objectBytes: { vvpDeployment: one.body.length, customResource: crSize }, ...writes, goal: { createAndUpdateRatioThroughput: 0.7, createAndUpdateRatioP50: 1.5 }, note: 'each verb: the VvpDeployments, then the custom resources, in two rounds; platform calls counted in the first round, background subtracted; update = the JSON merge patch kubectl apply sends for a changed manifest, apply = server-side apply of the manifest' };
      rows.push(...writesRows(writes, 8));
    }

    if (runs('11')) {
      // ---- 11. CPU per request per process, every verb (per-verb.ts) ------------------------------------------------
      const ns = 'bench-per-verb';
      const objects = quick ? 200 : listSize;
      log(`11. CPU per request per process: create, update, apply, GET, LIST ${objects}, delete; ${objects} objects per side, 8 clients`);
      await kube.json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      if (inspectPort) inspector = await InspectorSession.connect(inspectPort);
      const machineAtStart = machine();
      const manifest = (name: string, i: number, generation: number) => {
        const m = vvpDeployment(ns, name, i);
        m.spec.deployment.spec.template.spec.parallelism += generation;
        return m;
      };
      const perVerb = await cpuPerVerb({
        kube, objects, gets: quick ? 300 : 1000, lists: quick ? 10 : 30, concurrency: 8, idleMs: quick ? 2000 : 4000,
        processes: programs,
        vvp: { path: (name) => vvpPath(ns, name), manifest },
        customResource: { path: (name) => crPath(ns, name), manifest: (name, i, generation) => customResource(ns, name, manifest(name, i, generation), onePadding) },
        ...(inspector ? { inspector } : {}),
      }, log);
      const perVerbResults = {
        machine: machineAtStart, pollIntervalMs, objects, concurrency: 8, objectBytes: { vvpDeployment: one.body.length, customResource: crSize }, ...perVerb,
        note: 'CPU ms per request (utime+stime, /proc/<pid>/stat) of each process while the requests of one verb ran through kube-apiserver, 8 at a time, the background measured while idle just before subtracted; ratio = the server\'s CPU per VvpDeployment request / kube-apiserver + etcd CPU per custom resource request; profile: the server\'s self-time top-10 over the second half of the writes and a second round of reads (not in the CPU figures)',
      };
      results.cpuPerVerb = perVerbResults;
      rows.push(...perVerbRows(perVerb, objects));
      const dir = join(repo, 'bench', 'results');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'per-verb.json'), `${JSON.stringify({ ...perVerbResults, loadAverageAtEnd: machine().loadAverage, table: [rows[0]!, ...perVerbRows(perVerb, objects)] }, null, 2)}\n`);
      writeFileSync(join(dir, 'per-verb-profile.txt'), profileReport(perVerb));
      log(`   wrote bench/results/per-verb.json and per-verb-profile.txt`);
    }

    // ---- 4. watch fan-out ----------------------------------------------------------------------------------------
    const listRoute = 'GET /api/v1/namespaces/:namespace/deployments';
    const listCallsPerSecond = async (seconds: number) => {
      await emulator.json('DELETE', '/__emulator/requests');
      const t = now();
      await sleep(seconds * 1000);
      const r = await requests();
      const s = (now() - t) / 1000;
      const routesPerSecond = Object.fromEntries(Object.entries(r.routes).map(([k, v]) => [k, round(v / s, 2)]));
      return { listPerSecond: round((r.routes[listRoute] ?? 0) / s, 2), totalPerSecond: round(r.total / s, 2), routesPerSecond };
    };
    /** Platform-side edits of get-one while the fleet watches; latency of the MODIFIED event at each watcher. */
    const eventLatency = async (fleet: WatchFleet, changes: number, tag: string, timeoutMs = pollIntervalMs * 3 + 5000) => {
      const latencies: number[] = [];
      let missed = 0;
      for (let c = 0; c < changes; c++) {
        await sleep(200 + Math.random() * pollIntervalMs); // at a random point of the poll cycle
        const marks = fleet.arrivals.map((a) => a.length);
        const t = now();
        await emulator.json('PATCH', `/__emulator/namespaces/default/deployments/${platformName}`, { metadata: { labels: { 'bench-tick': `${tag}${c}` } } });
        const deadline = t + timeoutMs;
        while (now() < deadline && fleet.arrivals.some((a, i) => !a.slice(marks[i]).some((e) => e.type === 'MODIFIED'))) await sleep(10);
        for (const [i, a] of fleet.arrivals.entries()) {
          const e = a.slice(marks[i]).find((x) => x.type === 'MODIFIED');
          if (e) latencies.push(e.at - t);
          else missed++;
        }
      }
      return { ms: summary(latencies), missed, timeoutMs };
    };
    const watchPath = `${vvpPath('bench')}?watch=true`;
    if (runs('12')) {
      // ---- 12. a flood by one user, beside another user and the namespace controller (flood.ts) ------------------------
      const ns = 'bench-flood';
      const size = quick ? 100 : Number(values['flood-size']);
      log(`12. flood: ${size} objects per side in ${ns}`);
      await kube.json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      await pool(size, 8, async (i) => {
        const a = await server.call('POST', vvpPath(ns), vvpDeployment(ns, `flood-${i}`, i));
        if (a.status !== 201) throw new Error(`create flood-${i}: ${a.status} ${a.body.slice(0, 300)}`);
      });
      await pool(size, 8, async (i) => { await kube.json('POST', crPath(ns), customResource(ns, `flood-${i}`, oneObj, onePadding)); });
      await bindUsers(kube);
      await kube.json('POST', `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flood-control' }, data: { a: 'b' } });
      const cap = 32; // the server's default --vvp-max-concurrent-calls (the bench stack sets none)
      const serverSample = async (): Promise<ServerSample> => {
        const lines = (await server.call('GET', '/metrics')).body.split('\n');
        const sum = (keep: (line: string) => boolean) => lines.filter(keep).reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
        return {
          platformCallsRunning: sum((l) => l.startsWith('vvp_platform_calls_in_flight{') && l.includes('state="running"')),
          loopDelayMaxMs: round(sum((l) => l.startsWith('nodejs_eventloop_lag_max_seconds ')) * 1000, 1),
          gcPauseMs: sum((l) => l.startsWith('nodejs_gc_duration_seconds_sum{')) * 1000,
          platformCalls: sum((l) => l.startsWith('vvp_platform_request_duration_seconds_count{')),
          platformBytes: sum((l) => l.startsWith('vvp_platform_response_bytes_total{')),
        };
      };
      const opts = {
        url: cp.server, tls: { ca: cp.clusterCa.certPem, cert: admin.certPem, key: admin.keyPem }, admin: kube,
        listers: Number(values['flood-listers']), watchReconnectsPerSecond: Number(values['flood-watches']),
        seconds: quick ? 8 : Number(values['flood-seconds']), baselineRuns: quick ? 40 : 200,
        processes: programs, kubeOwnPath: `/api/v1/namespaces/${ns}/configmaps/flood-control`,
      };
      // The other user as kube-apiserver's proxy names them to the server (front-proxy certificate and headers).
      const otherStraight = new Client(st.serverUrl, { 'x-remote-user': 'bench-other', 'x-remote-group': 'system:authenticated' }, serverTls, 4);
      clients.push(otherStraight);
      const vvpFlood = (label: string): FloodSide => ({
        label, collection: vvpPath(ns), getPath: vvpPath(ns, 'flood-0'), manifest: (name) => vvpDeployment(ns, name, 0),
        serverSample, straightGet: () => otherStraight.call('GET', vvpPath(ns, 'flood-0')),
      });
      const crdFlood = (label: string): FloodSide => ({ label, collection: crPath(ns), getPath: crPath(ns, 'flood-0'), manifest: (name) => customResource(ns, name, oneObj, onePadding) });
      const vvp = await flood(vvpFlood('vvp'), opts, log);
      const crdSide = await flood(crdFlood('crd'), opts, log);
      results.flood = { objects: size, listers: opts.listers, watchReconnectsPerSecond: opts.watchReconnectsPerSecond, seconds: opts.seconds, baselineRuns: opts.baselineRuns, cap, vvp, crd: crdSide, note: 'through kube-apiserver as two impersonated users (cluster-admin); the flooder: concurrent LISTs of the namespace back to back and watches of it opened and dropped at their first event; the other user: GET then every 4th a create, one at a time; the namespace: one ConfigMap, deleted, until its GET answers 404' };
      rows.push(...floodRows(vvp, crdSide, cap));
      // The same flood with the other user in a priority level of its own (operate.md's team-a), as a platform team
      // protects a team: on both sides, once kube-apiserver and this server both classify the user there.
      const level = await giveOwnLevel(kube, server);
      const vvpOwn = await flood(vvpFlood('vvp-own'), opts, log);
      const crdOwn = await flood(crdFlood('crd-own'), opts, log);
      await level.remove();
      (results.flood as Record<string, unknown>).ownLevel = { vvp: vvpOwn, crd: crdOwn, note: 'the other user in a PriorityLevelConfiguration of its own (30 shares, lends and borrows none)' };
      rows.push(...ownLevelRows(vvpOwn, crdOwn));
      // The flood's deployments leave the platform namespace: the watch measures after this one read its listing, whose
      // bytes set their poll interval (--poll-bytes-budget).
      const left = (await server.json<{ items: { metadata: { name: string } }[] }>('GET', vvpPath(ns))).items.map((d) => d.metadata.name);
      await pool(left.length, 8, async (i) => { await server.call('DELETE', vvpPath(ns, left[i]!)); });
      if (only.size === 1 && values.out === undefined) {
        const out = join(repo, 'bench', 'results', 'flood.json');
        mkdirSync(resolve(out, '..'), { recursive: true });
        writeFileSync(out, `${JSON.stringify({ machine: results.machine, flood: results.flood, table: [...floodRows(vvp, crdSide, cap), ...ownLevelRows(vvpOwn, crdOwn)] }, null, 2)}\n`);
        log(`wrote ${out}`);
      }
    }

    if (runs('9')) {
      // ---- 9. platform calls per poll: the child kinds watched or not ----------------------------------------------
      const seconds = quick ? 4 : 10;
      const perPoll = (c: { totalPerSecond: number }) => round((c.totalPerSecond * pollIntervalMs) / 1000, 2);
      // The namespace may hold no savepoint or job: the initial-events-end BOOKMARK is the first event the fleet waits for.
      const childPath = (resource: string) => `/apis/${GROUP}/v1/namespaces/bench/${resource}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`;
      log(`9. platform calls per poll (${pollIntervalMs} ms) with one vvpdeployments watch, with and without vvpsavepoints / vvpjobs, then vvpdeploymenttargets / vvpsessionclusters watches (${seconds} s each)`);
      const deploymentsWatch = new WatchFleet(st.serverUrl, serverTls, identity);
      fleets.push(deploymentsWatch);
      await deploymentsWatch.open(1, watchPath);
      await sleep(pollIntervalMs);
      const alone = await listCallsPerSecond(seconds);
      const children = new WatchFleet(st.serverUrl, serverTls, identity);
      fleets.push(children);
      await children.open(1, childPath('vvpsavepoints'));
      await children.open(1, childPath('vvpjobs'));
      await sleep(pollIntervalMs);
      const withChildren = await listCallsPerSecond(seconds);
      children.close();
      await sleep(pollIntervalMs);
      const aloneAgain = await listCallsPerSecond(seconds);
      // The cluster-scoped kinds: their routes see calls only while they are watched.
      const catalogWatches = new WatchFleet(st.serverUrl, serverTls, identity);
      fleets.push(catalogWatches);
      for (const resource of CATALOG_RESOURCES) await catalogWatches.open(1, catalogWatchPath(GROUP, resource));
      await sleep(pollIntervalMs);
      const withCatalog = await listCallsPerSecond(seconds);
      catalogWatches.close();
      deploymentsWatch.close();
      const catalogPerPoll = { alone: catalogCallsPerPoll(alone.routesPerSecond, pollIntervalMs), watched: catalogCallsPerPoll(withCatalog.routesPerSecond, pollIntervalMs) };
      results.childKindsPlatformCalls = {
        pollIntervalMs, seconds, deploymentsWatchAlone: alone, withSavepointAndJobWatches: withChildren, deploymentsWatchAloneAgain: aloneAgain,
        withTargetAndSessionClusterWatches: withCatalog, targetAndSessionClusterRoutesPerPoll: catalogPerPoll,
        perPoll: { alone: perPoll(alone), withChildren: perPoll(withChildren), aloneAgain: perPoll(aloneAgain), withCatalog: perPoll(withCatalog) },
        note: 'all platform calls the emulator counted (watch polls, background loops, the GC watch), per poll interval; the child kinds poll only while watched and reuse the deployment poll\'s read when it is younger than half an interval',
      };
      rows.push(['9', 'platform calls / poll: vvpdeployments watch alone', String(perPoll(alone)), '', 'incl. background loops', '']);
      rows.push(['9', '  + vvpsavepoints and vvpjobs watches', String(perPoll(withChildren)), '', '', '']);
      rows.push(['9', '  child watches ended: alone again', String(perPoll(aloneAgain)), '', `unchanged: ${perPoll(aloneAgain) <= perPoll(alone) * 1.1 ? 'yes' : 'no'}`, '= alone']);
      rows.push(['9', '  target/session-cluster calls / poll, no user watching', String(catalogPerPoll.alone), '', 'the GC watches deletable targets', '<= 1 per platform ns']);
      rows.push(['9', '  + vvpdeploymenttargets and vvpsessionclusters watches', String(perPoll(withCatalog)), '', `their routes: ${catalogPerPoll.watched}`, '+2']);
      for (const [label, c] of [['alone', alone], ['with children', withChildren], ['alone again', aloneAgain], ['with target/session-cluster watches', withCatalog]] as const) {
        log(`   ${label}: ${perPoll(c)} calls/poll (${Object.entries(c.routesPerSecond).map(([r, n]) => `${r} ${round((n * pollIntervalMs) / 1000, 2)}`).join(', ')})`);
      }
    }
    if (runs('4')) {
      const baseline = await listCallsPerSecond(quick ? 2 : 4);
      log(`4. watch fan-out; without watchers the platform sees ${baseline.listPerSecond} list calls/s (background loops)`);
      const fanout: Record<string, unknown>[] = [];
      rows.push(['4', 'bench watches: 0 -> platform list calls/s (all calls/s)', `${baseline.listPerSecond} (${baseline.totalPerSecond})`, '', 'background loops + GC watch', 'flat']);
      for (const count of watchCounts) {
        const fleet = new WatchFleet(st.serverUrl, serverTls, identity);
        fleets.push(fleet);
        const t = now();
        await fleet.open(count, watchPath);
        const openMs = round(now() - t, 1);
        await sleep(pollIntervalMs);
        const calls = await listCallsPerSecond(quick ? 3 : 5);
        const latency = await eventLatency(fleet, quick ? 3 : 8, `w${count}-`);
        const memory = rssMb(serverPid);
        fanout.push({ watches: count, openMs, platformCalls: calls, eventLatency: latency, serverRssMb: memory, streamErrors: fleet.errors });
        rows.push(['4', `bench watches: ${count} -> list calls/s; event p50 / p99 ms`, `${calls.listPerSecond} (${calls.totalPerSecond}); ${latency.ms.p50} / ${latency.ms.p99}`, '', `missed ${latency.missed}, RSS ${memory} MB`, `p99 <= ${pollIntervalMs + 100} ms`]);
        log(`   ${count} watches: ${calls.listPerSecond} list calls/s, event latency p50 ${latency.ms.p50} p99 ${latency.ms.p99} ms`);
        fleet.close();
        fleets.pop();
        await sleep(300);
      }
      results.watchFanout = { pollIntervalMs, baselineWithoutWatches: baseline, byWatchCount: fanout, goalEventLatencyP99Ms: pollIntervalMs + 100, note: 'watches straight to the server over HTTP/2 (250 streams per session) on namespace bench (one object); the server polls the whole platform namespace. Every count includes, besides the bench watches, the watch kube-controller-manager\'s garbage collector keeps on every resource, and the leader\'s background loops (finish-pending-work: one list per interval; mirror-platform-events: one snapshot per interval), and the occupancy refresh every replica runs (one list per 30 s)' };
    }

    // ---- 5. memory and the platform's cost of being watched, at scale (scale-reads.ts) -----------------------------
    if (runs('5')) {
      results.scaleReads = await scaleReads({
        stack: st, server, emulator, object: vvpDeployment, existing: listSize + 1, sizes: scaleSizes, watches: Math.max(...watchCounts),
        createBudgetS, quick, log, rows,
        openFleet: async (count) => { const f = new WatchFleet(st.serverUrl, serverTls, identity); fleets.push(f); await f.open(count, watchPath); return f; },
      });
    }

    results.machineAtEnd = machine();
    results.durationSeconds = Math.round((Date.now() - started) / 1000);
    results.objectsCreated = { how: 'VvpDeployments: POST straight to the server (front-proxy identity admin/system:masters), 8 at a time; custom resources: POST through kube-apiserver, 8 at a time; the single GET object through kube-apiserver', vvpCreatePerSecond };
    const m = results.machine as ReturnType<typeof machine>;
    console.log(`\nmake bench — ${m.cpus} cores (${m.model}), ${m.memoryMb} MB, node ${m.node}, load average ${m.loadAverage.join(' ')} at start, ${(results.machineAtEnd as ReturnType<typeof machine>).loadAverage.join(' ')} at end; ${results.durationSeconds} s\n`);
    console.log(table(rows));
    // Measure 11 or 12 alone writes only its own files (above), not over the last full run's bench.json.
    if (values.out !== undefined || [...only].some((m) => m !== '11' && m !== '12')) {
      const out = values.out ?? join(repo, 'bench', 'results', 'bench.json');
      mkdirSync(resolve(out, '..'), { recursive: true });
      writeFileSync(out, `${JSON.stringify({ ...results, table: rows }, null, 2)}\n`);
      console.log(`\nwrote ${out}`);
    }
  } finally {
    for (const f of fleets) f.close();
    for (const c of clients) c.close();
    inspector?.close();
    log('stopping the stack');
    await stopStack(stateDir).catch((err: unknown) => console.error(err));
    rmSync(tmp, { recursive: true, force: true });
  }
}

export type { Summary };
await main();

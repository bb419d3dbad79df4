// Scale benchmark of the VVP emulator: 10,000 deployments, then GET latency by name and labelSelector
// lists of 1,000. Targets (issue 4): GET p50 < 1 ms, a list of 1,000 < 50 ms. Prints a table and writes
// bench/results/emulator.json. Not a test: it reports timings and asserts nothing.
//
//   npm run build && node dist/bench/emulator-bench.js [--deployments N]
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, startEmulator } from '../test/support/emulator.js';

const { values } = parseArgs({ options: { deployments: { type: 'string', default: '10000' } } });
const total = Number(values.deployments);
const groups = 10;
const agent = new Agent({ keepAlive: true, maxSockets: 32 });

interface Answer {
  status: number;
  body: string;
  ms: number;
}

function call(url: string, token: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      {
        method,
        agent,
        headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: Number(process.hrtime.bigint() - started) / 1e6 }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return { n: sorted.length, p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? NaN) };
}

function deployment(i: number) {
  return {
    metadata: { name: `bench-${String(i).padStart(5, '0')}`, labels: { group: `g${i % groups}`, shard: `s${i % 100}`, bench: 'yes' } },
    spec: {
      state: 'CANCELLED',
      deploymentTargetName: 'default',
      template: { spec: { artifact: { kind: 'JAR', jarUri: `s3://bench/job-${i}.jar` }, parallelism: 1 + (i % 4) } },
    },
  };
}

async function main(): Promise<void> {
  const emu = await startEmulator({ args: ['--seed', '--log-level', 'warn'] });
  const { url, adminToken } = emu;
  const ns = '/api/v1/namespaces/default';
  try {
    const createStarted = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < total) {
          const i = next++;
          const answer = await call(url, adminToken, 'POST', `${ns}/deployments`, deployment(i));
          if (answer.status !== 201) throw new Error(`create ${i}: ${answer.status} ${answer.body}`);
        }
      }),
    );
    const createSeconds = (Date.now() - createStarted) / 1000;

    const get: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const name = `bench-${String(Math.floor(Math.random() * total)).padStart(5, '0')}`;
      const answer = await call(url, adminToken, 'GET', `${ns}/deployments/${name}`);
      if (answer.status !== 200) throw new Error(`get ${name}: ${answer.status}`);
      if (i >= 200) get.push(answer.ms); // the first calls warm up the JIT
    }

    const listOf = async (selector: string, runs: number) => {
      const samples: number[] = [];
      let items = 0;
      for (let i = 0; i < runs + 5; i++) {
        const answer = await call(url, adminToken, 'GET', `${ns}/deployments?labelSelector=${encodeURIComponent(selector)}`);
        if (answer.status !== 200) throw new Error(`list ${selector}: ${answer.status}`);
        items = (JSON.parse(answer.body) as { items: unknown[] }).items.length;
        if (i >= 5) samples.push(answer.ms);
      }
      return { items, ...summary(samples) };
    };
    const listEquality = await listOf('group=g3', 50);
    const listSetBased = await listOf('group in (g3),shard!=s13', 50);
    const listTwoLabels = await listOf('bench=yes,shard=s42', 50);

    const results = {
      // Timings depend on what else runs: the 1-minute load average is kept with them.
      machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100 },
      deployments: total,
      createSeconds,
      createPerSecond: Math.round(total / createSeconds),
      getByNameMs: summary(get),
      listLabelSelectorMs: { 'group=g3': listEquality, 'group in (g3),shard!=s13': listSetBased, 'bench=yes,shard=s42': listTwoLabels },
      targets: { getP50Ms: 1, list1000Ms: 50 },
      measuredAt: new Date().toISOString(),
    };

    const rows: [string, string, string, string, string][] = [
      ['measure', 'items', 'p50 ms', 'p95 ms', 'target'],
      ['GET deployment by name', '1', String(results.getByNameMs.p50), String(results.getByNameMs.p95), 'p50 < 1 ms'],
      ['list group=g3', String(listEquality.items), String(listEquality.p50), String(listEquality.p95), '< 50 ms'],
      ['list group in (g3),shard!=s13', String(listSetBased.items), String(listSetBased.p50), String(listSetBased.p95), ''],
      ['list bench=yes,shard=s42', String(listTwoLabels.items), String(listTwoLabels.p50), String(listTwoLabels.p95), ''],
    ];
    const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => r[c]?.length ?? 0))) ?? [];
    console.log(`\nvvp-emulator with ${total} deployments (created in ${createSeconds.toFixed(1)} s, ${results.createPerSecond}/s; load average ${results.machine.loadAverage1m})\n`);
    for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  '));

    const dir = join(repoRoot(), 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'emulator.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nwrote ${join('bench', 'results', 'emulator.json')}`);
  } finally {
    agent.destroy();
    await emu.stop();
  }
}

await main();

// Small pieces of `make bench` (bench/run.ts): timed HTTP clients for kube-apiserver, the server and the emulator,
// HTTP/2 watch streams, closed-loop load, percentiles, and the machine's description.
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { connect, type ClientHttp2Session } from 'node:http2';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { cpus, loadavg, totalmem } from 'node:os';

export interface Answer {
  status: number;
  body: string;
  ms: number;
  /** The answer's Server-Timing header (the server's stages, with --server-timing). */
  serverTiming?: string;
  /** The answer's Retry-After header in seconds, when it has one (429, 503). */
  retryAfterS?: number;
}

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export function summary(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length, p50: round(percentile(sorted, 50)), p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? NaN),
  };
}

export const now = (): number => Number(process.hrtime.bigint()) / 1e6;

/** Counts one answer by its status (0, no answer at all, as `error`). */
export function tally(counts: Map<string, number>, status: number): void {
  const key = status === 0 ? 'error' : String(status);
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** One HTTP(S) endpoint with a keep-alive agent and fixed headers; every call is timed. */
export class Client {
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly url: URL;

  constructor(base: string, private readonly headers: Record<string, string>, tls?: { ca: string; cert?: string; key?: string; servername?: string }, maxSockets = 64) {
    this.url = new URL(base);
    this.agent = this.url.protocol === 'https:'
      ? new HttpsAgent({ keepAlive: true, maxSockets, ...tls })
      : new HttpAgent({ keepAlive: true, maxSockets });
  }

  call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const started = now();
    const request = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request({
        host: this.url.hostname, port: this.url.port, path, method, agent: this.agent,
        headers: { accept: 'application/json', ...this.headers, ...(payload ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) } : {}) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const timing = res.headers['server-timing'];
          const retryAfterS = Number(res.headers['retry-after'] ?? NaN);
          resolve({
            status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: now() - started,
            ...(typeof timing === 'string' ? { serverTiming: timing } : {}), ...(retryAfterS >= 0 ? { retryAfterS } : {}),
          });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** A call that must answer one of `ok`; the parsed body. */
  async json<T = unknown>(method: string, path: string, body?: unknown, ok: number[] = [200, 201], contentType?: string): Promise<T> {
    const a = await this.call(method, path, body, contentType);
    if (!ok.includes(a.status)) throw new Error(`${method} ${path}: ${a.status} ${a.body.slice(0, 500)}`);
    return (a.body ? JSON.parse(a.body) : undefined) as T;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `task` for items 0..n-1 with `concurrency` workers; stops early (returning how many were done) at `deadline`. */
export async function pool(n: number, concurrency: number, task: (i: number) => Promise<void>, deadline = Infinity): Promise<number> {
  let next = 0;
  let done = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n && Date.now() < deadline) {
      const i = next++;
      await task(i);
      done++;
    }
  }));
  return done;
}

/** Closed-loop load: `clients` callers each issue calls back to back for `seconds`; requests/s and latency. */
export async function closedLoop(clients: number, seconds: number, call: () => Promise<Answer>): Promise<{ requests: number; errors: number; perSecond: number; latencyMs: Summary }> {
  const samples: number[] = [];
  let errors = 0;
  const started = now();
  const end = started + seconds * 1000;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (now() < end) {
      const a = await call();
      if (a.status !== 200) errors++;
      samples.push(a.ms);
    }
  }));
  const elapsed = (now() - started) / 1000;
  return { requests: samples.length, errors, perSecond: Math.round(samples.length / elapsed), latencyMs: summary(samples) };
}

/** Interleaves calls of several subjects (a, b, a, b, …) so that drifts of the machine hit them alike. */
export async function interleaved(runs: number, warmup: number, subjects: (() => Promise<Answer>)[]): Promise<number[][]> {
  const samples = subjects.map(() => [] as number[]);
  for (let i = 0; i < warmup + runs; i++) {
    for (const [s, call] of subjects.entries()) {
      const a = await call();
      if (a.status !== 200) throw new Error(`status ${a.status}: ${a.body.slice(0, 300)}`);
      if (i >= warmup) samples[s]!.push(a.ms);
    }
  }
  return samples;
}

/** Watches over HTTP/2 sessions (many streams each), counting events per stream with their arrival times. */
export class WatchFleet {
  private sessions: ClientHttp2Session[] = [];
  /** Per watch: arrival times (ms, `now()`) of its events by type. */
  readonly arrivals: { type: string; at: number; rv: string }[][] = [];
  private closing = false;
  errors = 0;

  constructor(private readonly url: string, private readonly tls: { ca: string; cert: string; key: string; servername: string }, private readonly headers: Record<string, string>) {}

  async open(count: number, path: string, streamsPerSession = 250): Promise<void> {
    const sessionsNeeded = Math.ceil(count / streamsPerSession);
    for (let s = 0; s < sessionsNeeded; s++) {
      const session = connect(this.url, { ...this.tls });
      session.on('error', () => { if (!this.closing) this.errors++; });
      await new Promise<void>((resolve, reject) => { session.once('connect', () => resolve()); session.once('error', reject); });
      this.sessions.push(session);
    }
    const opened: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const session = this.sessions[Math.floor(i / streamsPerSession)]!;
      const mine: { type: string; at: number; rv: string }[] = [];
      this.arrivals.push(mine);
      opened.push(new Promise((resolve, reject) => {
        const stream = session.request({ ':method': 'GET', ':path': path, accept: 'application/json', ...this.headers });
        let buffer = '';
        let first = true;
        stream.setEncoding('utf8');
        stream.on('response', (h) => {
          if (h[':status'] !== 200) reject(new Error(`watch answered ${String(h[':status'])}`));
        });
        stream.on('data', (chunk: string) => {
          const at = now();
          buffer += chunk;
          let nl: number;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
            if (!line.trim()) continue;
            const event = JSON.parse(line) as { type: string; object?: { metadata?: { resourceVersion?: string } } };
            mine.push({ type: event.type, at, rv: event.object?.metadata?.resourceVersion ?? '' });
            if (first) { first = false; resolve(); }
          }
        });
        stream.on('error', (err) => { if (!this.closing) { this.errors++; reject(err); } });
        stream.on('close', () => { if (first) reject(new Error('watch closed before its first event')); });
      }));
    }
    await Promise.all(opened);
  }

  get count(): number {
    return this.arrivals.length;
  }

  close(): void {
    this.closing = true;
    for (const s of this.sessions) s.destroy();
    this.sessions = [];
  }
}

/** Resident set size of a process in MB, from /proc/<pid>/status (VmRSS). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? round(Number(m[1]) / 1024, 1) : NaN;
}

/** CPU time (user + system) a process has used, in ms, from /proc/<pid>/stat (clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU ms so far of each named process (cpuMs). */
export function cpuOf(processes: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, cpuMs(pid)]));
}

export function machine() {
  return {
    cpus: cpus().length, model: cpus()[0]?.model, memoryMb: Math.round(totalmem() / 2 ** 20), node: process.version,
    loadAverage: loadavg().map((l) => round(l, 2)),
  };
}

export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => r[c]?.length ?? 0))) ?? [];
  return rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd()).join('\n');
}

// The flooding user of measure 12 (flood.ts), run on a worker thread of its own: a separate client, as the flooder is
// in a cluster. On the measuring thread, 200 listers' TLS reads and 3 MB bodies would share its event loop, and the
// other user's latencies would count the bench's own queue rather than what the servers answered (flood.ts reports
// the measuring thread's own delay). The worker shares the machine's cores, as a flooding client on the same node would.
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Client, now, tally } from './support.js';

export interface FlooderOptions {
  url: string;
  tls: { ca: string; cert: string; key: string };
  user: string;
  /** The flooded collection (LIST and watch). */
  collection: string;
  listers: number;
  watchReconnectsPerSecond: number;
  /** Epoch ms (Date.now()) at which the flood stops; both threads read the same clock. */
  stopAtEpochMs: number;
}

export interface FlooderResult {
  lists: Record<string, number>;
  watches: Record<string, number>;
  /** CPU ms the flooding thread used (its share of the bench process). */
  cpuMs: number;
}

/** Starts the flood on a worker thread; resolves with its tallies once it has stopped. */
export function startFlooder(options: FlooderOptions): { ready: Promise<void>; done: Promise<FlooderResult> } {
  const worker = new Worker(new URL(import.meta.url), { workerData: options });
  let readyResolve!: () => void;
  const ready = new Promise<void>((resolve) => { readyResolve = resolve; });
  const done = new Promise<FlooderResult>((resolve, reject) => {
    worker.on('message', (m: { ready?: true; result?: FlooderResult }) => {
      if (m.ready) readyResolve();
      if (m.result) resolve(m.result);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`flooder exited with ${code}`)));
  });
  return { ready, done };
}

async function flood(o: FlooderOptions): Promise<FlooderResult> {
  const started = process.threadCpuUsage();
  const flooder = new Client(o.url, { 'Impersonate-User': o.user }, o.tls, o.listers + 8);
  const watchAgent = new HttpsAgent({ keepAlive: true, maxSockets: Math.max(8, o.watchReconnectsPerSecond * 4), ...o.tls });
  const lists = new Map<string, number>();
  const watches = new Map<string, number>();
  const remaining = () => o.stopAtEpochMs - Date.now();
  parentPort!.postMessage({ ready: true });
  try {
    // Each lister is a client-go client: a 429 or 5xx with Retry-After is retried after that many seconds (client-go's
    // checkWait), so a refusal costs both sides one small answer, not a tight loop of them.
    const listers = Array.from({ length: o.listers }, async () => {
      while (remaining() > 0) {
        const a = await flooder.call('GET', o.collection).catch(() => ({ status: 0, retryAfterS: undefined }));
        tally(lists, a.status);
        if (a.retryAfterS !== undefined && (a.status === 429 || a.status >= 500)) await sleep(Math.min(a.retryAfterS * 1000, Math.max(0, remaining())));
      }
    });
    const pending: Promise<void>[] = [];
    // Watches at a steady rate: each opens one period after the last was due, however long opening it took.
    const period = 1000 / o.watchReconnectsPerSecond;
    for (let opened = now(); remaining() > 0; opened += period) {
      pending.push(watchOnce(watchAgent, o.url, `${o.collection}?watch=1`, o.user).then((status) => tally(watches, status)));
      await sleep(Math.max(0, opened + period - now()));
    }
    await Promise.all([...listers, ...pending]);
  } finally {
    flooder.close();
    watchAgent.destroy();
  }
  const cpu = process.threadCpuUsage(started);
  return { lists: Object.fromEntries(lists), watches: Object.fromEntries(watches), cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Opens a watch as `user` and drops it once it answers (a client reconnecting): the answer's status. */
function watchOnce(agent: HttpsAgent, base: string, path: string, user: string): Promise<number> {
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
    req.once('error', () => resolve(0));
    req.end();
  });
}

if (!isMainThread && parentPort) {
  const result = await flood(workerData as FlooderOptions);
  parentPort.postMessage({ result });
}
